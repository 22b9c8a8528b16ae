"""Meine Aufgaben: what waits for a person, contributed by every app.

Each app that gives people work connects one provider in its `AppConfig.ready()`:

    from rathausmobil.core.todos import todo_providers
    todo_providers.connect(todos.todos_for, label="Mobiles Arbeiten")

A provider is called with `(user, today)` and returns an iterable of `Todo`: only
what this user may act on (the app's own scoped selectors decide), at a fixed number
of queries whatever the number of rows (count, do not loop over records). Many
similar items become one `Todo` with a `count` ("12 Anträge zu entscheiden"), one
link to the list that holds them; a single item links straight to the action.

The start page (`home`) lists `todos_for(user)`, most urgent first, and the main
menu shows `todo_total(...)`. Core imports no app: the apps come to it.

A provider lists its items with `each_or_count(rows, each=..., together=...)`: up to
`SHOWN` rows one line each, beyond that one line with the count; where it only shows
the first few without a count line it slices `[:SHOWN]`.

A "since your last visit" task (the staff council's new refusals) keeps its marker
with `mark_seen(user, key)` / `last_seen(user, key)`.

A person's list is kept, not asked of every app on each page view (docs/performance.md):
`todos_for(user)` keeps it with `core.figures.kept` under the person, the language, the
date and the generation of the figures, which every audited write renews on commit. So
a task appears or goes with the write that makes it, and one that comes with the clock
alone (a decision date passes at noon) shows within `FIGURES_MAX_AGE`. A write that
changes a task without an audit event calls `core.figures.figures_changed()` (or, for
one person's own marker, `mark_seen` forgets that person's list).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import IntEnum

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from rathausmobil.core.figures import kept, kept_key
from rathausmobil.core.hooks import IN_TRANSACTION, Hook


class Urgency(IntEnum):
    """How soon: the list is sorted by this, then by due date."""

    OVERDUE = 0  # a deadline has passed (a request beyond its decision date)
    DUE = 1  # someone waits on this person now (consent, a hand-over to confirm)
    OPEN = 2  # to do, no one is blocked yet (positions not assessed)
    INFO = 3  # worth a look (new refusals since the last visit)


# The groups of the main menu; a task names the one it belongs to.
GROUP_WORK = _("Mobiles Arbeiten")
GROUP_DEVICES = _("Geräte & Zugänge")
GROUP_REPORTS = _("Auswertungen")
GROUP_ADMIN = _("Verwaltung")


@dataclass(frozen=True)
class Todo:
    """One line of Meine Aufgaben."""

    key: str  # stable and unique per provider and item, e.g. "agreements.consent.42"
    title: str  # what to do, in German: "Vereinbarung zustimmen"
    url: str  # straight to the action (or to the filtered list for a count)
    action: str  # the button's text: "Zustimmen"
    group: str = str(GROUP_WORK)
    detail: str = ""  # one sentence: why, for whom, until when
    urgency: Urgency = Urgency.OPEN
    due: dt.date | None = None
    count: int = 1  # how many items this line stands for


SHOWN = 5  # single items listed one by one; beyond that one line with the count


def each_or_count(
    rows,
    *,
    each: Callable[[object], Todo],
    together: Callable[[object, list], Todo | Iterable[Todo]],
    shown: int = SHOWN,
    count: Callable[[object], object] | None = None,
) -> list[Todo]:
    """The one way a provider lists its items: up to `shown` rows one line each (one query
    with a LIMIT), more than that as one line with the count (one more query). `each(row)`
    makes a row's Todo; `together(count, first)` makes the line(s) for many (it gets the
    first rows read, e.g. for the earliest due date) and answers a Todo or a list of Todos.

    `rows` is a queryset, or a list already read (then counted with `len`, no query).
    `count(rows)` replaces `rows.count()` when the line for many needs more than one
    figure from its one query (the inbox's total and overdue, in one aggregate)."""
    first = list(rows[: shown + 1])
    if len(first) <= shown:
        return [each(row) for row in first]
    if count is not None:
        many = count(rows)
    elif isinstance(rows, (list, tuple)):
        many = len(rows)
    else:
        many = rows.count()
    lines = together(many, first)
    return [lines] if isinstance(lines, Todo) else list(lines)


todo_providers: Hook[[object, dt.date], Iterable[Todo]] = Hook(
    "todo_providers",
    runs=IN_TRANSACTION,
    doc=(
        "Asked for the start page: what waits for this user today. Answers an iterable "
        "of core.todos.Todo, scoped to what the user may act on, at a fixed number of "
        "queries."
    ),
)


def todos_for(user, *, today: dt.date | None = None) -> list[Todo]:
    """Every task of every app for this user, most urgent first: today's list as kept
    (see above), or for another `today` asked of the apps."""
    if user is None or not user.is_authenticated:
        return []
    if today is not None:
        return _ask_apps(user, today)
    return kept("todos", _todo_scope(user), lambda: _ask_apps(user, timezone.localdate())).values


def _ask_apps(user, today: dt.date) -> list[Todo]:
    items = [todo for answer in todo_providers.collect(user, today) for todo in answer or ()]
    return sorted(items, key=lambda t: (t.urgency, t.due or dt.date.max, t.group, t.title))


def _todo_scope(user, language: str | None = None) -> str:
    # The titles are translated when asked: the language is part of the key.
    return f"user:{user.pk}:{language or translation.get_language()}"


def forget_todos(user) -> None:
    """Ask the apps again at this person's next view (their own marker changed)."""
    cache.delete_many(
        [kept_key("todos", _todo_scope(user, code)) for code, _name in settings.LANGUAGES]
    )


def todo_total(todos: Iterable[Todo]) -> int:
    """The number in the menu: how many items wait, counted as the lines say."""
    return sum(todo.count for todo in todos)


def mark_seen(user, key: str, *, at: dt.datetime | None = None) -> None:
    """Remember that the user has looked at `key` (e.g. "agreements.refusals") now."""
    from rathausmobil.core.models import SeenMarker

    SeenMarker.objects.update_or_create(
        user=user, key=key, defaults={"seen_at": at or timezone.now()}
    )
    forget_todos(user)


def last_seen(user, key: str) -> dt.datetime | None:
    """When the user last looked at `key`, or None if never."""
    from rathausmobil.core.models import SeenMarker

    return SeenMarker.objects.filter(user=user, key=key).values_list("seen_at", flat=True).first()


# --------------------------------------------------------------------------- core's own tasks


def imports_waiting(user, today: dt.date) -> list[Todo]:
    """Core's own provider: the newest `SHOWN` uploads of this user that wait in the
    preview for their confirmation or discarding (one query). Each links to its preview page, which the
    app that serves the kind includes (`import_urls()`)."""
    from django.urls import reverse
    from django.utils.translation import gettext as _t

    from rathausmobil.core.imports import import_kinds
    from rathausmobil.core.models import ImportStatus, ImportUpload

    uploads = ImportUpload.objects.filter(
        uploaded_by_id=user.pk, status=ImportStatus.PREVIEW
    ).order_by("-created_at", "-pk")[:SHOWN]
    todos = []
    for upload in uploads.only("pk", "kind", "filename", "created_at"):
        kind = import_kinds.get(upload.kind)
        if kind is None:
            continue
        created = timezone.localtime(upload.created_at)
        todos.append(
            Todo(
                key=f"core.import.{upload.pk}",
                title=_t("Import prüfen: %(kind)s") % {"kind": upload.get_kind_display()},
                detail=_t(
                    "„%(file)s“, hochgeladen am %(date)s, ist noch nicht übernommen: "
                    "übernehmen oder verwerfen."
                )
                % {"file": upload.filename, "date": created.strftime("%d.%m.%Y")},
                url=reverse(f"{kind.page.namespace}:import_preview", args=[upload.pk]),
                action=_t("Vorschau prüfen"),
                group=str(GROUP_ADMIN),
                urgency=Urgency.DUE,
                due=created.date(),
            )
        )
    return todos
