"""Streaming parsers for the VPN gateways' own logs.

Each parser is a generator over an iterable of text lines (an open file works) and yields
normalised events. It keeps only a small state (open client instances, the current snapshot),
never the file, so memory does not grow with the file.

Events:

- ``SessionStart`` / ``SessionEnd`` / ``SessionAlive`` for the event formats
  (openvpn-log, cisco-asa, fortigate, strongswan, radius-detail, csv);
- ``Snapshot`` for the polled formats (openvpn-status, wireguard-dump);
- ``GatewayRestart`` when the log says that the gateway dropped all sessions;
- ``Problem`` for a line that looks like a session event but cannot be read (German message).

All times are aware UTC datetimes. Local timestamps are converted by ``LocalClock``; see
docs/vpn-usage.md for the rules around the summer-time change.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Europe/Berlin"

# A WireGuard peer counts as connected while its latest handshake is younger than this.
WIREGUARD_HANDSHAKE_TIMEOUT = 180

# A timestamp in the repeated autumn hour is read in the second pass (fold=1) only if the
# first reading would put it more than this many seconds before the previous timestamp.
FOLD_TOLERANCE = 60


# --- events -----------------------------------------------------------------------------------


@dataclass(slots=True)
class SessionStart:
    key: str  # gateway-local identifier of the session (client instance, tunnel id, ...)
    user: str
    time: datetime
    line: int
    client_ip: str | None = None


@dataclass(slots=True)
class SessionEnd:
    key: str
    user: str | None
    time: datetime
    line: int
    duration: int | None = None  # seconds, when the gateway logs it
    client_ip: str | None = None


@dataclass(slots=True)
class SessionAlive:
    """An interim record of a running session (RADIUS Interim-Update)."""

    key: str
    user: str
    time: datetime
    line: int
    duration: int | None = None  # seconds since the session started
    client_ip: str | None = None


@dataclass(slots=True)
class Presence:
    """One connected user/peer in a snapshot."""

    user: str
    since: datetime  # start of the session if this snapshot is the first that shows it
    until: datetime  # connected at least until then
    client_ip: str | None = None


@dataclass(slots=True)
class Snapshot:
    time: datetime
    line: int
    present: Mapping[str, Presence]  # key -> presence (do not mutate)


@dataclass(slots=True)
class GatewayRestart:
    """The gateway dropped all sessions (process restart, RADIUS Accounting-On/Off)."""

    time: datetime
    line: int
    reason: str


@dataclass(slots=True)
class Problem:
    line: int
    message: str  # German, shown to IT
    text: str  # the line, shortened


Event = SessionStart | SessionEnd | SessionAlive | Snapshot | GatewayRestart | Problem


@dataclass(slots=True)
class ParseStats:
    lines: int = 0
    events: int = 0  # session events, snapshots and restarts
    problems: int = 0
    other: int = 0  # lines of other messages, skipped
    extra: dict[str, int] = field(default_factory=dict)


def _problem(line: int, message: str, text: str) -> Problem:
    text = text.rstrip("\r\n")
    return Problem(line, message, text if len(text) <= 200 else text[:199] + "…")


# --- time -------------------------------------------------------------------------------------

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_fromts = datetime.fromtimestamp
_SECONDS = tuple(timedelta(seconds=i) for i in range(60))
_MINUTES: dict[int, datetime] = {}  # Unix minute -> aware UTC datetime (shared, bounded)


def _utc(epoch: int) -> datetime:
    """Aware UTC datetime for whole Unix seconds: the minute's datetime is cached, the seconds
    added (about twice as fast as ``datetime.fromtimestamp`` for every event)."""
    minute, second = divmod(epoch, 60)
    base = _MINUTES.get(minute)
    if base is None:
        try:
            base = _fromts(minute * 60, UTC)
        except (OverflowError, OSError) as e:  # out of range: like a bad date, a ValueError
            raise ValueError(f"Unix time {epoch} out of range") from e
        if len(_MINUTES) >= 20_000:
            _MINUTES.clear()
        _MINUTES[minute] = base
    return base + _SECONDS[second]


class LocalClock:
    """Local wall-clock time -> Unix time, cached per hour.

    - Spring gap (02:00-02:59 on the last Sunday in March does not exist in Europe/Berlin):
      read with the offset before the change, i.e. 02:30 -> 01:30 UTC (zoneinfo, fold=0).
    - Autumn repeated hour (02:00-02:59 on the last Sunday in October happens twice): the first
      pass (summer time, fold=0), unless that reading lies more than ``FOLD_TOLERANCE`` seconds
      before the previous timestamp read by this clock, in which case the second pass (winter
      time, fold=1) -- logs are written in time order, so a jump back means the second pass.
    """

    __slots__ = ("tz", "_hours", "_last")

    def __init__(self, tz: str | ZoneInfo = DEFAULT_TZ):
        self.tz = ZoneInfo(tz) if isinstance(tz, str) else tz
        self._hours: dict[tuple[int, int, int, int], tuple[int, int | None]] = {}
        self._last: int | None = None

    def _hour(self, key: tuple[int, int, int, int]) -> tuple[int, int | None]:
        try:
            local = datetime(*key, tzinfo=self.tz)
        except OverflowError as e:  # a year of 20 digits: like a bad date, a ValueError
            raise ValueError(f"date {key} out of range") from e
        e0 = int(local.timestamp())
        e1 = int(local.replace(fold=1).timestamp())
        base = (e0, e1 if e1 > e0 else None)  # e1 > e0: repeated hour; e1 < e0: gap
        self._hours[key] = base
        return base

    def epoch(self, y: int, mo: int, d: int, h: int, mi: int, s: int) -> int:
        if mi > 59 or s > 59:  # "07:75:00" is no time (an hour out of range fails below)
            raise ValueError(f"time {h}:{mi}:{s} out of range")
        key = (y, mo, d, h)
        base = self._hours.get(key) or self._hour(key)
        t = base[0] + mi * 60 + s
        if base[1] is not None:
            last = self._last
            if last is not None and t < last - FOLD_TOLERANCE:
                t = base[1] + mi * 60 + s
        self._last = t
        return t

    def utc(self, y: int, mo: int, d: int, h: int, mi: int, s: int) -> datetime:
        return _utc(self.epoch(y, mo, d, h, mi, s))


def _timegm(y: int, mo: int, d: int, h: int, mi: int, s: int) -> int:
    """Unix time of a UTC wall-clock time. ``calendar.timegm`` alone reads 07:75:00 as
    08:15:00 and 31 February as 3 March; such a line is a problem (ValueError), not a guess."""
    try:
        datetime(y, mo, d, h, mi, s)
    except OverflowError as e:  # a year of 20 digits
        raise ValueError(f"date {y}-{mo}-{d} out of range") from e
    return calendar.timegm((y, mo, d, h, mi, s))


class YearGuess:
    """The year for timestamps without one: starts at ``year``, +1 when the month decreases."""

    __slots__ = ("year", "_month")

    def __init__(self, year: int | None):
        self.year = year if year is not None else datetime.now(UTC).year
        self._month = 0

    def __call__(self, month: int) -> int:
        if month < self._month:
            self.year += 1
        self._month = month
        return self.year


# --- cisco-asa ----------------------------------------------------------------------------------

_SYSLOG_TS = r"(?:<\d+>)?([A-Z][a-z]{2}) +(\d{1,2})(?: (\d{4}))? (\d\d):(\d\d):(\d\d)"
_ASA_START = re.compile(
    _SYSLOG_TS + r".*?%(?:ASA|FTD)-\d-113039: Group <([^>]*)> User <([^>]+)> IP <([^>]*)>"
)
_ASA_END = re.compile(
    _SYSLOG_TS + r".*?%(?:ASA|FTD)-\d-113019: Group = ([^,]*), Username = ([^,]+), IP = ([^,]*),"
    r".*?Duration: (?:(\d+)d ?)?(\d+)h:(\d+)m:(\d+)s"
)
_SYSLOG_TS_ONLY = re.compile(_SYSLOG_TS)
# A syslog server writing RFC 3339 (rsyslog's default on current distributions) or the ASA's own
# `logging timestamp rfc5424`: 2021-02-01T07:58:07.123456+01:00 host : %ASA-...
_ISO_PREFIX = re.compile(
    r"(?:<\d+>)?(?:1 )?(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,]\d+)?"
    r"(Z|[+-]\d\d:?\d\d)?"
)
_ASA_START_BODY = re.compile(
    r".*?%(?:ASA|FTD)-\d-113039: Group <([^>]*)> User <([^>]+)> IP <([^>]*)>"
)
_ASA_END_BODY = re.compile(
    r".*?%(?:ASA|FTD)-\d-113019: Group = ([^,]*), Username = ([^,]+), IP = ([^,]*),"
    r".*?Duration: (?:(\d+)d ?)?(\d+)h:(\d+)m:(\d+)s"
)


def _iso_prefix_time(m: re.Match, clock: LocalClock) -> datetime | None:
    """Time of an RFC 3339 prefix: with an offset exact, without one local time."""
    try:
        y, mo, d, h, mi, sec = map(int, m.group(1, 2, 3, 4, 5, 6))
        off = m.group(7)
        if not off:
            return clock.utc(y, mo, d, h, mi, sec)
        if off == "Z":
            seconds = 0
        else:
            digits = off[1:].replace(":", "")
            seconds = (int(digits[:2]) * 3600 + int(digits[2:]) * 60) * (-1 if off[0] == "-" else 1)
        return datetime(y, mo, d, h, mi, sec, tzinfo=UTC) - timedelta(seconds=seconds)
    except (ValueError, OverflowError):
        return None


def _asa_iso(line: str, body: re.Pattern, clock: LocalClock):
    """(time, body match) for a line with an RFC 3339 prefix, or None."""
    prefix = _ISO_PREFIX.match(line)
    if prefix is None:
        return None
    m = body.match(line, prefix.end())
    if m is None:
        return None
    return _iso_prefix_time(prefix, clock), m


def _asa_diagnose(line: str, msg_id: str) -> str:
    m = _SYSLOG_TS_ONLY.match(line)
    iso = _ISO_PREFIX.match(line)
    if iso is None and (not m or m.group(1) not in _MONTHS):
        return f"ASA {msg_id}: Zeitstempel nicht lesbar"
    if msg_id == "113039":
        if "User <" not in line or "User <>" in line:
            return "ASA 113039 ohne Benutzername"
        return "ASA 113039 nicht lesbar"
    if "Username = " not in line or "Username = ," in line:
        return "ASA 113019 ohne Benutzername"
    if "Duration:" not in line:
        return "ASA 113019 ohne Dauer (Duration)"
    return "ASA 113019 nicht lesbar"


def _ts_from_match(m: re.Match, clock: LocalClock, years: YearGuess) -> datetime | None:
    mon_name, day, y, h, mi, s = m.group(1, 2, 3, 4, 5, 6)
    mon = _MONTHS.get(mon_name)
    if mon is None:
        return None
    year = int(y) if y else years(mon)
    try:
        return clock.utc(year, mon, int(day), int(h), int(mi), int(s))
    except ValueError:
        return None


def parse_cisco_asa(
    lines: Iterable[str],
    *,
    tz: str | ZoneInfo = DEFAULT_TZ,
    year: int | None = None,
    stats: ParseStats | None = None,
) -> Iterator[Event]:
    """Cisco ASA / AnyConnect syslog: parent sessions (113039 start, 113019 disconnect).

    Key: ``user/client IP``. Timestamps without a year take ``year`` (default: this year) and
    count up at the year turn (a month smaller than the previous one).
    """
    stats = stats if stats is not None else ParseStats()
    clock, years = LocalClock(tz), YearGuess(year)
    start_match, end_match = _ASA_START.match, _ASA_END.match
    n = events = problems = 0
    try:
        for n, line in enumerate(lines, 1):
            if "-1130" not in line:
                continue
            if "-113039:" in line:
                m = start_match(line)
                if m is None:
                    iso = _asa_iso(line, _ASA_START_BODY, clock)
                    if iso is None or iso[0] is None:
                        problems += 1
                        yield _problem(n, _asa_diagnose(line, "113039"), line)
                        continue
                    t, (_group, user, ip) = iso[0], iso[1].groups()
                else:
                    t = _ts_from_match(m, clock, years)
                    if t is None:
                        problems += 1
                        yield _problem(n, "ASA 113039: Zeitstempel nicht lesbar", line)
                        continue
                    user, ip = m.group(8), m.group(9)
                events += 1
                yield SessionStart(f"{user}/{ip}", user, t, n, ip or None)
            elif "-113019:" in line:
                m = end_match(line)
                if m is None:
                    iso = _asa_iso(line, _ASA_END_BODY, clock)
                    if iso is None or iso[0] is None:
                        problems += 1
                        yield _problem(n, _asa_diagnose(line, "113019"), line)
                        continue
                    t, (_group, user, ip, days, h, mi, s) = iso[0], iso[1].groups()
                else:
                    t = _ts_from_match(m, clock, years)
                    if t is None:
                        problems += 1
                        yield _problem(n, "ASA 113019: Zeitstempel nicht lesbar", line)
                        continue
                    user, ip = m.group(8), m.group(9)
                    days, h, mi, s = m.group(10, 11, 12, 13)
                duration = (int(days or 0) * 24 + int(h)) * 3600 + int(mi) * 60 + int(s)
                events += 1
                yield SessionEnd(f"{user}/{ip}", user, t, n, duration, ip or None)
    finally:
        _finish(stats, n, events, problems)


def _finish(stats: ParseStats, lines: int, events: int, problems: int, other: int | None = None):
    stats.lines += lines
    stats.events += events
    stats.problems += problems
    stats.other += lines - events - problems if other is None else other


# --- fortigate ----------------------------------------------------------------------------------

_FGT_TZ = re.compile(r"^([+-])(\d\d):?(\d\d)$")
_NO_USER = {"", "N/A", "n/a"}
_FGT_FIELDS = (
    "date",
    "time",
    "tz",
    "subtype",
    "tunnelid",
    "tunneltype",
    "user",
    "xauthuser",
    "remip",
    "duration",
)


def _fgt_reader(name: str) -> Callable[[str], str | None]:
    """A reader of one ``key=value`` field (one regex search, no full split of the line).

    Reads the first `` name=`` in a line that starts with a space: a quoted value up to the
    next ``"`` (or the end of the line), else up to the next space, trailing whitespace removed.
    """
    search = re.compile(" " + re.escape(name) + r'=(?:"([^"]*)"?|([^ ]*))').search

    def read(line: str) -> str | None:
        m = search(line)
        if m is None:
            return None
        quoted, plain = m.groups()
        return quoted if quoted is not None else plain.rstrip()

    return read


_FGT = {name: _fgt_reader(name) for name in _FGT_FIELDS}


# FortiOS writes date and time first: one match reads both.
_FGT_DATE_TIME = re.compile(r"date=(\d{4})-(\d\d)-(\d\d) time=(\d\d):(\d\d):(\d\d) ")


class _FortiTime:
    """``date``/``time``/``tz`` of a FortiOS line -> aware UTC datetime; the same results as
    ``_fortigate_time``. Lines with a ``tz`` offset are cached per minute (the ``date=... time=
    HH:MM:`` prefix and the tz text -> Unix time of the minute), so most lines only read their
    seconds."""

    __slots__ = ("clock", "_minutes", "_offsets")

    def __init__(self, clock: LocalClock):
        self.clock = clock
        self._minutes: dict[tuple[str, str | None], int] = {}
        self._offsets: dict[str | None, int | None] = {}

    def _offset(self, text: str | None) -> int | None:
        off = _FGT_TZ.match(text or "")
        value = None
        if off:
            sign = -1 if off.group(1) == "-" else 1
            value = sign * (int(off.group(2)) * 3600 + int(off.group(3)) * 60)
        if len(self._offsets) < 1000:
            self._offsets[text] = value
        return value

    def __call__(self, line: str, spaced: str) -> datetime | None:
        tz_text = _FGT["tz"](spaced)
        # line[:27] is "date=YYYY-MM-DD time=HH:MM:"; a cached prefix was matched before
        key = (line[5:27], tz_text)
        minute = self._minutes.get(key)
        if minute is not None and line[29:30] == " " and line.startswith("date="):
            second = line[27:29]
            if second.isdecimal() and second < "60":
                return _utc(minute + int(second))
        m = _FGT_DATE_TIME.match(line)
        if m is None:
            f = {
                name: v for name in ("date", "time", "tz") if (v := _FGT[name](spaced)) is not None
            }
            return _fortigate_time(f, self.clock)
        y, mo, d, h, mi, s = map(int, m.groups())
        offsets = self._offsets
        offset = offsets[tz_text] if tz_text in offsets else self._offset(tz_text)
        try:
            if offset is None:
                return self.clock.utc(y, mo, d, h, mi, s)
            minute = _timegm(y, mo, d, h, mi, 0) - offset
            if s > 59:
                raise ValueError(f"second {s} out of range")
            t = _utc(minute + s)
        except ValueError:
            return None
        if len(self._minutes) >= 10_000:
            self._minutes.clear()
        self._minutes[key] = minute
        return t


def parse_fortigate(
    lines: Iterable[str], *, tz: str | ZoneInfo = DEFAULT_TZ, stats: ParseStats | None = None
) -> Iterator[Event]:
    """FortiOS event log, ``subtype=vpn``, ``action=tunnel-up/tunnel-down`` keyed by tunnelid.

    ``date``/``time`` are local time; a ``tz="+0100"`` field, when present, is used as the exact
    offset (so the repeated autumn hour is unambiguous), otherwise ``tz`` applies.
    """
    stats = stats if stats is not None else ParseStats()
    read_time = _FortiTime(LocalClock(tz))
    subtype, tunnelid, user_of, xauthuser, remip, tunneltype, duration_of = (
        _FGT[name]
        for name in ("subtype", "tunnelid", "user", "xauthuser", "remip", "tunneltype", "duration")
    )
    n = events = problems = 0
    try:
        for n, line in enumerate(lines, 1):
            if "tunnel-" not in line:
                continue
            if 'action="tunnel-up"' in line or "action=tunnel-up " in line:
                up = True
            elif 'action="tunnel-down"' in line or "action=tunnel-down " in line:
                up = False
            else:
                continue
            spaced = " " + line
            if subtype(spaced) != "vpn":
                continue
            t = read_time(line, spaced)
            if t is None:
                problems += 1
                yield _problem(n, "FortiGate: Datum/Uhrzeit nicht lesbar", line)
                continue
            tunnel = tunnelid(spaced)
            user = _forti_user(spaced, user_of, xauthuser)
            ip = remip(spaced) or None
            if not tunnel:
                problems += 1
                yield _problem(n, f"FortiGate tunnel-{'up' if up else 'down'} ohne tunnelid", line)
                continue
            if up:
                if not user:
                    if (tunneltype(spaced) or "").startswith("ipsec"):
                        continue  # site-to-site tunnel: no person
                    problems += 1
                    yield _problem(n, "FortiGate tunnel-up ohne Benutzer", line)
                    continue
                events += 1
                yield SessionStart(tunnel, user, t, n, ip)
            else:
                dur = duration_of(spaced)
                duration = int(dur) if dur and dur.isdecimal() else None
                events += 1
                yield SessionEnd(tunnel, user or None, t, n, duration, ip)
    finally:
        _finish(stats, n, events, problems)


def _forti_user(spaced: str, user_of, xauthuser) -> str:
    """The person of a tunnel line: ``user``, else ``xauthuser``, else ""."""
    user = user_of(spaced)
    if user is None or user in _NO_USER:
        user = xauthuser(spaced)
    return "" if user is None or user in _NO_USER else user


def _fortigate_time(f: dict[str, str], clock: LocalClock) -> datetime | None:
    try:
        y, mo, d = (int(x) for x in f["date"].split("-"))
        h, mi, s = (int(x) for x in f["time"].split(":"))
        off = _FGT_TZ.match(f.get("tz", ""))
        if off:
            sign = -1 if off.group(1) == "-" else 1
            offset = sign * (int(off.group(2)) * 3600 + int(off.group(3)) * 60)
            return _utc(_timegm(y, mo, d, h, mi, s) - offset)
        return clock.utc(y, mo, d, h, mi, s)
    except (KeyError, ValueError):
        return None


# --- openvpn-log --------------------------------------------------------------------------------

_OVPN_TS = re.compile(
    r"(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d) "
    r"|[A-Z][a-z]{2} ([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d) (\d{4}) "
)
_OVPN_START = re.compile(r"(\S+) \[([^\]]+)\] Peer Connection Initiated with \[AF_INET6?\]")
_OVPN_END = re.compile(
    r"(\S+) SIG\w+\[soft,[^\]]*\] received, client-instance (?:exiting|restarting)"
)
_OVPN_INACTIVE = re.compile(r"(\S+) \[[^\]]*\] Inactivity timeout \(--")
_OVPN_PROCESS = re.compile(r"SIG\w+\[hard,[^\]]*\] received, process (?:exiting|restarting)")


def _ovpn_time(m: re.Match, clock: LocalClock) -> datetime | None:
    try:
        if m.group(1):
            return clock.utc(*map(int, m.group(1, 2, 3, 4, 5, 6)))
        mon_name, day, h, mi, s, y = m.group(7, 8, 9, 10, 11, 12)
        mon = _MONTHS.get(mon_name)
        if mon is None:
            return None
        return clock.utc(int(y), mon, int(day), int(h), int(mi), int(s))
    except ValueError:
        return None


def _split_instance(token: str) -> tuple[str, str] | None:
    """``kmeier/203.0.113.1:40000`` -> (user, address); None before authentication."""
    user, slash, addr = token.rpartition("/")
    return (user, addr) if slash and user else None


def _host(addr: str) -> str:
    return addr.rsplit(":", 1)[0] if addr.count(":") == 1 else addr


def parse_openvpn_log(
    lines: Iterable[str], *, tz: str | ZoneInfo = DEFAULT_TZ, stats: ParseStats | None = None
) -> Iterator[Event]:
    """OpenVPN server log. Key: the client instance ``common name/address:port``.

    Start: ``Peer Connection Initiated``. End: ``SIGTERM[soft,...]``/``SIGUSR1[soft,...]``
    ``received, client-instance exiting|restarting`` or an ``Inactivity timeout`` line (the
    client-instance line that follows it for the same instance is then not counted twice).
    ``SIG...[hard,...] received, process exiting`` ends all sessions (``GatewayRestart``).
    """
    stats = stats if stats is not None else ParseStats()
    clock = LocalClock(tz)
    ts_match = _OVPN_TS.match
    ended_by_inactivity: set[str] = set()
    n = events = problems = 0
    try:
        for n, line in enumerate(lines, 1):
            if "Peer Connection Initiated" in line:
                kind = 0
            elif "] received, " in line:
                kind = 1
            elif "Inactivity timeout" in line:
                kind = 2
            else:
                continue
            tm = ts_match(line)
            t = _ovpn_time(tm, clock) if tm else None
            if t is None:
                problems += 1
                yield _problem(n, "OpenVPN: Zeitstempel nicht lesbar", line)
                continue
            body = line[tm.end() :]
            if kind == 0:
                m = _OVPN_START.match(body)
                if m is None:
                    problems += 1
                    yield _problem(n, "OpenVPN: Verbindungsbeginn ohne Benutzer", line)
                    continue
                addr, user = m.group(1), m.group(2)
                key = f"{user}/{addr}"
                ended_by_inactivity.discard(key)
                events += 1
                yield SessionStart(key, user, t, n, _host(addr))
            elif kind == 1:
                m = _OVPN_END.match(body)
                if m is None:
                    if _OVPN_PROCESS.search(body):
                        ended_by_inactivity.clear()
                        events += 1
                        yield GatewayRestart(t, n, "OpenVPN-Prozess beendet")
                    continue
                key = m.group(1)
                inst = _split_instance(key)
                if inst is None:
                    continue  # instance ended before authentication: no session
                if key in ended_by_inactivity:
                    ended_by_inactivity.discard(key)
                    continue
                events += 1
                yield SessionEnd(key, inst[0], t, n, None, _host(inst[1]))
            else:
                m = _OVPN_INACTIVE.match(body)
                if m is None or _split_instance(m.group(1)) is None:
                    continue
                key = m.group(1)
                inst = _split_instance(key)
                ended_by_inactivity.add(key)
                events += 1
                yield SessionEnd(key, inst[0], t, n, None, _host(inst[1]))
    finally:
        _finish(stats, n, events, problems)


# --- openvpn-status -----------------------------------------------------------------------------

_OVPN_STATUS_DEFAULT = {
    "Common Name": 1,
    "Real Address": 2,
    "Connected Since": 7,
    "Connected Since (time_t)": 8,
    "Username": 9,
}


def parse_openvpn_status(
    lines: Iterable[str], *, tz: str | ZoneInfo = DEFAULT_TZ, stats: ParseStats | None = None
) -> Iterator[Event]:
    """OpenVPN status files, ``--status-version 2`` (comma) and ``3`` (tab).

    One snapshot per file (several files may be concatenated), its time from the ``TIME`` line
    (the Unix time field). Key: ``common name/real address``; user: ``Username`` unless
    ``UNDEF``, else the common name; ``since``: ``Connected Since (time_t)``.
    """
    stats = stats if stats is not None else ParseStats()
    clock = LocalClock(tz)
    n = events = problems = 0
    sep = ","
    cols = dict(_OVPN_STATUS_DEFAULT)
    snap_time: datetime | None = None
    snap_line = 0
    pending: list[tuple[int, str, str, datetime, str]] = []
    try:
        for n, raw in enumerate(lines, 1):
            line = raw.rstrip("\r\n")
            if line.startswith("TITLE"):
                sep = "\t" if line[5:6] == "\t" else ","
                continue
            head, _, rest = line.partition(sep)
            if head == "TIME":
                snap_line = n
                snap_time = _status_time(rest.split(sep), clock)
                if snap_time is None:
                    problems += 1
                    yield _problem(n, "OpenVPN-Status: TIME-Zeile nicht lesbar", line)
            elif head == "HEADER":
                f = rest.split(sep)
                if f and f[0] == "CLIENT_LIST":
                    cols = {name: i for i, name in enumerate(f)}
            elif head == "CLIENT_LIST":
                client = _status_client(line.split(sep), cols, clock)
                if isinstance(client, str):
                    problems += 1
                    yield _problem(n, client, line)
                else:
                    pending.append((n, *client))
            elif head == "END":
                snap = _status_snapshot(snap_time, snap_line, pending)
                events, problems = events + bool(snap), problems + (not snap)
                yield snap or _problem(n, "OpenVPN-Status: Datei ohne TIME-Zeile", line)
                snap_time, pending = None, []
        if pending or snap_time is not None:
            snap = _status_snapshot(snap_time, snap_line, pending)
            events, problems = events + bool(snap), problems + (not snap)
            yield snap or _problem(n, "OpenVPN-Status: Datei ohne TIME-Zeile", "")
    finally:
        _finish(stats, n, events, problems, other=0)


def _status_time(f: list[str], clock: LocalClock) -> datetime | None:
    """The snapshot's time from a TIME line's fields (Unix time, else the local text)."""
    try:
        if len(f) > 1 and f[1]:
            return _utc(int(f[1]))
        return clock.utc(*_ints_iso(f[0]))
    except (ValueError, IndexError):
        return None


def _status_client(
    f: list[str], cols: dict[str, int], clock: LocalClock
) -> tuple[str, str, datetime, str] | str:
    """(key, user, since, client ip) of a CLIENT_LIST line, or the problem's text."""
    try:
        cn = f[cols["Common Name"]]
        addr = f[cols["Real Address"]]
        since_field = cols.get("Connected Since (time_t)")
        if since_field is not None and f[since_field]:
            since = _utc(int(f[since_field]))
        else:
            since = clock.utc(*_ints_iso(f[cols["Connected Since"]]))
        uname = f[cols["Username"]] if "Username" in cols else "UNDEF"
    except (KeyError, IndexError, ValueError):
        return "OpenVPN-Status: CLIENT_LIST-Zeile nicht lesbar"
    user = uname if uname and uname != "UNDEF" else cn
    if not user:
        return "OpenVPN-Status: Client ohne Namen"
    return f"{cn}/{addr}", user, since, _host(addr)


