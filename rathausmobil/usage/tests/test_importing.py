"""Import into the database, figures from the stored data, retention (SQLite and PostgreSQL).

Figures are checked against an independent computation: the sample file parsed and assembled
in memory, and N(t) evaluated by brute force at every start and end instant.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rathausmobil.access.models import VpnGateway
from rathausmobil.core.models import AuditEvent
from rathausmobil.organisation.tests.factories import EmployeeFactory
from rathausmobil.usage import aggregates, jobs
from rathausmobil.usage.accounts import remap_accounts
from rathausmobil.usage.figures import usage_figures
from rathausmobil.usage.importing import ImportError_, import_lines
from rathausmobil.usage.models import (
    TotalUsageDay,
    UnitUsageDay,
    UnmappedCause,
    UsageDay,
    VpnAccount,
    VpnAlias,
    VpnLogImport,
    VpnSession,
    unpack_counts,
)
from rathausmobil.usage.parsers import parse
from rathausmobil.usage.sessions import assemble

FILES = Path(__file__).parent / "files"

pytestmark = pytest.mark.django_db

# (file, format, --year, broken lines it holds on purpose)
SAMPLES = [
    ("cisco-asa.log", "cisco-asa", 2021, 0),
    ("fortigate.log", "fortigate", None, 0),
    ("openvpn.log", "openvpn-log", None, 0),
    ("openvpn-status-v2.txt", "openvpn-status", None, 0),
    ("openvpn-status-v3.txt", "openvpn-status", None, 0),
    ("wireguard-series.txt", "wireguard-dump", None, 1),
    ("strongswan.log", "strongswan", 2021, 0),
    ("radius-detail", "radius-detail", None, 0),
    ("sessions.csv", "csv", None, 0),
]


@pytest.fixture
def gateway():
    return VpnGateway.objects.create(name="GW", product="other", capacity=3, is_default=True)


def _import(name, fmt, gateway, year=None, parallel=False):
    with (FILES / name).open(encoding="utf-8") as fh:
        return import_lines(fh, name=name, fmt=fmt, gateway=gateway, year=year, parallel=parallel)


def _csv(gateway, text, name="t.csv"):
    return import_lines(io.StringIO(text), name=name, fmt="csv", gateway=gateway)


def _truth(name, fmt, year, first, last):
    """Independent figures: sessions in memory, N(t) by brute force at each event instant,
    the working-hour mean by summing per second."""
    with (FILES / name).open(encoding="utf-8") as fh:
        result = assemble(parse(fh, fmt, year=year), gateway="x")
    sessions = list(result.closed)
    cap = max([int(s.end.timestamp()) for s in sessions] + [0])
    cap = max([cap] + [int((s.last_seen or s.start).timestamp()) for s in result.open])
    bounds = [(int(s.start.timestamp()), int(s.end.timestamp())) for s in sessions]
    bounds += [(int(s.start.timestamp()), cap) for s in result.open]
    instants = sorted({a for a, _ in bounds} | {b for _, b in bounds})
    peak = max((sum(a <= t < b for a, b in bounds) for t in instants), default=0)
    lo = aggregates.day_bounds(first)[0]
    total = length = 0
    d = first
    while d <= last:
        if d.weekday() < 5:
            a = int(dt.datetime.combine(d, dt.time(7), aggregates.zone()).timestamp())
            b = int(dt.datetime.combine(d, dt.time(18), aggregates.zone()).timestamp())
            length += b - a
            total += sum(max(0, min(e, b) - max(s, a)) for s, e in bounds)
        d += dt.timedelta(days=1)
    assert lo
    return peak, total / length


@pytest.mark.parametrize(("name", "fmt", "year", "broken"), SAMPLES)
def test_it_imports_every_format_and_agrees_with_an_independent_count(
    name, fmt, year, broken, gateway
):
    result = _import(name, fmt, gateway, year)
    assert result.problem_count == broken
    stored = VpnSession.objects.count()
    assert stored == result.new > 0
    days = UsageDay.objects.order_by("day")
    first, last = days.first().day, days.last().day
    figures = usage_figures(first, last)
    peak, mean = _truth(name, fmt, year, first, last)
    assert figures["concurrent_peak"] == peak
    assert figures["concurrent_avg_workhours"] == pytest.approx(mean, rel=0.005, abs=1e-4)


@pytest.mark.parametrize(("name", "fmt", "year", "broken"), SAMPLES)
def test_it_adds_nothing_when_the_same_file_comes_again(name, fmt, year, broken, gateway):
    _import(name, fmt, gateway, year)
    before = list(VpnSession.objects.values_list("identity", "started", "ended").order_by("pk"))
    days = list(UsageDay.objects.values_list("day", "peak", "sessions").order_by("day"))
    again = _import(name, fmt, gateway, year)
    assert again.new == 0 and again.closed == 0
    assert again.known == len(before)
    after = list(VpnSession.objects.values_list("identity", "started", "ended").order_by("pk"))
    assert after == before
    assert list(UsageDay.objects.values_list("day", "peak", "sessions").order_by("day")) == days


def test_it_closes_a_session_left_open_by_the_previous_file(gateway):
    first = _import("openvpn-part1.log", "openvpn-log", gateway)
    assert first.open >= 1
    open_before = VpnSession.objects.filter(ended__isnull=True).count()
    assert open_before == first.open
    assert (
        VpnSession.objects.filter(ended__isnull=True).exclude(open_key=None).count() == open_before
    )
    second = _import("openvpn-part2.log", "openvpn-log", gateway)
    assert second.closed == open_before
    assert not VpnSession.objects.filter(ended__isnull=True).exists()
    assert not VpnSession.objects.exclude(open_key=None).exists()
    # and the whole story again changes nothing
    again = _import("openvpn-part2.log", "openvpn-log", gateway)
    assert again.new == again.closed == 0


def _stored(gateway):
    """The sessions of a gateway without what depends on the gateway's id (identity, key)."""
    rows = VpnSession.objects.filter(gateway=gateway).values_list(
        "started", "ended", "last_seen", "start_derived", "open_key", "account__name"
    )
    return sorted((a, b, c, d, e is None, f) for a, b, c, d, e, f in rows)


