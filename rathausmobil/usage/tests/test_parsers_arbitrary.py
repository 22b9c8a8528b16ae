"""Every gateway format, fed arbitrary bytes and near-valid lines, ends in events and
line problems, never in an exception (docs/import.md, "Tested with arbitrary input").

The files go the way ``import_vpn_log`` reads them (bytes decoded as UTF-8 with
``errors="replace"``, universal newlines) into the same reading and assembling that the
import runs (``_Assembly.run``), so a crash here is a crash of the command.
"""

import io
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rathausmobil.core.tests import mutations
from rathausmobil.usage.importing import _Assembly, _Batch, _Summary
from rathausmobil.usage.parsers import PARSERS, Problem

FILES = Path(__file__).parent / "files"

SAMPLES = {
    "openvpn-log": ["openvpn.log", "openvpn-dst-autumn.log", "openvpn-dst-spring.log"],
    "openvpn-status": ["openvpn-status-v2.txt", "openvpn-status-v3.txt"],
    "wireguard-dump": ["wireguard-dump.txt", "wireguard-series.txt"],
    "cisco-asa": ["cisco-asa.log", "cisco-asa-broken.log"],
    "fortigate": ["fortigate.log", "fortigate-edge.log"],
    "strongswan": ["strongswan.log"],
    "radius-detail": ["radius-detail", "radius-midsession"],
    "csv": ["sessions.csv", "sessions-edge.csv"],
}

ROBUST = settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def test_every_format_has_samples():
    assert set(SAMPLES) == set(PARSERS)


def read(data: bytes, fmt: str, *, year: int | None = 2021) -> _Summary:
    """Read ``data`` as the command does; the summary of the run."""
    lines = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="replace")
    job = _Assembly(
        lines=lines,
        fmt=fmt,
        tz="Europe/Berlin",
        year=year,
        gw_key="gw1",
        carried=[],
        store_ip=True,
    )
    summary = None
    for item in job.run():
        if isinstance(item, _Summary):
            summary = item
        else:
            assert isinstance(item, _Batch)
            for row in item.rows:
                assert isinstance(row[2], int)  # a start in seconds, whatever the line said
    assert summary is not None
    assert all(isinstance(p, Problem) and p.line >= 1 for p in summary.problems)
    return summary


@st.composite
def near_valid(draw, fmt: str) -> bytes:
    name = draw(st.sampled_from(SAMPLES[fmt]))
    return draw(mutations.near_valid((FILES / name).read_bytes()))


# --- the tests ---------------------------------------------------------------------------


@ROBUST
@given(fmt=st.sampled_from(sorted(PARSERS)), data=st.binary(max_size=2000))
def test_arbitrary_bytes_give_problems_never_an_exception(fmt, data):
    read(data, fmt)


@ROBUST
@given(fmt=st.sampled_from(sorted(PARSERS)), data=st.data())
def test_near_valid_lines_give_problems_never_an_exception(fmt, data):
    read(data.draw(near_valid(fmt)), fmt)


@settings(ROBUST, max_examples=15)
@given(
    fmt=st.sampled_from(sorted(PARSERS)),
    data=st.data(),
    year=st.one_of(st.none(), st.sampled_from([1, 1970, 2021, 9998, 9999])),
)
def test_any_year_given_for_lines_without_one(fmt, data, year):
    read(data.draw(near_valid(fmt)), fmt, year=year)


# --- what the runs above found -----------------------------------------------------------


def test_a_duration_reaching_before_year_one_is_a_line_problem():
    # A garbled duration on an end whose start is not in the file: the start derived from
    # it lay before 1 January of year 1, and the import stopped with an OverflowError.
    line = (FILES / "fortigate.log").read_text().splitlines()[3]
    assert "tunnel-down" in line and "duration=14744" in line
    broken = line.replace("duration=14744", "duration=99999999999999")
    summary = read(broken.encode(), "fortigate")
    assert [(p.line, p.message) for p in summary.problems] == [
        (1, "Die Dauer der Sitzung (99999999999999 s) ist zu groß")
    ]


def test_an_interim_update_with_a_garbled_duration_is_a_line_problem():
    record = (
        "Mon Feb 01 09:00:00 2021\n"
        "\tAcct-Status-Type = Interim-Update\n"
        '\tUser-Name = "kmeier"\n'
        '\tAcct-Session-Id = "5A000009"\n'
        "\tAcct-Session-Time = 99999999999999\n"
        "\tTimestamp = 1612166400\n"
    )
    summary = read(record.encode(), "radius-detail")
    assert [p.message for p in summary.problems] == [
        "Die Dauer der Sitzung (99999999999999 s) ist zu groß"
    ]


def _first_fortigate_start(**replace: str) -> str:
    line = (FILES / "fortigate.log").read_text().splitlines()[0]
    assert "tunnel-up" in line
    for old, new in replace.items():
        assert old in line
        line = line.replace(old, new)
    return line


def test_a_fortigate_year_of_twenty_digits_is_a_line_problem():
    # The date field out of the fast reading's pattern went to the fallback, where
    # calendar.timegm stopped the import with OverflowError.
    line = _first_fortigate_start(**{"date=2021-02-01": "date=99999999999999999999999-02-01"})
    summary = read(line.encode(), "fortigate")
    assert [p.line for p in summary.problems] == [1]


def test_a_fortigate_time_out_of_range_is_a_problem_not_a_guess():
    # calendar.timegm read 07:75:07 as 08:15:07 and 31 February as 3 March: sessions at a
    # time the gateway never logged.
    for wrong in ("time=07:75:07", "time=07:58:75", "time=25:58:07"):
        summary = read(_first_fortigate_start(**{"time=07:58:07": wrong}).encode(), "fortigate")
        assert [p.line for p in summary.problems] == [1], wrong
    summary = read(_first_fortigate_start(date="date=2021-02-31").encode(), "fortigate")
    assert [p.line for p in summary.problems] == [1]


def test_a_local_time_with_minute_75_is_a_problem_not_a_guess():
    # LocalClock (every format with local timestamps) added 75 minutes to the hour.
    line = (FILES / "openvpn.log").read_text().splitlines()[1]
    assert line.startswith("2021-02-01 07:58:07") and "Peer Connection Initiated" in line
    summary = read(line.replace("07:58:", "07:75:", 1).encode(), "openvpn-log")
    assert summary.first is None
    assert [p.line for p in summary.problems] == [1]


def test_a_time_before_2000_or_in_the_future_is_a_line_problem():
    # One CSV line dated 0001-01-01 (or 9999-12-30) beside sessions of 2021 made the import
    # recompute the daily figures of every day in between: it ran for more than 5 minutes.
    good = "b;2021-02-01T08:00:00+01:00;2021-02-01T09:00:00+01:00\n"
    for day in ("0001-01-01", "1999-12-31", "9999-12-30"):
        far = f"a;{day}T08:00:00+00:00;{day}T09:00:00+00:00\n"
        summary = read(f"user;start;end\n{far}{good}".encode(), "csv")
        assert [p.line for p in summary.problems] == [2, 2], day
        assert "liegt vor 2000 oder in der Zukunft" in summary.problems[0].message
        assert summary.first.year == summary.last.year == 2021


def test_a_start_derived_before_2000_is_a_line_problem():
    # duration=2000000000 (63 years) on an end without its start: a session from 1958.
    line = (FILES / "fortigate.log").read_text().splitlines()[3]
    summary = read(line.replace("duration=14744", "duration=2000000000").encode(), "fortigate")
    assert [p.line for p in summary.problems] == [1]
    assert "liegt vor 2000" in summary.problems[0].message
