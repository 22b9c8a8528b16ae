import itertools
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from rathausmobil.usage.concurrency import time_weighted_mean, workhour_windows
from rathausmobil.usage.generate import (
    WRITERS,
    PlannedSession,
    plan_sessions,
    user_names,
    write_cisco_asa,
    write_csv,
    write_log,
)
from rathausmobil.usage.parsers import ParseStats, parse
from rathausmobil.usage.sessions import assemble, session_bounds

BERLIN = ZoneInfo("Europe/Berlin")


def small_plan(first_day, days=4, *, seed=5, extra=()):
    """~50 users over a few days, plus hand-made sessions (over midnight, over a day)."""
    users = user_names(50, seed=seed)
    plan = list(plan_sessions(users, first_day, days, target_avg=16, seed=seed))
    return sorted([*plan, *extra], key=lambda s: (s.start, s.seq))


def local(day, hour, minute=0, second=0):
    d = datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=BERLIN)
    return int(d.timestamp())


def long_sessions(day):
    """A session over midnight and one over a whole day (ASA ``Duration: 1d ...``)."""
    return [
        PlannedSession(
            "nachtdienst",
            local(day, 23, 10, 3),
            local(day, 23, 10, 3) + 7300,
            "198.51.100.7",
            90_000,
        ),
        PlannedSession(
            "bereitschaft",
            local(day, 6, 0, 0),
            local(day, 6, 0, 0) + 26 * 3600 + 5,
            "198.51.100.8",
            90_001,
        ),
    ]


def read_back(lines, fmt, year):
    stats = ParseStats()
    result = assemble(parse(lines, fmt, year=year, stats=stats), gateway="gw")
    return result, stats


WRITER_CASES = [
    ("cisco-asa", {}),
    ("cisco-asa", {"with_year": False}),
    ("openvpn-log", {}),
    ("openvpn-log", {"ctime": True}),
    ("fortigate", {}),
    ("radius-detail", {}),
    ("csv", {}),
    ("csv", {"with_offset": False}),
]
# spring change (Sun 28 March), autumn change (Sun 31 October), year turn (ASA without year)
PLAN_STARTS = [date(2021, 3, 26), date(2021, 10, 29), date(2020, 12, 30)]


@pytest.mark.parametrize("first_day", PLAN_STARTS)
@pytest.mark.parametrize(("fmt", "options"), WRITER_CASES)
def test_it_writes_logs_that_the_parsers_read_back_as_the_planned_sessions(fmt, options, first_day):
    plan = small_plan(first_day, extra=long_sessions(first_day))

    result, stats = read_back(list(WRITERS[fmt](plan, **options)), fmt, first_day.year)

    got = sorted((s.user, int(s.start.timestamp()), int(s.end.timestamp())) for s in result.closed)
    assert got == sorted((s.user, s.start, s.end) for s in plan)
    assert (stats.problems, result.stats.problems, result.open) == (0, 0, [])
    assert not any(s.start_derived for s in result.closed)
    assert stats.other > 0 or fmt == "csv"  # noise lines of other messages were skipped
    if fmt != "csv":
        ips = {(s.user, int(s.start.timestamp())): s.client_ip for s in result.closed}
        assert ips == {(s.user, s.start): s.client_ip for s in plan}


def test_it_writes_the_asa_duration_with_days():
    day = date(2021, 2, 1)
    lines = list(write_cisco_asa(long_sessions(day)[::-1]))

    assert any("Username = bereitschaft" in x and "Duration: 1d 2h:00m:05s" in x for x in lines)
    assert any("Username = nachtdienst" in x and "Duration: 2h:01m:40s" in x for x in lines)


def test_it_hits_the_mean_concurrency_in_working_hours():
    users = user_names(1100, seed=11)
    first, last = date(2021, 2, 1), date(2021, 2, 28)  # 20 workdays
    plan = list(plan_sessions(users, first, 28, target_avg=350, seed=11))
    starts, ends = [s.start for s in plan], [s.end for s in plan]

    windows = workhour_windows(first, last)
    assert len(windows) == 20
    assert time_weighted_mean(starts, ends, windows) == pytest.approx(350, rel=0.05)
    # not just on average: every workday on its own
    for window in windows:
        assert time_weighted_mean(starts, ends, [window]) == pytest.approx(350, rel=0.02)


def test_it_gives_the_mean_when_the_log_is_read_back():
    users = user_names(1100, seed=14)
    first, last = date(2021, 2, 1), date(2021, 2, 28)
    plan = list(plan_sessions(users, first, 28, target_avg=350, seed=14))

    lines = list(WRITERS["fortigate"](plan, noise_per_hour=0))
    result, stats = read_back(lines, "fortigate", 2021)
    starts, ends = session_bounds(result.closed, until=datetime(2021, 3, 1, tzinfo=BERLIN))

    assert stats.problems == 0 and len(result.closed) == len(plan)
    assert time_weighted_mean(starts, ends, workhour_windows(first, last)) == pytest.approx(
        350, rel=0.05
    )


def test_it_hits_the_mean_across_the_summer_time_change_and_holidays():
    users = user_names(1100, seed=12)
    first, last = date(2021, 3, 15), date(2021, 4, 11)
    easter = {date(2021, 4, 2), date(2021, 4, 5)}
    plan = list(plan_sessions(users, first, 28, target_avg=350, seed=12, holidays=easter))
    starts, ends = [s.start for s in plan], [s.end for s in plan]

    windows = workhour_windows(first, last, exclude=easter)
    assert len(windows) == 18
    assert time_weighted_mean(starts, ends, windows) == pytest.approx(350, rel=0.05)
    # the holidays are quiet like a weekend
    good_friday = workhour_windows(date(2021, 4, 2), date(2021, 4, 2))
    assert time_weighted_mean(starts, ends, good_friday) < 20