@pytest.mark.parametrize(("name", "fmt", "year", "broken"), SAMPLES)
def test_a_second_process_reads_a_file_exactly_as_this_one(name, fmt, year, broken, gateway):
    here = _import(name, fmt, gateway, year)
    other = VpnGateway.objects.create(name="GW2", product="other", capacity=3)
    there = _import(name, fmt, other, year, parallel=True)
    fields = ("lines", "other", "problem_count", "new", "closed", "known", "open", "first", "last")
    assert [getattr(there, f) for f in fields] == [getattr(here, f) for f in fields]
    assert [(p.line, p.message) for p in there.problems] == [
        (p.line, p.message) for p in here.problems
    ]
    assert _stored(other) == _stored(gateway)
    days = UsageDay.objects.order_by("day")
    assert list(days.filter(gateway=other).values_list("day", "peak", "sessions")) == (
        list(days.filter(gateway=gateway).values_list("day", "peak", "sessions"))
    )


def test_a_second_process_closes_what_the_previous_file_left_open(gateway):
    first = _import("openvpn-part1.log", "openvpn-log", gateway, parallel=True)
    second = _import("openvpn-part2.log", "openvpn-log", gateway, parallel=True)
    assert first.open >= 1 and second.closed == first.open
    assert not VpnSession.objects.filter(ended__isnull=True).exists()


def _figures(gateway):
    days = UsageDay.objects.filter(gateway=gateway).order_by("day")
    shape = ("day", "peak", "peak_at", "sessions", "persons", "hour_sums", "hour_peaks")
    units = UnitUsageDay.objects.order_by("unit_id", "day")
    return (
        list(days.values_list(*shape, "users", "counts", "hour_counts")),
        list(
            units.values_list(
                "unit_id", "day", "sessions", "users", "peak", "hour_seconds", "peak_at"
            )
        ),
        list(units.values_list("busy_seconds", "busy_at")),
        list(TotalUsageDay.objects.order_by("day").values_list(*shape, "hour_counts")),
    )


