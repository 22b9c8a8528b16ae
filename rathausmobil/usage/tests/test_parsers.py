import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rathausmobil.usage.parsers import (
    GatewayRestart,
    LocalClock,
    ParseStats,
    Problem,
    SessionEnd,
    SessionStart,
    Snapshot,
    parse,
    parse_strongswan,
)
from rathausmobil.usage.sessions import assemble

FILES = Path(__file__).parent / "files"


def utc(*args):
    return datetime(*args, tzinfo=UTC)


# The five sessions of the shared samples (Europe/Berlin, CET = UTC+1 in February).
FIVE = [
    ("kmeier", utc(2021, 2, 1, 6, 58, 7), utc(2021, 2, 1, 11, 3, 51)),
    ("a.yilmaz", utc(2021, 2, 1, 7, 14, 7), utc(2021, 2, 1, 15, 40, 51)),
    ("kmeier", utc(2021, 2, 1, 12, 1, 7), utc(2021, 2, 1, 16, 2, 51)),
    ("bschulz", utc(2021, 2, 2, 8, 30, 7), utc(2021, 2, 2, 10, 45, 51)),
    ("a.yilmaz", utc(2021, 2, 2, 21, 10, 7), utc(2021, 2, 2, 22, 59, 51)),
]

EVENT_SAMPLES = [
    ("openvpn.log", "openvpn-log", 22, 12),
    ("cisco-asa.log", "cisco-asa", 25, 15),
    ("fortigate.log", "fortigate", 11, 1),
    ("strongswan.log", "strongswan", 18, 8),
    ("radius-detail", "radius-detail", 175, 15),
    ("sessions.csv", "csv", 6, 1),
]


def run(name, fmt, *, open_sessions=(), **kwargs):
    stats = ParseStats()
    with open(FILES / name, encoding="utf-8") as f:
        result = assemble(
            parse(f, fmt, stats=stats, **kwargs), gateway="gw1", open_sessions=open_sessions
        )
    return result, stats


def triples(sessions):
    return [(s.user, s.start, s.end) for s in sorted(sessions, key=lambda s: s.start)]


@pytest.mark.parametrize(("name", "fmt", "lines", "other"), EVENT_SAMPLES)
def test_it_parses_each_sample_into_the_five_sessions(name, fmt, lines, other):
    result, stats = run(name, fmt, year=2021)

    assert triples(result.closed) == FIVE
    assert result.open == []
    assert not any(s.start_derived for s in result.closed)
    assert (stats.lines, stats.other, stats.problems) == (lines, other, 0)


@pytest.mark.parametrize(("name", "fmt", "lines", "other"), EVENT_SAMPLES)
def test_it_gives_the_same_identities_when_a_file_is_imported_twice(name, fmt, lines, other):
    first, _ = run(name, fmt, year=2021)
    second, _ = run(name, fmt, year=2021, open_sessions=first.open)

    assert [s.identity for s in second.closed] == [s.identity for s in first.closed]
    assert len({s.identity for s in first.closed}) == 5
    assert [s.identity_hash for s in second.closed] == [s.identity_hash for s in first.closed]


def test_it_keys_sessions_by_the_gateways_own_identifiers():
    asa, _ = run("cisco-asa.log", "cisco-asa")
    fgt, _ = run("fortigate.log", "fortigate")
    ovpn, _ = run("openvpn.log", "openvpn-log")
    radius, _ = run("radius-detail", "radius-detail")

    assert asa.closed[0].key == "kmeier/203.0.113.1"
    assert fgt.closed[0].key == "307680000"
    assert ovpn.closed[0].key == "kmeier/203.0.113.1:40000"
    assert {s.key for s in radius.closed} == {f"5A00000{i}" for i in range(5)}
    assert asa.closed[0].client_ip == "203.0.113.1"


def test_it_reads_openvpn_status_v2_and_v3_alike():
    events = {}
    for version in ("v2", "v3"):
        with open(FILES / f"openvpn-status-{version}.txt") as f:
            events[version] = list(parse(f, "openvpn-status"))

    assert events["v2"] == events["v3"]
    (snap,) = events["v2"]
    assert isinstance(snap, Snapshot)
    assert snap.time == utc(2021, 2, 1, 8, 0, 0)
    assert {p.user: p.since for p in snap.present.values()} == {
        "kmeier": utc(2021, 2, 1, 6, 58, 7),
        "a.yilmaz": utc(2021, 2, 1, 7, 14, 7),
    }


