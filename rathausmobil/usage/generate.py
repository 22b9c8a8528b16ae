"""Realistic synthetic VPN logs: a session plan and writers for five gateway formats.

``plan_sessions`` draws who works from home on which day and when they are connected;
the writers turn the plan into the log lines a gateway would write, in the exact formats that
``parsers.py`` reads. Both are generators with bounded memory: the plan holds one day, a writer
holds the sessions open at the current time. Everything is deterministic for a seed.

Used by the demo scenario (a city administration, four weeks) and by the import benchmark
(a year of 50,000 people, tens of millions of lines). The truth for tests is the plan itself:
``concurrency.time_weighted_mean(starts, ends, workhour_windows(...))`` over the planned
sessions equals what the import must find.

    users = user_names(1100, seed=1)
    plan = plan_sessions(users, date(2021, 2, 1), 28, target_avg=350, seed=1)
    with open("asa.log", "w") as f:
        f.writelines(write_cisco_asa(plan))
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

DEFAULT_TZ = "Europe/Berlin"

# --- the model: shares and local times (hours after local midnight) ----------------------------

WINDOW_START_H = 7.0  # the working-hour window the target refers to: Mon-Fri 07:00-18:00
WINDOW_END_H = 18.0
START_EARLIEST_H, START_LATEST_H = 7.0, 9.5  # a home-office day starts 07:00-09:30
END_EARLIEST_H, END_LATEST_H = 15.0, 18.5  # ... and ends 15:00-18:30
PART_TIME_SHARE = 0.12  # users who end 11:30-14:30
PART_TIME_END_H = (11.5, 14.5)
SHORT_SHARE = 0.06  # a home-office day that is only a short session (20 min - 2.5 h)
SPLIT_SHARE = 0.25  # the day is split in two around lunch (11:30-12:45, 15-60 min away)
EVENING_SHARE = 0.06  # an extra evening session 19:00-22:00 (home-office days)
EVENING_SHARE_OFFICE = 0.01  # ... on office days
MIDNIGHT_SHARE = 0.15  # of the evening sessions: late, crossing midnight (ends by 01:30)
FREE_DAY_SHARE = 0.02  # weekend/holiday: share of (average) users with one session 09:00-23:30
MOBILE_SHARE = 0.1  # a session from another address than the user's home connection


@dataclass(frozen=True, slots=True)
class PlannedSession:
    """One VPN session of the plan; times are Unix seconds (UTC), [start, end)."""

    user: str
    start: int
    end: int
    client_ip: str
    seq: int  # running number in the plan; writers derive tunnel ids, ports, session ids from it


def _client_ip(i: int) -> str:
    """An address in 198.18.0.0/15 (reserved for benchmarks), never .0 or .255."""
    i %= 131072 - 2 * 512
    i += 1 + 2 * (i // 254)  # skip .0 and .255 in every /24
    return f"198.{18 + (i >> 16)}.{(i >> 8) & 255}.{i & 255}"


_FIRST = "abcdefghijklmnoprstuwz"
_SURNAMES = (
    "mueller schmidt schneider fischer weber meyer wagner becker schulz hoffmann schaefer koch "
    "bauer richter klein wolf schroeder neumann schwarz zimmermann braun krueger hofmann hartmann "
    "lange schmitt werner schmitz krause meier lehmann schmid schulze maier koehler herrmann "
    "koenig walter mayer huber kaiser fuchs peters lang scholz moeller weiss jung hahn schubert "
    "vogel friedrich keller guenther frank berger winkler roth beck lorenz baumann franke albrecht "
    "schuster simon ludwig boehm winter kraus martin schumacher kraemer vogt stein jaeger otto "
    "sommer gross seidel heinrich brandt haas schreiber graf schulte dietrich ziegler kuhn "
    "kuehn pohl engel horn busch bergmann thomas voigt sauer arnold wolff pfeiffer yilmaz kaya "
    "demir sahin celik nowak kowalski popescu rossi novak"
).split()


def user_names(count: int, *, seed: int = 0) -> list[str]:
    """``count`` distinct login names like ``kmeier`` (``kmeier2`` on a clash), deterministic."""
    rng = np.random.default_rng([seed, 7])
    firsts = rng.integers(0, len(_FIRST), count)
    lasts = rng.integers(0, len(_SURNAMES), count)
    seen: dict[str, int] = {}
    out = []
    for f, s in zip(firsts.tolist(), lasts.tolist(), strict=True):
        base = _FIRST[f] + _SURNAMES[s]
        k = seen.get(base, 0) + 1
        seen[base] = k
        out.append(base if k == 1 else f"{base}{k}")
    return out


# --- the plan -----------------------------------------------------------------------------------


class _Day:
    """Local seconds of one day (may exceed 86400 up to 02:00 of the next day) -> Unix seconds."""

    def __init__(self, day: date, zone: ZoneInfo):
        self.day, self.zone = day, zone
        noon = datetime.combine(day, time(12), zone)
        self.base = int(noon.timestamp()) - 12 * 3600  # local midnight if noon's offset held
        # Offset changes happen around 02:00-03:00 local; the plan only uses local times from
        # 03:00 of the day to 02:00 of the next. If the offset is not the same on that span
        # (other zones), convert every time on its own.
        early = int(datetime.combine(day, time(3), zone).timestamp())
        late = int(datetime.combine(day + timedelta(days=1), time(1, 59), zone).timestamp())
        self.uniform = early == self.base + 3 * 3600 and late == self.base + 86400 + 7140

    def epochs(self, local_seconds: np.ndarray) -> np.ndarray:
        if self.uniform:
            return local_seconds + self.base
        midnight = datetime.combine(self.day, time(0))
        return np.array(
            [
                int((midnight + timedelta(seconds=int(s))).replace(tzinfo=self.zone).timestamp())
                for s in local_seconds
            ],
            dtype=np.int64,
        )

    def window(self) -> int:
        a = datetime.combine(self.day, time(int(WINDOW_START_H)), self.zone)
        b = datetime.combine(self.day, time(int(WINDOW_END_H)), self.zone)
        return int(b.timestamp()) - int(a.timestamp())


def plan_sessions(
    users: Sequence[str],
    first_day: date,
    days: int,
    *,
    target_avg: float,
    seed: int,
    tz: str | ZoneInfo = DEFAULT_TZ,
    holidays: Collection[date] = (),
) -> Iterator[PlannedSession]:
    """VPN sessions of ``users`` over ``days`` days from ``first_day``, in start order.

    Model, per user fixed: a home-office propensity (gamma distributed, mean 1), a usual start
    (07:06-08:45) and day length (8-9.5 h), part time or not. Per workday (Mon-Fri, not in
    ``holidays``) the users are taken in a random order weighted by their propensity
    (Efraimidis-Spirakis) and work from home until the day's session time inside 07:00-18:00
    local reaches ``target_avg`` x window length; so the time-weighted mean concurrency of every
    workday is ``target_avg`` (to within one session) instead of only on average. A home-office
    day: start 07:00-09:30, end 15:00-18:30 (part time 11:30-14:30), a quarter split in two
    around lunch, a few only one short session; some evening sessions 19:00-22:00, a few of them
    late and crossing midnight. Weekends and holidays: a few sessions 09:00-23:30.

    Times are local wall-clock times in ``tz`` (``zoneinfo``, summer time respected) turned into
    Unix seconds. Memory: one day of the plan at a time. Deterministic for ``seed``; a day's
    draws depend only on ``seed``, the users and the date.
    """
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    n = len(users)
    if n == 0 or days <= 0:
        return
    free = set(holidays)
    traits = np.random.default_rng([seed, 0])
    weight = np.maximum(traits.gamma(2.0, 0.5, n), 0.02)
    usual_start = traits.uniform(7.1, 8.75, n) * 3600
    usual_length = traits.uniform(8.0, 9.5, n) * 3600
    part_time = traits.random(n) < PART_TIME_SHARE
    seq = 0
    for i in range(days):
        day = first_day + timedelta(days=i)
        rng = np.random.default_rng([seed, 1, day.toordinal()])
        local = _Day(day, zone)
        if day.weekday() < 5 and day not in free:
            who, starts, ends = _workday(
                rng, local, target_avg, weight, usual_start, usual_length, part_time
            )
        else:
            who, starts, ends = _free_day(rng, weight)
        if not who.size:
            continue
        order = np.lexsort((who, starts))
        who, starts, ends = who[order], local.epochs(starts[order]), local.epochs(ends[order])
        mobile = rng.random(who.size) < MOBILE_SHARE
        other = rng.integers(0, 1 << 20, who.size)
        for u, s, e, m, o in zip(
            who.tolist(),
            starts.tolist(),
            ends.tolist(),
            mobile.tolist(),
            other.tolist(),
            strict=True,
        ):
            yield PlannedSession(users[u], s, e, _client_ip(o if m else u), seq)
            seq += 1


def _fold_in(rng, x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Values outside [lo, hi] moved to a random point within 15 minutes of the bound
    (a plain clip would pile them up on the very second of the bound)."""
    jitter = rng.uniform(0, 900, x.size)
    return np.where(x < lo, lo + jitter, np.where(x > hi, hi - jitter, x))


