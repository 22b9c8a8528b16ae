"""Assemble parser events into sessions.

A session is the half-open interval [start, end) of one gateway-local key (client instance,
tunnel id, IKE_SA, Acct-Session-Id, peer). Its identity is (gateway, key, start): importing the
same file twice yields the same identities, so the caller upserts on ``Session.identity`` (or on
``Session.identity_hash`` when the key, which may hold a client address, must not be stored).

The assembler keeps only the open sessions in memory. It takes the still-open sessions of earlier
files as input and hands back the ones still open at the end, so a session that spans two files
is closed by the second.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from .parsers import (
    Event,
    GatewayRestart,
    Problem,
    SessionAlive,
    SessionEnd,
    SessionStart,
    Snapshot,
)

MAX_PROBLEMS_KEPT = 1000

# Times a gateway log can hold: not before this, nor more than a day after the import. A
# line dated 0001-01-01 or 9999-12-31 (a garbled field) would otherwise make the import
# recompute the daily figures of every day in between (hours for one line).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)


@dataclass(slots=True)
class Session:
    gateway: str
    key: str
    user: str
    start: datetime
    end: datetime | None = None  # None: still open
    start_derived: bool = False  # start = end - duration (the file began mid-session)
    client_ip: str | None = None
    last_seen: datetime | None = None  # snapshot formats: connected at least until then
    start_line: int | None = None
    end_line: int | None = None
    # Set for a session carried in from storage under a hashed key (see ``key_hash``): the
    # identity it was stored with, used as long as its clear key has not been seen again.
    stored_identity: str | None = None

    @property
    def identity(self) -> tuple[str, str, datetime]:
        return (self.gateway, self.key, self.start)

    @property
    def identity_hash(self) -> str:
        """SHA-256 of the identity: an upsert key that does not store the key itself."""
        if self.stored_identity is not None:
            return self.stored_identity
        return identity_of(self.gateway, self.key, self.start)

    @property
    def duration(self) -> timedelta | None:
        return None if self.end is None else self.end - self.start


_MINUTE_TEXT: dict[int, str] = {}  # Unix minute -> "YYYY-MM-DDTHH:MM:" (UTC), bounded


def identity_of(gateway: str, key: str, start: datetime, epoch: int | None = None) -> str:
    """SHA-256 hex of ``gateway NUL key NUL start.isoformat()``.

    ``epoch`` (``start`` in Unix seconds, when the caller has it) lets a whole-second UTC
    start take its minute's text from a cache instead of ``isoformat()`` for every session;
    the text, and so the identity, is the same."""
    if start.tzinfo is UTC and not start.microsecond:
        if epoch is None:
            epoch = int(start.timestamp())
        minute, second = divmod(epoch, 60)
        text = _MINUTE_TEXT.get(minute)
        if text is None:
            if len(_MINUTE_TEXT) >= 20_000:
                _MINUTE_TEXT.clear()
            text = _MINUTE_TEXT[minute] = start.isoformat()[:17]
        iso = f"{text}{second:02d}+00:00"
    else:
        iso = start.isoformat()
    return hashlib.sha256(f"{gateway}\x00{key}\x00{iso}".encode()).hexdigest()


def key_hash(gateway: str, key: str) -> str:
    """What storage keeps of an open session's key (which may hold a client address):
    enough to recognise the key when a later file ends the session, not the key itself."""
    return "#" + hashlib.sha256(f"{gateway}\x00{key}".encode()).hexdigest()[:31]


@dataclass(slots=True)
class AssemblyStats:
    closed: int = 0
    carried_in: int = 0  # open sessions handed in from earlier files
    derived_starts: int = 0  # end without start, start = end - duration
    ends_without_start: int = 0  # end without start and without duration: skipped
    duplicate_starts: int = 0  # start of a session already open with the same start
    restarted_open: int = 0  # a new start for a key whose session had no end: earlier one dropped
    closed_by_restart: int = 0  # closed by GatewayRestart
    end_before_start: int = 0
    problems: int = 0  # Problem events from the parser


class SessionAssembler:
    """Feed events, get closed sessions; ``open_sessions()`` at the end.

    Rules (see docs/vpn-usage.md):

    - start, end: paired by key. A second start for an open key with the same start time is a
      duplicate and ignored; with a different time the earlier session lost its end: it is
      dropped, counted (``restarted_open``) and reported as a problem.
    - end without start: start = end - duration when the format logs a duration (ASA
      ``Duration``, FortiGate ``duration``, RADIUS ``Acct-Session-Time``), flagged
      ``start_derived``; otherwise skipped and counted (``ends_without_start``).
    - RADIUS Interim-Update for an unknown key opens the session at time - Acct-Session-Time.
    - GatewayRestart closes every open event-based session at its time.
    - snapshots: a key's session starts at ``since`` of the first snapshot showing it and ends at
      ``min(until of the last snapshot showing it, time of the first snapshot not showing it)``.
    """

    def __init__(self, *, gateway: str, open_sessions: Iterable[Session] = ()):
        self.gateway = gateway
        self._open: dict[str, Session] = {}
        self.stats = AssemblyStats()
        self.problems: list[Problem] = []
        self.first_time: datetime | None = None  # earliest and latest event time fed
        self.last_time: datetime | None = None
        self.latest = datetime.now(UTC) + FUTURE_SLACK
        # Carried sessions whose key is only known as ``key_hash`` (keys start with "#").
        self._hashed = 0
        for s in open_sessions:
            if s.end is None:
                self._open[s.key] = s
                self._hashed += s.key.startswith("#")
                self.stats.carried_in += 1

    def _carried(self, key: str) -> Session | None:
        """The carried session stored under this key's hash, now known by its clear key."""
        if not self._hashed:
            return None
        s = self._open.pop(key_hash(self.gateway, key), None)
        if s is not None:
            self._hashed -= 1
            s.key = key
            s.stored_identity = None
            self._open[key] = s
        return s

    def _seen(self, t: datetime) -> None:
        if self.first_time is None or t < self.first_time:
            self.first_time = t
        if self.last_time is None or t > self.last_time:
            self.last_time = t

    def complete_before(self) -> datetime | None:
        """Every session starting before this instant has been yielded (the earliest start
        still open, or the latest time fed) -- except a session whose start a later end
        derives from its duration."""
        times = [s.start for s in self._open.values()]
        if self.last_time is not None:
            times.append(self.last_time)
        return min(times, default=None)

    def open_sessions(self) -> list[Session]:
        return sorted(self._open.values(), key=lambda s: (s.start, s.key))

    def _outside(self, t: datetime, line: int) -> bool:
        """True (and a problem) for a time no gateway log can hold (see ``EARLIEST``)."""
        if EARLIEST <= t <= self.latest:
            return False
        self._problem(
            Problem(
                line,
                f"Zeitpunkt {t.year:04d}-{t:%m-%d %H:%M:%S} UTC liegt vor 2000 oder in der Zukunft; "
                "die Zeile wird übersprungen",
                "",
            )
        )
        return True

    def in_range(self, s: Session) -> bool:
        """Whether a session lies within the times a log can hold; if not, a problem is
        recorded (a start derived from a garbled duration or a snapshot's "since")."""
        return not self._outside(s.start, s.start_line or s.end_line or 0)

    def _problem(self, p: Problem) -> None:
        self.stats.problems += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(p)

    def feed(self, events: Iterable[Event]) -> Iterator[Session]:
        """Yield the sessions closed by ``events``, in the order they close."""
        open_ = self._open
        stats = self.stats
        gateway = self.gateway
        last = None
        for ev in events:
            cls = type(ev)
            if cls is not Problem and ev.time is not last:
                if self._outside(ev.time, ev.line):
                    continue
                last = ev.time
                self._seen(last)
            if cls is SessionStart:
                s = open_.get(ev.key) or self._carried(ev.key)
                if s is not None:
                    if s.start == ev.time:
                        stats.duplicate_starts += 1
                        continue
                    if s.last_seen is None:
                        stats.restarted_open += 1
                        self._problem(
                            Problem(
                                ev.line,
                                f"Sitzung {ev.key} begann erneut, ohne beendet zu sein; "
                                "die frühere Sitzung ohne Ende wird verworfen",
                                "",
                            )
                        )
                open_[ev.key] = Session(
                    gateway, ev.key, ev.user, ev.time, client_ip=ev.client_ip, start_line=ev.line
                )
            elif cls is SessionEnd:
                s = open_.pop(ev.key, None)
                if s is None and self._carried(ev.key) is not None:
                    s = open_.pop(ev.key)
                if s is None:
                    if ev.duration is None:
                        stats.ends_without_start += 1
                        continue
                    start = self._derived_start(ev)
                    if start is None:
                        continue
                    s = Session(
                        gateway,
                        ev.key,
                        ev.user or "",
                        start,
                        start_derived=True,
                        client_ip=ev.client_ip,
                    )
                    stats.derived_starts += 1
                if ev.time < s.start:
                    stats.end_before_start += 1
                    self._problem(Problem(ev.line, "Ende liegt vor dem Beginn der Sitzung", ""))
                    continue
                s.end, s.end_line = ev.time, ev.line
                stats.closed += 1
                yield s
            elif cls is SessionAlive:
                self._alive(ev)
            elif cls is Snapshot:
                yield from self._snapshot(ev)
            elif cls is GatewayRestart:
                yield from self._restart(ev)
            elif cls is Problem:
                self._problem(ev)

    def _alive(self, ev: SessionAlive) -> None:
        """An interim update of a session not seen starting: its start follows from the
        duration so far."""
        if ev.key in self._open or self._carried(ev.key) is not None or ev.duration is None:
            return
        start = self._derived_start(ev)
        if start is None:
            return
        self._open[ev.key] = Session(
            self.gateway,
            ev.key,
            ev.user,
            start,
            start_derived=True,
            client_ip=ev.client_ip,
        )
        self.stats.derived_starts += 1

    def _derived_start(self, ev: SessionEnd | SessionAlive) -> datetime | None:
        """The start that the logged duration gives, or None (and a problem) when the
        duration reaches before the calendar's first day (a garbled number)."""
        try:
            return ev.time - timedelta(seconds=ev.duration)
        except OverflowError:
            self._problem(
                Problem(ev.line, f"Die Dauer der Sitzung ({ev.duration} s) ist zu groß", "")
            )
            return None

    def _restart(self, ev: GatewayRestart) -> Iterator[Session]:
        """The gateway restarted: every session not kept alive by snapshots ends then."""
        open_, stats = self._open, self.stats
        for key in [k for k, s in open_.items() if s.last_seen is None]:
            s = open_.pop(key)
            s.end, s.end_line = max(ev.time, s.start), ev.line
            stats.closed_by_restart += 1
            stats.closed += 1
            yield s

    def _snapshot(self, snap: Snapshot) -> Iterator[Session]:
        open_ = self._open
        present = snap.present
        if self._hashed:
            for key in present:
                if key not in open_:
                    self._carried(key)
        # A snapshot from before a session began (a file read again after a later one) does
        # not end it.
        for key in [
            k
            for k, s in open_.items()
            if s.last_seen is not None and k not in present and snap.time > s.start
        ]:
            s = open_.pop(key)
            s.end = max(s.start, min(s.last_seen, snap.time))
            s.end_line = snap.line
            self.stats.closed += 1
            yield s
        for key, p in present.items():
            s = open_.get(key)
            if s is None:
                open_[key] = Session(
                    self.gateway,
                    key,
                    p.user,
                    p.since,
                    client_ip=p.client_ip,
                    last_seen=p.until,
                    start_line=snap.line,
                )
            elif s.last_seen is None or p.until > s.last_seen:
                s.last_seen = p.until


@dataclass(slots=True)
class Assembly:
    closed: list[Session]
    open: list[Session]
    stats: AssemblyStats
    problems: list[Problem] = field(default_factory=list)


def assemble(
    events: Iterable[Event], *, gateway: str, open_sessions: Iterable[Session] = ()
) -> Assembly:
    """Convenience for small inputs and tests: all closed sessions as a list."""
    asm = SessionAssembler(gateway=gateway, open_sessions=open_sessions)
    closed = list(asm.feed(events))
    return Assembly(closed, asm.open_sessions(), asm.stats, asm.problems)


def session_bounds(sessions: Iterable[Session], *, until: datetime) -> tuple[list[int], list[int]]:
    """Unix seconds (start, end) per session; open sessions end at ``until``.

    Feed the result to ``numpy.asarray(..., dtype=numpy.int64)`` and ``concurrency``.
    """
    starts: list[int] = []
    ends: list[int] = []
    cap = int(until.timestamp())
    for s in sessions:
        starts.append(int(s.start.timestamp()))
        ends.append(cap if s.end is None else int(s.end.timestamp()))
    return starts, ends