def test_it_counts_only_fresh_wireguard_handshakes_as_connected():
    with open(FILES / "wireguard-dump.txt") as f:
        snaps = list(
            parse(
                f,
                "wireguard-dump",
                peer_names={"xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=": "kmeier"},
            )
        )

    assert [s.time for s in snaps] == [utc(2021, 2, 1, 8, 0, 0), utc(2021, 2, 1, 8, 1, 0)]
    # 29 s old: connected; 410 s old and never: not connected
    assert [[p.user for p in s.present.values()] for s in snaps] == [["kmeier"], ["kmeier"]]
    assert snaps[0].present["wg0/xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="].since == utc(
        2021, 2, 1, 7, 59, 31
    )


def test_it_reports_broken_asa_lines_and_parses_the_rest():
    result, stats = run("cisco-asa-broken.log", "cisco-asa", year=2020)

    assert [(p.line, p.message) for p in result.problems] == [
        (2, "ASA 113039 ohne Benutzername"),
        (3, "ASA 113039: Zeitstempel nicht lesbar"),
        (5, "ASA 113019 ohne Dauer (Duration)"),
    ]
    assert (stats.lines, stats.events, stats.problems, stats.other) == (7, 3, 3, 1)
    # over midnight and over the year turn (Dec 31 2020 -> Jan 1 2021, no year in the log)
    assert triples(result.closed) == [
        ("bschulz", utc(2020, 12, 30, 23, 0, 0), utc(2021, 1, 1, 1, 0, 0)),
        ("kmeier", utc(2020, 12, 31, 21, 10, 7), utc(2021, 1, 1, 0, 15, 51)),
    ]
    bschulz = next(s for s in result.closed if s.user == "bschulz")
    assert bschulz.start_derived  # end without start: start = end - Duration (1d 2h)


def test_it_reads_openvpn_across_the_spring_change():
    result, _ = run("openvpn-dst-spring.log", "openvpn-log")

    (s,) = result.closed
    assert (s.start, s.end) == (utc(2021, 3, 28, 0, 30), utc(2021, 3, 28, 1, 30))
    assert s.duration.total_seconds() == 3600


def test_it_reads_the_repeated_autumn_hour_in_log_order():
    result, stats = run("openvpn-dst-autumn.log", "openvpn-log")

    assert triples(result.closed) == [
        ("kmeier", utc(2021, 10, 30, 23, 50), utc(2021, 10, 31, 2, 10)),
        ("bschulz", utc(2021, 10, 31, 0, 40), utc(2021, 10, 31, 1, 50)),
        ("a.yilmaz", utc(2021, 10, 31, 1, 10), utc(2021, 10, 31, 2, 20)),
    ]
    # the inactivity line and the SIGUSR1 line end kmeier's instance once
    assert result.stats.ends_without_start == 0
    assert stats.events == 6


def test_it_reads_a_timestamp_in_the_repeated_hour_as_summer_time_without_context():
    clock = LocalClock("Europe/Berlin")

    assert clock.utc(2021, 10, 31, 2, 30, 0) == utc(2021, 10, 31, 0, 30)
    assert clock.utc(2021, 10, 31, 2, 10, 0) == utc(2021, 10, 31, 1, 10)  # jumped back
    assert LocalClock().utc(2021, 3, 28, 2, 30, 0) == utc(2021, 3, 28, 1, 30)  # spring gap


def test_it_uses_the_fortigate_tz_field_and_reports_a_tunnel_down_without_tunnelid():
    result, stats = run("fortigate-edge.log", "fortigate")

    assert [(p.line, p.message) for p in result.problems] == [
        (3, "FortiGate tunnel-down ohne tunnelid")
    ]
    assert triples(result.closed) == [
        ("kmeier", utc(2021, 10, 31, 0, 30), utc(2021, 10, 31, 1, 40)),
        ("bschulz", utc(2021, 10, 31, 1, 30), utc(2021, 10, 31, 1, 45)),  # from duration
    ]
    assert [(s.user, s.start) for s in result.open] == [("a.yilmaz", utc(2021, 10, 31, 1, 10))]
    assert (stats.lines, stats.events, stats.problems, stats.other) == (7, 4, 1, 2)


def test_it_derives_radius_starts_from_acct_session_time():
    result, stats = run("radius-midsession", "radius-detail")

    assert [(p.line, p.message) for p in result.problems] == [
        (22, "RADIUS Start ohne Acct-Session-Id")
    ]
    assert triples(result.closed) == [
        # Interim-Update opened it, Accounting-On (NAS restart) closed it
        ("kmeier", utc(2021, 2, 1, 6, 58, 7), utc(2021, 2, 1, 16, 1, 0)),
        ("a.yilmaz", utc(2021, 2, 1, 7, 14, 7), utc(2021, 2, 1, 15, 40, 51)),
    ]
    assert all(s.start_derived for s in result.closed)
    assert result.stats.ends_without_start == 1  # the Stop without Acct-Session-Time
    assert result.stats.closed_by_restart == 1