def _workday(rng, local: _Day, target, weight, usual_start, usual_length, part_time):
    """(user index, local start seconds, local end seconds) arrays of one workday."""
    n = weight.size
    keys = np.log(1.0 - rng.random(n)) / weight  # larger key: earlier in the weighted order
    order = np.argsort(-keys, kind="stable")
    h = 3600.0
    start = _fold_in(
        rng, usual_start[order] + rng.normal(0, 900, n), START_EARLIEST_H * h, START_LATEST_H * h
    )
    end = _fold_in(
        rng,
        start + usual_length[order] + rng.normal(0, 1200, n),
        END_EARLIEST_H * h,
        END_LATEST_H * h,
    )
    pt = part_time[order]
    end = np.where(pt, rng.uniform(*PART_TIME_END_H, n) * h, end)
    short = rng.random(n) < SHORT_SHARE
    start = np.where(short, rng.uniform(7.25, 16.0, n) * h, start)
    end = np.where(short, start + rng.uniform(1200, 9000, n), end)
    split = (rng.random(n) < SPLIT_SHARE) & ~pt & ~short
    lunch = rng.uniform(11.5, 12.75, n) * h
    gap = rng.uniform(900, 3600, n)
    start, end, lunch, gap = (np.floor(a).astype(np.int64) for a in (start, end, lunch, gap))
    lo, hi = int(WINDOW_START_H * 3600), int(WINDOW_END_H * 3600)
    inside = np.clip(end, lo, hi) - np.clip(start, lo, hi) - np.where(split, gap, 0)
    need = target * local.window()
    total = np.concatenate(([0], np.cumsum(inside)))  # total[k]: the first k users
    k = int(np.searchsorted(total, need))  # the first k users reach the target
    count = min(k, n)
    if 0 < k <= n and need - total[k - 1] <= total[k] - need:
        count = k - 1  # one user fewer is closer to the target
    home = np.zeros(n, dtype=bool)
    home[:count] = True

    whole = home & ~split
    parts = [
        (order[whole], start[whole], end[whole]),
        (order[home & split], start[home & split], lunch[home & split]),
        (order[home & split], (lunch + gap)[home & split], end[home & split]),
    ]
    evening = rng.random(n) < np.where(home, EVENING_SHARE, EVENING_SHARE_OFFICE)
    late = rng.random(n) < MIDNIGHT_SHARE
    e_start = np.where(late, rng.uniform(22.75, 23.66, n) * h, rng.uniform(19.0, 22.0, n) * h)
    e_end = e_start + np.where(late, rng.uniform(2400, 6600, n), rng.uniform(900, 6000, n))
    e_start, e_end = np.floor(e_start).astype(np.int64), np.floor(e_end).astype(np.int64)
    parts.append((order[evening], e_start[evening], e_end[evening]))
    return tuple(np.concatenate(a) for a in zip(*parts, strict=True))


