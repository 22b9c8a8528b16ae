"""The pages and the dashboard read day rows, never raw sessions (docs/vpn-usage.md, "What
reads what"); what they read is exact: every figure equals the same figure computed here from
the raw sessions, over several periods (a day, a week across the end of summer time, three
weeks, a period reaching past the logs), for all gateways and for one, for units with their
sub-units, with the rule of 5 where it applied before.

The reference computation below is the one the pages used to run on every request: N(t) per
second from the sessions (``Occupancy``), buckets and heat map summed second by second.
"""

from __future__ import annotations

import datetime as dt
from unittest import mock

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rathausmobil.access.models import VpnGateway
from rathausmobil.core.figures import min_group_size
from rathausmobil.organisation.models import Employee, OrgUnit, Role, RoleAssignment
from rathausmobil.organisation.tests.factories import EmployeeFactory, OrgUnitFactory, UserFactory
from rathausmobil.usage import aggregates, figures, selectors
from rathausmobil.usage.concurrency import Occupancy
from rathausmobil.usage.generate import plan_sessions
from rathausmobil.usage.importing import import_lines
from rathausmobil.usage.models import GatewayLogState, VpnAlias, VpnSession

pytestmark = pytest.mark.django_db

FIRST = dt.date(2026, 10, 19)  # a Monday; summer time ends on Sunday 25 October
DAYS = 21
LAST = FIRST + dt.timedelta(days=DAYS - 1)
PERIODS = [
    (dt.date(2026, 10, 21), dt.date(2026, 10, 21)),  # one Wednesday
    (dt.date(2026, 10, 22), dt.date(2026, 10, 28)),  # across the 25-hour Sunday
    (FIRST, LAST),
    (dt.date(2026, 10, 30), dt.date(2026, 11, 12)),  # past the end of the logs
]


@pytest.fixture
def city(org):
    """Two gateways, 70 people in five units (B with only four), a person with a second
    name used on the other gateway, names that map to nobody, and a session still open."""
    small = OrgUnitFactory(code="B2", name="Abteilung B2", parent=org["B"])
    small.refresh_from_db()
    units = {**org, "B2": small}
    places = [("A1", 30), ("A", 12), ("B1", 20), ("B2", 4), ("D", 4)]
    people = [
        EmployeeFactory(unit=units[code], email=f"{code.lower()}-{i}@stadt.example")
        for code, n in places
        for i in range(n)
    ]
    VpnAlias.objects.create(name="alt-name", employee=people[0])
    names = [p.email for p in people] + [f"fremd-{i}" for i in range(5)]
    one = VpnGateway.objects.create(name="Eins", product="other", capacity=30, is_default=True)
    two = VpnGateway.objects.create(name="Zwei", product="other", capacity=12)
    split = len(names) * 7 // 10
    for gateway, users, seed, extra in [
        (one, names[:split], 5, ["lang;2026-11-06T07:30:00+01:00;\n"]),
        (two, names[split:] + ["alt-name"], 6, []),
    ]:
        plan = plan_sessions(users, FIRST, DAYS, target_avg=len(users) * 0.3, seed=seed)
        lines = [f"{s.user};{_iso(s.start)};{_iso(s.end)}\n" for s in plan]
        # Someone on both gateways at once, under both names, across midnight.
        lines.append(f"{names[0]};2026-10-21T22:00:00+02:00;2026-10-22T01:30:00+02:00\n")
        if gateway == two:
            lines.append("alt-name;2026-10-21T23:00:00+02:00;2026-10-22T00:30:00+02:00\n")
        import_lines(sorted(lines + extra), name=f"{gateway.name}.csv", fmt="csv", gateway=gateway)
    return {"units": units, "gateways": (one, two)}


def _iso(ts: int) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat()


# --------------------------------------------------------------------------- from raw sessions


def raw_sessions(first, last, gateway=None, units=None) -> np.ndarray:
    """(start, end, person key, unit) of the sessions overlapping the period, an open one
    ending where its gateway's log ends."""
    period = figures.Period(first, last)
    until = dict(GatewayLogState.objects.values_list("gateway_id", "log_until"))
    sessions = VpnSession.objects.all()
    if gateway is not None:
        sessions = sessions.filter(gateway=gateway)
    if units is not None:
        sessions = sessions.filter(unit__in=units)
    rows = [
        (s, e if e is not None else until[g], 2 * emp if emp else 2 * acc + 1, unit or -1)
        for s, e, g, acc, emp, unit in sessions.values_list(
            "started", "ended", "gateway_id", "account_id", "employee_id", "unit_id"
        )
    ]
    out = np.array(rows, dtype=np.int64).reshape(-1, 4)
    return out[(out[:, 0] < period.hi) & (out[:, 1] > period.lo)]


