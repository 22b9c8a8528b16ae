"""Reads behind the usage pages (docs/vpn-usage.md, "Pages").

Who may read what is decided here, once:

- ``sees_usage_figures``: aggregates (gateway figures, units) for HR, IT, leadership, staff
  council and the data-protection officer. Supervisors as such see no usage at all.
- ``sees_unmapped_names``: IT only (names from the logs that map to nobody, with their
  session counts; that is usage of a login name, so HR does not get it).
- ``own_sessions``: a person's own sessions, nobody else's, by the employee of the scope.

Every figure about people's conduct follows the rule of 5 (``core.figures``, setting
``MIN_GROUP_SIZE``): a group with fewer active employees, or fewer distinct users on its
busiest day, is shown as suppressed. Listings of units add complementary suppression so that the hidden part can never
be computed as "total minus the rows shown" (see ``_suppress``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils import timezone

from rathausmobil.core.figures import min_group_size
from rathausmobil.organisation.models import Employee, OrgUnit, Role
from rathausmobil.organisation.scoping import scope_for
from rathausmobil.usage import aggregates, figures
from rathausmobil.usage.models import (
    UnitUsageDay,
    UnmappedCause,
    VpnAccount,
    VpnLogImport,
    VpnSession,
)

MAX_PERIOD_DAYS = 366
HOURLY_UP_TO_DAYS = 31


# --------------------------------------------------------------------------- who may read


def sees_usage_figures(user) -> bool:
    return scope_for(user).sees_aggregates


def sees_unmapped_names(user) -> bool:
    return scope_for(user).has(Role.IT)


# --------------------------------------------------------------------------- periods


def default_period(today: dt.date | None = None, days: int = 28) -> tuple[dt.date, dt.date]:
    """``days`` whole days ending yesterday (local)."""
    today = today or timezone.localdate()
    last = today - dt.timedelta(days=1)
    return last - dt.timedelta(days=days - 1), last


def quick_periods(today: dt.date | None = None) -> list[tuple[str, dt.date, dt.date]]:
    """(key, first, last): 4, 13 and 52 whole weeks ending yesterday, so that every weekday
    occurs equally often in the heat map."""
    return [
        (key, *default_period(today, days)) for key, days in (("4w", 28), ("q", 91), ("y", 364))
    ]


# --------------------------------------------------------------------------- gateway charts


@dataclass(frozen=True)
class Bucket:
    start: dt.datetime  # local, aware
    end: dt.datetime
    peak: int
    mean: float


@dataclass(frozen=True)
class Series:
    hourly: bool
    buckets: list[Bucket]
    capacity: int | None

    @property
    def peak(self) -> int:
        return max((b.peak for b in self.buckets), default=0)


@dataclass(frozen=True)
class HeatMap:
    """mean N per (weekday Monday = 0, local clock hour); None where the period has no such
    hour (a weekday not in the period, 02:00 on the day summer time begins)."""

    means: list[list[float | None]]
    seconds: list[list[int]]

    @property
    def highest(self) -> float:
        return max((v for row in self.means for v in row if v is not None), default=0.0)


def _local_hours(first: dt.date, last: dt.date) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every real local hour of the days: (Unix start, local clock hour, weekday). The hours
    are contiguous; the day summer time begins has 23, the day it ends 25 (02:00 twice)."""
    tz = aggregates.zone()
    starts, hours, weekdays = [], [], []
    day = first
    while day <= last:
        for hour, lo, _hi in aggregates.hour_bounds(day, tz):
            starts.append(lo)
            hours.append(hour)
            weekdays.append(day.weekday())
        day += dt.timedelta(days=1)
    return (
        np.array(starts, dtype=np.int64),
        np.array(hours, dtype=np.int64),
        np.array(weekdays, dtype=np.int64),
    )