def test_it_plans_a_plausible_working_day():
    users = user_names(1100, seed=13)
    plan = list(plan_sessions(users, date(2021, 2, 1), 28, target_avg=350, seed=13))
    workday = [s for s in plan if datetime.fromtimestamp(s.start, BERLIN).weekday() < 5]
    weekend = [s for s in plan if datetime.fromtimestamp(s.start, BERLIN).weekday() >= 5]
    start_hours = np.array([datetime.fromtimestamp(s.start, BERLIN).hour for s in workday])
    over_midnight = [
        s
        for s in plan
        if datetime.fromtimestamp(s.start, BERLIN).date()
        != datetime.fromtimestamp(s.end, BERLIN).date()
    ]

    assert np.all((start_hours >= 7) & (start_hours <= 23))
    assert np.mean(start_hours < 10) > 0.7  # most start in the morning
    assert 0 < len(weekend) < 0.05 * len(workday)
    assert 0 < len(over_midnight) < 0.01 * len(plan)
    assert all(s.end > s.start for s in plan)
    # several users have split days, but nobody has overlapping sessions
    by_user = {}
    for s in plan:
        by_user.setdefault(s.user, []).append(s)
    assert all(a.end < b.start for ss in by_user.values() for a, b in itertools.pairwise(ss))
    assert 900 < len(by_user) <= 1100


def test_it_is_deterministic_for_a_seed():
    users = user_names(200, seed=1)

    def plan(seed):
        return list(plan_sessions(users, date(2021, 2, 1), 7, target_avg=60, seed=seed))

    assert plan(1) == plan(1)
    assert plan(1) != plan(2)
    assert user_names(200, seed=1) == users
    for writer in WRITERS.values():
        assert list(writer(plan(1))) == list(writer(plan(1)))


def test_it_plans_day_by_day_without_holding_the_period():
    users = user_names(300, seed=4)
    week = list(plan_sessions(users, date(2021, 2, 1), 7, target_avg=90, seed=4))

    century = plan_sessions(users, date(2021, 2, 1), 36_500, target_avg=90, seed=4)

    assert list(itertools.islice(century, len(week))) == week


def _times(fmt, lines):
    """Unix time of every line that carries one, in file order."""
    if fmt == "fortigate":
        return [int(re.search(r"eventtime=(\d+)", x).group(1)) // 10**9 for x in lines]
    if fmt == "radius-detail":
        return [int(x.split("=")[1]) for x in lines if x.startswith("\tTimestamp")]
    if fmt == "csv":
        return [int(datetime.fromisoformat(x.split(";")[1]).timestamp()) for x in lines[1:]]
    if fmt == "openvpn-log":
        texts = [x[:19] for x in lines]
        pattern = "%Y-%m-%d %H:%M:%S"
    else:
        texts = [x[:20] for x in lines]
        pattern = "%b %d %Y %H:%M:%S"
    out, last = [], 0
    for text in texts:
        d = datetime.strptime(text, pattern).replace(tzinfo=BERLIN)
        t = int(d.timestamp())
        if t < last - 60:  # repeated autumn hour: the second pass
            t = int(d.replace(fold=1).timestamp())
        out.append(t)
        last = t
    return out


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_it_writes_lines_in_time_order(fmt):
    plan = small_plan(date(2021, 10, 29), extra=long_sessions(date(2021, 10, 30)))

    lines = list(WRITERS[fmt](plan))
    times = _times(fmt, lines)

    assert all(x.endswith("\n") for x in lines)
    assert len(times) >= len(plan)
    assert all(a <= b for a, b in itertools.pairwise(times))
    assert all(a.start <= b.start for a, b in itertools.pairwise(plan))


def test_it_writes_the_fortigate_offset_in_force():
    winter = local(date(2021, 3, 27), 10)
    summer = local(date(2021, 3, 29), 10)
    plan = [
        PlannedSession("kmeier", winter, winter + 600, "198.51.100.1", 0),
        PlannedSession("kmeier", summer, summer + 600, "198.51.100.1", 1),
    ]

    lines = [x for x in WRITERS["fortigate"](plan) if "tunnel-up" in x]

    assert ['tz="+0100"' in lines[0], 'tz="+0200"' in lines[1]] == [True, True]
    assert "time=10:00:00" in lines[1]


def test_it_refuses_sessions_out_of_start_order():
    t = local(date(2021, 2, 1), 8)
    plan = [
        PlannedSession("kmeier", t, t + 600, "198.51.100.1", 0),
        PlannedSession("bschulz", t - 60, t + 600, "198.51.100.2", 1),
    ]

    with pytest.raises(ValueError, match="nach Beginn sortiert"):
        list(WRITERS["fortigate"](plan))


def test_it_writes_a_log_file(tmp_path):
    plan = small_plan(date(2021, 2, 1), days=2)
    path = tmp_path / "sessions.csv"

    count = write_log(path, "csv", plan)

    with open(path, encoding="utf-8") as f:
        result, stats = read_back(f, "csv", 2021)
    assert count == stats.lines == len(plan) + 1
    assert len(result.closed) == len(plan)
    assert list(write_csv([])) == ["user;start;end\n"]
    with pytest.raises(ValueError, match="unknown format"):
        write_log(path, "pptp", plan)


def test_it_gives_unique_user_names():
    names = user_names(5000, seed=3)

    assert len(set(names)) == 5000
    assert all(re.fullmatch(r"[a-z]+\d*", n) for n in names)
