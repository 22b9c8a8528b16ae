"""Small groups suppressed where figures are made: the rule of 5 (DOMAIN.md).

A figure about people's conduct (refusals by reason, VPN usage) that rests on fewer than
`settings.MIN_GROUP_SIZE` people (default 5, env `MIN_GROUP_SIZE`) is not shown as a
number: a count of 1 to 4 becomes "< 5". Every figure provider applies it before a figure
leaves it (each app's `kpis()`, the usage figures behind the VPN pages), so `kpis --json`,
the dashboard, exports and the API all show the same. Which figures count as conduct, and
who may see them exact, is in docs/roles.md.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language, gettext

T = TypeVar("T")


def min_group_size() -> int:
    """The smallest group whose figures may be shown."""
    return settings.MIN_GROUP_SIZE


def is_small(count: int) -> bool:
    """A group of at least one person but fewer than the minimum (nobody is no group)."""
    return 0 < count < min_group_size()


def hidden_label() -> str:
    """What stands in for a suppressed figure: "< 5"."""
    return f"< {min_group_size()}"


def suppress_count(count: int, *, exact: bool = False) -> int | str:
    """`count`, or "< 5" when it is a small group; `exact` for a viewer who may read the
    records behind the figure anyway."""
    return hidden_label() if not exact and is_small(count) else count


def suppress_breakdown(counts: Mapping[str, int], *, exact: bool = False) -> dict[str, int | str]:
    """A breakdown ({reason: count}) with every small group suppressed."""
    return {key: suppress_count(count, exact=exact) for key, count in counts.items()}


# --------------------------------------------------------------------------- as of a date
#
# Every figure can be asked for a past day (the Stichtag, docs/reports.md): each provider
# rebuilds it from the records' own dates and their status history. A day before a
# figure's records began (the first HR import, the first VPN log, the first published
# presence plan) has no figure: the provider says so with `NotRebuilt` instead of a
# number, and that sentence travels with the figure to every page, export and `--json`.


@dataclass(frozen=True)
class NotRebuilt:
    """No figure for this day: its records begin later (`since`), or were never kept."""

    since: dt.date | None = None

    def __str__(self) -> str:
        from rathausmobil.core.dates import german_date

        if self.since is None:
            return gettext("nicht rekonstruierbar: dafür gibt es keine Daten")
        return gettext("nicht rekonstruierbar: Daten erst ab %(date)s") % {
            "date": german_date(self.since)
        }


def rebuilt_since(day: dt.date, since: dt.date | None) -> NotRebuilt | None:
    """`NotRebuilt` when `day` lies before `since` (the first day with records) or there
    are no records at all, else None: the figure can be computed."""
    if since is None or day < since:
        return NotRebuilt(since)
    return None


# --------------------------------------------------------------------------- kept figures
#
# Figures are read, not recomputed on every page view (docs/performance.md). A set of
# figures is kept in Django's cache under its name, the viewer's scope and a generation
# number; every write that could change a figure writes an audit event (core/audit.py,
# the only writer of the audit trail, also for every status change), and the audit trail
# calls `figures_changed()` once per committed transaction, which starts a new generation.
# The next reader computes the figures anew; so a figure read after a write equals the one
# computed from the records. Figures that change with the clock alone (an overdue request
# on the next morning) are renewed after `settings.FIGURES_MAX_AGE` seconds at the latest,
# and the local date is part of the key, as is the threshold of the rule of 5.
#
# With a shared cache (Redis, CACHE_URL) a write in any process renews the figures of all;
# with the per-process memory cache of the demo, a figure read in another process is at
# most FIGURES_MAX_AGE old.

GENERATION_KEY = "figures:generation"


@dataclass(frozen=True)
class Kept(Generic[T]):
    """Figures as they were computed at `as_of` (the "Stand" a page shows)."""

    values: T
    as_of: dt.datetime


def generation() -> int:
    """The current generation of the figures; starts at the clock, so a generation lost
    from the cache (evicted, restarted) never meets figures kept under an old one."""
    return cache.get_or_set(GENERATION_KEY, time.time_ns, timeout=None)


def _bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not there (evicted): a new clock-based generation
        cache.set(GENERATION_KEY, time.time_ns(), timeout=None)


def figures_changed() -> None:
    """The records behind the figures changed: kept figures are computed anew when next
    read. Inside a transaction this happens once, on commit (nothing on a rollback)."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _bump()
        return
    # One bump per transaction: the one waiting for this commit, if it is still waiting
    # (a rolled-back savepoint drops it, and then a new one is registered).
    waiting = getattr(connection, "_figures_bump", None)
    if waiting is not None and any(func is waiting for _, func, _ in connection.run_on_commit):
        return

    def bump() -> None:
        connection._figures_bump = None
        _bump()

    connection._figures_bump = bump
    transaction.on_commit(bump)


def _changed_in_this_transaction() -> bool:
    connection = transaction.get_connection()
    waiting = getattr(connection, "_figures_bump", None)
    return (
        connection.in_atomic_block
        and waiting is not None
        and any(func is waiting for _, func, _ in connection.run_on_commit)
    )


def kept_key(name: str, scope: str) -> str:
    """The cache key of the figures `name` for `scope` now."""
    # The rule of 5's threshold is part of the key: a changed setting shows at once.
    day = timezone.localdate().isoformat()
    return f"figures:{name}:{scope}:{min_group_size()}:{generation()}:{day}"


def kept(name: str, scope: str, compute: Callable[[], T]) -> Kept[T]:
    """The figures `name` for a viewer's `scope`, from the cache when they are current,
    else computed by `compute()` and kept."""
    if _changed_in_this_transaction():
        # This transaction wrote what the figures count, and no one else can see it yet:
        # computed for this reader alone, and not kept.
        return Kept(values=compute(), as_of=timezone.now())
    key = kept_key(name, scope)
    found = cache.get(key)
    if found is not None:
        return found
    figures = Kept(values=compute(), as_of=timezone.now())
    cache.set(key, figures, timeout=settings.FIGURES_MAX_AGE)
    return figures


def kept_html(name: str, scope: str, template: str, context: Callable[[], dict]) -> str:
    """A page fragment that is the same for every viewer of `scope`, kept as rendered in
    the active language: `template` (a partial, "app/page.html#part") is rendered with
    `context()` only when the kept one is not current. An exception in `context()` (a 404)
    keeps nothing."""
    return kept(
        name, f"{scope}:{get_language()}", lambda: render_to_string(template, context())
    ).values