def _status_snapshot(snap_time, snap_line, pending) -> Snapshot | None:
    if snap_time is None:
        return None
    present: dict[str, Presence] = {}
    for _n, key, user, since, ip in pending:
        present[key] = Presence(user, since, snap_time, ip)
    return Snapshot(snap_time, snap_line, present)


def _ints_iso(text: str) -> tuple[int, ...]:
    d = datetime.fromisoformat(text.strip())
    return (d.year, d.month, d.day, d.hour, d.minute, d.second)


# --- wireguard-dump -----------------------------------------------------------------------------


def parse_wireguard_dump(
    lines: Iterable[str],
    *,
    peer_names: Mapping[str, str] | None = None,
    handshake_timeout: int = WIREGUARD_HANDSHAKE_TIMEOUT,
    stats: ParseStats | None = None,
    tz: object = None,  # accepted for a uniform signature; the dump carries Unix times
) -> Iterator[Event]:
    """Polled ``wg show all dump``, each poll preceded by ``# <unix time>``.

    A peer is connected at poll time T when its latest handshake h is non-zero and
    T - h < ``handshake_timeout`` (180 s). Presence: since = h, until = h + 180 s.
    Key: ``interface/public key``; user: ``peer_names[public key]`` or the public key.
    """
    stats = stats if stats is not None else ParseStats()
    names = peer_names or {}
    n = events = problems = 0
    snap_time: int | None = None
    snap_at: datetime | None = None
    snap_line = 0
    present: dict[str, Presence] = {}
    try:
        for n, raw in enumerate(lines, 1):
            if raw.startswith("#"):
                if snap_at is not None:
                    events += 1
                    yield Snapshot(snap_at, snap_line, present)
                present = {}
                try:
                    snap_time, snap_line = int(raw[1:].strip()), n
                    snap_at = _utc(snap_time)
                except ValueError:
                    snap_time = snap_at = None
                    problems += 1
                    yield _problem(n, "WireGuard: Zeitzeile '# <Unix-Zeit>' nicht lesbar", raw)
                continue
            f = raw.rstrip("\r\n").split("\t")
            if len(f) != 9:
                continue  # interface line (5 fields) or empty line
            if snap_time is None:
                problems += 1
                yield _problem(n, "WireGuard: Peer-Zeile ohne vorherige Zeitzeile", raw)
                continue
            try:
                handshake = int(f[5])
            except ValueError:
                problems += 1
                yield _problem(n, "WireGuard: latest-handshake nicht lesbar", raw)
                continue
            if handshake == 0 or snap_time - handshake >= handshake_timeout:
                continue
            try:
                since, until = _utc(handshake), _utc(handshake + handshake_timeout)
            except ValueError:  # far in the future: out of range
                problems += 1
                yield _problem(n, "WireGuard: latest-handshake nicht lesbar", raw)
                continue
            iface, pubkey, endpoint = f[0], f[1], f[3]
            present[f"{iface}/{pubkey}"] = Presence(
                names.get(pubkey, pubkey),
                since,
                until,
                None if endpoint == "(none)" else _host(endpoint.strip("[]")),
            )
        if snap_at is not None:
            events += 1
            yield Snapshot(snap_at, snap_line, present)
    finally:
        _finish(stats, n, events, problems, other=0)