def _free_day(rng, weight):
    """A few sessions on a weekend day or holiday."""
    n = weight.size
    who = np.flatnonzero(rng.random(n) < np.minimum(1.0, FREE_DAY_SHARE * weight))
    start = np.floor(rng.uniform(9.0, 20.5, who.size) * 3600).astype(np.int64)
    end = start + np.floor(rng.uniform(900, 10800, who.size)).astype(np.int64)
    return who, start, end


# --- writers: common machinery ------------------------------------------------------------------


def _mix(a: int, b: int = 0) -> int:
    """A deterministic pseudo-random 32-bit number from two integers (cheap hash)."""
    x = (a * 0x9E3779B1 + b * 0x85EBCA77 + 0x165667B1) & 0xFFFFFFFF
    x ^= x >> 15
    x = (x * 0x2C1B3C6D) & 0xFFFFFFFF
    x ^= x >> 12
    x = (x * 0x297A2D39) & 0xFFFFFFFF
    return x ^ (x >> 15)


# event ranks at the same second: ends before starts (half-open sessions), noise last
END, START, NOISE = 0, 1, 2

_Event = tuple[int, int, int, int, int, PlannedSession]  # time, rank, seq, sub, kind, session


def _merge(
    sessions: Iterable[PlannedSession],
    events: Callable[[PlannedSession], Iterable[tuple[int, int, int]]],
) -> Iterator[_Event]:
    """All events of all sessions in time order; ``events(s)`` gives (time, rank, kind) >= start.

    Holds only the pending events of sessions that have started (a heap), so memory is bounded
    by the sessions open at a time. ``sessions`` must come in start order.
    """
    heap: list[_Event] = []
    push, pop = heapq.heappush, heapq.heappop
    last = None
    for s in sessions:
        if last is not None and s.start < last:
            raise ValueError("Die Sitzungen müssen nach Beginn sortiert sein.")
        last = s.start
        while heap and heap[0][0] <= s.start:
            yield pop(heap)
        for sub, (t, rank, kind) in enumerate(events(s)):
            push(heap, (t, rank, s.seq, sub, kind, s))
    while heap:
        yield pop(heap)