def test_it_closes_a_session_open_at_the_end_of_one_file_with_the_next_file():
    part1, _ = run("openvpn-part1.log", "openvpn-log")
    part2, stats2 = run("openvpn-part2.log", "openvpn-log", open_sessions=part1.open)

    assert triples(part1.closed) == [("bschulz", utc(2021, 2, 1, 22, 0), utc(2021, 2, 1, 22, 30))]
    assert [s.user for s in part1.open] == ["kmeier"]
    kmeier = part2.closed[0]
    # over midnight, closed by the second file
    assert (kmeier.user, kmeier.start, kmeier.end) == (
        "kmeier",
        utc(2021, 2, 1, 21, 0),
        utc(2021, 2, 2, 0, 15),
    )
    assert kmeier.identity == part1.open[0].identity
    assert part2.stats.ends_without_start == 1  # a.yilmaz: began before part 1, no duration
    assert [(p.line, p.message) for p in part2.problems] == [
        (4, "OpenVPN: Zeitstempel nicht lesbar")
    ]
    # the server process ended: the open session ends with it
    assert triples(part2.closed[1:]) == [("bschulz", utc(2021, 2, 2, 7, 30), utc(2021, 2, 2, 8, 0))]
    assert part2.open == []
    assert stats2.lines == 6


def test_it_follows_a_strongswan_ike_sa_through_a_rekey():
    lines = [
        "Feb  1 07:58:07 gw charon: 09[IKE] IKE_SA rw[12] established between "
        "192.0.2.1[gw]...198.51.100.1[C=DE, O=Stadt, CN=kmeier]",
        "Feb  1 11:58:07 gw charon: 10[IKE] IKE_SA rw[20] rekeyed between "
        "192.0.2.1[gw]...198.51.100.1[C=DE, O=Stadt, CN=kmeier]",
        "Feb  1 11:58:08 gw charon: 10[IKE] deleting IKE_SA rw[12] between "
        "192.0.2.1[gw]...198.51.100.1[C=DE, O=Stadt, CN=kmeier]",
        "Feb  1 12:03:51 gw charon: 14[IKE] deleting IKE_SA rw[20] between "
        "192.0.2.1[gw]...198.51.100.1[C=DE, O=Stadt, CN=kmeier]",
        "Feb  1 12:04:00 gw charon: 14[IKE] deleting IKE_SA rw between 192.0.2.1[gw]...",
        "Feb  1 13:00:00 gw charon: 00[DMN] Starting IKE charon daemon (strongSwan 5.9.1)",
    ]

    events = list(parse_strongswan(lines, year=2021))

    assert [type(e) for e in events] == [SessionStart, SessionEnd, Problem, GatewayRestart]
    assert events[1].key == "rw[12]"
    assert (events[0].user, events[0].time, events[1].time) == (
        "kmeier",
        utc(2021, 2, 1, 6, 58, 7),
        utc(2021, 2, 1, 11, 3, 51),
    )
    assert events[2].line == 5


def test_it_reads_csv_with_offsets_local_times_and_open_ends():
    result, stats = run("sessions-edge.csv", "csv")

    assert triples(result.closed) == [
        ("kmeier", utc(2021, 2, 2, 21, 10, 7), utc(2021, 2, 3, 0, 15)),
        ("bschulz", utc(2021, 10, 31, 0, 30), utc(2021, 10, 31, 2, 30)),
    ]
    assert [(s.user, s.start, s.end) for s in result.open] == [
        ("a.yilmaz", utc(2021, 2, 3, 7, 0), None)
    ]
    assert [p.line for p in result.problems] == [5, 6]
    assert (stats.lines, stats.events, stats.problems, stats.other) == (6, 3, 2, 1)


def test_it_rejects_an_unknown_format():
    with pytest.raises(ValueError, match="unknown format"):
        parse([], "pptp")


# --- speed (run with USAGE_BENCH=1) ---------------------------------------------------------


