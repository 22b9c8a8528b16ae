"""The figures of ``vpn_usage``, the usage pages and the dashboard (definitions and what
reads what: docs/vpn-usage.md).

Every figure is read from the day rows the import writes (``aggregates.rebuild``): gateway
figures from ``UsageDay`` (one gateway) or ``TotalUsageDay`` (all together), by real hour, so
a year is 364 small rows and no per-second array; unit figures from ``UnitUsageDay``. Raw
sessions only for a unit's figures of a single day while they are kept (people and the 95 %
value of a unit need them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import Max, Min, Sum
from django.utils import timezone

from rathausmobil.access.models import VpnGateway
from rathausmobil.core.figures import NotRebuilt, hidden_label, min_group_size
from rathausmobil.organisation.models import OrgUnit
from rathausmobil.usage import aggregates
from rathausmobil.usage.concurrency import (
    Occupancy,
    blocking_probability,
    servers_for_blocking,
    workhour_windows,
)
from rathausmobil.usage.models import (
    GatewayLogState,
    TotalUsageDay,
    UnitUsageDay,
    UsageDay,
    unpack_hours,
)


def work_windows(first: dt.date, last: dt.date) -> np.ndarray:
    return workhour_windows(
        first,
        last,
        tz=settings.USAGE_TZ,
        start=dt.time(settings.USAGE_WORK_START_HOUR),
        end=dt.time(settings.USAGE_WORK_END_HOUR % 24),
        weekdays=settings.USAGE_WORKDAYS,
    )


def raw_horizon(today: dt.date | None = None) -> dt.date:
    """First local day whose raw sessions are still kept."""
    today = today or timezone.localdate()
    return today - dt.timedelta(days=settings.USAGE_RAW_RETENTION_DAYS)


@dataclass
class Period:
    first: dt.date
    last: dt.date

    def __post_init__(self):
        if self.last < self.first:
            raise ValueError("Das Ende des Zeitraums liegt vor seinem Beginn.")
        self.lo = aggregates.day_bounds(self.first)[0]
        self.hi = aggregates.day_bounds(self.last)[1]


@dataclass
class Hours:
    """N(t) of a period by real local hour: hour i is [lo + 3600 i, lo + 3600 (i + 1)).

    A local day always has whole real hours (23, 24 or 25) from its midnight, and the
    working-hour windows begin and end on whole local hours, so every figure over windows is
    a sum over whole hours here and equal to the same figure over the per-second N(t)."""

    lo: int
    sums: np.ndarray  # ∫N dt of each hour (person-seconds)
    peaks: np.ndarray  # the highest N in each hour

    def in_windows(self, windows: np.ndarray) -> np.ndarray:
        """Which hours lie inside the windows ([start, end) in Unix seconds)."""
        inside = np.zeros(self.sums.size, dtype=bool)
        for a, b in windows.tolist():
            if (a - self.lo) % 3600 or (b - self.lo) % 3600:
                raise ValueError("working-hour windows must begin and end on whole hours")
            inside[(a - self.lo) // 3600 : (b - self.lo) // 3600] = True
        return inside

    def mean(self, windows: np.ndarray) -> float:
        """Time-weighted mean N over the windows (``Occupancy.mean``)."""
        length = int((windows[:, 1] - windows[:, 0]).sum()) if windows.size else 0
        total = int(self.sums[self.in_windows(windows)].sum())
        return total / length if length else 0.0

    def busy_hour(self) -> tuple[float, int | None]:
        """The highest mean N over one hour and that hour's start, the first of equal ones
        (``Occupancy.busy_hour_traffic``)."""
        if not self.sums.size:
            return 0.0, None
        i = int(np.argmax(self.sums))
        return float(self.sums[i]) / 3600, self.lo + 3600 * i


@dataclass
class DayRows:
    """What the day rows of a period say: N(t) by hour, the peak, the sessions begun, the
    distinct people (None once a day's raw sessions are deleted) and, when asked for, each
    day's distribution of N by hour (for the percentile)."""

    hours: Hours
    peak: int
    peak_at: int | None
    sessions: int
    persons: int | None
    distributions: list[tuple[int, bytes]]  # (lo, pack_hours)

    def percentile(self, q: float, windows: np.ndarray) -> int:
        """Smallest v with N(t) <= v during at least q % of the window time
        (``Occupancy.percentile``, from the days' distributions)."""
        length = int((windows[:, 1] - windows[:, 0]).sum()) if windows.size else 0
        if not length:
            return 0
        inside = self.hours.in_windows(windows)
        values, seconds = [np.zeros(1, dtype=np.int64)], [np.zeros(1, dtype=np.int64)]
        for lo, blob in self.distributions:
            hour, value, secs = unpack_hours(blob)
            keep = inside[(lo - self.hours.lo) // 3600 + hour]
            values.append(value[keep])
            seconds.append(secs[keep])
        hist = np.bincount(np.concatenate(values), weights=np.concatenate(seconds))
        hist[0] += length - hist.sum()  # days without a row: nobody connected
        return int(np.searchsorted(np.cumsum(hist), q / 100 * length - 1e-9, side="left"))


def read_days(
    period: Period, gateway: VpnGateway | None = None, *, distributions: bool = True
) -> DayRows:
    """The day rows of one gateway (``UsageDay``) or of all together (``TotalUsageDay``) over
    the period, in one query."""
    rows = (
        UsageDay.objects.filter(gateway=gateway)
        if gateway is not None
        else TotalUsageDay.objects.all()
    )
    fields = ["lo", "hour_sums", "hour_peaks", "peak", "peak_at", "sessions", "persons"]
    if distributions:
        fields.append("hour_counts")
    n = (period.hi - period.lo) // 3600
    sums = np.zeros(n, dtype=np.int64)
    peaks = np.zeros(n, dtype=np.int64)
    peak, peak_at, sessions = 0, None, 0
    persons: list | None = []
    kept = []
    for lo, hour_sums, hour_peaks, day_peak, day_peak_at, day_sessions, who, *blob in (
        rows.filter(day__gte=period.first, day__lte=period.last)
        .order_by("day")
        .values_list(*fields)
    ):
        i = (lo - period.lo) // 3600
        sums[i : i + len(hour_sums)] = hour_sums
        peaks[i : i + len(hour_peaks)] = hour_peaks
        if day_peak > peak:
            peak, peak_at = day_peak, day_peak_at
        sessions += day_sessions
        if who is None:
            persons = None
        elif persons is not None:
            persons.append(who)
        if blob:
            kept.append((lo, bytes(blob[0])))
    return DayRows(
        hours=Hours(period.lo, sums, peaks),
        peak=peak,
        peak_at=peak_at,
        sessions=sessions,
        persons=None if persons is None else aggregates.count_bits(aggregates.union_bits(persons)),
        distributions=kept,
    )


def _capacity_figures(traffic: float, busy_at: int | None, capacity: int | None) -> dict:
    out: dict[str, Any] = {
        "busy_hour_erlangs": round(traffic, 2),
        "busy_hour_at": _iso(busy_at),
        "capacity": capacity,
        "blocking_probability": None,
        "licences_for_1pct_blocking": servers_for_blocking(traffic, 0.01),
    }
    if capacity:
        out["blocking_probability"] = round(blocking_probability(traffic, capacity), 6)
    return out


def _iso(ts: int | None) -> str | None:
    if ts is None:
        return None
    return dt.datetime.fromtimestamp(ts, aggregates.zone()).isoformat()


def usage_figures(
    first: dt.date,
    last: dt.date,
    *,
    gateway: VpnGateway | None = None,
    unit: OrgUnit | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Every figure of ``vpn_usage`` for the local days ``first``..``last``."""
    period = Period(first, last)
    windows = work_windows(first, last)
    if unit is not None:
        return _unit_figures(period, windows, unit, gateway, today)
    return gateway_figures(first, last, gateway=gateway)[0]


def gateway_figures(
    first: dt.date, last: dt.date, *, gateway: VpnGateway | None = None
) -> tuple[dict[str, Any], Hours]:
    """The gateway figures and N(t) by hour (the overview draws it, too): two queries for the
    day rows and the capacity, one for the coverage."""
    period = Period(first, last)
    windows = work_windows(first, last)
    days = read_days(period, gateway)
    capacity = (
        gateway.capacity
        if gateway is not None
        else VpnGateway.objects.aggregate(total=Sum("capacity"))["total"]
    )
    out = {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "gateway": gateway.name if gateway else None,
        "unit": None,
        "sessions": days.sessions,
        "users_distinct": days.persons,
        "concurrent_peak": days.peak,
        "concurrent_peak_at": _iso(days.peak_at),
        "concurrent_avg_workhours": round(days.hours.mean(windows), 4) if windows.size else None,
        "concurrent_p95_workhours": days.percentile(95, windows) if windows.size else None,
        "workhours": _work_label(),
    }
    out.update(_capacity_figures(*days.hours.busy_hour(), capacity or None))
    out["coverage"] = coverage(gateway)
    return out, days.hours


def _work_label() -> str:
    days = "".join(str(d) for d in settings.USAGE_WORKDAYS)
    return (
        f"{settings.USAGE_WORK_START_HOUR:02d}:00-{settings.USAGE_WORK_END_HOUR:02d}:00 "
        f"weekdays {days} (Monday=0), {settings.USAGE_TZ}"
    )


def coverage(gateway: VpnGateway | None = None) -> dict[str, str | None]:
    """From when until when logs have been read."""
    states = GatewayLogState.objects.all()
    if gateway is not None:
        states = states.filter(gateway=gateway)
    los = [s.log_from for s in states if s.log_from is not None]
    his = [s.log_until for s in states if s.log_until is not None]
    return {
        "logs_from": _iso(min(los)) if los else None,
        "logs_until": _iso(max(his)) if his else None,
    }


def _unit_figures(period, windows, unit, gateway, today) -> dict[str, Any]:
    """A unit's figures: from its day rows, but for a single day whose raw sessions are kept
    from those (the day rows, all gateways together, know neither the people of several
    days nor a unit's 95 % value, nor a single gateway)."""
    base = {
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "gateway": gateway.name if gateway else None,
        "unit": unit.code,
        "workhours": _work_label(),
    }
    if period.first == period.last and period.first >= raw_horizon(today):
        base.update(_unit_from_sessions(period, windows, unit, gateway))
        base["source"] = "sessions"
    elif gateway is not None:
        raise ValueError("Zahlen einer Einheit je Gateway gibt es nur für einen Tag.")
    else:
        base.update(_unit_from_days(period, windows, unit))
        base["source"] = "daily_aggregates"
    return base


def _unit_from_sessions(period, windows, unit, gateway) -> dict[str, Any]:
    """One day: the day's sessions of the gateways (read as for the day rows), those of the
    unit and its sub-units kept."""
    rows = aggregates._fetch(None if gateway is None else [gateway.pk], period.lo, period.hi)
    units = OrgUnit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True)
    rows = rows[np.isin(rows[:, 4], np.fromiter(units, dtype=np.int64))]
    s, e = rows[:, 0], rows[:, 1]
    occ = Occupancy.build(s, e, period.lo, period.hi)
    peak, peak_at = occ.peak()
    out = {
        "sessions": int(np.count_nonzero(s >= period.lo)),
        "users_distinct": int(np.unique(rows[:, 3]).size),
        "concurrent_peak": peak,
        "concurrent_peak_at": _iso(peak_at),
        "concurrent_avg_workhours": round(occ.mean(windows), 4) if windows.size else None,
        "concurrent_p95_workhours": occ.percentile(95, windows) if windows.size else None,
    }
    out.update(_capacity_figures(*occ.busy_hour_traffic(), None))
    return out


def _unit_from_days(period, windows, unit) -> dict[str, Any]:
    """``UnitUsageDay``: the mean from the person-seconds per clock hour (the windows are whole
    hours), the peak and its instant and the busiest hour from each day's, sessions added
    up: one query."""
    rows = list(
        UnitUsageDay.objects.filter(unit=unit, day__gte=period.first, day__lte=period.last)
        .order_by("day")
        .values_list(
            "day", "hour_seconds", "peak", "peak_at", "sessions", "busy_seconds", "busy_at"
        )
    )
    length = int((windows[:, 1] - windows[:, 0]).sum()) if windows.size else 0
    work_hours = slice(settings.USAGE_WORK_START_HOUR, settings.USAGE_WORK_END_HOUR)
    workdays = set(settings.USAGE_WORKDAYS)
    total = sum(sum(hours[work_hours]) for day, hours, *_ in rows if day.weekday() in workdays)
    peak, peak_at = 0, None
    for day, _hours, p, at, *_ in rows:
        if p > peak:  # rows written before peak_at was kept: the day
            peak, peak_at = p, _iso(at) if at is not None else day.isoformat()
    out: dict[str, Any] = {
        "sessions": sum(r[4] for r in rows),
        "users_distinct": None,
        "concurrent_peak": peak,
        "concurrent_peak_at": peak_at,
        "concurrent_avg_workhours": round(total / length, 4) if length else None,
        "concurrent_p95_workhours": None,
    }
    if any(r[5] is None for r in rows):  # written before the busiest hour was kept
        out.update(busy_hour_erlangs=None, busy_hour_at=None, licences_for_1pct_blocking=None)
        out.update(capacity=None, blocking_probability=None)
        return out
    busy, busy_at = 0, period.lo  # no sessions: the first hour, as over N(t)
    for *_, seconds, at in rows:
        if seconds > busy:
            busy, busy_at = seconds, at
    out.update(_capacity_figures(busy / 3600, busy_at, None))
    return out


def busiest_day_users(
    first: dt.date, last: dt.date, *, gateway: VpnGateway | None = None
) -> int | None:
    """The most people on one gateway on one day of the period (None: no logs read): the
    group the rule of 5 weighs for gateway figures."""
    days = UsageDay.objects.filter(day__gte=first, day__lte=last)
    if gateway is not None:
        days = days.filter(gateway=gateway)
    return days.aggregate(users=Max("users"))["users"]


def kpis(*, viewer=None, on: dt.date | None = None, unit: OrgUnit | None = None) -> dict[str, Any]:
    """Last 28 days up to yesterday, all gateways: the mayor's "about 350 at the same time".
    `on`: as of that day (the 28 days before it; the day rows stay when the raw sessions
    are deleted). A day before the first imported log has no figure (`NotRebuilt`).

    Like the gateway page of the same period, "< 5" when no day had 5 users; for every
    viewer (nobody reads other people's sessions). Read from the 28 rows of ``TotalUsageDay``:
    three queries. `unit`: its staff and the units below, from ``UnitUsageDay`` like the
    units page, "< 5" when no day had 5 of its people connected."""
    today = on or timezone.localdate()
    last = today - dt.timedelta(days=1)
    first = last - dt.timedelta(days=27)
    began = UsageDay.objects.aggregate(first=Min("day"))["first"]
    if began is None:
        return {"vpn_concurrent_avg_workdays": None, "vpn_concurrent_peak": None}
    if last < began:
        return dict.fromkeys(
            ("vpn_concurrent_avg_workdays", "vpn_concurrent_peak"), NotRebuilt(began)
        )
    if on is not None and not UsageDay.objects.filter(day__gte=first, day__lte=last).exists():
        # No log was read for these 28 days (a gap between imports): no figure, not a 0.
        return dict.fromkeys(("vpn_concurrent_avg_workdays", "vpn_concurrent_peak"), NotRebuilt())
    if unit is not None:
        return _unit_kpis(first, last, unit)
    busiest = busiest_day_users(first, last)
    if busiest is not None and busiest < min_group_size():
        return {
            "vpn_concurrent_avg_workdays": hidden_label(),
            "vpn_concurrent_peak": hidden_label(),
        }
    days = read_days(Period(first, last), distributions=False)
    windows = work_windows(first, last)
    return {
        "vpn_concurrent_avg_workdays": round(days.hours.mean(windows), 1) if windows.size else None,
        "vpn_concurrent_peak": days.peak,
    }


def _unit_kpis(first: dt.date, last: dt.date, unit: OrgUnit) -> dict[str, Any]:
    busiest = UnitUsageDay.objects.filter(unit=unit, day__gte=first, day__lte=last).aggregate(
        users=Max("users")
    )["users"]
    if not busiest:
        return {"vpn_concurrent_avg_workdays": None, "vpn_concurrent_peak": None}
    if busiest < min_group_size():
        return dict.fromkeys(("vpn_concurrent_avg_workdays", "vpn_concurrent_peak"), hidden_label())
    figures = _unit_from_days(Period(first, last), work_windows(first, last), unit)
    mean = figures["concurrent_avg_workhours"]
    return {
        "vpn_concurrent_avg_workdays": round(mean, 1) if mean is not None else None,
        "vpn_concurrent_peak": figures["concurrent_peak"],
    }