# --- strongswan ---------------------------------------------------------------------------------

_SWAN_TS = re.compile(
    r"(?:<\d+>)?(?:([A-Z][a-z]{2}) +(\d{1,2})(?: (\d{4}))? (\d\d):(\d\d):(\d\d)"
    r"|(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d))"
)
_SWAN_SA = r"IKE_SA ([^\[\s]+)\[(\d+)\]"
_SWAN_ENDS = r" between ([^\[\s]+)\[([^\]]*)\]\.\.\.([^\[\s]+)\[([^\]]*)\]"
_SWAN_UP = re.compile(r"\[IKE\] " + _SWAN_SA + " established" + _SWAN_ENDS)
_SWAN_DOWN = re.compile(r"\[IKE\] deleting " + _SWAN_SA + _SWAN_ENDS)
_SWAN_REKEYED = re.compile(r"\[IKE\] " + _SWAN_SA + " rekeyed" + _SWAN_ENDS)
_CN = re.compile(r"(?:^|[,/ ])CN=([^,/]+)")


def _swan_user(identity: str) -> str:
    if "CN=" not in identity:
        return identity
    m = _CN.search(identity)
    return m.group(1).strip() if m else identity


def parse_strongswan(
    lines: Iterable[str],
    *,
    tz: str | ZoneInfo = DEFAULT_TZ,
    year: int | None = None,
    stats: ParseStats | None = None,
) -> Iterator[Event]:
    """strongSwan charon log (syslog or filelog). Key: the IKE_SA's ``name[unique id]``.

    Start: ``IKE_SA name[N] established between local[id]...remote[id]``; end:
    ``deleting IKE_SA name[N] between ...``. User: the remote identity (its CN for a DN).
    An IKE_SA rekeyed into a new one (``IKE_SA name[M] rekeyed between``, same remote address
    and identity) continues the session: the old SA's deletion is not an end, the new SA's is.
    ``Starting IKE charon daemon`` ends all sessions.
    """
    stats = stats if stats is not None else ParseStats()
    clock, years = LocalClock(tz), YearGuess(year)
    n = events = problems = 0
    alias: dict[str, str] = {}  # rekeyed SA -> key of the session it continues
    by_peer: dict[tuple[str, str], str] = {}  # (remote address, user) -> session key
    retired: set[str] = set()  # SAs replaced by a rekey: their deletion is no end
    ts_search = _SWAN_TS.match
    try:
        for n, line in enumerate(lines, 1):
            if "IKE_SA " not in line:
                if "Starting IKE charon daemon" in line:
                    tm = ts_search(line)
                    t = _swan_time(tm, clock, years) if tm else None
                    if t is not None:
                        alias.clear()
                        by_peer.clear()
                        retired.clear()
                        events += 1
                        yield GatewayRestart(t, n, "charon neu gestartet")
                continue
            if " established between " in line:
                kind, rx = 0, _SWAN_UP
            elif "deleting IKE_SA " in line:
                kind, rx = 1, _SWAN_DOWN
            elif " rekeyed between " in line:
                kind, rx = 2, _SWAN_REKEYED
            else:
                continue
            m = rx.search(line)
            if m is None:
                problems += 1
                yield _problem(n, "strongSwan: IKE_SA-Zeile ohne Name/ID oder Gegenstelle", line)
                continue
            tm = ts_search(line)
            t = _swan_time(tm, clock, years) if tm else None
            if t is None:
                problems += 1
                yield _problem(n, "strongSwan: Zeitstempel nicht lesbar", line)
                continue
            sa = f"{m.group(1)}[{m.group(2)}]"
            remote, user = m.group(5), _swan_user(m.group(6))
            if not user:
                problems += 1
                yield _problem(n, "strongSwan: IKE_SA ohne Identität der Gegenstelle", line)
                continue
            if kind == 0:
                by_peer[(remote, user)] = sa
                events += 1
                yield SessionStart(sa, user, t, n, remote)
            elif kind == 2:
                old = by_peer.get((remote, user))
                if old is not None:
                    root = alias.get(old, old)
                    retired.add(old)
                    alias[sa] = root
                    by_peer[(remote, user)] = sa
            else:
                if sa in retired:
                    retired.discard(sa)
                    alias.pop(sa, None)
                    continue
                key = alias.pop(sa, sa)
                if by_peer.get((remote, user)) == sa:
                    del by_peer[(remote, user)]
                events += 1
                yield SessionEnd(key, user, t, n, None, remote)
    finally:
        _finish(stats, n, events, problems)


