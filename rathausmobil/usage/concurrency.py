"""Concurrency of VPN sessions: peak, time-weighted mean, percentile, per-minute series, Erlang B.

Sessions are half-open intervals [start, end) in whole Unix seconds (int64 arrays or
``datetime64`` arrays; every supported log format has whole seconds). N(t), the number of open
sessions at instant t, counts a session with start <= t < end: at an instant where one session
ends and another starts, the ending one is already closed.

Because the times are whole seconds, N is constant on every second [t, t+1), so the per-second
array ``Occupancy.counts`` *is* the exact step function. It is built with two ``bincount`` calls
and one ``cumsum`` (O(sessions + seconds)); every figure below is read from it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

DEFAULT_TZ = "Europe/Berlin"
# Spans longer than this many seconds beyond the number of sessions use the sort-based peak
# instead of a per-second array (bounds memory for multi-year spans).
_MAX_DENSE_SPAN = 400 * 86400


def as_seconds(values) -> np.ndarray:
    """int64 Unix seconds from an int array, a ``datetime64`` array or a list of datetimes."""
    a = np.asarray(values)
    if a.dtype == object:
        a = np.array([int(v.timestamp()) for v in a.ravel()], dtype=np.int64).reshape(a.shape)
    elif np.issubdtype(a.dtype, np.datetime64):
        a = a.astype("datetime64[s]").astype(np.int64)
    return a.astype(np.int64, copy=False)


def _windows(windows) -> np.ndarray:
    w = as_seconds(windows).reshape(-1, 2)
    if np.any(w[:, 1] < w[:, 0]):
        raise ValueError("window ends before it starts")
    return w


@dataclass(slots=True)
class Occupancy:
    """N(t) per second on [lo, hi): ``counts[i]`` = open sessions during [lo + i, lo + i + 1)."""

    lo: int
    hi: int
    counts: np.ndarray

    @classmethod
    def build(cls, starts, ends, lo: int | None = None, hi: int | None = None) -> Occupancy:
        s, e = as_seconds(starts).ravel(), as_seconds(ends).ravel()
        if s.shape != e.shape:
            raise ValueError("starts and ends differ in length")
        if lo is None:
            lo = int(s.min()) if s.size else 0
        if hi is None:
            hi = int(e.max()) if e.size else lo
        hi = max(hi, lo)
        span = hi - lo
        if s.size and (int(s.min()) < lo or int(e.max()) > hi):
            s, e = np.clip(s, lo, hi), np.clip(e, lo, hi)
        keep = s < e
        if not keep.all():
            s, e = s[keep], e[keep]
        diff = np.bincount(s - lo, minlength=span + 1)
        diff -= np.bincount(e - lo, minlength=span + 1)
        counts = np.cumsum(diff[:span], dtype=np.int32 if s.size < 2**31 else np.int64)
        return cls(lo, hi, counts)

    def _slice(self, a: int, b: int) -> np.ndarray:
        a, b = max(a, self.lo), min(b, self.hi)
        return self.counts[a - self.lo : b - self.lo] if b > a else self.counts[:0]

    def peak(self, windows=None) -> tuple[int, int | None]:
        """(maximum, first second at which it is reached); (0, None) without sessions."""
        if windows is None:
            if not self.counts.size:
                return 0, None
            i = int(np.argmax(self.counts))
            return int(self.counts[i]), self.lo + i if self.counts[i] else None
        best, at = 0, None
        for a, b in _windows(windows):
            part = self._slice(int(a), int(b))
            if part.size:
                i = int(np.argmax(part))
                if int(part[i]) > best:
                    best, at = int(part[i]), max(int(a), self.lo) + i
        return best, at

    def integral(self, windows) -> tuple[int, int]:
        """(session-seconds inside the windows, total window seconds)."""
        total = length = 0
        for a, b in _windows(windows):
            length += int(b - a)
            total += int(self._slice(int(a), int(b)).sum(dtype=np.int64))
        return total, length

    def mean(self, windows) -> float:
        total, length = self.integral(windows)
        return total / length if length else 0.0

    def percentile(self, q: float, windows) -> int:
        """Smallest v with N(t) <= v during at least q % of the window time (time-weighted)."""
        w = _windows(windows)
        length = int((w[:, 1] - w[:, 0]).sum())
        if not length:
            return 0
        hist = np.zeros(1, dtype=np.int64)
        inside = 0
        for a, b in w:
            part = self._slice(int(a), int(b))
            inside += part.size
            h = np.bincount(part)
            if h.size > hist.size:
                h[: hist.size] += hist
                hist = h
            else:
                hist[: h.size] += h
        hist[0] += length - inside  # window time outside [lo, hi): no session open
        need = q / 100 * length
        return int(np.searchsorted(np.cumsum(hist), need - 1e-9, side="left"))

    def per_minute(self, how: str = "max") -> tuple[np.ndarray, np.ndarray]:
        """(minute starts, values) for every whole minute in [lo, hi).

        how: ``max`` (most sessions open at any instant of the minute), ``mean`` (time-weighted
        mean over the minute) or ``start`` (open at the first second of the minute).
        """
        first = -(-self.lo // 60) * 60
        last = (self.hi // 60) * 60
        if last <= first:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        block = self.counts[first - self.lo : last - self.lo].reshape(-1, 60)
        if how == "max":
            values = block.max(axis=1)
        elif how == "mean":
            values = block.mean(axis=1)
        elif how == "start":
            values = block[:, 0].copy()
        else:
            raise ValueError("how must be 'max', 'mean' or 'start'")
        return np.arange(first, last, 60, dtype=np.int64), values

    def busy_hour_traffic(self, windows=None) -> tuple[float, int | None]:
        """Highest mean N over a clock hour (UTC-aligned, i.e. local full hours for whole-hour
        offsets), in erlangs, and that hour's start. Only whole hours inside [lo, hi) (and
        inside one of ``windows`` if given) count."""
        first = -(-self.lo // 3600) * 3600
        last = (self.hi // 3600) * 3600
        if last <= first:
            return 0.0, None
        sums = (
            self.counts[first - self.lo : last - self.lo]
            .reshape(-1, 3600)
            .sum(axis=1, dtype=np.int64)
        )
        hours = np.arange(first, last, 3600, dtype=np.int64)
        if windows is not None:
            w = _windows(windows)
            ok = np.zeros(hours.size, dtype=bool)
            for a, b in w:
                ok |= (hours >= a) & (hours + 3600 <= b)
            sums, hours = sums[ok], hours[ok]
            if not sums.size:
                return 0.0, None
        i = int(np.argmax(sums))
        return float(sums[i]) / 3600, int(hours[i])


def _utc(epoch: int | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)


def peak(starts, ends) -> tuple[int, datetime | None]:
    """Exact maximum of simultaneously open sessions and the first instant it is reached."""
    s, e = as_seconds(starts).ravel(), as_seconds(ends).ravel()
    if not s.size:
        return 0, None
    span = int(e.max()) - int(s.min())
    if span > _MAX_DENSE_SPAN + 4 * s.size:
        best, at = peak_by_sort(s, e)
        return best, _utc(at)
    best, at = Occupancy.build(s, e).peak()
    return best, _utc(at)


def peak_by_sort(starts, ends) -> tuple[int, int | None]:
    """Sort-and-sweep peak: N is highest at some start; N(s) = #starts <= s - #ends <= s."""
    s, e = np.sort(as_seconds(starts).ravel()), np.sort(as_seconds(ends).ravel())
    if not s.size:
        return 0, None
    open_at = np.searchsorted(s, s, side="right") - np.searchsorted(e, s, side="right")
    i = int(np.argmax(open_at))
    return int(open_at[i]), int(s[i])