@pytest.mark.parametrize("parallel", [False, True])
@pytest.mark.parametrize("fmt", ["cisco-asa", "fortigate", "openvpn-log", "radius-detail", "csv"])
def test_daily_figures_computed_while_reading_equal_a_full_recomputation(
    fmt, gateway, org, monkeypatch, tmp_path, parallel
):
    """A generated week in small batches: the days are recomputed early, batch by batch, as
    the file is read; the result is what a full recomputation gives."""
    from rathausmobil.usage import importing
    from rathausmobil.usage.generate import plan_sessions, write_log

    users = [f"user{i}@stadt.example" for i in range(40)]
    for i, user in enumerate(users[:30]):  # ten names stay unmapped
        EmployeeFactory(email=user, unit=org["A1" if i % 2 else "B1"])
    plan = plan_sessions(users, dt.date(2026, 10, 22), 7, target_avg=12, seed=3)
    path = tmp_path / "week.log"
    write_log(path, fmt, plan)
    monkeypatch.setattr(importing, "BATCH", 7)
    calls = []
    rebuild = aggregates.rebuild
    monkeypatch.setattr(
        aggregates,
        "rebuild",
        lambda *args, **kw: (calls.append(args[1:]), rebuild(*args, **kw))[1],
    )
    with path.open(encoding="utf-8") as fh:
        result = import_lines(
            fh, name="week.log", fmt=fmt, gateway=gateway, year=2026, parallel=parallel
        )
    assert result.new > 50 and len(calls) > 3  # recomputed early, several times
    early = _figures(gateway)
    assert len(early[0]) >= 7 and early[1]
    rebuild([gateway.pk], result.first.date() - dt.timedelta(days=1), result.last.date())
    assert _figures(gateway) == early


def test_a_late_line_that_starts_before_the_days_done_is_counted(gateway, org, monkeypatch):
    from rathausmobil.usage import importing

    monkeypatch.setattr(importing, "BATCH", 2)
    for name in ("p0", "p1", "p2", "late"):
        EmployeeFactory(email=f"{name}@stadt.example", unit=org["A1"])
    lines = [
        f"p{i};2026-11-{day:02d}T08:00:00;2026-11-{day:02d}T12:00:00\n"
        for day in range(2, 7)
        for i in range(3)
    ]
    lines.append("late;2026-11-02T09:00:00;2026-11-03T10:00:00\n")  # a day already done
    _csv(gateway, "".join(lines))
    early = _figures(gateway)
    second = UsageDay.objects.get(gateway=gateway, day=dt.date(2026, 11, 2))
    assert (second.sessions, second.peak) == (4, 4)
    assert UsageDay.objects.get(gateway=gateway, day=dt.date(2026, 11, 3)).peak == 4
    assert UnitUsageDay.objects.get(unit=org["A1"], day=dt.date(2026, 11, 2)).users == 4
    aggregates.rebuild([gateway.pk], dt.date(2026, 11, 1), dt.date(2026, 11, 7))
    assert _figures(gateway) == early


def test_a_day_computed_early_counts_the_session_from_the_evening_before(gateway, monkeypatch):
    from rathausmobil.usage import importing

    monkeypatch.setattr(importing, "BATCH", 2)
    lines = [
        f"p{i};2026-11-{day:02d}T08:00:00;2026-11-{day:02d}T12:00:00\n"
        for day in range(2, 7)
        for i in range(3)
    ]
    lines.insert(9, "p0;2026-11-04T22:00:00;2026-11-05T02:00:00\n")  # the longest session
    _csv(gateway, "".join(lines))
    fifth = UsageDay.objects.get(gateway=gateway, day=dt.date(2026, 11, 5))
    assert unpack_counts(fifth.counts)[3600] == 1  # 01:00
    early = _figures(gateway)
    aggregates.rebuild([gateway.pk], dt.date(2026, 11, 1), dt.date(2026, 11, 7))
    assert _figures(gateway) == early