def concurrency_series(
    hours: figures.Hours, first: dt.date, last: dt.date, capacity: int | None
) -> Series:
    """Highest and mean N per real local hour (periods up to 31 days) or per local day."""
    tz = aggregates.zone()
    hourly = (last - first).days + 1 <= HOURLY_UP_TO_DAYS
    n = hours.sums.size
    if hourly:
        edges = np.arange(n)
    else:
        starts = [
            aggregates.day_bounds(first + dt.timedelta(days=i), tz)[0]
            for i in range((last - first).days + 1)
        ]
        edges = (np.array(starts, dtype=np.int64) - hours.lo) // 3600
    peaks = np.maximum.reduceat(hours.peaks, edges) if n else np.zeros(0, dtype=np.int64)
    sums = np.add.reduceat(hours.sums, edges) if n else np.zeros(0, dtype=np.int64)
    bounds = hours.lo + 3600 * np.r_[edges, n]
    buckets = [
        Bucket(
            start=dt.datetime.fromtimestamp(int(a), tz),
            end=dt.datetime.fromtimestamp(int(b), tz),
            peak=int(p),
            mean=float(total) / float(b - a) if b > a else 0.0,
        )
        for a, b, p, total in zip(bounds[:-1], bounds[1:], peaks, sums, strict=True)
    ]
    return Series(hourly=hourly, buckets=buckets, capacity=capacity)


def weekday_hour_heatmap(hours: figures.Hours, first: dt.date, last: dt.date) -> HeatMap:
    """Time-weighted mean N per (weekday, local clock hour) over the period. The repeated
    autumn hour adds to the same clock hour, as in ``UnitUsageDay``."""
    _, clock, weekdays = _local_hours(first, last)
    total = np.zeros((7, 24), dtype=np.int64)
    seconds = np.zeros((7, 24), dtype=np.int64)
    np.add.at(total, (weekdays, clock), hours.sums)
    np.add.at(seconds, (weekdays, clock), 3600)
    means = [
        [float(total[d, h]) / float(seconds[d, h]) if seconds[d, h] else None for h in range(24)]
        for d in range(7)
    ]
    return HeatMap(means=means, seconds=seconds.tolist())


def gateway_figures(first: dt.date, last: dt.date, gateway=None) -> dict:
    """Figures, the two charts' data and whether the rule of 5 hides them: from the day rows
    only (``figures.gateway_figures``), four queries whatever the period."""
    busiest = figures.busiest_day_users(first, last, gateway=gateway)
    if busiest is None:
        return {"empty": True, "suppressed": False}
    if busiest < min_group_size():
        return {"empty": False, "suppressed": True}
    values, hours = figures.gateway_figures(first, last, gateway=gateway)
    return {
        "empty": False,
        "suppressed": False,
        "figures": values,
        "series": concurrency_series(hours, first, last, values.get("capacity")),
        "heatmap": weekday_hour_heatmap(hours, first, last),
    }


# --------------------------------------------------------------------------- units


@dataclass
class UnitRow:
    unit_id: int
    code: str
    name: str
    heads: int  # active employees in the subtree
    users: np.ndarray  # distinct users per day of the period
    has_children: bool = False
    suppressed: bool = False
    reason: str = ""  # why suppressed: "small" (rule of 5) or "complement" (protects another)
    mean: float | None = None
    peak: int | None = None
    sessions: int | None = None

    @property
    def busiest(self) -> int:
        return int(self.users.max()) if self.users.size else 0

    def passes(self, limit: int) -> bool:
        return self.heads >= limit and self.busiest >= limit


@dataclass
class UnitListing:
    parent: UnitRow | None  # None: the top-level units
    parent_suppressed: bool
    rows: list[UnitRow]
    ancestors: list[tuple[str, str]] = field(default_factory=list)  # (code, name) from the top
    work_seconds: int = 0


def _suppress(
    rows: list[UnitRow],
    total_heads: int,
    total_users: np.ndarray,
    *,
    total_shown: bool,
    limit: int,
) -> None:
    """Rule of 5, then complementary suppression.

    Primary: a row with fewer than ``limit`` active employees or fewer than ``limit`` users on
    its busiest day is hidden. Complementary: the total of the listing is known (shown one level
    up, or the sum of everything at the top), so "total minus the rows shown" is the hidden
    part (hidden rows plus staff placed directly in the parent). That part must be a group that
    passes the rule itself, or hold nobody at all when the total is shown; otherwise the
    smallest row shown is hidden too, until it does.
    """
    for row in rows:
        row.suppressed = not row.passes(limit)
        row.reason = "small" if row.suppressed else ""
    while True:
        shown = [r for r in rows if not r.suppressed]
        heads = total_heads - sum(r.heads for r in shown)
        users = total_users.copy()
        for r in shown:
            users -= r.users
        busiest = int(users.max()) if users.size else 0
        if heads >= limit and busiest >= limit:
            return
        if total_shown and heads <= 0 and busiest <= 0:
            return
        if not shown:
            return
        smallest = min(shown, key=lambda r: (r.heads, r.busiest, r.code))
        smallest.suppressed, smallest.reason = True, "complement"


