"""Daily aggregates, always recomputed from the stored sessions (never added up), so that
importing a file again, or a later file that closes an open session, gives the same result.

``rebuild(gateway_ids, first, last)`` rewrites ``UsageDay`` of those gateways, and
``TotalUsageDay`` and ``UnitUsageDay`` (all gateways) for the local days ``first``..``last``.
A session still open counts until its gateway's ``log_until``. The pages read these rows
only (docs/vpn-usage.md, "What reads what").
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from collections.abc import Iterable
from zoneinfo import ZoneInfo

import numpy as np
import psycopg
from django.conf import settings
from django.db import connection, transaction

from rathausmobil.usage.concurrency import Occupancy
from rathausmobil.usage.models import (
    GatewayLogState,
    TotalUsageDay,
    UnitUsageDay,
    UsageDay,
    pack_counts,
    pack_hours,
    unpack_counts,
)

CHUNK_DAYS = 14


def zone() -> ZoneInfo:
    return ZoneInfo(settings.USAGE_TZ)


def day_bounds(day: dt.date, tz: ZoneInfo | None = None) -> tuple[int, int]:
    """Unix seconds of local midnight of ``day`` and of the next day."""
    tz = tz or zone()
    lo = dt.datetime.combine(day, dt.time(0), tz)
    hi = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tz)
    return int(lo.timestamp()), int(hi.timestamp())


def local_day(ts: int, tz: ZoneInfo | None = None) -> dt.date:
    return dt.datetime.fromtimestamp(ts, tz or zone()).date()


def hour_bounds(day: dt.date, tz: ZoneInfo) -> list[tuple[int, int, int]]:
    """(local clock hour, lo, hi) for each real hour of the day: 23, 24 or 25 of them."""
    lo, hi = day_bounds(day, tz)
    out = []
    t = lo
    while t < hi:
        out.append((dt.datetime.fromtimestamp(t, tz).hour, t, min(t + 3600, hi)))
        t += 3600
    return out


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def _chunks(days: list[dt.date]) -> Iterable[list[dt.date]]:
    """Runs of consecutive days, at most CHUNK_DAYS long."""
    run: list[dt.date] = []
    for d in days:
        if run and (len(run) == CHUNK_DAYS or (d - run[-1]).days != 1):
            yield run
            run = []
        run.append(d)
    if run:
        yield run


# (started, end, account, employee or -1, unit or -1) of one gateway's sessions overlapping
# [lo, hi). No closed session is longer than the gateway's max_duration, so they lie in a
# range of the identity index; an open one counts until log_until however long ago it began,
# so the open ones before that range come from the partial index of open sessions. (One query
# with an OR of both would scan the gateway's whole history on SQLite.)
_SESSIONS_SQL = (
    "SELECT started AS c0, COALESCE(ended, %s) AS c1, account_id AS c2,"
    " COALESCE(employee_id, -1) AS c3, COALESCE(unit_id, -1) AS c4 FROM usage_vpnsession"
    " WHERE gateway_id = %s AND started < %s AND started >= %s AND COALESCE(ended, %s) > %s"
    " UNION ALL SELECT started, %s, account_id, COALESCE(employee_id, -1),"
    " COALESCE(unit_id, -1) FROM {open_sessions}"
    " WHERE gateway_id = %s AND ended IS NULL AND started < %s AND %s > %s"
)


def open_sessions_table() -> str:
    """The session table for a query of open sessions: SQLite's planner, without statistics,
    would rather walk the gateway's whole history in the identity index than take the small
    partial index of open sessions, so it is told to."""
    if connection.vendor == "sqlite":
        return "usage_vpnsession INDEXED BY usage_session_open"
    return "usage_vpnsession"


def _fetch(gateway_ids: list[int] | None, lo: int, hi: int) -> np.ndarray:
    """(started, end, account_id, employee_id or -1, unit_id or -1) of the sessions of these
    gateways that overlap [lo, hi); open sessions end at their gateway's ``log_until``."""
    states = GatewayLogState.objects.all()
    if gateway_ids is not None:
        states = states.filter(gateway_id__in=gateway_ids)
    parts = []
    with connection.cursor() as cur:
        for state in states:
            if state.log_until is None:
                continue
            cap, gw = state.log_until, state.gateway_id
            since = lo - state.max_duration - 1
            params = [cap, gw, hi, since, cap, lo, cap, gw, since, cap, lo]
            sql = _SESSIONS_SQL.format(open_sessions=open_sessions_table())
            if connection.vendor == "postgresql":
                part = _packed_bigints(cur.cursor, sql, params, 5)
            else:
                cur.execute(sql, params)
                part = np.array(cur.fetchall(), dtype=np.int64).reshape(-1, 5)
            if part.size:
                parts.append(part)
    return np.concatenate(parts) if parts else np.zeros((0, 5), dtype=np.int64)