def test_a_session_open_for_weeks_counts_on_each_of_its_days(gateway):
    # No end for "lang": it counts until the last time read, longer than any closed session
    # and longer than the chunk of days recomputed at once.
    _csv(gateway, "lang;2026-11-02T08:00:00;\n", name="1.csv")
    _csv(gateway, "kurz;2026-11-20T08:00:00;2026-11-20T09:00:00\n", name="2.csv")
    for day in range(3, 20):
        usage = UsageDay.objects.get(gateway=gateway, day=dt.date(2026, 11, day))
        assert unpack_counts(usage.counts).min() == 1, day
    assert UsageDay.objects.get(gateway=gateway, day=dt.date(2026, 11, 20)).peak == 2


def _dies_after(lines):
    yield from lines
    os._exit(3)  # only ever run in the second process


def _fails_after(lines):
    yield from lines
    raise ValueError("kaputt")


@pytest.mark.parametrize("how", [_dies_after, _fails_after])
def test_it_changes_nothing_when_the_second_process_fails(gateway, how):
    lines = (FILES / "cisco-asa.log").read_text(encoding="utf-8").splitlines(keepends=True)
    expected = ImportError_ if how is _dies_after else RuntimeError
    with pytest.raises(expected) as failure:
        import_lines(
            how(lines), name="x.log", fmt="cisco-asa", gateway=gateway, year=2021, parallel=True
        )
    if how is _fails_after:
        assert "ValueError: kaputt" in str(failure.value)
    else:
        assert "nichts gespeichert" in str(failure.value)
    assert not VpnSession.objects.exists()
    assert not VpnLogImport.objects.exists()


def test_it_stores_a_session_once_when_a_syslog_relay_repeats_its_lines(gateway):
    start = (
        "Feb 01 2021 07:58:07: %ASA-6-113039: Group <GP-Rathaus> User <kmeier>"
        " IP <203.0.113.1> AnyConnect parent session started.\n"
    )
    end = (
        "Feb 01 2021 12:03:51: %ASA-4-113019: Group = GP-Rathaus, Username = kmeier,"
        " IP = 203.0.113.1, Session disconnected. Session Type: AnyConnect-Parent,"
        " Duration: 4h:05m:44s, Bytes xmt: 1, Bytes rcv: 2, Reason: User Requested\n"
    )
    # The second end, without an open session, gives the same session again (start derived
    # from its duration): it must not break the fast path of a fresh gateway.
    result = import_lines(
        [start, start, end, end], name="dup.log", fmt="cisco-asa", gateway=gateway, year=2021
    )
    assert (result.new, result.known) == (1, 1)
    session = VpnSession.objects.get()
    assert session.ended - session.started == 4 * 3600 + 5 * 60 + 44


def test_it_never_replaces_a_stored_end_by_an_open_one(gateway):
    _csv(gateway, "kmeier;2026-11-02T08:00:00;2026-11-02T12:00:00\n")
    result = _csv(gateway, "kmeier;2026-11-02T08:00:00;\n")
    assert result.new == 0
    session = VpnSession.objects.get()
    assert session.ended is not None


def test_it_reports_broken_lines_with_their_number_and_goes_on(gateway):
    result = _import("cisco-asa-broken.log", "cisco-asa", gateway, 2021)
    assert result.problem_count >= 1
    assert all(p.line > 0 and p.message for p in result.problems)
    assert VpnSession.objects.exists()
    log = VpnLogImport.objects.get()
    assert log.problems == result.problem_count
    assert log.problem_lines[0][0] == result.problems[0].line