def _swan_time(m: re.Match, clock: LocalClock, years: YearGuess) -> datetime | None:
    try:
        if m.group(7):
            return clock.utc(*map(int, m.group(7, 8, 9, 10, 11, 12)))
        return _ts_from_match(m, clock, years)
    except ValueError:
        return None


# --- radius-detail ------------------------------------------------------------------------------

_RADIUS_WANTED = {
    "Acct-Status-Type",
    "User-Name",
    "Acct-Session-Id",
    "Timestamp",
    "Acct-Session-Time",
    "Acct-Delay-Time",
    "Calling-Station-Id",
    "Tunnel-Client-Endpoint",
}
_RADIUS_HEADER = re.compile(
    r"[A-Z][a-z]{2} ([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d) (\d{4})"
)


def parse_radius_detail(
    lines: Iterable[str], *, tz: str | ZoneInfo = DEFAULT_TZ, stats: ParseStats | None = None
) -> Iterator[Event]:
    """FreeRADIUS accounting detail files: one record per block, a date line then ``\\tAttr = value``.

    Key: ``Acct-Session-Id``. Time: ``Timestamp`` (Unix time) minus ``Acct-Delay-Time``; without
    ``Timestamp`` the record's date line (local time). Start/Interim-Update/Stop; Stop and
    Interim-Update carry ``Acct-Session-Time``. Accounting-On/Off ends all sessions.
    """
    stats = stats if stats is not None else ParseStats()
    clock = LocalClock(tz)
    n = events = problems = other = 0
    rec: dict[str, str] | None = None
    rec_line = rec_lines = 0
    header = ""
    try:
        for n, raw in enumerate(lines, 1):
            if raw[:1] in ("\t", " "):
                if rec is not None:
                    rec_lines += 1
                    name, eq, value = raw.strip().partition(" = ")
                    if eq and name in _RADIUS_WANTED:
                        rec[name] = value.strip('"')
                else:
                    other += 1
                continue
            if rec is not None:
                for ev in _radius_event(rec, rec_line, header, clock):
                    if isinstance(ev, Problem):
                        problems += 1
                    elif ev is None:
                        other += rec_lines
                        continue
                    else:
                        events += 1
                    yield ev
                rec = None
            if raw.strip():
                rec, rec_line, rec_lines, header = {}, n, 1, raw
            else:
                other += 1
        if rec is not None:
            for ev in _radius_event(rec, rec_line, header, clock):
                if isinstance(ev, Problem):
                    problems += 1
                elif ev is None:
                    other += rec_lines
                    continue
                else:
                    events += 1
                yield ev
    finally:
        _finish(stats, n, events, problems, other=other)