def _subtree_heads(by_id: dict[int, tuple]) -> dict[int, int]:
    """The active head count of every unit's subtree."""
    direct = dict(
        Employee.objects.filter(is_active=True)
        .order_by()
        .values("unit_id")
        .annotate(n=Count("pk"))
        .values_list("unit_id", "n")
    )
    heads: dict[int, int] = dict.fromkeys(by_id, 0)
    for unit_id, n in direct.items():
        for ancestor in _chain(by_id, unit_id):
            heads[ancestor] += n
    return heads


def _users_per_unit_and_day(
    index: dict[int, int], units: list[int], first: dt.date, n_days: int
) -> np.ndarray:
    """Distinct users per unit (row, in `index` order) and day (a unit covers its subtree),
    for the ``units`` the listing weighs; zero for the others."""
    users = np.zeros((len(index), n_days), dtype=np.int64)
    day_rows = UnitUsageDay.objects.filter(
        unit_id__in=units, day__gte=first, day__lt=first + dt.timedelta(days=n_days)
    ).values_list("unit_id", "day", "users")
    for unit_id, day, n in day_rows:
        if unit_id in index:
            users[index[unit_id], (day - first).days] = n
    return users


def unit_listing(code: str | None, first: dt.date, last: dt.date) -> UnitListing | None:
    """The children of the unit ``code`` (or the top-level units) with their figures over the
    local days ``first``..``last``. None when there is no unit with that code.

    Four queries whatever the number of units and days, all of day rows and none of sessions:
    the units, the head counts, the users per unit and day of the units weighed, and the
    figures of the rows shown.
    """
    limit = min_group_size()
    n_days = (last - first).days + 1
    units = list(OrgUnit.objects.order_by("code").values_list("pk", "code", "name", "parent_id"))
    by_id = {pk: (code_, name, parent) for pk, code_, name, parent in units}
    children_of: dict[int | None, list[int]] = {}
    for pk, _code, _name, parent in units:
        children_of.setdefault(parent, []).append(pk)
    parent_id = None
    if code:
        parent_id = next((pk for pk, c, *_ in units if c == code), None)
        if parent_id is None:
            return None

    heads = _subtree_heads(by_id)
    index = {pk: i for i, (pk, *_rest) in enumerate(units)}
    # The rule of 5 weighs each level from the top down to this one: its units and their parent.
    chain = _chain(by_id, parent_id)
    weighed = [pk for level in [None, *chain] for pk in children_of.get(level, [])] + chain
    users = _users_per_unit_and_day(index, weighed, first, n_days)

    def row(pk: int) -> UnitRow:
        code_, name, _parent = by_id[pk]
        return UnitRow(
            unit_id=pk,
            code=code_,
            name=name,
            heads=heads[pk],
            users=users[index[pk]],
            has_children=bool(children_of.get(pk)),
        )

    # Walk down from the top: a unit hidden by its own listing stays hidden below.
    level_parent: int | None = None
    level_hidden, level_reason = False, ""
    for pk in chain:
        siblings = [row(c) for c in children_of.get(level_parent, [])]
        _suppress_level(siblings, level_parent, heads, users, index, level_hidden, limit)
        me = next(r for r in siblings if r.unit_id == pk)
        level_hidden, level_reason = me.suppressed, me.reason
        level_parent = pk

    rows = [row(c) for c in children_of.get(parent_id, [])]
    _suppress_level(rows, parent_id, heads, users, index, level_hidden, limit)
    parent_row = row(parent_id) if parent_id is not None else None
    if parent_row is not None:
        parent_row.suppressed, parent_row.reason = level_hidden, level_reason

    windows = figures.work_windows(first, last)
    work_seconds = int((windows[:, 1] - windows[:, 0]).sum()) if windows.size else 0
    shown = [r for r in rows if not r.suppressed]
    if parent_row is not None and not parent_row.suppressed:
        shown.append(parent_row)
    _fill_figures(shown, first, last, work_seconds)
    return UnitListing(
        parent=parent_row,
        parent_suppressed=level_hidden,
        rows=rows,
        ancestors=[(by_id[pk][0], by_id[pk][1]) for pk in chain[:-1]],
        work_seconds=work_seconds,
    )