def test_it_counts_the_ending_session_as_closed_at_the_instant_another_starts(gateway):
    _csv(
        gateway,
        "a;2026-11-02T08:00:00;2026-11-02T10:00:00\n"
        "b;2026-11-02T10:00:00;2026-11-02T12:00:00\n"
        "c;2026-11-02T09:00:00;2026-11-02T11:00:00\n",
    )
    figures = usage_figures(dt.date(2026, 11, 2), dt.date(2026, 11, 2))
    assert figures["concurrent_peak"] == 2
    assert figures["concurrent_peak_at"] == "2026-11-02T09:00:00+01:00"
    # 08-09: 1, 09-10: 2, 10-11: 2, 11-12: 1 -> 6 session-hours over 11 working hours
    assert figures["concurrent_avg_workhours"] == pytest.approx(6 / 11, abs=1e-4)


def test_it_splits_a_session_over_midnight_into_both_days(gateway):
    _csv(gateway, "a;2026-11-02T22:00:00;2026-11-03T02:00:00\n")
    days = {d.day: d for d in UsageDay.objects.all()}
    assert set(days) == {dt.date(2026, 11, 2), dt.date(2026, 11, 3)}
    assert int(days[dt.date(2026, 11, 2)].series().sum()) == 2 * 3600
    assert int(days[dt.date(2026, 11, 3)].series().sum()) == 2 * 3600
    assert days[dt.date(2026, 11, 2)].sessions == 1 and days[dt.date(2026, 11, 3)].sessions == 0


def test_it_keeps_local_days_of_23_and_25_hours_over_the_summer_time_change(gateway):
    _csv(
        gateway,
        "a;2026-03-29T01:00:00;2026-03-29T04:00:00\n"  # 01:00 CET .. 04:00 CEST = 2 h
        "b;2026-10-25T01:00:00;2026-10-25T04:00:00\n",  # 01:00 CEST .. 04:00 CET = 4 h
    )
    spring = UsageDay.objects.get(day=dt.date(2026, 3, 29))
    autumn = UsageDay.objects.get(day=dt.date(2026, 10, 25))
    assert (spring.seconds, autumn.seconds) == (23 * 3600, 25 * 3600)
    assert int(spring.series().sum()) == 2 * 3600
    assert int(autumn.series().sum()) == 4 * 3600


def test_it_maps_names_by_login_email_domain_form_and_alias(gateway, django_user_model):
    user = django_user_model.objects.create_user("kmeier", password="x")
    meier = EmployeeFactory(email="karin.meier@stadt.example", user=user)
    yilmaz = EmployeeFactory(email="a.yilmaz@stadt.example")
    schulz = EmployeeFactory(email="b.schulz@stadt.example")
    _csv(
        gateway,
        "KMeier;2026-11-02T08:00:00;2026-11-02T09:00:00\n"
        "STADT\\kmeier;2026-11-02T10:00:00;2026-11-02T11:00:00\n"
        "A.Yilmaz@Stadt.Example;2026-11-02T08:00:00;2026-11-02T09:00:00\n"
        "bschulz-alt;2026-11-02T08:00:00;2026-11-02T09:00:00\n"
        ";2026-11-02T08:00:00;2026-11-02T09:00:00\n",
    )
    by_name = {a.name: a for a in VpnAccount.objects.all()}
    assert by_name["kmeier"].employee == meier
    assert by_name["stadt\\kmeier"].employee == meier
    assert by_name["a.yilmaz@stadt.example"].employee == yilmaz
    assert by_name["bschulz-alt"].employee is None
    assert by_name["bschulz-alt"].unmapped_cause == UnmappedCause.UNKNOWN
    VpnAlias.objects.create(name="bschulz-alt", employee=schulz)
    assert remap_accounts() == 1
    assert VpnSession.objects.filter(employee=schulz, unit=schulz.unit).count() == 1


def test_it_does_not_guess_between_two_people_with_the_same_local_part(gateway):
    EmployeeFactory(email="m.mueller@stadt.example")
    EmployeeFactory(email="m.mueller@eigenbetrieb.example")
    _csv(gateway, "m.mueller;2026-11-02T08:00:00;2026-11-02T09:00:00\n")
    account = VpnAccount.objects.get()
    assert account.employee is None
    assert account.unmapped_cause == UnmappedCause.AMBIGUOUS