def raw_figures(first, last, gateway=None, units=None) -> tuple[dict, Occupancy]:
    period = figures.Period(first, last)
    rows = raw_sessions(first, last, gateway, units)
    occ = Occupancy.build(rows[:, 0], rows[:, 1], period.lo, period.hi)
    windows = figures.work_windows(first, last)
    peak, peak_at = occ.peak()
    traffic, busy_at = occ.busy_hour_traffic()
    return {
        "sessions": int(np.count_nonzero(rows[:, 0] >= period.lo)),
        "users_distinct": int(np.unique(rows[:, 2]).size),
        "concurrent_peak": peak,
        "concurrent_peak_at": figures._iso(peak_at),
        "concurrent_avg_workhours": round(occ.mean(windows), 4),
        "concurrent_p95_workhours": occ.percentile(95, windows),
        "busy_hour_erlangs": round(traffic, 2),
        "busy_hour_at": figures._iso(busy_at),
    }, occ


def raw_buckets(occ: Occupancy, first, last) -> list[tuple]:
    """(start, end, peak, mean) per real hour, or per day over 31 days."""
    tz = aggregates.zone()
    if (last - first).days + 1 <= selectors.HOURLY_UP_TO_DAYS:
        edges = list(range(occ.lo, occ.hi, 3600))
    else:
        edges = [aggregates.day_bounds(first + dt.timedelta(days=i), tz)[0] for i in range(99)]
        edges = [e for e in edges if e < occ.hi]
    out = []
    for a, b in zip(edges, [*edges[1:], occ.hi], strict=True):
        part = occ.counts[a - occ.lo : b - occ.lo]
        out.append((a, b, int(part.max()), float(part.sum()) / (b - a)))
    return out


def raw_heatmap(occ: Occupancy) -> list[list[float | None]]:
    tz = aggregates.zone()
    total = np.zeros((7, 24))
    seconds = np.zeros((7, 24))
    for a in range(occ.lo, occ.hi, 3600):
        local = dt.datetime.fromtimestamp(a, tz)
        total[local.weekday(), local.hour] += occ.counts[a - occ.lo : a - occ.lo + 3600].sum()
        seconds[local.weekday(), local.hour] += 3600
    return [
        [t / s if s else None for t, s in zip(*row, strict=True)]
        for row in zip(total, seconds, strict=True)
    ]


def raw_users_per_day(first, last, units) -> list[int]:
    """Distinct people of these units per local day (the rule of 5 weighs the busiest)."""
    out = []
    day = first
    while day <= last:
        rows = raw_sessions(day, day, units=units)
        out.append(int(np.unique(rows[:, 2]).size))
        day += dt.timedelta(days=1)
    return out


def subtree(unit) -> list[int]:
    return list(OrgUnit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))


# --------------------------------------------------------------------------- the overview


@pytest.mark.parametrize("which", ["all", "one", "two"])
@pytest.mark.parametrize(("first", "last"), PERIODS)
def test_the_overview_reads_from_day_rows_what_the_sessions_say(city, which, first, last):
    gateway = {"all": None, "one": city["gateways"][0], "two": city["gateways"][1]}[which]
    expected, occ = raw_figures(first, last, gateway)

    with CaptureQueriesContext(connection) as queries:
        result = selectors.gateway_figures(first, last, gateway)

    assert not any("usage_vpnsession" in q["sql"] for q in queries.captured_queries)
    assert not result["suppressed"]
    values = result["figures"]
    assert {key: values[key] for key in expected} == expected
    assert expected["concurrent_peak"] > 0 and expected["users_distinct"] >= 5
    series = result["series"]
    assert [
        (int(b.start.timestamp()), int(b.end.timestamp()), b.peak, b.mean) for b in series.buckets
    ] == raw_buckets(occ, first, last)
    assert result["heatmap"].means == raw_heatmap(occ)


def test_the_overview_counts_a_person_once_on_both_gateways_under_two_names(city):
    day = dt.date(2026, 10, 21)
    one, two = city["gateways"]
    both = selectors.gateway_figures(day, day)["figures"]["users_distinct"]
    alone = [
        selectors.gateway_figures(day, day, g)["figures"]["users_distinct"] for g in (one, two)
    ]
    assert both == raw_figures(day, day)[0]["users_distinct"] < sum(alone)


def test_the_overview_keeps_the_rule_of_five_where_it_was(city, settings):
    # The group is the most people on one gateway on one day, read from the day rows.
    one, two = city["gateways"]
    first, last = PERIODS[1]
    busiest = {
        g: max(
            int(np.unique(raw_sessions(d, d, g)[:, 2]).size)
            for d in (first + dt.timedelta(days=i) for i in range(7))
        )
        for g in (one, two)
    }
    settings.MIN_GROUP_SIZE = busiest[two] + 1
    assert busiest[one] >= min_group_size() > busiest[two]

    assert selectors.gateway_figures(first, last, two) == {"empty": False, "suppressed": True}
    assert not selectors.gateway_figures(first, last, one)["suppressed"]
    assert not selectors.gateway_figures(first, last)["suppressed"]
    assert selectors.gateway_figures(dt.date(2027, 1, 4), dt.date(2027, 1, 5))["empty"]