def _radius_event(rec: dict[str, str], n: int, header: str, clock: LocalClock):
    kind = rec.get("Acct-Status-Type")
    if kind in ("Accounting-On", "Accounting-Off"):
        t = _radius_time(rec, header, clock)
        yield (
            GatewayRestart(t, n, f"RADIUS {kind}")
            if t
            else _problem(n, f"RADIUS {kind}: Zeit nicht lesbar", header)
        )
        return
    if kind not in ("Start", "Stop", "Interim-Update"):
        yield None
        return
    key, user = rec.get("Acct-Session-Id"), rec.get("User-Name")
    if not key:
        yield _problem(n, f"RADIUS {kind} ohne Acct-Session-Id", header)
        return
    if not user:
        yield _problem(n, f"RADIUS {kind} ohne User-Name", header)
        return
    t = _radius_time(rec, header, clock)
    if t is None:
        yield _problem(n, f"RADIUS {kind}: Timestamp nicht lesbar", header)
        return
    st = rec.get("Acct-Session-Time")
    duration = int(st) if st and st.isdecimal() else None
    ip = rec.get("Calling-Station-Id") or rec.get("Tunnel-Client-Endpoint") or None
    if kind == "Start":
        yield SessionStart(key, user, t, n, ip)
    elif kind == "Stop":
        yield SessionEnd(key, user, t, n, duration, ip)
    else:
        yield SessionAlive(key, user, t, n, duration, ip)