def test_it_stores_client_addresses_only_when_asked(gateway, settings):
    _import("cisco-asa.log", "cisco-asa", gateway, 2021)
    assert not VpnSession.objects.exclude(client_ip=None).exists()
    VpnSession.objects.all().delete()
    UsageDay.objects.all().delete()
    settings.USAGE_STORE_CLIENT_IP = True
    _import("cisco-asa.log", "cisco-asa", gateway, 2021)
    assert VpnSession.objects.exclude(client_ip=None).count() == VpnSession.objects.count()


def test_it_counts_people_not_names_and_units_with_their_sub_units(gateway, org):
    one = EmployeeFactory(email="one@stadt.example", unit=org["A1"])
    VpnAlias.objects.create(name="one-old", employee=one)
    EmployeeFactory(email="two@stadt.example", unit=org["A"])
    _csv(
        gateway,
        "one@stadt.example;2026-11-02T08:00:00;2026-11-02T12:00:00\n"
        "one-old;2026-11-03T08:00:00;2026-11-03T12:00:00\n"
        "two@stadt.example;2026-11-02T09:00:00;2026-11-02T10:00:00\n"
        "stranger;2026-11-02T09:00:00;2026-11-02T10:00:00\n",
    )
    figures = usage_figures(dt.date(2026, 11, 2), dt.date(2026, 11, 3))
    assert figures["users_distinct"] == 3  # one (two names), two, and the unmapped name
    day = UnitUsageDay.objects.get(unit=org["A"], day=dt.date(2026, 11, 2))
    assert (day.users, day.sessions, day.peak) == (2, 2, 2)
    assert day.hour_seconds[9] == 2 * 3600
    assert UnitUsageDay.objects.get(unit=org["D"], day=dt.date(2026, 11, 2)).users == 2
    assert not UnitUsageDay.objects.filter(unit=org["B"]).exists()


def test_it_gives_the_same_unit_figures_from_sessions_and_from_daily_figures(gateway, org):
    for i in range(6):
        EmployeeFactory(email=f"p{i}@stadt.example", unit=org["A1"])
    lines = "".join(
        f"p{i}@stadt.example;2026-11-0{2 + i % 3}T{7 + i:02d}:15:00;2026-11-0{2 + i % 3}T1{i}:40:00\n"
        for i in range(6)
    )
    _csv(gateway, lines)
    monday, unit = dt.date(2026, 11, 2), org["A"]
    recent = usage_figures(monday, monday, unit=unit, today=dt.date(2026, 11, 10))
    old = usage_figures(monday, monday, unit=unit, today=dt.date(2027, 6, 1))
    assert recent["source"] == "sessions" and old["source"] == "daily_aggregates"
    for key in (
        "sessions",
        "concurrent_peak",
        "concurrent_peak_at",
        "concurrent_avg_workhours",
        "busy_hour_erlangs",
        "busy_hour_at",
        "licences_for_1pct_blocking",
    ):
        assert recent[key] == old[key], key
    assert recent["concurrent_peak"] == 2 and recent["users_distinct"] == 2
    assert old["users_distinct"] is None and old["concurrent_p95_workhours"] is None
    # More than a day reads the day rows, however recent.
    week = usage_figures(monday, dt.date(2026, 11, 6), unit=unit, today=dt.date(2026, 11, 10))
    assert week["source"] == "daily_aggregates" and week["sessions"] == 6
    with pytest.raises(CommandError, match="nur für einen Tag"):
        call_command(
            "vpn_usage",
            "--from",
            "2026-11-02",
            "--to",
            "2026-11-03",
            "--unit",
            "A",
            "--gateway",
            "GW",
        )