def _packed_bigints(cursor, sql: str, params: list[int], width: int) -> np.ndarray:
    """The rows of ``sql`` (integer columns ``c0``, ``c1``, ..., never null) on PostgreSQL as
    an (n, width) int64 array.

    The server packs all rows into one ``bytea`` of big-endian 8-byte integers, which NumPy
    reads in one go: a year's daily figures read millions of sessions, and a Python tuple per
    row (or a COPY message per row) would cost more than the figures themselves.
    """
    packed = " || ".join(f"int8send(c{i}::bigint)" for i in range(width))
    # Django's cursors bind on the client, which cannot return binary results.
    with psycopg.Cursor(cursor.connection) as binary:
        binary.execute(
            f"SELECT string_agg({packed}, ''::bytea) FROM ({sql}) AS packed",  # noqa: S608
            [int(p) for p in params],
            binary=True,
        )
        data = binary.fetchone()[0]
    if data is None:
        return np.zeros((0, width), dtype=np.int64)
    return np.frombuffer(data, dtype=">i8").astype(np.int64).reshape(-1, width)


def _bitmap(ids: np.ndarray) -> bytes:
    if not ids.size:
        return zlib.compress(b"")
    bits = np.zeros(int(ids.max()) + 1, dtype=bool)
    bits[ids] = True
    return zlib.compress(np.packbits(bits, bitorder="little").tobytes(), 6)


def bitmap_ids(blob: bytes | None) -> np.ndarray:
    if not blob:
        return np.zeros(0, dtype=np.int64)
    raw = np.frombuffer(zlib.decompress(bytes(blob)), dtype=np.uint8)
    return np.flatnonzero(np.unpackbits(raw, bitorder="little")).astype(np.int64)


def union_bits(blobs: Iterable[bytes]) -> np.ndarray:
    """The union of zlib bitmaps (``_bitmap``) as packed bytes."""
    out = np.zeros(0, dtype=np.uint8)
    for blob in blobs:
        raw = np.frombuffer(zlib.decompress(bytes(blob)), dtype=np.uint8)
        if raw.size > out.size:
            raw, out = out, raw.copy()
        out[: raw.size] |= raw
    return out


def count_bits(packed: np.ndarray) -> int:
    return int(np.unpackbits(packed).sum(dtype=np.int64)) if packed.size else 0


def person_keys(accounts: np.ndarray, employees: np.ndarray) -> np.ndarray:
    """Who a session belongs to, as one number: 2 · employee id for a person (however many
    names they use), 2 · account id + 1 for a name that maps to nobody (``employees`` -1)."""
    return np.where(employees >= 0, 2 * employees, 2 * accounts + 1)


# Any number; the key of the PostgreSQL advisory lock that serialises writers of figures.
_FIGURES_LOCK = 0x56504E46  # "VPNF"


