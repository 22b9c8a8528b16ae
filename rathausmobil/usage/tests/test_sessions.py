from datetime import UTC, datetime
from pathlib import Path

from rathausmobil.usage.parsers import (
    GatewayRestart,
    Presence,
    SessionEnd,
    SessionStart,
    Snapshot,
    parse,
)
from rathausmobil.usage.sessions import Session, SessionAssembler, assemble, session_bounds

FILES = Path(__file__).parent / "files"


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def ts(epoch):
    return datetime.fromtimestamp(epoch, UTC)


def test_it_pairs_starts_and_ends_by_key():
    events = [
        SessionStart("a", "kmeier", utc(2021, 2, 1, 7), 1),
        SessionStart("b", "kmeier", utc(2021, 2, 1, 8), 2),  # a second, parallel session
        SessionEnd("a", "kmeier", utc(2021, 2, 1, 9), 3),
        SessionEnd("b", "kmeier", utc(2021, 2, 1, 10), 4),
    ]

    result = assemble(events, gateway="gw")

    assert [(s.key, s.start, s.end) for s in result.closed] == [
        ("a", utc(2021, 2, 1, 7), utc(2021, 2, 1, 9)),
        ("b", utc(2021, 2, 1, 8), utc(2021, 2, 1, 10)),
    ]
    assert (result.closed[0].start_line, result.closed[0].end_line) == (1, 3)


def test_it_ignores_a_repeated_start_of_an_open_session():
    start = SessionStart("a", "kmeier", utc(2021, 2, 1, 7), 1)

    result = assemble(
        [start, start, SessionEnd("a", "kmeier", utc(2021, 2, 1, 9), 3)], gateway="gw"
    )

    assert len(result.closed) == 1
    assert result.stats.duplicate_starts == 1


def test_it_drops_and_reports_a_session_that_began_again_without_an_end():
    events = [
        SessionStart("a", "kmeier", utc(2021, 2, 1, 7), 1),
        SessionStart("a", "kmeier", utc(2021, 2, 1, 8), 2),
        SessionEnd("a", "kmeier", utc(2021, 2, 1, 9), 3),
    ]

    result = assemble(events, gateway="gw")

    assert [(s.start, s.end) for s in result.closed] == [(utc(2021, 2, 1, 8), utc(2021, 2, 1, 9))]
    assert result.stats.restarted_open == 1
    assert result.problems[0].line == 2


def test_it_derives_the_start_of_an_end_without_start_only_from_a_duration():
    events = [
        SessionEnd("a", "kmeier", utc(2021, 2, 1, 9), 1, duration=3600),
        SessionEnd("b", "bschulz", utc(2021, 2, 1, 9), 2),
    ]

    result = assemble(events, gateway="gw")

    (s,) = result.closed
    assert (s.start, s.end, s.start_derived) == (utc(2021, 2, 1, 8), utc(2021, 2, 1, 9), True)
    assert (result.stats.derived_starts, result.stats.ends_without_start) == (1, 1)


def test_it_closes_event_sessions_on_a_gateway_restart():
    events = [
        SessionStart("a", "kmeier", utc(2021, 2, 1, 7), 1),
        GatewayRestart(utc(2021, 2, 1, 8), 2, "restart"),
    ]

    result = assemble(events, gateway="gw")

    assert [(s.start, s.end) for s in result.closed] == [(utc(2021, 2, 1, 7), utc(2021, 2, 1, 8))]


def test_it_turns_snapshots_into_sessions_from_first_to_last_sighting():
    def snap(t, *keys):
        return Snapshot(
            utc(2021, 2, 1, t),
            1,
            {k: Presence(k, utc(2021, 2, 1, 6), utc(2021, 2, 1, t)) for k in keys},
        )

    asm = SessionAssembler(gateway="gw")
    closed = list(asm.feed([snap(8, "a", "b"), snap(9, "a", "b"), snap(10, "b")]))

    # a: seen at 8 and 9, gone at 10 -> ends at 9 (the last snapshot that showed it)
    assert [(s.key, s.start, s.end) for s in closed] == [
        ("a", utc(2021, 2, 1, 6), utc(2021, 2, 1, 9))
    ]
    (b,) = asm.open_sessions()
    assert (b.key, b.end, b.last_seen) == ("b", None, utc(2021, 2, 1, 10))