def test_it_deletes_raw_sessions_after_the_retention_period_and_keeps_the_figures(gateway):
    _csv(
        gateway,
        "a;2026-06-01T08:00:00;2026-06-01T12:00:00\n"
        "b;2026-06-01T09:00:00;2026-06-01T10:00:00\n"
        "c;2026-11-02T08:00:00;\n",
    )
    before = usage_figures(dt.date(2026, 6, 1), dt.date(2026, 6, 1))
    assert jobs.delete_expired_sessions(dt.date(2026, 11, 20)) == 2
    assert jobs.delete_expired_sessions(dt.date(2026, 11, 20)) == 0
    assert list(VpnSession.objects.values_list("account__name", flat=True)) == ["c"]
    after = usage_figures(dt.date(2026, 6, 1), dt.date(2026, 6, 1))
    for key in ("sessions", "concurrent_peak", "concurrent_avg_workhours"):
        assert after[key] == before[key]
    assert after["users_distinct"] is None  # who used it is gone with the raw sessions
    assert UsageDay.objects.get(day=dt.date(2026, 6, 1)).persons is None
    assert set(VpnAccount.objects.values_list("name", flat=True)) == {"c"}
    # a late file for a day already final does not shrink its figures
    _csv(gateway, "d;2026-06-01T13:00:00;2026-06-01T14:00:00\n", name="late.csv")
    assert usage_figures(dt.date(2026, 6, 1), dt.date(2026, 6, 1))["sessions"] == 2


def test_it_counts_an_open_session_until_the_end_of_what_was_read(gateway):
    _csv(
        gateway,
        "a;2026-11-02T08:00:00;\nb;2026-11-02T09:00:00;2026-11-02T11:00:00\n",
    )
    figures = usage_figures(dt.date(2026, 11, 2), dt.date(2026, 11, 2))
    # read until 11:00: a counts 08-11
    assert figures["concurrent_avg_workhours"] == pytest.approx(5 / 11, abs=1e-4)
    assert figures["coverage"]["logs_until"] == "2026-11-02T11:00:00+01:00"


def test_it_runs_from_the_command_line_and_prints_json(gateway, tmp_path, capsys):
    call_command(
        "import_vpn_log", str(FILES / "fortigate.log"), "--format", "fortigate", "--gateway", "GW"
    )
    out = capsys.readouterr().out
    assert "fortigate.log:" in out and "Sitzungen" in out
    call_command("vpn_usage", "--from", "2021-02-01", "--to", "2021-02-02", "--json")
    figures = json.loads(capsys.readouterr().out)
    for key in (
        "sessions",
        "users_distinct",
        "concurrent_peak",
        "concurrent_peak_at",
        "concurrent_avg_workhours",
        "concurrent_p95_workhours",
        "capacity",
        "blocking_probability",
        "licences_for_1pct_blocking",
    ):
        assert key in figures
    assert figures["capacity"] == 3
    assert AuditEvent.objects.filter(action="usage.log_imported").count() == 1


def test_the_command_reads_a_large_file_in_a_second_process(gateway, monkeypatch, capsys):
    from rathausmobil.usage.management.commands import import_vpn_log

    seen = []
    real = import_vpn_log.import_lines
    monkeypatch.setattr(
        import_vpn_log,
        "import_lines",
        lambda *args, **kw: (seen.append(kw["parallel"]), real(*args, **kw))[1],
    )
    monkeypatch.setattr(import_vpn_log, "PARALLEL_FROM_BYTES", 1000)  # the sample is larger
    monkeypatch.setattr(import_vpn_log.os, "cpu_count", lambda: 2)
    call_command("import_vpn_log", str(FILES / "fortigate.log"), "--format", "fortigate")
    monkeypatch.setattr(import_vpn_log.os, "cpu_count", lambda: 1)
    call_command("import_vpn_log", str(FILES / "fortigate.log"), "--format", "fortigate")
    assert seen == [True, False]
    assert "0 neu" in capsys.readouterr().out.splitlines()[-1]
    assert VpnSession.objects.count() > 0