def _hourly(s: PlannedSession, per_hour: int) -> Iterator[int]:
    """Times of noise lines during a session: ``per_hour`` per full hour after the start."""
    if per_hour <= 0:
        return
    step = 3600 // per_hour
    t = s.start + step
    k = 0
    while t < s.end - 1:
        yield t + _mix(s.seq, k) % min(step, s.end - 1 - t)
        t += step
        k += 1


_HMS = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]
_MONTH = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAY = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


class _LocalTime:
    """Unix seconds -> local day and time strings; offset cached per UTC hour, dates per day."""

    __slots__ = ("zone", "_hours", "_days", "_day_text")

    def __init__(self, tz: str | ZoneInfo, day_text: Callable[[date, int], object]):
        self.zone = ZoneInfo(tz) if isinstance(tz, str) else tz
        self._hours: dict[int, tuple[int, str]] = {}
        self._days: dict[tuple[int, int], object] = {}
        self._day_text = day_text

    def hour(self, t: int) -> tuple[int, str]:
        """(offset in seconds, abbreviation such as CET) at Unix time t."""
        h = t // 3600
        got = self._hours.get(h)
        if got is None:
            d = datetime.fromtimestamp(h * 3600, UTC).astimezone(self.zone)
            off = d.utcoffset()
            got = (int(off.total_seconds()) if off else 0, d.tzname() or "")
            if len(self._hours) > 100_000:
                self._hours.clear()
            self._hours[h] = got
        return got

    def __call__(self, t: int) -> tuple[object, str]:
        """(the writer's text for the local day, "HH:MM:SS")."""
        off = self.hour(t)[0]
        day, sec = divmod(t + off, 86400)
        key = (day, off)
        text = self._days.get(key)
        if text is None:
            if len(self._days) > 10_000:
                self._days.clear()
            text = self._days[key] = self._day_text(date.fromordinal(_EPOCH_ORDINAL + day), off)
        return text, _HMS[sec]


