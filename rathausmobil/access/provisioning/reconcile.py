"""Reconciliation: compares who should have access (active grants) with what the
real systems say, reports both directions and, with `fix`, repairs them.

Checked, each only when configured:

- the directory groups for VPN and terminal server (LDAP_URL and the group DN);
- the WireGuard peers in the database (WIREGUARD_ENABLED, or peers left over)
  and the peers file written for the gateway (WIREGUARD_PEERS_FILE);
- the live gateway, from the output of `wg show <iface> dump` when given.

Findings of the first kind, "access without an active grant", come first: they are
the ones an auditor asks about. The live gateway cannot be changed from here; `fix`
rewrites the peers file and the gateway applies it with `wg syncconf`, so those
findings stay open until the next run with a fresh dump.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from rathausmobil.access.models import AccessGrant, AccessKind, GrantStatus, WireGuardPeer
from rathausmobil.access.provisioning import (
    ADD,
    LDAP,
    REMOVE,
    WIREGUARD,
    ProvisioningProblem,
    directory_configured_for,
    failure_reason,
    group_dn_for,
    person_label,
    record_event,
    resolve_user_dn,
    wireguard,
)
from rathausmobil.access.provisioning.ldap_group import (
    DirectoryError,
    DirectoryGroups,
    normalise_dn,
)
from rathausmobil.organisation.models import Employee

UNEXPECTED = "unexpected"  # access in a system without an active grant
MISMATCH = "mismatch"  # present on both sides, but different
MISSING = "missing"  # active grant, but not in the system

SECTION_TITLES = {
    UNEXPECTED: "Mitglieder und Peers ohne aktiven Zugang",
    MISMATCH: "Abweichungen",
    MISSING: "Aktive Zugänge, die im System fehlen",
}

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_NOT_CHECKED = 2


@dataclass
class Finding:
    kind: str  # UNEXPECTED, MISMATCH, MISSING
    system: str  # e.g. "Verzeichnisgruppe VPN (cn=…)"
    subject: str  # DN, public key or file
    person: str = ""  # "900001 Muster, Erika" when known
    grant_id: int | None = None
    note: str = ""
    fixed: bool = False

    def line(self) -> str:
        parts = [f"[{self.system}] {self.subject}"]
        if self.person:
            parts.append(self.person)
        if self.grant_id:
            parts.append(f"Zugang Nr. {self.grant_id}")
        if self.note:
            parts.append(self.note)
        parts.append("behoben" if self.fixed else "offen")
        return " – ".join(parts)


@dataclass
class Findings:
    items: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # checks that could not run
    checked: list[str] = field(default_factory=list)
    at: datetime | None = None

    def of_kind(self, kind: str) -> list[Finding]:
        return [item for item in self.items if item.kind == kind]

    @property
    def unexpected(self) -> list[Finding]:
        return self.of_kind(UNEXPECTED)

    @property
    def missing(self) -> list[Finding]:
        return self.of_kind(MISSING)

    @property
    def open(self) -> list[Finding]:
        return [item for item in self.items if not item.fixed]

    @property
    def clean(self) -> bool:
        return not self.open and not self.errors

    @property
    def exit_code(self) -> int:
        if self.errors:
            return EXIT_NOT_CHECKED
        return EXIT_FINDINGS if self.open else EXIT_CLEAN

    def report(self) -> str:
        when = timezone.localtime(self.at or timezone.now())
        lines = [f"Abgleich der Zugänge am {when:%d.%m.%Y um %H:%M} Uhr"]
        lines.append("Geprüft: " + ("; ".join(self.checked) if self.checked else "nichts"))
        for kind in (UNEXPECTED, MISMATCH, MISSING):
            items = self.of_kind(kind)
            lines += ["", f"{SECTION_TITLES[kind]}: {len(items)}"]
            lines += [f"  - {item.line()}" for item in items]
        if self.errors:
            lines += ["", f"Nicht geprüft (Fehler): {len(self.errors)}"]
            lines += [f"  - {error}" for error in self.errors]
        fixed = len(self.items) - len(self.open)
        lines += [
            "",
            "Ergebnis: keine Befunde."
            if not self.items and not self.errors
            else f"Ergebnis: {len(self.items)} {'Befund' if len(self.items) == 1 else 'Befunde'}, "
            f"{fixed} behoben, {len(self.open)} offen"
            + (f", {len(self.errors)} Prüfungen fehlgeschlagen." if self.errors else "."),
        ]
        return "\n".join(lines) + "\n"


def reconcile(fix: bool = False, *, wireguard_dump: str | None = None) -> Findings:
    """Compares, reports, and with `fix` repairs. `wireguard_dump` is the text of
    `wg show <iface> dump` from the gateway (optional). Never raises for a system
    that cannot be reached: that is listed in `errors`."""
    findings = Findings(at=timezone.now())
    for kind in (AccessKind.VPN, AccessKind.TERMINAL_SERVER):
        if directory_configured_for(kind):
            _directory_group(findings, kind, fix)
    if (
        settings.WIREGUARD_ENABLED
        or WireGuardPeer.objects.filter(released_at__isnull=True).exists()
    ):
        _wireguard_database(findings, fix)
    if wireguard_dump is not None:
        _wireguard_live(findings, wireguard_dump, fix)
    return findings


def entitled_grants(kind: str):
    """Who should have access: active grants of staff who have not left (the same
    people as the export)."""
    return AccessGrant.objects.filter(
        kind=kind, status=GrantStatus.ACTIVE, employee__is_active=True
    )


def _why_not_entitled(grant: AccessGrant) -> str:
    if grant.status != GrantStatus.ACTIVE:
        return f"Zugang ist {grant.get_status_display()}"
    if not grant.employee.is_active:
        return "Zugang aktiv, aber Person nicht mehr beschäftigt"
    return "kein aktiver VPN-Zugang"


# --------------------------------------------------------------------------- directory


def _directory_group(findings: Findings, kind: str, fix: bool) -> None:
    group_dn = group_dn_for(kind)
    system = f"Verzeichnisgruppe {AccessKind(kind).label} ({group_dn})"
    findings.checked.append(system)
    grants = (
        entitled_grants(kind)
        .select_related("employee")
        .order_by("employee__personnel_number", "pk")
    )
    try:
        with DirectoryGroups.from_settings() as directory:
            members = directory.members(group_dn)  # fails fast if unreachable
            expected: dict[str, tuple[str, AccessGrant]] = {}
            seen: set[int] = set()
            for grant in grants:
                if grant.employee_id in seen:
                    continue  # a second terminal-server grant of the same person
                seen.add(grant.employee_id)
                try:
                    dn = resolve_user_dn(directory, grant.employee)
                except (ProvisioningProblem, DirectoryError) as exc:
                    findings.items.append(
                        Finding(
                            kind=MISSING,
                            system=system,
                            subject=grant.employee.email or "(keine E-Mail)",
                            person=person_label(grant.employee),
                            grant_id=grant.pk,
                            note=f"nicht zuzuordnen: {exc}",
                        )
                    )
                    continue
                expected[normalise_dn(dn)] = (dn, grant)

            for dn in sorted(members - expected.keys()):
                person, why = _person_of_entry(directory, dn, kind)
                finding = Finding(
                    kind=UNEXPECTED, system=system, subject=dn, person=person, note=why
                )
                findings.items.append(finding)
                if fix:
                    _fix(
                        finding, None, LDAP, REMOVE, lambda dn=dn: _remove(directory, group_dn, dn)
                    )

            for key in sorted(expected.keys() - members):
                dn, grant = expected[key]
                finding = Finding(
                    kind=MISSING,
                    system=system,
                    subject=dn,
                    person=person_label(grant.employee),
                    grant_id=grant.pk,
                    note="nicht Mitglied",
                )
                findings.items.append(finding)
                if fix:
                    _fix(finding, grant, LDAP, ADD, lambda dn=dn: _add(directory, group_dn, dn))
    except DirectoryError as exc:
        findings.errors.append(f"{system}: {exc}")


def _person_of_entry(directory: DirectoryGroups, dn: str, kind: str) -> tuple[str, str]:
    """Who an unexpected member is (by the entry's `mail`), and why not entitled."""
    email = directory.email_of(dn)
    employee = Employee.objects.filter(email__iexact=email).first() if email else None
    if employee is None:
        who = f"E-Mail {email}, nicht in Rathaus Mobil" if email else ""
        return who, "kein aktiver Zugang"
    active = AccessGrant.objects.filter(employee=employee, kind=kind, status=GrantStatus.ACTIVE)
    if not employee.is_active and active.exists():
        return person_label(employee), "Zugang aktiv, aber Person nicht mehr beschäftigt"
    return person_label(employee), "kein aktiver Zugang"


def _remove(directory: DirectoryGroups, group_dn: str, dn: str) -> str:
    directory.remove_member(group_dn, dn)
    return f"Abgleich: {dn} aus {group_dn} entfernt (kein aktiver Zugang)."


def _add(directory: DirectoryGroups, group_dn: str, dn: str) -> str:
    directory.add_member(group_dn, dn)
    return f"Abgleich: {dn} in {group_dn} aufgenommen (aktiver Zugang)."


def _fix(finding: Finding, grant, target: str, action: str, work) -> None:
    try:
        detail = work()
    except Exception as exc:
        finding.note += f"; Behebung fehlgeschlagen: {failure_reason(exc)}"
        record_event(
            grant=grant, target=target, action=action, ok=False, detail=failure_reason(exc)
        )
        return
    finding.fixed = True
    record_event(grant=grant, target=target, action=action, ok=True, detail=detail)


# --------------------------------------------------------------------------- wireguard


def _wireguard_database(findings: Findings, fix: bool) -> None:
    system = "WireGuard-Peers (Datenbank)"
    findings.checked.append(system)
    path = wireguard.peers_file_path()
    # The file is compared with the database before anything is fixed: a difference
    # now means an earlier write failed or someone edited it.
    file_finding = _peers_file_drift(findings, Path(path)) if path else None
    changed = False

    leftover = (
        WireGuardPeer.objects.filter(released_at__isnull=True)
        .exclude(pk__in=wireguard.entitled_peers().values("pk"))
        .select_related("grant__employee")
        .order_by("id")
    )
    for peer in leftover:
        finding = Finding(
            kind=UNEXPECTED,
            system=system,
            subject=f"{peer.public_key} ({peer.address})",
            person=person_label(peer.grant.employee),
            grant_id=peer.grant_id,
            note=_why_not_entitled(peer.grant),
        )
        findings.items.append(finding)
        if fix:
            _fix(finding, peer.grant, WIREGUARD, REMOVE, lambda peer=peer: _release(peer))
            changed |= finding.fixed

    if settings.WIREGUARD_ENABLED:
        without_peer = (
            entitled_grants(AccessKind.VPN)
            .exclude(
                pk__in=WireGuardPeer.objects.filter(released_at__isnull=True).values("grant_id")
            )
            .select_related("employee")
            .order_by("employee__personnel_number", "pk")
        )
        for grant in without_peer:
            finding = Finding(
                kind=MISSING,
                system=system,
                subject="(kein Peer)",
                person=person_label(grant.employee),
                grant_id=grant.pk,
                note="aktiver VPN-Zugang ohne WireGuard-Peer",
            )
            findings.items.append(finding)
            if fix:
                _fix(finding, grant, WIREGUARD, ADD, lambda grant=grant: _create(grant))
                changed |= finding.fixed

    if path and fix and (changed or file_finding is not None):
        try:
            wireguard.write_server_peers_file()
        except OSError as exc:
            findings.errors.append(f"WireGuard-Peers-Datei {path} nicht geschrieben: {exc}")
            return
        if file_finding is not None:
            file_finding.fixed = True
            file_finding.note += "; neu geschrieben"


def _peers_file_drift(findings: Findings, path: Path) -> Finding | None:
    findings.checked.append(f"WireGuard-Peers-Datei ({path})")
    try:
        current = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        current = None
    except OSError as exc:
        findings.errors.append(f"WireGuard-Peers-Datei {path}: {exc}")
        return None
    if current == wireguard.server_peers_file():
        return None
    finding = Finding(
        kind=MISMATCH,
        system="WireGuard-Peers-Datei",
        subject=str(path),
        note="fehlt" if current is None else "entspricht nicht den Peers der Datenbank",
    )
    findings.items.append(finding)
    return finding


def _release(peer: WireGuardPeer) -> str:
    wireguard.peer_release(peer=peer)
    return f"Abgleich: Peer {peer.address} freigegeben (kein aktiver Zugang)."


def _create(grant: AccessGrant) -> str:
    peer, _created = wireguard.peer_create(grant=grant)
    return f"Abgleich: Peer {peer.address} angelegt (aktiver Zugang)."


def _wireguard_live(findings: Findings, dump: str, fix: bool) -> None:
    system = "WireGuard-Gateway (wg show dump)"
    findings.checked.append(system)
    try:
        live = wireguard.parse_wg_dump(dump)
    except wireguard.WireGuardError as exc:
        findings.errors.append(f"{system}: {exc}")
        return
    expected = {peer.public_key: peer for peer in wireguard.entitled_peers()}
    known = {
        peer.public_key: peer
        for peer in WireGuardPeer.objects.filter(
            public_key__in=[item.public_key for item in live]
        ).select_related("grant__employee")
    }
    sync_note = (
        "Peers-Datei ist aktuell; wirksam nach `wg syncconf` auf dem Gateway"
        if wireguard.peers_file_path()
        else "auf dem Gateway zu korrigieren (keine Peers-Datei eingerichtet)"
    )
    live_keys = set()
    for item in live:
        live_keys.add(item.public_key)
        peer = expected.get(item.public_key)
        if peer is None:
            other = known.get(item.public_key)
            if other is None:
                person, grant_id, why = "", None, "unbekannter Schlüssel"
            else:
                person = person_label(other.grant.employee)
                grant_id = other.grant_id
                why = "Peer freigegeben" if other.released_at else _why_not_entitled(other.grant)
            findings.items.append(
                Finding(
                    kind=UNEXPECTED,
                    system=system,
                    subject=f"{item.public_key} ({item.allowed_ips})",
                    person=person,
                    grant_id=grant_id,
                    note=f"{why}; {sync_note}",
                )
            )
            continue
        wanted = wireguard.host_prefix(peer.address)
        if sorted(filter(None, item.allowed_ips.split(","))) != [wanted]:
            findings.items.append(
                Finding(
                    kind=MISMATCH,
                    system=system,
                    subject=item.public_key,
                    person=person_label(peer.grant.employee),
                    grant_id=peer.grant_id,
                    note=f"AllowedIPs {item.allowed_ips or '(keine)'} statt {wanted}; {sync_note}",
                )
            )
    for key, peer in expected.items():
        if key not in live_keys:
            findings.items.append(
                Finding(
                    kind=MISSING,
                    system=system,
                    subject=f"{key} ({peer.address})",
                    person=person_label(peer.grant.employee),
                    grant_id=peer.grant_id,
                    note=f"fehlt auf dem Gateway; {sync_note}",
                )
            )
    if fix and wireguard.peers_file_path():
        try:
            wireguard.write_server_peers_file()
        except OSError as exc:
            findings.errors.append(f"WireGuard-Peers-Datei nicht geschrieben: {exc}")
