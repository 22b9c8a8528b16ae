"""Which person a name in a gateway log belongs to.

A gateway logs what the person typed or what the certificate says: ``mmueller``,
``STADT\\mmueller``, ``m.mueller@stadt.example``, ``CN=Mueller Max``, or a WireGuard public
key. The resolver tries, in this order (first hit wins, docs/vpn-usage.md):

1. IT's alias table (``VpnAlias``), by the name as logged;
2. a WireGuard public key handed out by the access app (``WireGuardPeer``);
3. the login name of the person's account;
4. the e-mail address;
5. the name without domain (``STADT\\x``, ``x@realm``) as login name or e-mail local part,
   when exactly one person matches.

Names are compared case-insensitively after trimming. A name that matches several people is
not guessed: it stays unmapped with the cause "mehrdeutig".
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection, transaction

from rathausmobil.usage.models import UnmappedCause, VpnAccount, VpnAlias

WIREGUARD_KEY = re.compile(r"^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$")
MAX_NAME = 200


def normalise(name: str) -> str:
    return (name or "").strip().lower()[:MAX_NAME]


def _bare(name: str) -> str:
    """``stadt\\mmueller`` → ``mmueller``; ``mmueller@realm`` → ``mmueller``."""
    if "\\" in name:
        name = name.rsplit("\\", 1)[1]
    if "@" in name:
        name = name.split("@", 1)[0]
    return name


@dataclass(slots=True)
class Match:
    employee_id: int | None
    unit_id: int | None
    cause: str  # "" when mapped


class Directory:
    """Name → person lookups, loaded once (a few dict entries per employee)."""

    def __init__(self) -> None:
        from rathausmobil.access.models import WireGuardPeer
        from rathausmobil.organisation.models import Employee

        self.unit_of: dict[int, int] = {}
        self.alias: dict[str, int] = {}
        self.exact: dict[str, set[int]] = defaultdict(set)  # login name, e-mail, keys
        self.bare: dict[str, set[int]] = defaultdict(set)  # login name, e-mail local part
        rows = Employee.objects.values_list("pk", "unit_id", "email", "user__username")
        for pk, unit_id, email, username in rows.iterator(chunk_size=5000):
            self.unit_of[pk] = unit_id
            for name in (normalise(email), normalise(username or "")):
                if name:
                    self.exact[name].add(pk)
                    self.bare[_bare(name)].add(pk)
        for key, pk in WireGuardPeer.objects.values_list("public_key", "grant__employee_id"):
            self.exact[key.strip()].add(pk)
        for name, pk in VpnAlias.objects.values_list("name", "employee_id"):
            self.alias[normalise(name)] = pk

    def resolve(self, raw: str) -> Match:
        name = normalise(raw)
        if not name:
            return Match(None, None, UnmappedCause.EMPTY)
        pk = self.alias.get(name)
        if pk is None:
            candidates = self.exact.get(raw.strip()) or self.exact.get(name)
            if not candidates:
                candidates = self.bare.get(_bare(name))
            if candidates and len(candidates) > 1:
                return Match(None, None, UnmappedCause.AMBIGUOUS)
            if candidates:
                (pk,) = candidates
        if pk is None:
            if WIREGUARD_KEY.match(raw.strip()):
                return Match(None, None, UnmappedCause.WIREGUARD_KEY)
            return Match(None, None, UnmappedCause.UNKNOWN)
        return Match(pk, self.unit_of.get(pk), "")


class AccountCache:
    """Logged name → (account id, employee id, unit id), loaded once per import run; creates
    accounts for names seen for the first time. A WireGuard key keeps its case; other names
    are stored lower-case."""

    def __init__(self, directory: Directory | None = None) -> None:
        self.directory = directory or Directory()
        self._known: dict[str, tuple[int, int | None, int | None]] = {}
        self._seen: dict[int, tuple[int, int]] = {}  # account id -> (first, last) Unix seconds
        self._resolved: set[str] = set()  # unmapped names already tried again in this run
        unit_of = self.directory.unit_of
        for pk, name, employee_id in VpnAccount.objects.values_list("pk", "name", "employee_id"):
            self._known[name] = (pk, employee_id, unit_of.get(employee_id))

    @staticmethod
    def account_name(raw: str) -> str:
        raw = (raw or "").strip()[:MAX_NAME]
        return raw if WIREGUARD_KEY.match(raw) else raw.lower()

    def get(self, raw: str) -> tuple[int, int | None, int | None]:
        name = self.account_name(raw)
        hit = self._known.get(name)
        if hit is not None and (hit[1] is not None or name in self._resolved):
            return hit
        self._resolved.add(name)
        match = self.directory.resolve(name)
        if hit is None:
            account, _ = VpnAccount.objects.get_or_create(
                name=name,
                defaults={"employee_id": match.employee_id, "unmapped_cause": match.cause},
            )
            pk, employee_id = account.pk, account.employee_id
        else:
            pk, employee_id = hit[0], None
        if employee_id is None and match.employee_id is not None:
            # An alias or a new employee record arrived since the name was first seen.
            VpnAccount.objects.filter(pk=pk).update(
                employee_id=match.employee_id, unmapped_cause=""
            )
            employee_id = match.employee_id
        hit = self._known[name] = (pk, employee_id, self.directory.unit_of.get(employee_id))
        return hit

    def lookup_many(self, raw_names: set[str]) -> dict[str, tuple[int, int | None, int | None]]:
        """``get`` for many logged names; names never seen before are created in one
        ``bulk_create``."""
        out: dict[str, tuple[int, int | None, int | None]] = {}
        new: dict[str, str] = {}  # account name -> a raw name
        for raw in raw_names:
            name = self.account_name(raw)
            if name in self._known:
                out[raw] = self.get(raw)
            else:
                new.setdefault(name, raw)
        if new:
            matches = {name: self.directory.resolve(name) for name in new}
            VpnAccount.objects.bulk_create(
                [
                    VpnAccount(name=name, employee_id=m.employee_id, unmapped_cause=m.cause)
                    for name, m in matches.items()
                ],
                batch_size=2000,
                ignore_conflicts=True,
            )
            names = list(new)
            for i in range(0, len(names), 2000):
                for pk, name, employee_id in VpnAccount.objects.filter(
                    name__in=names[i : i + 2000]
                ).values_list("pk", "name", "employee_id"):
                    self._known[name] = (pk, employee_id, self.directory.unit_of.get(employee_id))
                    self._resolved.add(name)
            for raw in raw_names:
                if raw not in out:
                    out[raw] = self.get(raw)
        return out

    def seen(self, account_id: int, first: int, last: int) -> None:
        old = self._seen.get(account_id)
        if old is None:
            self._seen[account_id] = (first, last)
        else:
            self._seen[account_id] = (min(old[0], first), max(old[1], last))

    def seen_many(self, spans: dict[str, tuple[int, int]]) -> None:
        """``seen`` for logged names already looked up: name -> (first, last)."""
        for raw, (first, last) in spans.items():
            self.seen(self._known[self.account_name(raw)][0], first, last)

    def save_seen(self) -> None:
        """Widen first/last seen of the accounts touched (one statement)."""
        if not self._seen:
            return
        widen = (
            "first_seen = CASE WHEN first_seen IS NULL OR first_seen > {f} THEN {f}"
            " ELSE first_seen END,"
            " last_seen = CASE WHEN last_seen IS NULL OR last_seen < {l} THEN {l}"
            " ELSE last_seen END"
        )
        seen = sorted(self._seen.items())
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                # Tens of thousands of accounts in a large city's file: arrays of Unix
                # seconds, not a statement per account.
                cur.execute(
                    "UPDATE usage_vpnaccount a SET"  # noqa: S608
                    f" {widen.format(f='to_timestamp(s.f)', l='to_timestamp(s.l)')}"
                    " FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) AS s(id, f, l)"
                    " WHERE a.id = s.id",
                    [
                        [pk for pk, _ in seen],
                        [f for _, (f, _) in seen],
                        [la for _, (_, la) in seen],
                    ],
                )
            else:
                rows = []
                for pk, (first, last) in seen:
                    f = dt.datetime.fromtimestamp(first, dt.UTC)
                    la = dt.datetime.fromtimestamp(last, dt.UTC)
                    rows.append((f, f, la, la, pk))
                cur.executemany(
                    f"UPDATE usage_vpnaccount SET {widen.format(f='%s', l='%s')} WHERE id = %s",  # noqa: S608
                    rows,
                )
        self._seen.clear()


def remap_accounts() -> int:
    """Resolve every unmapped account again (after an alias or an HR import) and give their
    stored sessions the person and unit. Returns the number of accounts now mapped; the
    caller rebuilds the unit aggregates of the days concerned."""
    from rathausmobil.usage.models import VpnSession

    directory = Directory()
    mapped = 0
    for account in VpnAccount.objects.filter(employee__isnull=True):
        match = directory.resolve(account.name)
        if match.employee_id is None:
            if account.unmapped_cause != match.cause:
                VpnAccount.objects.filter(pk=account.pk).update(unmapped_cause=match.cause)
            continue
        with transaction.atomic():
            VpnAccount.objects.filter(pk=account.pk).update(
                employee_id=match.employee_id, unmapped_cause=""
            )
            VpnSession.objects.filter(account=account).update(
                employee_id=match.employee_id, unit_id=match.unit_id
            )
        mapped += 1
    return mapped
