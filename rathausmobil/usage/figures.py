"""The figures of ``vpn_usage`` and of the usage pages (definitions: docs/vpn-usage.md).

Gateway figures come from ``UsageDay`` (the exact N(t) per second), so a year costs 365
decompressions, not a scan of millions of sessions. Unit figures come from the raw sessions
of the unit and its sub-units while they are kept, and from ``UnitUsageDay`` after that.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import Max, Sum
from django.utils import timezone

from rathausmobil.access.models import VpnGateway
from rathausmobil.core.figures import hidden_label, min_group_size
from rathausmobil.organisation.models import OrgUnit
from rathausmobil.usage import aggregates
from rathausmobil.usage.concurrency import (
    Occupancy,
    blocking_probability,
    servers_for_blocking,
    workhour_windows,
)
from rathausmobil.usage.models import GatewayLogState, UnitUsageDay, UsageDay, unpack_counts


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


def gateway_occupancy(period: Period, gateway_ids: list[int] | None) -> tuple[Occupancy, Any]:
    """N(t) per second over the period, all selected gateways added up, and the day rows."""
    counts = np.zeros(period.hi - period.lo, dtype=np.int32)
    rows = UsageDay.objects.filter(day__gte=period.first, day__lte=period.last)
    if gateway_ids is not None:
        rows = rows.filter(gateway_id__in=gateway_ids)
    meta = []
    for lo, blob, sessions, accounts in rows.values_list("lo", "counts", "sessions", "accounts"):
        series = unpack_counts(bytes(blob))
        a = lo - period.lo
        counts[a : a + series.size] += series.astype(np.int32)
        meta.append((sessions, accounts))
    return Occupancy(period.lo, period.hi, counts), meta


def _capacity_figures(occ: Occupancy, capacity: int | None) -> dict[str, Any]:
    traffic, busy_at = occ.busy_hour_traffic()
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
) -> tuple[dict[str, Any], Occupancy]:
    """The gateway figures and the N(t) they were read from (pages draw it, too)."""
    period = Period(first, last)
    windows = work_windows(first, last)
    gateways = [gateway] if gateway else list(VpnGateway.objects.all())
    occ, meta = gateway_occupancy(period, [g.pk for g in gateways] if gateway else None)
    peak, peak_at = occ.peak()
    users = None
    if all(accounts is not None for _, accounts in meta):
        seen = [aggregates.bitmap_ids(accounts) for _, accounts in meta]
        ids = np.unique(np.concatenate(seen)) if seen else np.zeros(0, dtype=np.int64)
        users = aggregates.persons(ids, aggregates.employee_of_accounts())
    out = {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "gateway": gateway.name if gateway else None,
        "unit": None,
        "sessions": sum(s for s, _ in meta),
        "users_distinct": users,
        "concurrent_peak": peak,
        "concurrent_peak_at": _iso(peak_at),
        "concurrent_avg_workhours": round(occ.mean(windows), 4) if windows.size else None,
        "concurrent_p95_workhours": occ.percentile(95, windows) if windows.size else None,
        "workhours": _work_label(),
    }
    out.update(_capacity_figures(occ, sum(g.capacity for g in gateways) or None))
    out["coverage"] = coverage(gateway)
    return out, occ


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
    base = {
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "gateway": gateway.name if gateway else None,
        "unit": unit.code,
        "workhours": _work_label(),
    }
    if period.first >= raw_horizon(today):
        base.update(_unit_from_sessions(period, windows, unit.path, gateway))
        base["source"] = "sessions"
    else:
        base.update(_unit_from_days(period, windows, unit))
        base["source"] = "daily_aggregates"
    return base


def _unit_from_sessions(period, windows, unit_path: str, gateway) -> dict[str, Any]:
    states = GatewayLogState.objects.exclude(log_until=None)
    if gateway is not None:
        states = states.filter(gateway=gateway)
    starts, ends, emps = [], [], []
    with connection.cursor() as cur:
        for state in states:
            cap = state.log_until
            since = period.lo - state.max_duration - 1
            open_sessions = aggregates.open_sessions_table()
            cur.execute(
                "SELECT started, COALESCE(ended, %s), employee_id FROM usage_vpnsession"  # noqa: S608
                " WHERE gateway_id = %s AND started < %s AND started >= %s"
                " AND COALESCE(ended, %s) > %s AND unit_id IN ("
                "SELECT id FROM organisation_orgunit WHERE path LIKE %s)"
                f" UNION ALL SELECT started, %s, employee_id FROM {open_sessions}"
                " WHERE gateway_id = %s AND ended IS NULL AND started < %s AND %s > %s"
                " AND unit_id IN (SELECT id FROM organisation_orgunit WHERE path LIKE %s)",
                [
                    *(cap, state.gateway_id, period.hi, since, cap, period.lo, unit_path + "%"),
                    *(cap, state.gateway_id, since, cap, period.lo, unit_path + "%"),
                ],
            )
            for s, e, emp in cur.fetchall():
                starts.append(s)
                ends.append(e)
                emps.append(emp)
    s = np.array(starts, dtype=np.int64)
    occ = Occupancy.build(s, np.array(ends, dtype=np.int64), period.lo, period.hi)
    peak, peak_at = occ.peak()
    out = {
        "sessions": int(np.count_nonzero(s >= period.lo)),
        "users_distinct": len(set(emps)),
        "concurrent_peak": peak,
        "concurrent_peak_at": _iso(peak_at),
        "concurrent_avg_workhours": round(occ.mean(windows), 4) if windows.size else None,
        "concurrent_p95_workhours": occ.percentile(95, windows) if windows.size else None,
    }
    out.update(_capacity_figures(occ, None))
    return out


def _unit_from_days(period, windows, unit) -> dict[str, Any]:
    rows = UnitUsageDay.objects.filter(unit=unit, day__gte=period.first, day__lte=period.last)
    total = 0
    length = int((windows[:, 1] - windows[:, 0]).sum()) if windows.size else 0
    work_hours = range(settings.USAGE_WORK_START_HOUR, settings.USAGE_WORK_END_HOUR)
    workdays = set(settings.USAGE_WORKDAYS)
    peak, peak_day = 0, None
    for day, hours, p in rows.values_list("day", "hour_seconds", "peak"):
        if day.weekday() in workdays:
            total += sum(hours[h] for h in work_hours)
        if p > peak:
            peak, peak_day = p, day
    agg = rows.aggregate(sessions=Sum("sessions"))
    return {
        "sessions": agg["sessions"] or 0,
        "users_distinct": None,
        "concurrent_peak": peak,
        "concurrent_peak_at": peak_day.isoformat() if peak_day else None,
        "concurrent_avg_workhours": round(total / length, 4) if length else None,
        "concurrent_p95_workhours": None,
        "capacity": None,
        "blocking_probability": None,
        "licences_for_1pct_blocking": None,
    }


def busiest_day_users(
    first: dt.date, last: dt.date, *, gateway: VpnGateway | None = None
) -> int | None:
    """The most people on one gateway on one day of the period (None: no logs read): the
    group the rule of 5 weighs for gateway figures."""
    days = UsageDay.objects.filter(day__gte=first, day__lte=last)
    if gateway is not None:
        days = days.filter(gateway=gateway)
    return days.aggregate(users=Max("users"))["users"]


def kpis(*, viewer=None) -> dict[str, Any]:
    """Last 28 days up to yesterday, all gateways: the mayor's "about 350 at the same time".

    Like the gateway page of the same period, "< 5" when no day had 5 users; for every
    viewer (nobody reads other people's sessions)."""
    today = timezone.localdate()
    last = today - dt.timedelta(days=1)
    first = last - dt.timedelta(days=27)
    if not UsageDay.objects.exists():
        return {"vpn_concurrent_avg_workdays": None, "vpn_concurrent_peak": None}
    busiest = busiest_day_users(first, last)
    if busiest is not None and busiest < min_group_size():
        return {
            "vpn_concurrent_avg_workdays": hidden_label(),
            "vpn_concurrent_peak": hidden_label(),
        }
    occ, _ = gateway_occupancy(Period(first, last), None)
    windows = work_windows(first, last)
    return {
        "vpn_concurrent_avg_workdays": round(occ.mean(windows), 1) if windows.size else None,
        "vpn_concurrent_peak": occ.peak()[0],
    }