def _offset_text(off: int, colon: bool) -> str:
    sign = "-" if off < 0 else "+"
    h, m = divmod(abs(off) // 60, 60)
    return f"{sign}{h:02d}:{m:02d}" if colon else f"{sign}{h:02d}{m:02d}"


def _duration_asa(seconds: int) -> str:
    d, rest = divmod(seconds, 86400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    return f"{d}d {h}h:{m:02d}m:{s:02d}s" if d else f"{h}h:{m:02d}m:{s:02d}s"


def _tunnel_ip(seq: int, net: str) -> str:
    return f"{net}.{(seq >> 8) % 256}.{seq % 254 + 1}"


# --- cisco-asa ----------------------------------------------------------------------------------

_ASA_REASONS = ("User Requested",) * 7 + ("Idle Timeout",) * 2 + ("Connection Preempted",)


def write_cisco_asa(
    sessions: Iterable[PlannedSession],
    *,
    tz: str | ZoneInfo = DEFAULT_TZ,
    with_year: bool = True,
    noise_per_hour: int = 1,
    group: str = "GP-Rathaus",
    host: str = "asa-rathaus",
) -> Iterator[str]:
    """Cisco ASA / AnyConnect syslog lines: 113039 start, 113019 disconnect with ``Duration``.

    Around them AAA (113004, 113008), DAP (734001), tunnel (722022/722023) and connection
    (302013/302014) messages; ``noise_per_hour`` connection teardowns per session hour.
    ``with_year``: the ASA's own timestamp ``Feb 01 2021 07:58:07:``; otherwise a syslog
    server's ``Feb  1 07:58:07 host :`` (read back with ``year=``).
    """

    def day_text(d: date, _off: int) -> str:
        mon = _MONTH[d.month]
        return f"{mon} {d.day:02d} {d.year} " if with_year else f"{mon} {d.day:2d} "

    clock = _LocalTime(tz, day_text)
    sep = ":" if with_year else f" {host} :"

    def events(s: PlannedSession) -> list[tuple[int, int, int]]:
        ev = [(s.start, START, 0)]
        if s.end - s.start > 3:  # tunnel messages a second or two after the start, before the end
            ev += [(s.start + 1, NOISE, 1), (s.start + 2, NOISE, 2)]
            ev += [(t, NOISE, 3) for t in _hourly(s, noise_per_hour)]
            ev.append((s.end - 1, END, 4))
        ev.append((s.end, END, 5))
        return ev

    for t, _rank, seq, _sub, kind, s in _merge(sessions, events):
        day, hms = clock(t)
        ts = f"{day}{hms}{sep}"
        u, ip = s.user, s.client_ip
        if kind == 0:
            yield f"{ts} %ASA-6-113004: AAA user authentication Successful : server =  10.1.0.10 : user = {u}\n"
            yield f"{ts} %ASA-6-113008: AAA transaction status ACCEPT : user = {u}\n"
            yield (
                f"{ts} %ASA-4-734001: DAP: User {u}, Addr {ip}, Connection AnyConnect: The following"
                " DAP records were selected for this connection: DfltAccessPolicy\n"
            )
            yield f"{ts} %ASA-6-113039: Group <{group}> User <{u}> IP <{ip}> AnyConnect parent session started.\n"
        elif kind == 1:
            yield (
                f"{ts} %ASA-5-722033: Group <{group}> User <{u}> IP <{ip}> First TCP SVC connection"
                " established for SVC session.\n"
            )
            yield (
                f"{ts} %ASA-6-722022: Group <{group}> User <{u}> IP <{ip}> TCP SVC connection"
                " established without compression\n"
            )
        elif kind == 2:
            yield (
                f"{ts} %ASA-6-722022: Group <{group}> User <{u}> IP <{ip}> UDP SVC connection"
                " established without compression\n"
            )
            port = 49152 + _mix(seq, 1) % 16000
            yield (
                f"{ts} %ASA-6-302013: Built inbound TCP connection {_mix(seq, 2)} for"
                f" outside:{ip}/{port} ({ip}/{port}) to identity:192.0.2.1/443 (192.0.2.1/443)\n"
            )
        elif kind == 3:
            r = _mix(seq, t)
            port = 49152 + r % 16000
            yield (
                f"{ts} %ASA-6-302014: Teardown TCP connection {r} for vpn:{_tunnel_ip(seq, '10.30')}"
                f"/{port} to inside:10.1.{r % 7}.{r % 200 + 2}/445 duration 0:{r % 60:02d}:"
                f"{r % 59:02d} bytes {r % 900000 + 300} TCP FINs from vpn\n"
            )
        elif kind == 4:
            yield (
                f"{ts} %ASA-6-722023: Group <{group}> User <{u}> IP <{ip}> UDP SVC connection"
                " terminated without compression\n"
            )
        else:
            r = _mix(seq, 3)
            reason = _ASA_REASONS[r % len(_ASA_REASONS)]
            yield (
                f"{ts} %ASA-4-113019: Group = {group}, Username = {u}, IP = {ip}, Session"
                f" disconnected. Session Type: AnyConnect-Parent, Duration:"
                f" {_duration_asa(s.end - s.start)}, Bytes xmt: {r * 37 % 900_000_000},"
                f" Bytes rcv: {r * 11 % 900_000_000}, Reason: {reason}\n"
            )


# --- openvpn-log --------------------------------------------------------------------------------


def write_openvpn_log(
    sessions: Iterable[PlannedSession],
    *,
    tz: str | ZoneInfo = DEFAULT_TZ,
    ctime: bool = False,
    noise_per_hour: int = 1,
) -> Iterator[str]:
    """OpenVPN server log (``verb 3``), timestamps ``2021-02-01 07:58:07`` (``ctime``:
    ``Mon Feb  1 07:58:07 2021``).

    Per session: TLS handshake lines, ``Peer Connection Initiated``, ``MULTI_sva``; hourly TLS
    soft resets (``noise_per_hour``); the end as ``SIGTERM[soft,remote-exit]`` or (a fifth) an
    ``Inactivity timeout`` followed by ``SIGUSR1[soft,ping-restart]``. A few sessions begin
    with a failed TLS attempt from another port (no session).
    """

    def day_text(d: date, _off: int) -> tuple[str, str]:
        if ctime:
            return f"{_WEEKDAY[d.weekday()]} {_MONTH[d.month]} {d.day:2d} ", f" {d.year} "
        return f"{d.isoformat()} ", " "

    clock = _LocalTime(tz, day_text)

    def events(s: PlannedSession) -> list[tuple[int, int, int]]:
        ev = [(s.start, START, 0)]
        ev += [(t, NOISE, 1) for t in _hourly(s, noise_per_hour)]
        ev.append((s.end, END, 2))
        return ev

    for t, _rank, seq, _sub, kind, s in _merge(sessions, events):
        (day, tail), hms = clock(t)
        ts = f"{day}{hms}{tail}"
        u, ip = s.user, s.client_ip
        port = 1024 + _mix(seq, 5) % 64000
        peer = f"{ip}:{port}"
        inst = f"{u}/{peer}"
        if kind == 0:
            if _mix(seq, 6) % 50 == 0:
                bad = f"{ip}:{1024 + (port + 1) % 64000}"
                yield f"{ts}{bad} TLS Error: TLS key negotiation failed to occur within 60 seconds (check your network connectivity)\n"
                yield f"{ts}{bad} TLS Error: TLS handshake failed\n"
                yield f"{ts}{bad} SIGUSR1[soft,tls-error] received, client-instance restarting\n"
            sid = f"{_mix(seq, 7):08x} {_mix(seq, 8):08x}"
            yield f"{ts}{peer} TLS: Initial packet from [AF_INET]{peer}, sid={sid}\n"
            yield f"{ts}{peer} VERIFY OK: depth=0, CN={u}\n"
            yield f"{ts}{peer} Control Channel: TLSv1.3, cipher TLSv1.3 TLS_AES_256_GCM_SHA384, peer certificate: 2048 bit RSA, signature: RSA-SHA256\n"
            yield f"{ts}{peer} [{u}] Peer Connection Initiated with [AF_INET]{peer}\n"
            yield f"{ts}{inst} MULTI_sva: pool returned IPv4={_tunnel_ip(seq, '10.8')}, IPv6=(Not enabled)\n"
        elif kind == 1:
            yield f"{ts}{inst} TLS: soft reset sec=3600/3600 bytes={_mix(seq, t) % 90_000_000}/-1 pkts={_mix(seq, t) % 90_000}/0\n"
        elif _mix(seq, 9) % 5 == 0:
            yield f"{ts}{inst} [{u}] Inactivity timeout (--ping-restart), restarting\n"
            yield f"{ts}{inst} SIGUSR1[soft,ping-restart] received, client-instance restarting\n"
        else:
            yield f"{ts}{inst} SIGTERM[soft,remote-exit] received, client-instance exiting\n"


# --- fortigate ----------------------------------------------------------------------------------

_FGT_HEAD = 'devname="FGT-Rathaus" devid="FG100FTK21000001"'


def write_fortigate(
    sessions: Iterable[PlannedSession],
    *,
    tz: str | ZoneInfo = DEFAULT_TZ,
    noise_per_hour: int = 1,
    tunnel_base: int = 307_680_000,
) -> Iterator[str]:
    """FortiOS event log in ``key=value`` form: SSL-VPN ``tunnel-up``/``tunnel-down`` with
    ``tunnelid`` (``tunnel_base`` + seq), ``duration``, ``eventtime`` (ns) and ``tz="+0100"``
    or ``"+0200"`` as in force at that moment.

    Noise: ``ssl-new-con`` before the tunnel, and per session hour (``noise_per_hour``) a
    ``tunnel-stats`` event and a forward traffic line.
    """

    def day_text(d: date, off: int) -> tuple[str, str]:
        return f"date={d.isoformat()} time=", f'tz="{_offset_text(off, colon=False)}"'

    clock = _LocalTime(tz, day_text)

    def events(s: PlannedSession) -> list[tuple[int, int, int]]:
        ev = [(s.start, START, 0)]
        ev += [(t, NOISE, 1) for t in _hourly(s, noise_per_hour)]
        ev.append((s.end, END, 2))
        return ev

    for t, _rank, seq, _sub, kind, s in _merge(sessions, events):
        (day, tzf), hms = clock(t)
        r = _mix(seq, t)
        head = f"{day}{hms} {_FGT_HEAD} eventtime={t}{r % 1_000_000_000:09d} {tzf}"
        u, ip, tid = s.user, s.client_ip, tunnel_base + seq
        tip = _tunnel_ip(seq, "10.212")
        if kind == 0:
            yield (
                f'{head} logid="0101039424" type="event" subtype="vpn" level="information"'
                f' vd="root" logdesc="SSL VPN new connection" action="ssl-new-con"'
                f' tunneltype="ssl" tunnelid=0 remip={ip} user="N/A" group="N/A"'
                f' dst_host="N/A" reason="N/A" msg="SSL new connection"\n'
            )
            yield (
                f'{head} logid="0101039947" type="event" subtype="vpn" level="information"'
                f' vd="root" logdesc="SSL VPN tunnel up" action="tunnel-up"'
                f' tunneltype="ssl-tunnel" tunnelid={tid} remip={ip} tunnelip={tip} user="{u}"'
                f' group="VPN-Nutzer" dst_host="N/A" reason="tunnel established"'
                f' msg="SSL tunnel established"\n'
            )
        elif kind == 1:
            yield (
                f'{head} logid="0101039949" type="event" subtype="vpn" level="information"'
                f' vd="root" logdesc="SSL VPN statistics" action="tunnel-stats"'
                f' tunneltype="ssl-tunnel" tunnelid={tid} remip={ip} tunnelip={tip} user="{u}"'
                f' group="VPN-Nutzer" dst_host="N/A" reason="N/A" duration={t - s.start}'
                f" sentbyte={r % 90_000_000} rcvdbyte={r * 7 % 90_000_000}"
                f' msg="SSL tunnel statistics"\n'
            )
            yield (
                f'{head} logid="0000000013" type="traffic" subtype="forward" level="notice"'
                f' vd="root" srcip={tip} srcport={1024 + r % 60000} srcintf="ssl.root"'
                f' dstip=10.1.{r % 7}.{r % 200 + 2} dstport=445 dstintf="internal"'
                f' sessionid={r} proto=6 action="close" policyid=7 service="SMB"'
                f" duration={r % 3000} sentbyte={r % 100_000} rcvdbyte={r % 900_000}\n"
            )
        else:
            yield (
                f'{head} logid="0101039948" type="event" subtype="vpn" level="information"'
                f' vd="root" logdesc="SSL VPN tunnel down" action="tunnel-down"'
                f' tunneltype="ssl-tunnel" tunnelid={tid} remip={ip} tunnelip={tip} user="{u}"'
                f' group="VPN-Nutzer" dst_host="N/A"'
                f' reason="User requested termination of service" duration={s.end - s.start}'
                f" sentbyte={r % 90_000_000} rcvdbyte={r * 7 % 90_000_000}"
                f' msg="SSL tunnel shutdown"\n'
            )


# --- radius-detail ------------------------------------------------------------------------------


def write_radius_detail(
    sessions: Iterable[PlannedSession],
    *,
    tz: str | ZoneInfo = DEFAULT_TZ,
    noise_per_hour: int = 1,
    nas_ip: str = "10.0.0.2",
) -> Iterator[str]:
    """FreeRADIUS accounting detail file: a block per record (date line in local time, then
    ``\\tAttribute = value``, a blank line): Start, an Interim-Update per session hour
    (``noise_per_hour``), Stop with ``Acct-Session-Time``; ``Timestamp`` is the Unix time.
    ``Acct-Session-Id`` is the seq in hex (``5A`` + 6 digits for small plans).
    """

    def day_text(d: date, _off: int) -> tuple[str, str, str]:
        return (
            f"{_WEEKDAY[d.weekday()]} {_MONTH[d.month]} {d.day:02d} ",
            f" {d.year}\n",
            f"{_MONTH[d.month]} {d.day:02d} {d.year} ",
        )

    clock = _LocalTime(tz, day_text)

    def events(s: PlannedSession) -> list[tuple[int, int, int]]:
        ev = [(s.start, START, 0)]
        ev += [(t, NOISE, 1) for t in _hourly(s, noise_per_hour)]
        ev.append((s.end, END, 2))
        return ev

    for t, _rank, seq, _sub, kind, s in _merge(sessions, events):
        (day, year, event_day), hms = clock(t)
        abbr = clock.hour(t)[1]
        r = _mix(seq, t)
        yield f"{day}{hms}{year}"
        yield f"\tAcct-Status-Type = {('Start', 'Interim-Update', 'Stop')[kind]}\n"
        yield f'\tUser-Name = "{s.user}"\n'
        yield f'\tAcct-Session-Id = "{0x5A000000 + seq:08X}"\n'
        yield f"\tNAS-IP-Address = {nas_ip}\n"
        yield "\tNAS-Port-Type = Virtual\n"
        yield f'\tCalling-Station-Id = "{s.client_ip}"\n'
        yield f"\tFramed-IP-Address = {_tunnel_ip(seq, '10.20')}\n"
        yield f'\tEvent-Timestamp = "{event_day}{hms} {abbr}"\n'
        if kind:
            yield f"\tAcct-Session-Time = {t - s.start}\n"
            yield f"\tAcct-Input-Octets = {r % 900_000_000}\n"
            yield f"\tAcct-Output-Octets = {r * 7 % 900_000_000}\n"
        if kind == 2:
            yield f"\tAcct-Terminate-Cause = {'Idle-Timeout' if r % 6 == 0 else 'User-Request'}\n"
        yield "\tAcct-Delay-Time = 0\n"
        yield f"\tTimestamp = {t}\n"
        yield "\n"


# --- csv ----------------------------------------------------------------------------------------


def write_csv(
    sessions: Iterable[PlannedSession],
    *,
    tz: str | ZoneInfo = DEFAULT_TZ,
    with_offset: bool = True,
    header: bool = True,
    noise_per_hour: int = 0,
) -> Iterator[str]:
    """``user;start;end`` rows in start order, ISO 8601 local time with offset
    (``2021-02-01T07:58:07+01:00``; ``with_offset=False``: without, read in ``tz``).
    ``noise_per_hour`` is accepted for the writers' common signature; a CSV has no noise."""

    def day_text(d: date, off: int) -> tuple[str, str]:
        return f"{d.isoformat()}T", _offset_text(off, colon=True) if with_offset else ""

    clock = _LocalTime(tz, day_text)
    if header:
        yield "user;start;end\n"
    for s in sessions:
        (d0, o0), h0 = clock(s.start)
        (d1, o1), h1 = clock(s.end)
        yield f"{s.user};{d0}{h0}{o0};{d1}{h1}{o1}\n"


# --- all formats --------------------------------------------------------------------------------

WRITERS: dict[str, Callable[..., Iterator[str]]] = {
    "cisco-asa": write_cisco_asa,
    "openvpn-log": write_openvpn_log,
    "fortigate": write_fortigate,
    "radius-detail": write_radius_detail,
    "csv": write_csv,
}


def write_log(path: str | Path, fmt: str, sessions: Iterable[PlannedSession], **options) -> int:
    """Write the log of ``sessions`` in format ``fmt`` (one of ``WRITERS``) to ``path``;
    returns the number of lines."""
    try:
        writer = WRITERS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; known: {', '.join(WRITERS)}") from None
    count = 0
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        buffer: list[str] = []
        for line in writer(sessions, **options):
            buffer.append(line)
            if len(buffer) >= 10_000:
                f.writelines(buffer)
                count += len(buffer)
                buffer.clear()
        f.writelines(buffer)
        count += len(buffer)
    return count


__all__ = [
    "DEFAULT_TZ",
    "WRITERS",
    "PlannedSession",
    "plan_sessions",
    "user_names",
    "write_cisco_asa",
    "write_csv",
    "write_fortigate",
    "write_log",
    "write_openvpn_log",
    "write_radius_detail",
]
