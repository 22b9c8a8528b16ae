"""Import a gateway's log files into stored sessions (``import_vpn_log``).

Per file, in one transaction: the sessions still open on the gateway are handed to the
assembler (under a hash of their key); the file is parsed and assembled (for a large file in a
forked second process, ``_assemble_in_child``); closed sessions are written in batches and the
ones still open at the end as open; the daily figures of each day are recomputed as soon as
every session touching it is stored, the rest at the end (``_DailyFigures``); a
``VpnLogImport`` row records what happened. Memory holds about one batch and the open
sessions, never the file.

Writing: a session that starts after everything stored for the gateway is new and copied
straight in; the others are upserted on the session's identity: a session already stored is
left alone, except that an open one gets its end (an end is never replaced by "open"). So
importing the same file twice adds nothing. See docs/adr/0003-vpn-import-in-two-processes.md.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import time
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import psycopg
from django.conf import settings
from django.db import IntegrityError, connection, transaction

from rathausmobil.access.models import VpnGateway
from rathausmobil.core.audit import audit_event
from rathausmobil.core.bulk import analyze_if_large
from rathausmobil.usage import aggregates
from rathausmobil.usage.accounts import AccountCache
from rathausmobil.usage.models import (
    GatewayLogState,
    TotalUsageDay,
    UnitUsageDay,
    UsageDay,
    VpnAccount,
    VpnLogImport,
    VpnSession,
)
from rathausmobil.usage.parsers import DEFAULT_TZ, PARSERS, ParseStats, Problem, parse
from rathausmobil.usage.sessions import Session, SessionAssembler, identity_of, key_hash

BATCH = 20_000
PROBLEMS_KEPT = 200

COLUMNS = (
    "identity",
    "gateway_id",
    "account_id",
    "employee_id",
    "unit_id",
    "started",
    "ended",
    "last_seen",
    "start_derived",
    "open_key",
    "client_ip",
)


class ImportError_(Exception):
    """A reason not to start (unknown format, unknown gateway): German message."""


@dataclass
class FileResult:
    name: str
    lines: int = 0
    other: int = 0
    problem_count: int = 0
    problems: list[Problem] = field(default_factory=list)
    new: int = 0
    closed: int = 0
    known: int = 0
    open: int = 0
    seconds: float = 0.0
    rebuild_seconds: float = 0.0  # of which: daily figures recomputed
    first: dt.datetime | None = None
    last: dt.datetime | None = None

    @property
    def sessions(self) -> int:
        return self.new + self.closed + self.known


def gateway_for(name: str | None, fmt: str) -> VpnGateway:
    """The named gateway, or the only/default one. Never creates one silently."""
    if name:
        gw = VpnGateway.objects.filter(name=name).first()
        if gw is None:
            known = ", ".join(VpnGateway.objects.values_list("name", flat=True)) or "keins"
            raise ImportError_(f"VPN-Gateway „{name}“ ist nicht angelegt (angelegt: {known}).")
        return gw
    gateways = list(VpnGateway.objects.all()[:2])
    if len(gateways) == 1:
        return gateways[0]
    default = VpnGateway.objects.filter(is_default=True).first()
    if default is None:
        raise ImportError_(
            "Bitte mit --gateway angeben, zu welchem VPN-Gateway das Protokoll gehört."
        )
    return default


def check_format(fmt: str) -> None:
    if fmt not in PARSERS:
        raise ImportError_(f"Unbekanntes Format „{fmt}“. Bekannt: {', '.join(PARSERS)}.")


def import_lines(
    lines: Iterable[str],
    *,
    name: str,
    fmt: str,
    gateway: VpnGateway,
    tz: str = DEFAULT_TZ,
    year: int | None = None,
    user=None,
    source: str = "import_vpn_log",
    accounts: AccountCache | None = None,
    parallel: bool = False,
) -> FileResult:
    """Import one file's lines (see module docstring). Pass one ``AccountCache`` for several
    files of a run; after a failed file, start a new one (its ids may be rolled back).

    ``parallel``: read and assemble in a second process while this one writes (for large
    files on a machine with more than one core; ``lines`` must not be read here afterwards).
    """
    check_format(fmt)
    began = time.perf_counter()
    result = FileResult(name)
    gw_key = f"gw{gateway.pk}"
    with transaction.atomic():
        aggregates.lock_figures()  # one import at a time (see there)
        state, _ = GatewayLogState.objects.get_or_create(gateway=gateway)
        state = GatewayLogState.objects.select_for_update().get(pk=state.pk)
        accounts = accounts or AccountCache()
        job = _Assembly(
            lines=lines,
            fmt=fmt,
            tz=tz,
            year=year,
            gw_key=gw_key,
            carried=_carried_sessions(gateway, gw_key),
            store_ip=settings.USAGE_STORE_CLIENT_IP,
        )
        # A session starting after everything stored so far cannot be stored yet.
        writer = _Writer(gateway, accounts, fresh_after=state.log_until)
        figures = _DailyFigures(state)
        summary = None
        for item in _assemble_in_child(job) if parallel else job.run():
            if isinstance(item, _Summary):
                summary = item
            else:
                writer.add(item.rows)
                figures.after(item)
        assert summary is not None
        accounts.seen_many(summary.seen)
        result.lines, result.other = summary.lines, summary.other
        result.problem_count = summary.problem_count
        result.problems = summary.problems
        result.new, result.closed, result.known = writer.new, writer.closed, writer.known
        result.open = summary.open
        result.first, result.last = summary.first, summary.last
        if figures.lo is not None or summary.last is not None:
            _advance_state(state, summary, figures)
            lo = min(x for x in (figures.lo, _ts(summary.first)) if x is not None)
            hi = max(x for x in (figures.hi, _ts(summary.last)) if x is not None)
            figures.finish(aggregates.local_day(lo), aggregates.local_day(hi))
        result.rebuild_seconds = figures.seconds
        accounts.save_seen()
        result.seconds = time.perf_counter() - began
        log = VpnLogImport.objects.create(
            gateway=gateway,
            file_name=name[:300],
            fmt=fmt,
            seconds=result.seconds,
            lines=result.lines,
            other_lines=result.other,
            problems=result.problem_count,
            sessions_new=result.new,
            sessions_closed=result.closed,
            sessions_known=result.known,
            sessions_open=result.open,
            problem_lines=[[p.line, p.message, p.text] for p in result.problems[:50]],
        )
        audit_event(
            actor=user,
            action="usage.log_imported",
            obj=log,
            changes={"file": name, "format": fmt, "lines": result.lines, "new": result.new},
            source=source,
        )
        # Figures read sessions by unit and day right after an import; with statistics
        # of the table before it PostgreSQL chose a nested loop (18 s instead of 1 s).
        analyze_if_large(
            VpnSession,
            VpnAccount,
            UsageDay,
            TotalUsageDay,
            UnitUsageDay,
            rows=result.new + result.closed,
        )
    return result


def _ts(t: dt.datetime | None) -> int | None:
    return None if t is None else int(t.timestamp())


def _advance_state(state: GatewayLogState, summary: _Summary, rows: _DailyFigures) -> None:
    candidates_lo = [x for x in (state.log_from, _ts(summary.first), rows.lo) if x is not None]
    candidates_hi = [x for x in (state.log_until, _ts(summary.last), rows.hi) if x is not None]
    state.log_from = min(candidates_lo)
    state.log_until = max(candidates_hi)
    state.max_duration = max(state.max_duration, rows.max_duration)
    state.save()


def _carried_sessions(gateway: VpnGateway, gw_key: str) -> list[Session]:
    out = []
    rows = (
        VpnSession.objects.filter(gateway=gateway, ended__isnull=True)
        .select_related("account")
        .order_by("started")
    )
    for row in rows:
        out.append(
            Session(
                gw_key,
                row.open_key or key_hash(gw_key, str(row.pk)),
                row.account.name,
                row.start_at,
                last_seen=(
                    None
                    if row.last_seen is None
                    else dt.datetime.fromtimestamp(row.last_seen, dt.UTC)
                ),
                stored_identity=row.identity.hex,
            )
        )
    return out


# --- reading and assembling: here or in a second process ---------------------------------------

# A session as it travels from the assembler to the writer: plain values only, so that a
# batch pickles quickly between processes.
# (identity, logged user, started, ended or None, last_seen or None, start_derived,
#  open_key or None, client_ip or None)
Row = tuple[str, str, int, int | None, int | None, bool, str | None, str | None]


@dataclass
class _Batch:
    rows: list[Row]
    # Every session of the file that starts before this instant is in this batch or an
    # earlier one (the earliest start still open, or the latest time read), except sessions
    # whose start is derived later from an end; None for the last batch.
    complete_before: int | None


@dataclass
class _Summary:
    """What the assembler found besides the sessions; sent last."""

    lines: int
    other: int
    problem_count: int
    problems: list[Problem]
    open: int
    first: dt.datetime | None
    last: dt.datetime | None
    seen: dict[str, tuple[int, int]]  # logged user -> (first start, last sign of life)


@dataclass
class _Assembly:
    lines: Iterable[str]
    fmt: str
    tz: str
    year: int | None
    gw_key: str
    carried: list[Session]
    store_ip: bool

    def run(self) -> Iterator[_Batch | _Summary]:
        """Batches of rows (closed sessions as they close, then the ones still open), then
        the ``_Summary``."""
        stats = ParseStats()
        assembler = SessionAssembler(gateway=self.gw_key, open_sessions=self.carried)
        events = parse(self.lines, self.fmt, tz=self.tz, year=self.year, stats=stats)
        rows: list[Row] = []
        seen: dict[str, list[int]] = {}
        gw_key, store_ip = self.gw_key, self.store_ip
        still_open = 0
        for s in _closed_then_open(assembler, events):
            if not assembler.in_range(s):
                continue
            if s.end is None:
                still_open += 1
            start = int(s.start.timestamp())
            end = None if s.end is None else int(s.end.timestamp())
            last_seen = None if s.last_seen is None else int(s.last_seen.timestamp())
            latest = end if end is not None else (last_seen or start)
            span = seen.get(s.user)
            if span is None:
                seen[s.user] = [start, latest]
            else:
                if start < span[0]:
                    span[0] = start
                if latest > span[1]:
                    span[1] = latest
            open_key = None
            if end is None:
                open_key = s.key if s.key.startswith("#") else key_hash(gw_key, s.key)
            rows.append(
                (
                    (s.stored_identity or identity_of(gw_key, s.key, s.start, start))[:32],
                    s.user,
                    start,
                    end,
                    last_seen,
                    s.start_derived,
                    open_key,
                    s.client_ip if store_ip else None,
                )
            )
            if len(rows) >= BATCH and s.end is not None:
                yield _Batch(rows, _ts(assembler.complete_before()))
                rows = []
        if rows:
            yield _Batch(rows, None)
        yield _Summary(
            lines=stats.lines,
            other=stats.other,
            problem_count=assembler.stats.problems,
            problems=assembler.problems[:PROBLEMS_KEPT],
            open=still_open,
            first=assembler.first_time,
            last=assembler.last_time,
            seen={user: (a, b) for user, (a, b) in seen.items()},
        )


def _closed_then_open(assembler: SessionAssembler, events) -> Iterator[Session]:
    yield from assembler.feed(events)
    yield from assembler.open_sessions()


class _ChildFailed:
    def __init__(self, text: str):
        self.text = text


def _assemble_in_child(job: _Assembly) -> Iterator[_Batch | _Summary]:
    """``job.run()`` in a forked process that reads and assembles while this process writes.

    The child only parses and assembles: it never touches the database (it ends with
    ``os._exit``, so the inherited connection is left alone). A pipe holds at most about one
    batch, so the child stays one batch ahead and memory stays bounded.
    """
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child_main, args=(job, sender), daemon=True)
    child.start()
    sender.close()
    try:
        while True:
            try:
                item = receiver.recv()
            except EOFError:
                raise ImportError_(
                    "Der Hilfsprozess zum Lesen der Datei brach ab; nichts gespeichert."
                ) from None
            if isinstance(item, _ChildFailed):
                raise RuntimeError("reading the file failed in the child process:\n" + item.text)
            yield item
            if isinstance(item, _Summary):
                return
    finally:
        receiver.close()
        child.join(5)
        if child.is_alive():
            child.kill()
            child.join()


def _child_main(job: _Assembly, sender) -> None:
    try:
        for item in job.run():
            sender.send(item)
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
        sender.send(_ChildFailed(traceback.format_exc()))
    finally:
        sender.close()


class _DailyFigures:
    """Recomputes the daily figures of the days a file touched: while the file is read, each
    day as soon as every session touching it is stored (so that this work overlaps with the
    reading of a large file), the remaining days at the end.

    A row that starts before a day already recomputed (a start derived from a late end) marks
    the figures from its day on as stale; they are recomputed at the end. It sees every row,
    so it also keeps the rows' span for the gateway's state."""

    def __init__(self, state: GatewayLogState):
        self.state = state
        self.first_done: dt.date | None = None  # days recomputed early: first_done..last_done
        self.last_done: dt.date | None = None
        self.done_until: int | None = None  # Unix time of the end of last_done
        self.stale_from: int | None = None
        # Of all rows so far: earliest start, latest end (or last sign of life), longest span.
        self.lo: int | None = None
        self.hi: int | None = None
        self.max_duration = 0
        self.seconds = 0.0
        self.units = None

    def after(self, batch: _Batch) -> None:
        rows = batch.rows
        lo = min(r[2] for r in rows)
        latest = [r[3] if r[3] is not None else (r[4] or r[2]) for r in rows]
        self.lo = lo if self.lo is None else min(self.lo, lo)
        self.hi = max(latest) if self.hi is None else max(self.hi, max(latest))
        self.max_duration = max(
            self.max_duration, max(t - r[2] for t, r in zip(latest, rows, strict=True))
        )
        if self.done_until is not None and lo < self.done_until:
            self.stale_from = lo if self.stale_from is None else min(self.stale_from, lo)
        if batch.complete_before is None:
            return
        last = aggregates.local_day(batch.complete_before) - dt.timedelta(days=1)
        first = (
            self.last_done + dt.timedelta(days=1)
            if self.last_done is not None
            else aggregates.local_day(self.lo)
        )
        if last < first:
            return
        # The figures read the gateway's state: sessions of this file may be longer than
        # any before, and a new gateway has no log yet.
        state = self.state
        state.max_duration = max(state.max_duration, self.max_duration)
        state.log_until = max(state.log_until or 0, batch.complete_before)
        state.log_from = state.log_from if state.log_from is not None else self.lo
        state.save(update_fields=["max_duration", "log_until", "log_from"])
        self._rebuild(first, last)
        self.first_done = self.first_done or first
        self.last_done = last
        self.done_until = aggregates.day_bounds(last)[1]

    def finish(self, first: dt.date, last: dt.date) -> None:
        if self.last_done is None:
            self._rebuild(first, last)
            return
        if first < self.first_done:
            self._rebuild(first, self.first_done - dt.timedelta(days=1))
        rest = self.last_done + dt.timedelta(days=1)
        if self.stale_from is not None:
            rest = min(rest, aggregates.local_day(self.stale_from))
        self._rebuild(rest, last)

    def _rebuild(self, first: dt.date, last: dt.date) -> None:
        began = time.perf_counter()
        if self.units is None:
            self.units = aggregates.unit_tree()  # the same for every day of the file
        aggregates.rebuild([self.state.gateway_id], first, last, units=self.units)
        self.seconds += time.perf_counter() - began


# --- writing -------------------------------------------------------------------------------------


class _Writer:
    """Writes batches of rows: sessions that cannot be stored yet (they start after
    everything stored) are copied straight into the table; the others, or all of a batch if
    that fails, are upserted (PostgreSQL: COPY into a staging table and INSERT ... ON
    CONFLICT; SQLite: executemany)."""

    def __init__(self, gateway, accounts: AccountCache, fresh_after: int | None):
        self.gateway_id = gateway.pk
        self.accounts = accounts
        self.fresh_after = fresh_after
        self.new = self.closed = self.known = 0
        self.postgres = connection.vendor == "postgresql"

    def add(self, rows: list[Row]) -> None:
        known = self.accounts.lookup_many({row[1] for row in rows})
        if self.postgres:
            self._write_postgres(rows, known)
        else:
            self._write_sqlite(rows, known)

    def _count(self, rows: int, new: int, closed: int) -> None:
        self.new += new
        self.closed += closed
        self.known += rows - new - closed

    def _write_sqlite(self, rows: list[Row], known) -> None:
        after = self.fresh_after
        fresh = [r for r in rows if after is None or r[2] > after]
        other = [r for r in rows if after is not None and r[2] <= after]
        cols = ", ".join(COLUMNS)
        marks = ", ".join(["%s"] * len(COLUMNS))
        insert = f"INSERT INTO usage_vpnsession ({cols}) VALUES ({marks})"  # noqa: S608
        with connection.cursor() as cur:
            if fresh:
                try:
                    with transaction.atomic():
                        cur.executemany(insert, self._sqlite_values(fresh, known))
                    self._count(len(fresh), len(fresh), 0)
                except IntegrityError:  # a session twice in the file: the upsert takes it
                    other = fresh + other
            if other:
                self._upsert_sqlite(cur, insert, other, known)

    def _sqlite_values(self, rows: list[Row], known) -> list[tuple]:
        gw = self.gateway_id
        values = []
        for ident, user, start, end, last_seen, derived, open_key, ip in rows:
            account_id, employee_id, unit_id = known[user]
            values.append(
                (
                    ident,
                    gw,
                    account_id,
                    employee_id,
                    unit_id,
                    start,
                    end,
                    last_seen,
                    derived,
                    open_key,
                    ip,
                )
            )
        return values

    def _upsert_sqlite(self, cur, insert: str, rows: list[Row], known) -> None:
        gw = self.gateway_id
        cur.executemany(
            insert + " ON CONFLICT(gateway_id, started, identity) DO NOTHING",
            self._sqlite_values(rows, known),
        )
        new = cur.rowcount
        ends = [(r[3], r[4], gw, r[2], r[0]) for r in rows if r[3] is not None]
        closed = 0
        if ends:
            cur.executemany(
                "UPDATE usage_vpnsession SET ended = %s, open_key = NULL,"
                " last_seen = COALESCE(%s, last_seen)"
                " WHERE gateway_id = %s AND started = %s AND identity = %s AND ended IS NULL",
                ends,
            )
            closed = cur.rowcount
        seen = [(r[4], gw, r[2], r[0], r[4]) for r in rows if r[3] is None and r[4] is not None]
        if seen:
            cur.executemany(
                "UPDATE usage_vpnsession SET last_seen = %s"
                " WHERE gateway_id = %s AND started = %s AND identity = %s"
                " AND ended IS NULL AND COALESCE(last_seen, 0) < %s",
                seen,
            )
        self._count(len(rows), new, closed)

    def _write_postgres(self, rows: list[Row], known) -> None:
        gw = self.gateway_id
        null = "\\N"
        accounts = {
            user: f"{a}\t{null if e is None else e}\t{null if u is None else u}"
            for user, (a, e, u) in known.items()
        }
        fresh, other = [], []
        after = self.fresh_after
        for ident, user, start, end, last_seen, derived, open_key, ip in rows:
            line = (
                f"{ident}\t{gw}\t{accounts[user]}\t{start}\t{null if end is None else end}\t"
                f"{null if last_seen is None else last_seen}\t{'t' if derived else 'f'}\t"
                f"{null if open_key is None else open_key}\t{null if ip is None else ip}\n"
            )
            (fresh if after is None or start > after else other).append(line)
        cols = ", ".join(COLUMNS)
        with connection.cursor() as cur:
            raw = cur.cursor
            if fresh:
                try:
                    with (
                        transaction.atomic(),
                        raw.copy(f"COPY usage_vpnsession ({cols}) FROM STDIN") as copy,
                    ):
                        copy.write("".join(fresh))
                    self._count(len(fresh), len(fresh), 0)
                except (IntegrityError, psycopg.errors.UniqueViolation):
                    # A session twice in the file (a relay that repeats lines): the upsert
                    # below takes it.
                    other = fresh + other
            if other:
                new, closed = self._upsert_postgres(cur, other)
                self._count(len(other), new, closed)

    def _upsert_postgres(self, cur, lines: list[str]) -> tuple[int, int]:
        cols = ", ".join(COLUMNS)
        cur.execute(
            "CREATE TEMP TABLE IF NOT EXISTS usage_stage (identity uuid, gateway_id bigint,"
            " account_id bigint, employee_id bigint, unit_id bigint, started bigint,"
            " ended bigint, last_seen bigint, start_derived boolean, open_key varchar(32),"
            " client_ip inet)"
        )
        cur.execute("TRUNCATE usage_stage")
        with cur.cursor.copy(f"COPY usage_stage ({cols}) FROM STDIN") as copy:
            copy.write("".join(lines))
        cur.execute(
            f"INSERT INTO usage_vpnsession ({cols})"  # noqa: S608
            f" SELECT DISTINCT ON (identity) {cols} FROM usage_stage"
            " ORDER BY identity, ended NULLS LAST"
            " ON CONFLICT (gateway_id, started, identity) DO NOTHING"
        )
        new = cur.rowcount
        if new == len(lines):
            return new, 0  # all new: nothing stored to close or extend
        cur.execute(
            "UPDATE usage_vpnsession v SET ended = s.ended, open_key = NULL,"
            " last_seen = COALESCE(s.last_seen, v.last_seen)"
            " FROM usage_stage s WHERE v.gateway_id = s.gateway_id AND v.started = s.started"
            " AND v.identity = s.identity AND v.ended IS NULL"
            " AND s.ended IS NOT NULL"
        )
        closed = cur.rowcount
        cur.execute(
            "UPDATE usage_vpnsession v SET last_seen = s.last_seen FROM usage_stage s"
            " WHERE v.gateway_id = s.gateway_id AND v.started = s.started"
            " AND v.identity = s.identity AND v.ended IS NULL AND s.ended IS NULL"
            " AND s.last_seen > COALESCE(v.last_seen, 0)"
        )
        return new, closed