def test_the_persons_are_gone_with_the_raw_sessions_and_the_rest_stays(city):
    first, last = PERIODS[1]
    before = figures.usage_figures(first, last)
    from rathausmobil.usage import jobs

    jobs.delete_expired_sessions(dt.date(2027, 3, 1))
    after = figures.usage_figures(first, last)

    assert after["users_distinct"] is None and before["users_distinct"] > 5
    assert {k: v for k, v in after.items() if k != "users_distinct"} == {
        k: v for k, v in before.items() if k != "users_distinct"
    }


# --------------------------------------------------------------------------- the units page


@pytest.mark.parametrize(("first", "last"), PERIODS)
@pytest.mark.parametrize("code", [None, "D", "A", "B"])
def test_the_units_page_reads_from_day_rows_what_the_sessions_say(city, code, first, last):
    with CaptureQueriesContext(connection) as queries:
        listing = selectors.unit_listing(code, first, last)

    assert not any("usage_vpnsession" in q["sql"] for q in queries.captured_queries)
    windows = figures.work_windows(first, last)
    length = int((windows[:, 1] - windows[:, 0]).sum())
    rows = [*listing.rows, *([listing.parent] if listing.parent else [])]
    assert rows
    for row in rows:
        unit = OrgUnit.objects.get(pk=row.unit_id)
        ids = subtree(unit)
        assert list(row.users) == raw_users_per_day(first, last, ids), row.code
        assert row.heads == Employee.objects.filter(is_active=True, unit__in=ids).count()
        if row.suppressed:
            assert row.mean is None
            continue
        expected, occ = raw_figures(first, last, units=ids)
        assert row.sessions == expected["sessions"]
        assert row.peak == expected["concurrent_peak"]
        assert row.mean == pytest.approx(occ.integral(windows)[0] / length)


def test_the_units_page_hides_small_units_and_their_complement(city):
    first, last = PERIODS[2]
    listing = selectors.unit_listing("B", first, last)
    rows = {r.code: r for r in listing.rows}
    # B2 has four staff: hidden by the rule of 5; B1 is then the only row shown, and B minus
    # B1 would be B2 plus B's own staff (none), so B1 is hidden as well.
    assert rows["B2"].reason == "small" and rows["B1"].reason == "complement"
    assert rows["B1"].busiest >= 5 and rows["B1"].heads >= 5


@pytest.mark.parametrize(("first", "last"), PERIODS[1:])
def test_a_units_figures_over_days_read_the_day_rows(city, first, last):
    unit = city["units"]["A"]
    ids = subtree(unit)
    expected, _ = raw_figures(first, last, units=ids)

    with CaptureQueriesContext(connection) as queries:
        values = figures.usage_figures(first, last, unit=unit, today=LAST)

    assert not any("usage_vpnsession" in q["sql"] for q in queries.captured_queries)
    assert values["source"] == "daily_aggregates"
    for key in (
        "sessions",
        "concurrent_peak",
        "concurrent_peak_at",
        "concurrent_avg_workhours",
        "busy_hour_erlangs",
        "busy_hour_at",
    ):
        assert values[key] == expected[key], key
    assert values["users_distinct"] is None and values["concurrent_p95_workhours"] is None


def test_a_units_figures_of_one_day_read_its_sessions(city):
    day = dt.date(2026, 10, 21)
    unit = city["units"]["A"]
    expected, _ = raw_figures(day, day, units=subtree(unit))

    values = figures.usage_figures(day, day, unit=unit, today=LAST)

    assert values["source"] == "sessions"
    assert {key: values[key] for key in expected} == expected


# --------------------------------------------------------------------------- the dashboard


def test_the_dashboard_reads_the_last_28_days_from_day_rows(city):
    today = LAST + dt.timedelta(days=3)
    first, last = today - dt.timedelta(days=28), today - dt.timedelta(days=1)
    expected, occ = raw_figures(first, last)

    with (
        mock.patch.object(timezone, "localdate", return_value=today),
        CaptureQueriesContext(connection) as queries,
    ):
        values = figures.kpis()

    assert not any("usage_vpnsession" in q["sql"] for q in queries.captured_queries)
    assert len(queries.captured_queries) <= 3
    assert values == {
        "vpn_concurrent_avg_workdays": round(occ.mean(figures.work_windows(first, last)), 1),
        "vpn_concurrent_peak": expected["concurrent_peak"],
    }


# --------------------------------------------------------------------------- pages, end to end


@pytest.mark.parametrize(
    ("page", "params"),
    [
        ("usage:overview", {"von": "2026-10-19", "bis": "2026-11-15"}),
        ("usage:overview", {"von": "2026-08-17", "bis": "2026-11-15"}),
        ("usage:overview", {"von": "2025-11-17", "bis": "2026-11-15"}),
        ("usage:units", {"von": "2026-10-19", "bis": "2026-11-15", "einheit": "D"}),
    ],
)
def test_the_pages_never_read_raw_sessions(client, city, page, params):
    user = UserFactory(username="auswertung")
    RoleAssignment.objects.create(user=user, role=Role.HR)
    client.force_login(user)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(page), params)

    assert response.status_code == 200
    assert "data-figure" in response.content.decode() or 'data-unit="A"' in (
        response.content.decode()
    )
    assert not any("usage_vpnsession" in q["sql"] for q in queries.captured_queries)