def lock_figures() -> None:
    """Wait until no other transaction writes daily figures, and hold that until this one
    ends. Imports of two gateways would otherwise both rewrite the units' daily figures (for
    all gateways) and one would fail at its commit. Take it first in a transaction, before
    other rows are locked. SQLite serialises writers anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_FIGURES_LOCK])


@transaction.atomic
def rebuild(gateway_ids: list[int], first: dt.date, last: dt.date, *, units=None) -> None:
    """``units``: ``unit_tree()``, when the caller recomputes many days in a row."""
    if last < first:
        return
    lock_figures()
    tz = zone()
    # Days whose raw sessions the retention job has deleted are final: rebuilding them from
    # what is left would lose figures.
    final = set(
        UsageDay.objects.filter(day__gte=first, day__lte=last, persons__isnull=True)
        .values_list("day", flat=True)
        .distinct()
    )
    days = [d for d in _days(first, last) if d not in final]
    if not days:
        return
    for gateway_id in gateway_ids:
        for chunk in _chunks(days):
            _rebuild_gateway_days(gateway_id, chunk, tz)
    for chunk in _chunks(days):
        _rebuild_total_days(chunk)
        _rebuild_unit_days(chunk, tz, units)


def day_shape(counts: np.ndarray, lo: int) -> dict:
    """The fields of ``DayFigures`` that follow from a day's N per second from ``lo``."""
    i = int(np.argmax(counts))
    hours = -(-counts.size // 3600)
    edges = np.arange(0, hours * 3600, 3600)
    return {
        "lo": lo,
        "seconds": int(counts.size),
        "peak": int(counts[i]),
        "peak_at": lo + i if counts[i] else None,
        "hour_sums": np.add.reduceat(counts, edges, dtype=np.int64).tolist(),
        "hour_peaks": np.maximum.reduceat(counts, edges).tolist(),
        "hour_counts": pack_hours(counts),
    }


def _rebuild_gateway_days(gateway_id, days, tz) -> None:
    bounds = [day_bounds(d, tz) for d in days]
    lo, hi = bounds[0][0], bounds[-1][1]
    rows = _fetch([gateway_id], lo, hi)
    starts, ends, accounts, employees = rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3]
    occ = Occupancy.build(starts, ends, lo, hi)
    new = []
    for day, (dlo, dhi) in zip(days, bounds, strict=True):
        counts = occ.counts[dlo - lo : dhi - lo]
        touching = (starts < dhi) & (ends > dlo)
        if not touching.any():
            continue
        # People: a mapped session counts by its person (stored with it at import and kept
        # in step by ``remap_accounts``), an unmapped one by its name.
        who = np.unique(person_keys(accounts[touching], employees[touching]))
        new.append(
            UsageDay(
                gateway_id=gateway_id,
                day=day,
                counts=pack_counts(counts),
                sessions=int(np.count_nonzero((starts >= dlo) & (starts < dhi))),
                persons=_bitmap(who),
                users=int(who.size),
                **day_shape(counts, dlo),
            )
        )
    UsageDay.objects.filter(gateway_id=gateway_id, day__in=days).delete()
    UsageDay.objects.bulk_create(new, batch_size=500)


def _rebuild_total_days(days) -> None:
    """All gateways together: their N per second added up, from the gateways' day rows."""
    by_day: dict[dt.date, list] = {}
    for row in UsageDay.objects.filter(day__in=days).values_list(
        "day", "lo", "counts", "sessions", "persons"
    ):
        by_day.setdefault(row[0], []).append(row[1:])
    new = []
    for day, rows in sorted(by_day.items()):
        lo = rows[0][0]
        counts = unpack_counts(bytes(rows[0][1]))
        for _lo, blob, _s, _p in rows[1:]:
            counts = counts + unpack_counts(bytes(blob))
        persons = [p for *_rest, p in rows]
        new.append(
            TotalUsageDay(
                day=day,
                sessions=sum(s for _lo, _b, s, _p in rows),
                persons=None
                if any(p is None for p in persons)
                else zlib.compress(union_bits(persons).tobytes(), 6),
                **day_shape(counts, lo),
            )
        )
    TotalUsageDay.objects.filter(day__in=days).delete()
    TotalUsageDay.objects.bulk_create(new, batch_size=500)


