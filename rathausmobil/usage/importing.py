"""Import a gateway's log files into stored sessions (``import_vpn_log``).

Per file, in one transaction: the sessions still open on the gateway are handed to the
assembler (under a hash of their key), the file is parsed line by line, closed sessions are
written in batches, sessions still open at the end are written as open, the daily
aggregates of the days touched are recomputed, and a ``VpnLogImport`` row records what
happened. Memory holds one batch and the open sessions, never the file.

Writing is an upsert on the session's identity: a session already stored is left alone,
except that an open one gets its end (an end is never replaced by "open"). So importing the
same file twice adds nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction

from rathausmobil.access.models import VpnGateway
from rathausmobil.core.audit import audit_event
from rathausmobil.usage import aggregates
from rathausmobil.usage.accounts import AccountCache
from rathausmobil.usage.models import GatewayLogState, VpnLogImport, VpnSession
from rathausmobil.usage.parsers import DEFAULT_TZ, PARSERS, ParseStats, Problem, parse
from rathausmobil.usage.sessions import Session, SessionAssembler, key_hash

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
) -> FileResult:
    """Import one file's lines (see module docstring). Pass one ``AccountCache`` for several
    files of a run; after a failed file, start a new one (its ids may be rolled back)."""
    check_format(fmt)
    began = time.perf_counter()
    result = FileResult(name)
    gw_key = f"gw{gateway.pk}"
    store_ip = settings.USAGE_STORE_CLIENT_IP
    with transaction.atomic():
        state, _ = GatewayLogState.objects.get_or_create(gateway=gateway)
        state = GatewayLogState.objects.select_for_update().get(pk=state.pk)
        accounts = accounts or AccountCache()
        carried = _carried_sessions(gateway, gw_key)
        assembler = SessionAssembler(gateway=gw_key, open_sessions=carried)
        stats = ParseStats()
        writer = _Writer(gateway, gw_key, accounts, store_ip)
        for session in assembler.feed(parse(lines, fmt, tz=tz, year=year, stats=stats)):
            writer.add(session)
        still_open = assembler.open_sessions()
        for session in still_open:
            writer.add(session)
        writer.flush()
        result.lines, result.other = stats.lines, stats.other
        result.problem_count = assembler.stats.problems
        result.problems = assembler.problems[:PROBLEMS_KEPT]
        result.new, result.closed, result.known = writer.new, writer.closed, writer.known
        result.open = len(still_open)
        result.first, result.last = assembler.first_time, assembler.last_time
        if writer.lo is not None or assembler.last_time is not None:
            _advance_state(state, writer, assembler)
            lo = min(x for x in (writer.lo, _ts(assembler.first_time)) if x is not None)
            hi = max(x for x in (writer.hi, _ts(assembler.last_time)) if x is not None)
            rebuild_began = time.perf_counter()
            aggregates.rebuild([gateway.pk], aggregates.local_day(lo), aggregates.local_day(hi))
            result.rebuild_seconds = time.perf_counter() - rebuild_began
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
    return result


def _ts(t: dt.datetime | None) -> int | None:
    return None if t is None else int(t.timestamp())


def _advance_state(state: GatewayLogState, writer: _Writer, assembler: SessionAssembler) -> None:
    first = _ts(assembler.first_time)
    last = _ts(assembler.last_time)
    candidates_lo = [x for x in (state.log_from, first, writer.lo) if x is not None]
    candidates_hi = [x for x in (state.log_until, last, writer.hi) if x is not None]
    state.log_from = min(candidates_lo)
    state.log_until = max(candidates_hi)
    state.max_duration = max(state.max_duration, writer.max_duration)
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


class _Writer:
    """Batches sessions and upserts them (COPY on PostgreSQL, executemany on SQLite)."""

    def __init__(self, gateway, gw_key, accounts: AccountCache, store_ip: bool):
        self.gateway_id = gateway.pk
        self.gw_key = gw_key
        self.accounts = accounts
        self.store_ip = store_ip
        self.rows: list[tuple] = []
        self.new = self.closed = self.known = 0
        self.lo: int | None = None
        self.hi: int | None = None
        self.max_duration = 0
        self.postgres = connection.vendor == "postgresql"

    def add(self, s: Session) -> None:
        """Queue a session; the account columns are filled in at ``flush`` (new names are
        created there in one go)."""
        start = int(s.start.timestamp())
        end = None if s.end is None else int(s.end.timestamp())
        last_seen = None if s.last_seen is None else int(s.last_seen.timestamp())
        latest = end if end is not None else (last_seen or start)
        if self.lo is None or start < self.lo:
            self.lo = start
        if self.hi is None or latest > self.hi:
            self.hi = latest
        if latest - start > self.max_duration:
            self.max_duration = latest - start
        self.rows.append(
            [
                s.identity_hash[:32],
                self.gateway_id,
                s.user,  # -> account id
                None,  # -> employee id
                None,  # -> unit id
                start,
                end,
                last_seen,
                s.start_derived,
                self._open_key(s) if end is None else None,
                s.client_ip if self.store_ip else None,
                latest,  # dropped before writing
            ]
        )
        if len(self.rows) >= BATCH:
            self.flush()

    def _resolve_accounts(self) -> None:
        accounts = self.accounts
        known = accounts.lookup_many({row[2] for row in self.rows})
        seen = accounts.seen
        for row in self.rows:
            account_id, employee_id, unit_id = known[row[2]]
            row[2], row[3], row[4] = account_id, employee_id, unit_id
            seen(account_id, row[5], row.pop())

    def _open_key(self, s: Session) -> str:
        return s.key if s.key.startswith("#") else key_hash(self.gw_key, s.key)

    def flush(self) -> None:
        if not self.rows:
            return
        self._resolve_accounts()
        if self.postgres:
            new, closed = self._flush_postgres()
        else:
            new, closed = self._flush_sqlite()
        self.new += new
        self.closed += closed
        self.known += len(self.rows) - new - closed
        self.rows = []

    def _flush_sqlite(self) -> tuple[int, int]:
        cols = ", ".join(COLUMNS)
        marks = ", ".join(["%s"] * len(COLUMNS))
        with connection.cursor() as cur:
            cur.executemany(
                f"INSERT INTO usage_vpnsession ({cols}) VALUES ({marks})"  # noqa: S608
                " ON CONFLICT(gateway_id, started, identity) DO NOTHING",
                self.rows,
            )
            new = cur.rowcount
            ends = [(r[6], r[7], r[1], r[5], r[0]) for r in self.rows if r[6] is not None]
            closed = 0
            if ends:
                cur.executemany(
                    "UPDATE usage_vpnsession SET ended = %s, open_key = NULL,"
                    " last_seen = COALESCE(%s, last_seen)"
                    " WHERE gateway_id = %s AND started = %s AND identity = %s AND ended IS NULL",
                    ends,
                )
                closed = cur.rowcount
            seen = [
                (r[7], r[1], r[5], r[0], r[7])
                for r in self.rows
                if r[6] is None and r[7] is not None
            ]
            if seen:
                cur.executemany(
                    "UPDATE usage_vpnsession SET last_seen = %s"
                    " WHERE gateway_id = %s AND started = %s AND identity = %s"
                    " AND ended IS NULL AND COALESCE(last_seen, 0) < %s",
                    seen,
                )
        return new, closed

    def _flush_postgres(self) -> tuple[int, int]:
        buf = io.StringIO()
        for row in self.rows:
            buf.write(
                "\t".join(
                    "\\N" if v is None else ("t" if v is True else "f" if v is False else str(v))
                    for v in row
                )
            )
            buf.write("\n")
        cols = ", ".join(COLUMNS)
        with connection.cursor() as cur:
            cur.execute(
                "CREATE TEMP TABLE IF NOT EXISTS usage_stage (identity uuid, gateway_id bigint,"
                " account_id bigint, employee_id bigint, unit_id bigint, started bigint,"
                " ended bigint, last_seen bigint, start_derived boolean, open_key varchar(32),"
                " client_ip inet)"
            )
            cur.execute("TRUNCATE usage_stage")
            with cur.cursor.copy(f"COPY usage_stage ({cols}) FROM STDIN") as copy:
                copy.write(buf.getvalue())
            cur.execute(
                f"INSERT INTO usage_vpnsession ({cols})"  # noqa: S608
                f" SELECT DISTINCT ON (identity) {cols} FROM usage_stage"
                " ORDER BY identity, ended NULLS LAST"
                " ON CONFLICT (gateway_id, started, identity) DO NOTHING"
            )
            new = cur.rowcount
            if new == len(self.rows):
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