def _occupancy_for(starts, ends, windows) -> tuple[Occupancy, np.ndarray]:
    w = _windows(windows)
    if not w.size:
        return Occupancy(0, 0, np.zeros(0, dtype=np.int32)), w
    return Occupancy.build(starts, ends, int(w[:, 0].min()), int(w[:, 1].max())), w


def time_weighted_mean(starts, ends, windows) -> float:
    """Mean number of open sessions over the (non-overlapping) windows, weighted by time:
    the integral of N over the windows divided by their total length."""
    occ, w = _occupancy_for(starts, ends, windows)
    return occ.mean(w) if w.size else 0.0


def percentile(starts, ends, windows, q: float = 95) -> int:
    """Time-weighted q-th percentile of N over the windows (see ``Occupancy.percentile``)."""
    occ, w = _occupancy_for(starts, ends, windows)
    return occ.percentile(q, w) if w.size else 0


def per_minute_series(starts, ends, lo, hi, how: str = "max") -> tuple[np.ndarray, np.ndarray]:
    """Per-minute series on [lo, hi) (Unix seconds); see ``Occupancy.per_minute``."""
    return Occupancy.build(starts, ends, int(lo), int(hi)).per_minute(how)


def workhour_windows(
    first: date,
    last: date,
    *,
    tz: str | ZoneInfo = DEFAULT_TZ,
    start: time = time(7),
    end: time = time(18),
    weekdays: Iterable[int] = (0, 1, 2, 3, 4),
    exclude: Iterable[date] = (),
) -> np.ndarray:
    """[start, end) local time on the given weekdays (Monday = 0) from ``first`` to ``last``
    inclusive, as an (n, 2) int64 array of Unix seconds. Each day is localised on its own, so
    the windows stay 07:00-18:00 local across the summer-time change."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    days, skip = set(weekdays), set(exclude)
    rows = []
    d = first
    while d <= last:
        if d.weekday() in days and d not in skip:
            a = datetime.combine(d, start, zone)
            b = datetime.combine(d, end, zone)
            rows.append((int(a.timestamp()), int(b.timestamp())))
        d += timedelta(days=1)
    return np.array(rows, dtype=np.int64).reshape(-1, 2)


# --- Erlang B -----------------------------------------------------------------------------------


def blocking_probability(traffic_erlangs: float, servers: int) -> float:
    """Erlang B: probability that a new session finds all ``servers`` busy.

    Recursion B(E, 0) = 1, B(E, n) = E·B(E, n-1) / (n + E·B(E, n-1)); numerically stable for
    any size (no factorials, every step stays in [0, 1]).
    """
    if servers < 0 or traffic_erlangs < 0 or math.isnan(traffic_erlangs):
        raise ValueError("traffic and servers must not be negative")
    b = 1.0
    for n in range(1, int(servers) + 1):
        eb = traffic_erlangs * b
        b = eb / (n + eb)
    return b


def servers_for_blocking(traffic: float, target: float = 0.01) -> int:
    """Smallest number of servers (licences) with Erlang B blocking <= ``target``."""
    if not 0 < target <= 1:
        raise ValueError("target must be in (0, 1]")
    if traffic < 0 or math.isnan(traffic):
        raise ValueError("traffic must not be negative")
    if traffic == 0:
        return 0
    b, n = 1.0, 0
    while b > target:
        n += 1
        eb = traffic * b
        b = eb / (n + eb)
    return n