@pytest.mark.skipif(not os.environ.get("USAGE_BENCH"), reason="benchmark: set USAGE_BENCH=1")
@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("cisco-asa.log", "cisco-asa"),
        ("fortigate.log", "fortigate"),
        ("openvpn.log", "openvpn-log"),
        ("strongswan.log", "strongswan"),
        ("radius-detail", "radius-detail"),
        ("sessions.csv", "csv"),
        ("wireguard-series.txt", "wireguard-dump"),
        ("openvpn-status-v2.txt", "openvpn-status"),
    ],
)
def test_it_parses_a_million_lines_quickly(name, fmt):
    sample = (FILES / name).read_text().splitlines(keepends=True)
    if fmt == "csv":
        sample = sample[1:]
    lines = (sample * (1_000_000 // len(sample) + 1))[:1_000_000]
    stats = ParseStats()
    t0 = time.perf_counter()
    count = sum(1 for _ in parse(lines, fmt, stats=stats, year=2021))
    seconds = time.perf_counter() - t0
    print(f"\n{fmt}: {stats.lines / seconds:,.0f} lines/s ({count:,} events)")
    assert stats.lines == 1_000_000


# Each of these lines made the parser raise (OSError, OverflowError, ValueError) and so ended
# the whole import; they are problems of one line.
OUT_OF_RANGE = [
    (
        "wireguard-dump",
        [
            "# 99999999999999999\n",
            "# 1612166400\n",
            "wg0\txTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\t(none)\t203.0.113.1:51820"
            "\t10.0.0.2/32\t99999999999999999\t0\t0\t0\n",
        ],
        [(Problem, 1), (Problem, 3), (Snapshot, 2)],
    ),
    (
        "radius-detail",
        [
            "Mon Feb 01 07:58:07 2021\n",
            "\tAcct-Status-Type = Start\n",
            '\tUser-Name = "kmeier"\n',
            '\tAcct-Session-Id = "5A000000"\n',
            "\tTimestamp = 99999999999999999\n",
            "\n",
            "Mon Feb 01 12:03:51 2021\n",
            "\tAcct-Status-Type = Stop\n",
            '\tUser-Name = "kmeier"\n',
            '\tAcct-Session-Id = "5A000001"\n',
            "\tAcct-Session-Time = 1\u00b2\n",  # isdigit() but not int()
            "\tTimestamp = 1612177431\n",
        ],
        [(Problem, 1), (SessionEnd, 7)],
    ),
    (
        "csv",
        [
            "kmeier;0001-01-01T00:30:00+01:00;\n",
            "kmeier;2021-02-01T07:58:07+01:00;9999-12-31T23:30:00-01:00\n",
        ],
        [(Problem, 1), (Problem, 2)],
    ),
    (
        "openvpn-status",
        ["TIME,2021-02-01 09:00:00,99999999999999999\n", "END\n"],
        [(Problem, 1), (Problem, 2)],
    ),
    (
        "fortigate",
        [
            'date=2021-02-01 time=12:03:51 tz="+0100" type="event" subtype="vpn" '
            'action="tunnel-down" tunnelid=7 user="kmeier" duration=1\u00b2\n'
        ],
        [(SessionEnd, 1)],
    ),
]


@pytest.mark.parametrize(("fmt", "lines", "expected"), OUT_OF_RANGE)
def test_it_reports_unreadable_numbers_as_problems_instead_of_failing(fmt, lines, expected):
    events = list(parse(lines, fmt))

    assert [(type(e), e.line) for e in events] == expected
    assert all(e.duration is None for e in events if isinstance(e, SessionEnd))


def test_it_reads_asa_lines_from_a_syslog_server_writing_rfc3339_timestamps():
    lines = [
        "2021-02-01T07:58:07.123456+01:00 asa01 : %ASA-6-113039: Group <GP> User <kmeier> "
        "IP <203.0.113.1> AnyConnect parent session started.\n",
        "<166>1 2021-02-01T11:03:51Z asa01 - - - %ASA-4-113019: Group = GP, Username = kmeier, "
        "IP = 203.0.113.1, Session disconnected. Session Type: SSL, Duration: 4h:05m:44s, "
        "Bytes xmt: 1, Bytes rcv: 2, Reason: User Requested\n",
        "2021-02-01T13:01:07 asa01 : %ASA-6-113039: Group <GP> User <a> IP <203.0.113.3> "
        "AnyConnect parent session started.\n",
    ]
    events = list(parse(lines, "cisco-asa"))
    assert [type(e).__name__ for e in events] == ["SessionStart", "SessionEnd", "SessionStart"]
    assert events[0].time == utc(2021, 2, 1, 6, 58, 7)
    assert (events[1].time, events[1].duration) == (utc(2021, 2, 1, 11, 3, 51), 14744)
    assert events[2].time == utc(2021, 2, 1, 12, 1, 7)  # no offset: local time
