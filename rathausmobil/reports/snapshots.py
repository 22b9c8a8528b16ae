"""The figures of past days, kept: one row per day for the whole administration and for
each Dezernat (`FigureSnapshot`), so that a trend over twelve months reads twelve rows
instead of rebuilding twelve days from the history.

The daily job (`run_due_jobs`) keeps yesterday, the last complete day, and fills any month
end of the last twelve months that has no row yet (a new installation, a job that did
not run): each from the records as they stood then (`compute_kpis(on=...)`), so a row
written late holds what a row written on time would have held. `snapshot_figures --since`
fills a longer past at once (the demo's story, an installation with old records).

The rows hold the published figures (the rule of 5 applied, viewer None); a figure that
cannot be rebuilt for its day is kept as such (`NotRebuilt`) and read back as such.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from rathausmobil.core.dates import add_months, month_ends
from rathausmobil.core.figures import NotRebuilt
from rathausmobil.organisation.models import OrgUnit, UnitKind
from rathausmobil.reports.kpis import compute_kpis, kept_kpis
from rathausmobil.reports.models import FigureSnapshot

TREND_MONTHS = 12
_NOT_REBUILT = "$not_rebuilt"


def encode(values: dict[str, Any]) -> dict[str, Any]:
    """Figures as JSON: a `NotRebuilt` as {"$not_rebuilt": "YYYY-MM-DD" | None}."""
    return {
        key: {_NOT_REBUILT: value.since.isoformat() if value.since else None}
        if isinstance(value, NotRebuilt)
        else value
        for key, value in values.items()
    }


def decode(values: dict[str, Any]) -> dict[str, Any]:
    def one(value):
        if isinstance(value, dict) and _NOT_REBUILT in value:
            since = value[_NOT_REBUILT]
            return NotRebuilt(dt.date.fromisoformat(since) if since else None)
        return value

    return {key: one(value) for key, value in values.items()}


def snapshot_units() -> list[OrgUnit | None]:
    """Whose figures are kept every day: the whole administration (None) and each
    Dezernat. An Amt's trend is not kept (docs/reports.md)."""
    return [None, *OrgUnit.objects.filter(kind=UnitKind.DEZERNAT).order_by("code")]


def snapshot_take(*, day: dt.date, unit: OrgUnit | None = None) -> FigureSnapshot:
    """The published figures as of the end of `day` (a past day), kept (again)."""
    values = encode(compute_kpis(on=day, unit=unit))
    snapshot, _ = FigureSnapshot.objects.update_or_create(
        day=day, unit=unit, defaults={"values": values}
    )
    return snapshot


def snapshots_fill(days: Iterable[dt.date], *, today: dt.date | None = None) -> int:
    """Keep the figures of each of `days` (only past days) that has no row yet, for the
    whole administration and every Dezernat; returns how many rows it wrote."""
    today = today or timezone.localdate()
    units = snapshot_units()
    wanted = sorted({day for day in days if day < today})
    have = set(FigureSnapshot.objects.filter(day__in=wanted).values_list("day", "unit_id"))
    written = 0
    for day in wanted:
        for unit in units:
            if (day, unit.pk if unit else None) in have:
                continue
            with transaction.atomic():
                snapshot_take(day=day, unit=unit)
            written += 1
    return written


def snapshots_due(today: dt.date) -> int:
    """The daily job: yesterday, and every month end of the last twelve months that has
    no row (idempotent: a second run the same day writes nothing)."""
    first = add_months(today.replace(day=1), -TREND_MONTHS)
    # month_ends ends with today itself, which is not over: snapshots_fill leaves it out.
    return snapshots_fill([*month_ends(first, today), today - dt.timedelta(days=1)], today=today)


def monthly_trend(
    *, on: dt.date | None = None, months: int = TREND_MONTHS, unit: OrgUnit | None = None
) -> dict[str, list[tuple[dt.date, Any]]]:
    """Each figure at the end of each of the `months` months up to `on` (default today;
    the last point is `on` itself): {key: [(day, value), ...]}. A month without a kept row
    has None; the point of today is the current figure (kept_kpis), of a past `on` its
    row. Two queries when the figures of today are kept."""
    today = timezone.localdate()
    on = min(on or today, today)
    days = month_ends(add_months(on.replace(day=1), -(months - 1)), on)
    rows = {
        row.day: decode(row.values)
        for row in FigureSnapshot.objects.filter(day__in=days, unit=unit).only("day", "values")
    }
    if on == today:
        rows[today] = kept_kpis(unit=unit).values
    keys: list[str] = []
    for values in rows.values():
        keys += [key for key in values if key not in keys]
    return {key: [(day, rows.get(day, {}).get(key)) for day in days] for key in keys}