def test_it_closes_openvpn_status_sessions_with_a_later_status_file():
    with open(FILES / "openvpn-status-v2.txt") as f:
        first = assemble(parse(f, "openvpn-status"), gateway="gw")
    with open(FILES / "openvpn-status-v2-later.txt") as f:
        later = assemble(parse(f, "openvpn-status"), gateway="gw", open_sessions=first.open)

    assert first.closed == []
    assert [(s.user, s.start, s.end) for s in later.closed] == [
        ("kmeier", utc(2021, 2, 1, 6, 58, 7), utc(2021, 2, 1, 8, 0, 0))
    ]
    assert [(s.user, s.start, s.last_seen) for s in later.open] == [
        ("a.yilmaz", utc(2021, 2, 1, 7, 14, 7), utc(2021, 2, 1, 11, 5, 0))
    ]


def test_it_applies_the_wireguard_handshake_rule_across_polls_and_files():
    with open(FILES / "wireguard-series.txt") as f:
        first = assemble(parse(f, "wireguard-dump", peer_names={"PEER-A=": "kmeier"}), gateway="wg")
    second = assemble(
        parse(["# 1612167000\n"], "wireguard-dump"), gateway="wg", open_sessions=first.open
    )

    # A: handshakes 1612166371 and 1612166491, gone at the poll 1612166700 -> ends 180 s after
    # its last handshake
    assert [(s.user, s.start, s.end) for s in first.closed] == [
        ("kmeier", ts(1612166371), ts(1612166491 + 180))
    ]
    assert [p.line for p in first.problems] == [17]  # unreadable handshake of PEER-C
    # B: first seen with handshake 1612166500, last handshake 1612166740, closed by the next file
    assert [(s.user, s.start, s.end) for s in second.closed] == [
        ("PEER-B=", ts(1612166500), ts(1612166740 + 180))
    ]
    assert second.open == []


def test_it_keeps_the_identity_of_a_session_split_over_two_files():
    open_session = Session("gw", "a", "kmeier", utc(2021, 2, 1, 22), start_line=5)

    result = assemble(
        [SessionEnd("a", "kmeier", utc(2021, 2, 2, 1), 1)],
        gateway="gw",
        open_sessions=[open_session],
    )

    (s,) = result.closed
    assert s.identity == ("gw", "a", utc(2021, 2, 1, 22))
    assert s.duration.total_seconds() == 3 * 3600
    assert result.stats.carried_in == 1


def test_it_gives_bounds_for_concurrency_with_open_sessions_cut_at_a_time():
    sessions = [
        Session("gw", "a", "kmeier", utc(2021, 2, 1, 7), utc(2021, 2, 1, 8)),
        Session("gw", "b", "kmeier", utc(2021, 2, 1, 9)),
    ]

    starts, ends = session_bounds(sessions, until=utc(2021, 2, 1, 10))

    assert ends == [int(utc(2021, 2, 1, 8).timestamp()), int(utc(2021, 2, 1, 10).timestamp())]
    assert starts[1] == int(utc(2021, 2, 1, 9).timestamp())


def test_the_identity_is_sha256_of_gateway_key_and_start_whatever_the_path():
    import hashlib
    from datetime import timedelta, timezone

    from rathausmobil.usage.sessions import identity_of

    base = datetime(2026, 3, 29, 0, 59, 58, tzinfo=UTC)
    starts = [base + timedelta(seconds=i * 37) for i in range(200)]
    starts += [base.replace(microsecond=5), base.astimezone(timezone(timedelta(hours=2)))]
    for start in starts:
        expected = hashlib.sha256(f"gw1\x00k/1\x00{start.isoformat()}".encode()).hexdigest()
        assert identity_of("gw1", "k/1", start) == expected
        assert identity_of("gw1", "k/1", start, int(start.timestamp())) == expected
        assert Session("gw1", "k/1", "u", start).identity_hash == expected