def _suppress_level(rows, parent_id, heads, users, index, parent_hidden, limit) -> None:
    if parent_id is None:
        total_heads = sum(r.heads for r in rows)
        total_users = (
            np.sum([r.users for r in rows], axis=0) if rows else np.zeros(0, dtype=np.int64)
        )
    else:
        total_heads = heads[parent_id]
        total_users = users[index[parent_id]]
    _suppress(rows, total_heads, total_users, total_shown=not parent_hidden, limit=limit)


def _chain(by_id: dict, unit_id: int | None) -> list[int]:
    """The unit and its ancestors, from the top, following the parent links."""
    chain: list[int] = []
    while unit_id is not None and unit_id in by_id and unit_id not in chain:
        chain.append(unit_id)
        unit_id = by_id[unit_id][2]
    return chain[::-1]


def _fill_figures(rows: list[UnitRow], first: dt.date, last: dt.date, work_seconds: int) -> None:
    """Mean in working hours, highest daily peak and sessions of the rows shown: one query."""
    if not rows:
        return
    by_id = {r.unit_id: r for r in rows}
    start, end = settings.USAGE_WORK_START_HOUR, settings.USAGE_WORK_END_HOUR
    workdays = set(settings.USAGE_WORKDAYS)
    work = dict.fromkeys(by_id, 0)
    peak = dict.fromkeys(by_id, 0)
    sessions = dict.fromkeys(by_id, 0)
    day_rows = UnitUsageDay.objects.filter(
        unit_id__in=list(by_id), day__gte=first, day__lte=last
    ).values_list("unit_id", "day", "hour_seconds", "peak", "sessions")
    for unit_id, day, hours, p, s in day_rows:
        if day.weekday() in workdays and hours:
            work[unit_id] += sum(hours[start:end])
        peak[unit_id] = max(peak[unit_id], p)
        sessions[unit_id] += s
    for unit_id, r in by_id.items():
        r.mean = work[unit_id] / work_seconds if work_seconds else None
        r.peak = peak[unit_id]
        r.sessions = sessions[unit_id]


# --------------------------------------------------------------------------- unmapped names


@dataclass(frozen=True)
class CauseRow:
    cause: str
    label: str
    accounts: int
    sessions: int


def unmapped_causes() -> list[CauseRow]:
    accounts = dict(
        VpnAccount.objects.filter(employee__isnull=True)
        .order_by()
        .values("unmapped_cause")
        .annotate(n=Count("pk"))
        .values_list("unmapped_cause", "n")
    )
    sessions = dict(
        VpnSession.objects.filter(account__employee__isnull=True)
        .order_by()
        .values("account__unmapped_cause")
        .annotate(n=Count("pk"))
        .values_list("account__unmapped_cause", "n")
    )
    rows = [
        CauseRow(value, str(label), accounts.get(value, 0), sessions.get(value, 0))
        for value, label in UnmappedCause.choices
    ]
    return sorted(rows, key=lambda r: (-r.sessions, -r.accounts, r.label))


def unmapped_accounts() -> QuerySet[VpnAccount]:
    """Names that map to nobody, most sessions first."""
    return (
        VpnAccount.objects.filter(employee__isnull=True)
        .annotate(sessions=Count("vpnsession"))
        .order_by("-sessions", "name")
    )


def recent_imports(limit: int = 10) -> list[VpnLogImport]:
    return list(VpnLogImport.objects.select_related("gateway")[:limit])


# --------------------------------------------------------------------------- own sessions


def own_sessions(user) -> QuerySet[VpnSession]:
    """The signed-in person's own sessions, newest first; nothing without an employee record."""
    employee_id = scope_for(user).employee_id
    if not employee_id:
        return VpnSession.objects.none()
    return (
        VpnSession.objects.filter(employee_id=employee_id)
        .select_related("gateway")
        .order_by("-started", "-pk")
    )


def with_durations(sessions: Iterable[VpnSession], now: int | None = None) -> list[VpnSession]:
    """Attach ``duration`` (seconds, until now for an open session) for the template."""
    now = now if now is not None else int(timezone.now().timestamp())
    out = []
    for s in sessions:
        s.duration = (s.ended if s.ended is not None else now) - s.started
        out.append(s)
    return out