def _radius_time(rec: dict[str, str], header: str, clock: LocalClock) -> datetime | None:
    delay = rec.get("Acct-Delay-Time", "0")
    delay_s = int(delay) if delay.isdecimal() else 0
    ts = rec.get("Timestamp")
    if ts is not None:
        try:
            return _utc(int(ts) - delay_s) if ts.isdecimal() else None
        except ValueError:  # out of range
            return None
    m = _RADIUS_HEADER.match(header)
    mon = _MONTHS.get(m.group(1)) if m else None
    if mon is None:
        return None
    try:
        return _utc(
            clock.epoch(
                int(m.group(6)), mon, int(m.group(2)), *(int(m.group(i)) for i in (3, 4, 5))
            )
            - delay_s
        )
    except ValueError:
        return None


# --- csv --------------------------------------------------------------------------------------


def parse_csv(
    lines: Iterable[str], *, tz: str | ZoneInfo = DEFAULT_TZ, stats: ParseStats | None = None
) -> Iterator[Event]:
    """``user;start;end`` with ISO 8601 timestamps (with offset, or local time in ``tz``).

    An empty end means: still open. Key: ``user/start in UTC``, so a later file that repeats the
    row with an end closes the session. A first line ``user;start;end`` is a header.
    """
    stats = stats if stats is not None else ParseStats()
    read = _IsoTime(LocalClock(tz))
    n = events = problems = other = 0
    try:
        for n, raw in enumerate(lines, 1):
            line = raw.strip()
            if not line or line.startswith("#") or (n == 1 and line.lower().startswith("user;")):
                other += 1
                continue
            f = line.split(";")
            if len(f) != 3 or not f[0].strip():
                problems += 1
                yield _problem(n, "CSV: erwartet 'benutzer;beginn;ende'", raw)
                continue
            user = f[0].strip()
            try:
                start, start_text = read(f[1])
                end = read(f[2])[0] if f[2].strip() else None
            except ValueError:
                problems += 1
                yield _problem(n, "CSV: Zeitstempel nicht lesbar (ISO 8601 erwartet)", raw)
                continue
            if end is not None and end < start:
                problems += 1
                yield _problem(n, "CSV: Ende liegt vor dem Beginn", raw)
                continue
            key = f"{user}/{start_text}"
            events += 1
            yield SessionStart(key, user, start, n)
            if end is not None:
                yield SessionEnd(key, user, end, n)
    finally:
        _finish(stats, n, events, problems, other=other)


