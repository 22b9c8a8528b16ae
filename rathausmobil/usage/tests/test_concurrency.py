import os
import time
from datetime import UTC, date, datetime

import numpy as np
import pytest

from rathausmobil.usage.concurrency import (
    Occupancy,
    blocking_probability,
    peak,
    peak_by_sort,
    per_minute_series,
    percentile,
    servers_for_blocking,
    time_weighted_mean,
    workhour_windows,
)

T0 = 1_612_137_600  # 2021-02-01 00:00 UTC


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def secs(*args):
    return int(utc(*args).timestamp())


# the five sessions of the shared samples, in UTC
FIVE_STARTS = [
    secs(2021, 2, 1, 6, 58, 7),
    secs(2021, 2, 1, 7, 14, 7),
    secs(2021, 2, 1, 12, 1, 7),
    secs(2021, 2, 2, 8, 30, 7),
    secs(2021, 2, 2, 21, 10, 7),
]
FIVE_ENDS = [
    secs(2021, 2, 1, 11, 3, 51),
    secs(2021, 2, 1, 15, 40, 51),
    secs(2021, 2, 1, 16, 2, 51),
    secs(2021, 2, 2, 10, 45, 51),
    secs(2021, 2, 2, 22, 59, 51),
]


def test_it_does_not_count_a_session_ending_when_another_starts():
    assert peak([T0, T0 + 10], [T0 + 10, T0 + 20]) == (1, utc(2021, 2, 1))
    assert peak_by_sort([T0, T0 + 10], [T0 + 10, T0 + 20]) == (1, T0)


def test_it_finds_the_exact_peak_and_its_instant():
    assert peak([T0, T0 + 10, T0 + 5], [T0 + 10, T0 + 20, T0 + 15]) == (2, utc(2021, 2, 1, 0, 0, 5))
    assert peak(FIVE_STARTS, FIVE_ENDS) == (2, utc(2021, 2, 1, 7, 14, 7))
    assert peak([], []) == (0, None)


def test_it_agrees_with_sort_and_sweep_on_random_sessions():
    rng = np.random.default_rng(5)
    starts = T0 + rng.integers(0, 86_400, 20_000)
    ends = starts + rng.integers(1, 7_200, 20_000)

    best, at = peak(starts, ends)

    assert (best, int(at.timestamp())) == peak_by_sort(starts, ends)


def test_it_computes_the_time_weighted_mean_over_working_hours_by_hand():
    windows = workhour_windows(date(2021, 2, 1), date(2021, 2, 2))  # Mon, Tue 07-18 CET

    mean = time_weighted_mean(FIVE_STARTS, FIVE_ENDS, windows)

    # inside 06:00-17:00 UTC: 14744 + 30404 + 14504 s on Monday, 8144 s on Tuesday; the
    # Tuesday evening session lies outside. Window time: 2 x 11 h.
    assert mean == pytest.approx((14744 + 30404 + 14504 + 8144) / (2 * 11 * 3600), abs=1e-12)


def test_it_builds_working_hour_windows_in_local_time_across_the_summer_time_change():
    windows = workhour_windows(date(2021, 3, 26), date(2021, 3, 29))  # Fri .. Mon

    assert windows.tolist() == [
        [secs(2021, 3, 26, 6), secs(2021, 3, 26, 17)],  # CET
        [secs(2021, 3, 29, 5), secs(2021, 3, 29, 16)],  # CEST
    ]


def test_it_computes_a_time_weighted_percentile():
    # N = 2 on [0, 10), 1 on [10, 90), 0 on [90, 100)
    starts, ends, windows = [T0, T0], [T0 + 90, T0 + 10], [[T0, T0 + 100]]

    assert percentile(starts, ends, windows, q=95) == 2
    assert percentile(starts, ends, windows, q=90) == 1
    assert percentile(starts, ends, windows, q=5) == 0
    assert time_weighted_mean(starts, ends, windows) == pytest.approx(1.0)


def test_it_gives_a_per_minute_series():
    minutes, highest = per_minute_series([T0 + 30], [T0 + 90], T0, T0 + 180)
    _, mean = per_minute_series([T0 + 30], [T0 + 90], T0, T0 + 180, how="mean")
    _, at_start = per_minute_series([T0 + 30], [T0 + 90], T0, T0 + 180, how="start")

    assert minutes.tolist() == [T0, T0 + 60, T0 + 120]
    assert highest.tolist() == [1, 1, 0]
    assert mean.tolist() == [0.5, 0.5, 0.0]
    assert at_start.tolist() == [0, 1, 0]


def test_it_finds_the_busy_hour():
    occ = Occupancy.build(FIVE_STARTS, FIVE_ENDS, T0, T0 + 2 * 86400)

    traffic, hour = occ.busy_hour_traffic()

    assert hour == secs(2021, 2, 1, 8)  # 08:00-09:00 UTC: kmeier and a.yilmaz, all the hour
    assert traffic == pytest.approx(2.0)