def test_it_refuses_unknown_gateways_formats_and_dates_in_german(gateway, tmp_path):
    log = tmp_path / "x.log"
    log.write_text("")
    with pytest.raises(CommandError, match="nicht angelegt"):
        call_command("import_vpn_log", str(log), "--format", "csv", "--gateway", "Nope")
    with pytest.raises(CommandError, match="Zeitzone"):
        call_command("import_vpn_log", str(log), "--format", "csv", "--tz", "Mars/Olympus")
    with pytest.raises(CommandError, match="kein Datum"):
        call_command("vpn_usage", "--from", "gestern", "--to", "2021-02-02")
    with pytest.raises(CommandError, match="vor --from"):
        call_command("vpn_usage", "--from", "2021-02-03", "--to", "2021-02-02")
    call_command(
        "import_vpn_log", str(log), "--format", "csv", "--gateway", "Neu", "--capacity", "50"
    )
    assert VpnGateway.objects.get(name="Neu").capacity == 50


def test_it_adds_the_last_28_days_to_the_mayors_figures(gateway, settings):
    from rathausmobil.reports.kpis import compute_kpis
    from rathausmobil.usage import figures

    assert figures.kpis() == {"vpn_concurrent_avg_workdays": None, "vpn_concurrent_peak": None}
    from django.utils import timezone

    monday = timezone.localdate() - dt.timedelta(days=7 + timezone.localdate().weekday())
    _csv(gateway, f"a;{monday}T07:00:00;{monday}T18:00:00\nb;{monday}T07:00:00;{monday}T08:00:00\n")
    # Two people: fewer than 5, so hidden as on the gateway page of the same period.
    assert compute_kpis()["vpn_concurrent_peak"] == "< 5"
    assert compute_kpis()["vpn_concurrent_avg_workdays"] == "< 5"
    settings.MIN_GROUP_SIZE = 2
    k = compute_kpis()
    assert k["vpn_concurrent_peak"] == 2
    assert k["vpn_concurrent_avg_workdays"] == pytest.approx(12 / (20 * 11), abs=0.05)


def _lines(n):
    base = dt.datetime(2026, 9, 1, 6, 0)
    for i in range(n):
        start = base + dt.timedelta(seconds=37 * i)
        yield f"u{i % 997};{start:%Y-%m-%dT%H:%M:%S};{start + dt.timedelta(hours=3):%Y-%m-%dT%H:%M:%S}\n"


def test_it_streams_a_file_without_memory_growing_with_it(gateway):
    import tracemalloc

    peaks = []
    for n in (40_000, 160_000):
        VpnSession.objects.all().delete()
        tracemalloc.start()
        result = import_lines(_lines(n), name="big.csv", fmt="csv", gateway=gateway)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert result.new == n
    assert peaks[1] < 1.5 * peaks[0]


@pytest.mark.django_db(transaction=True)
def test_two_gateways_imported_at_the_same_time_both_count(org):
    import threading
    import time

    from django.db import connection

    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL's locks.")
    for name in ("a", "b"):
        EmployeeFactory(email=f"{name}@stadt.example", unit=org["A1"])
    gateways = [
        VpnGateway.objects.create(name=f"GW{i}", product="other", capacity=3) for i in (1, 2)
    ]
    insert = aggregates._insert_unit_days

    def slow_insert(rows):
        time.sleep(0.3)  # hold the day's unit rows, so that the other import surely meets them
        insert(rows)

    barrier = threading.Barrier(2)
    results = []

    def run(gateway, name):
        try:
            barrier.wait(timeout=10)
            results.append(
                _csv(gateway, f"{name}@stadt.example;2026-11-02T08:00:00;2026-11-02T12:00:00\n")
            )
        except Exception as exc:  # the test inspects it
            results.append(exc)
        finally:
            connection.close()

    with mock.patch.object(aggregates, "_insert_unit_days", slow_insert):
        threads = [
            threading.Thread(target=run, args=(g, n)) for g, n in zip(gateways, "ab", strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert all(not isinstance(r, Exception) for r in results), results
    day = UnitUsageDay.objects.get(unit=org["A1"], day=dt.date(2026, 11, 2))
    assert (day.users, day.peak) == (2, 2)