def _iso_utc(text: str, clock: LocalClock) -> datetime:
    d = datetime.fromisoformat(text.strip())
    if d.tzinfo is None:
        return clock.utc(d.year, d.month, d.day, d.hour, d.minute, d.second)
    try:
        return d.astimezone(UTC).replace(microsecond=0)  # whole seconds, like every format
    except OverflowError as e:  # beyond year 1..9999 in UTC
        raise ValueError(str(e)) from e


_SECOND_TEXT = {f"{i:02d}": (i, timedelta(seconds=i), f"{i:02d}+00:00") for i in range(60)}


class _IsoTime:
    """ISO 8601 text -> (aware UTC datetime, its ``isoformat()``); the same as ``_iso_utc``.

    The usual forms ``YYYY-MM-DDTHH:MM:SS+HH:MM`` and ``YYYY-MM-DDTHH:MM:SS`` (local time) are
    read per minute: the text without its seconds is looked up in a cache (its first line was
    read by ``fromisoformat``) and the seconds are added. ``isoformat()`` of an aware datetime
    is slow, so the text is built the same way. Any other form goes through ``_iso_utc``.
    """

    __slots__ = ("clock", "_aware", "_local", "_texts")

    def __init__(self, clock: LocalClock):
        self.clock = clock
        # "YYYY-MM-DDTHH:MM:" + offset -> (UTC datetime of the minute, "YYYY-MM-DDTHH:MM:" in UTC)
        self._aware: dict[str, tuple[datetime, str]] = {}
        self._local: dict[str, tuple[int, int, int, int, int]] = {}  # "YYYY-MM-DDTHH:MM:"
        self._texts: dict[int, str] = {}  # Unix minute -> "YYYY-MM-DDTHH:MM:" in UTC

    def __call__(self, text: str) -> tuple[datetime, str]:
        text = text.strip()
        size = len(text)
        second = _SECOND_TEXT.get(text[17:19])
        if second is not None:
            if size == 25:
                key = text[:17] + text[19:]
                minute = self._aware.get(key) or self._aware_minute(text, key)
                if minute is not None:
                    return minute[0] + second[1], minute[1] + second[2]
            elif size == 19:
                fields = self._local.get(text[:17]) or self._local_minute(text)
                if fields is not None:
                    epoch = self.clock.epoch(*fields, second[0])
                    return _utc(epoch), self._text(epoch)
        d = _iso_utc(text, self.clock)
        return d, d.isoformat()

    def _aware_minute(self, text: str, key: str) -> tuple[datetime, str] | None:
        # HH:MM:SS at 11-18 (date YYYY-MM-DD), then an offset: the seconds are at 17-18
        if text[13:14] != ":" or text[16:17] != ":":
            return None
        d = datetime.fromisoformat(text[:17] + "00" + text[19:])
        if d.tzinfo is None or d.microsecond:
            return None
        try:
            u = d.astimezone(UTC)
        except OverflowError:
            return None
        if len(self._aware) >= 10_000:
            self._aware.clear()
        minute = self._aware[key] = (u, u.isoformat()[:17])
        return minute

    def _local_minute(self, text: str) -> tuple[int, int, int, int, int] | None:
        if text[13:14] != ":" or text[16:17] != ":":
            return None
        d = datetime.fromisoformat(text[:17] + "00")
        if d.tzinfo is not None:
            return None
        if len(self._local) >= 10_000:
            self._local.clear()
        fields = self._local[text[:17]] = (d.year, d.month, d.day, d.hour, d.minute)
        return fields

    def _text(self, epoch: int) -> str:
        minute, second = divmod(epoch, 60)
        prefix = self._texts.get(minute)
        if prefix is None:
            prefix = _utc(minute * 60).isoformat()[:17]
            if len(self._texts) >= 10_000:
                self._texts.clear()
            self._texts[minute] = prefix
        return f"{prefix}{second:02d}+00:00"