def test_it_matches_erlang_b_tables():
    assert blocking_probability(10, 10) == pytest.approx(0.2146, abs=5e-5)
    assert blocking_probability(5, 10) == pytest.approx(0.0184, abs=5e-5)
    assert blocking_probability(3, 0) == 1.0
    assert blocking_probability(0, 3) == 0.0
    assert 0 < blocking_probability(5000, 5100) < 1  # no overflow for a large city


def test_it_finds_the_licences_for_one_percent_blocking():
    assert servers_for_blocking(10) == 18  # table: 18 servers carry 10.44 E at 1 %
    assert blocking_probability(10, 18) <= 0.01 < blocking_probability(10, 17)
    assert servers_for_blocking(0) == 0
    with pytest.raises(ValueError):
        servers_for_blocking(10, target=0)


@pytest.mark.skipif(not os.environ.get("USAGE_BENCH"), reason="benchmark: set USAGE_BENCH=1")
def test_it_handles_millions_of_sessions_in_seconds():
    n = int(os.environ.get("USAGE_BENCH_SESSIONS", 5_000_000))
    rng = np.random.default_rng(1)
    year = 365 * 86400
    starts = 1_609_459_200 + rng.integers(0, year - 36_000, n)
    ends = starts + rng.integers(60, 36_000, n)
    windows = workhour_windows(date(2021, 1, 1), date(2021, 12, 31))

    t0 = time.perf_counter()
    occ = Occupancy.build(starts, ends, 1_609_459_200, 1_609_459_200 + year)
    t1 = time.perf_counter()
    best, _ = occ.peak()
    occ.per_minute()
    occ.mean(windows)
    occ.percentile(95, windows)
    t2 = time.perf_counter()
    print(f"\n{n:,} sessions: build {t1 - t0:.2f} s, peak+minutes+mean+p95 {t2 - t1:.2f} s")
    if n <= 5_000_000:
        assert best == peak_by_sort(starts, ends)[0]


@pytest.mark.parametrize("day", [date(2026, 3, 29), date(2026, 6, 10), date(2026, 10, 25)])
def test_unit_hour_seconds_agree_with_clipping_hour_by_hour(day):
    """Daily unit figures: seconds per unit and local clock hour, on a 23-, 24- and 25-hour
    day, against the plain per-hour clipping."""
    from zoneinfo import ZoneInfo

    from rathausmobil.usage.aggregates import _hour_seconds, day_bounds, hour_bounds

    tz = ZoneInfo("Europe/Berlin")
    dlo, dhi = day_bounds(day, tz)
    rng = np.random.default_rng(7)
    n, n_units = 3000, 9
    cs = rng.integers(dlo, dhi, n)
    ce = np.minimum(cs + rng.choice([1, 59, 3599, 3600, 7200, 40_000], n), dhi)
    cs[:5] = dlo  # whole-hour edges
    ce[:5] = dlo + 3600 * np.arange(1, 6)
    u = rng.integers(0, n_units, n)
    hours = hour_bounds(day, tz)
    expected = np.zeros((n_units, 24), dtype=np.int64)
    real = np.zeros((n_units, len(hours)), dtype=np.int64)
    for k, (h, hlo, hhi) in enumerate(hours):
        overlap = np.clip(np.minimum(ce, hhi) - np.maximum(cs, hlo), 0, None)
        real[:, k] = np.bincount(u, weights=overlap, minlength=n_units).astype(np.int64)
        expected[:, h] += real[:, k]
    got, got_real = _hour_seconds(u, cs, ce, n_units, dlo, hours)
    assert (got == expected).all()
    assert (got_real == real).all()  # per real hour: the busiest hour of a unit's day
    assert got.sum() == (ce - cs).sum()


def test_unit_peaks_agree_with_counting_at_every_instant():
    from rathausmobil.usage.aggregates import _peaks

    rng = np.random.default_rng(11)
    n, n_units = 400, 6
    s = rng.integers(0, 500, n)
    e = s + rng.integers(1, 60, n)
    s[:3], e[:3] = [10, 20, 30], [20, 30, 40]  # one ends where the next starts
    u = rng.integers(0, n_units - 1, n)  # the last unit has no session
    u[:3] = n_units - 2
    got, at = _peaks(u, s, e, n_units)
    for unit in range(n_units):
        mine = u == unit
        instants = np.unique(np.r_[s[mine], e[mine]])
        open_at = [int(((s[mine] <= t) & (t < e[mine])).sum()) for t in instants]
        expected = max(open_at, default=0)
        assert got[unit] == expected
        if expected:  # the first instant it is reached
            assert at[unit] == instants[open_at.index(expected)]
    assert got[n_units - 1] == 0