def unit_tree() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(unit ids, CSR pointer, ancestor indices incl. itself) for every unit."""
    from rathausmobil.organisation.models import OrgUnit

    units = list(OrgUnit.objects.values_list("pk", "path"))
    ids = np.array([pk for pk, _ in units], dtype=np.int64)
    index = {pk: i for i, pk in enumerate(ids.tolist())}
    ptr, anc = [0], []
    for pk, path in units:
        chain = [index[int(p)] for p in path.strip("/").split("/") if p and int(p) in index]
        if index[pk] not in chain:
            chain.append(index[pk])
        anc.extend(chain)
        ptr.append(len(anc))
    return ids, np.array(ptr, dtype=np.int64), np.array(anc, dtype=np.int64)


def _rebuild_unit_days(days, tz, units=None) -> None:
    bounds = [day_bounds(d, tz) for d in days]
    lo, hi = bounds[0][0], bounds[-1][1]
    rows = _fetch(None, lo, hi)
    rows = rows[rows[:, 4] >= 0]
    UnitUsageDay.objects.filter(day__in=days).delete()
    if not rows.size:
        return
    ids, ptr, anc = units if units is not None else unit_tree()
    index = np.full(int(max(ids.max(), rows[:, 4].max())) + 1, -1, dtype=np.int64)
    index[ids] = np.arange(ids.size)
    uidx = index[rows[:, 4]]
    rows, uidx = rows[uidx >= 0], uidx[uidx >= 0]
    # Every session counts for its unit and each unit above it.
    n_anc = ptr[uidx + 1] - ptr[uidx]
    rep = np.repeat(np.arange(uidx.size), n_anc)
    offs = np.arange(rep.size) - np.repeat(np.cumsum(n_anc) - n_anc, n_anc)
    U = anc[ptr[uidx][rep] + offs]
    S, E, EMP = rows[rep, 0], rows[rep, 1], rows[rep, 3]
    # Sorted by start, a day's sessions are one slice: those starting before its end and no
    # earlier than the longest session before its start.
    order = np.argsort(S, kind="stable")
    U, S, E, EMP = U[order], S[order], E[order], EMP[order]
    longest = int((E - S).max())
    n_units = ids.size
    new = []
    for day, (dlo, dhi) in zip(days, bounds, strict=True):
        a, b = np.searchsorted(S, [dlo - longest, dhi])
        cs, ce = np.maximum(S[a:b], dlo), np.minimum(E[a:b], dhi)
        m = cs < ce
        if not m.any():
            continue
        u, cs, ce, emp, s0 = U[a:b][m], cs[m], ce[m], EMP[a:b][m], S[a:b][m]
        hours, real = _hour_seconds(u, cs, ce, n_units, dlo, hour_bounds(day, tz))
        busiest = np.argmax(real, axis=1)
        busy = np.rint(real[np.arange(n_units), busiest]).astype(np.int64)
        started = np.bincount(u[s0 >= dlo], minlength=n_units)
        pairs = np.unique(u * (1 << 32) + emp)
        users = np.bincount(pairs >> 32, minlength=n_units)
        peak, peak_at = _peaks(u, cs, ce, n_units)
        for i in np.flatnonzero(users).tolist():
            new.append(
                (
                    int(ids[i]),
                    day,
                    int(started[i]),
                    int(users[i]),
                    int(peak[i]),
                    json.dumps(hours[i].tolist()),
                    int(peak_at[i]),
                    int(busy[i]),
                    dlo + 3600 * int(busiest[i]),
                )
            )
    _insert_unit_days(new)


def _hour_seconds(u, cs, ce, n_units: int, dlo: int, hours: list[tuple[int, int, int]]):
    """Seconds of sessions [cs, ce) (clipped to the day) per unit and local clock hour, and
    per unit and real hour of the day (float, whole numbers).

    Real hour k of the day is [dlo + 3600 k, ...): a session adds its partial seconds to the
    hour it starts in and the hour it ends in, and 3600 to every hour in between (a
    difference array over the hours, summed up). On the autumn day two real hours share one
    clock hour; in spring one clock hour has none."""
    n = len(hours)
    first = (cs - dlo) // 3600
    last = (ce - 1 - dlo) // 3600
    head = np.minimum(ce, dlo + 3600 * (first + 1)) - cs
    tail = np.where(last > first, ce - (dlo + 3600 * last), 0)
    width = n + 1
    per = np.bincount(u * width + first, weights=head, minlength=n_units * width)
    per += np.bincount(u * width + last, weights=tail, minlength=n_units * width)
    inner = last > first + 1
    step = np.zeros(n_units * width)
    step += np.bincount(u[inner] * width + first[inner] + 1, minlength=n_units * width) * 3600.0
    step -= np.bincount(u[inner] * width + last[inner], minlength=n_units * width) * 3600.0
    real = (per.reshape(n_units, width) + np.cumsum(step.reshape(n_units, width), axis=1))[:, :n]
    out = np.zeros((n_units, 24), dtype=np.int64)
    for k, (clock_hour, _lo, _hi) in enumerate(hours):
        out[:, clock_hour] += np.rint(real[:, k]).astype(np.int64)
    return out, real


_UNIT_DAY_COLUMNS = (
    "unit_id, day, sessions, users, peak, hour_seconds, peak_at, busy_seconds, busy_at"
)


def _insert_unit_days(rows: list[tuple]) -> None:
    """COPY on PostgreSQL, executemany on SQLite: the ORM's bulk_create costs more than the
    figures for 1,000+ units a day."""
    if not rows:
        return
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            text = "".join(
                f"{unit}\t{day.isoformat()}\t{sessions}\t{users}\t{peak}\t{hours}"
                f"\t{peak_at}\t{busy}\t{busy_at}\n"
                for unit, day, sessions, users, peak, hours, peak_at, busy, busy_at in rows
            )
            with cur.cursor.copy(
                f"COPY usage_unitusageday ({_UNIT_DAY_COLUMNS}) FROM STDIN"
            ) as copy:
                copy.write(text)
            return
        sql = (
            f"INSERT INTO usage_unitusageday ({_UNIT_DAY_COLUMNS})"  # noqa: S608
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
        )
        for i in range(0, len(rows), 5000):
            cur.executemany(sql, rows[i : i + 5000])


def _peaks(u: np.ndarray, s: np.ndarray, e: np.ndarray, n_units: int):
    """Highest number of sessions open at one instant, per unit ([s, e) half-open: at an
    instant where one ends and another starts, the ending one is already closed), and the
    first instant it is reached (0 for a unit without sessions)."""
    if not u.size:
        return np.zeros(n_units, dtype=np.int64), np.zeros(n_units, dtype=np.int64)
    # One sort of packed keys (unit, time, start bit): by unit, then time, then an end (bit 0)
    # before a start (bit 1) at the same instant.
    t0 = int(min(s.min(), e.min()))
    if int(max(s.max(), e.max())) - t0 >= 1 << 38 or n_units >= 1 << 23:
        raise ValueError("_peaks: times or units out of range for packed keys")
    keys = np.concatenate([((s - t0) << 1) | 1, (e - t0) << 1])
    keys |= np.concatenate([u, u]).astype(np.int64) << 40
    keys.sort()
    uu = keys >> 40
    d = (keys & 1) * 2 - 1
    running = np.cumsum(d)
    first = np.flatnonzero(np.r_[True, uu[1:] != uu[:-1]])
    base = np.r_[0, running[first[1:] - 1]]
    running -= np.repeat(base, np.diff(np.r_[first, uu.size]))
    out = np.zeros(n_units, dtype=np.int64)
    out[uu[first]] = np.maximum.reduceat(running, first)
    # Keys are sorted by unit and time, so the first key at its unit's peak is the earliest.
    at_peak = np.flatnonzero(running == out[uu])
    units, where = np.unique(uu[at_peak], return_index=True)
    at = np.zeros(n_units, dtype=np.int64)
    at[units] = ((keys[at_peak[where]] >> 1) & ((1 << 39) - 1)) + t0
    return out, at