# --- dispatch -----------------------------------------------------------------------------------

PARSERS: dict[str, Callable[..., Iterator[Event]]] = {
    "openvpn-log": parse_openvpn_log,
    "openvpn-status": parse_openvpn_status,
    "wireguard-dump": parse_wireguard_dump,
    "cisco-asa": parse_cisco_asa,
    "fortigate": parse_fortigate,
    "strongswan": parse_strongswan,
    "radius-detail": parse_radius_detail,
    "csv": parse_csv,
}
SNAPSHOT_FORMATS = frozenset({"openvpn-status", "wireguard-dump"})
# Formats whose timestamps may lack the year.
YEAR_FORMATS = frozenset({"cisco-asa", "strongswan"})


def parse(
    lines: Iterable[str],
    fmt: str,
    *,
    tz: str | ZoneInfo = DEFAULT_TZ,
    year: int | None = None,
    peer_names: Mapping[str, str] | None = None,
    stats: ParseStats | None = None,
) -> Iterator[Event]:
    """Dispatch to the parser for ``fmt`` (one of ``PARSERS``)."""
    try:
        parser = PARSERS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; known: {', '.join(PARSERS)}") from None
    kwargs: dict[str, object] = {"tz": tz, "stats": stats}
    if fmt in YEAR_FORMATS:
        kwargs["year"] = year
    if fmt == "wireguard-dump":
        kwargs["peer_names"] = peer_names
    return parser(lines, **kwargs)


__all__ = [
    "DEFAULT_TZ",
    "PARSERS",
    "SNAPSHOT_FORMATS",
    "Event",
    "GatewayRestart",
    "LocalClock",
    "ParseStats",
    "Presence",
    "Problem",
    "SessionAlive",
    "SessionEnd",
    "SessionStart",
    "Snapshot",
    "parse",
]
