"""Provisioning: makes the real systems follow the grants (docs/provisioning.md).

The access services call the two entry points after their transaction has
committed (`transaction.on_commit`). Both look at the grant as it is now, write a
ProvisioningEvent per system (ok, or failed with the reason) and never raise: a
directory that is down must not turn a granted access into an error page.
Reconciliation (`reconcile.py`, `manage.py reconcile_access`) repairs what failed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings

from rathausmobil.access.models import (
    AccessGrant,
    AccessKind,
    GrantStatus,
    ProvisioningEvent,
    WireGuardPeer,
)
from rathausmobil.access.provisioning import wireguard
from rathausmobil.access.provisioning.ldap_group import DirectoryError, DirectoryGroups
from rathausmobil.core.errors import DomainError

logger = logging.getLogger(__name__)

LDAP = "ldap"
WIREGUARD = "wireguard"
ADD = "add"
REMOVE = "remove"


class ProvisioningProblem(Exception):
    """A precondition is missing (no e-mail, no directory entry); German message."""


def group_dn_for(kind: str) -> str:
    if kind == AccessKind.VPN:
        return settings.LDAP_VPN_GROUP_DN
    if kind == AccessKind.TERMINAL_SERVER:
        return settings.LDAP_TERMINAL_SERVER_GROUP_DN
    return ""


def directory_configured_for(kind: str) -> bool:
    return bool(settings.LDAP_URL and group_dn_for(kind))


def person_label(employee) -> str:
    return f"{employee.personnel_number} {employee.last_name}, {employee.first_name}"


def record_event(
    *, grant: AccessGrant | None, target: str, action: str, ok: bool, detail: str
) -> ProvisioningEvent | None:
    try:
        return ProvisioningEvent.objects.create(
            grant=grant, target=target, action=action, ok=ok, detail=detail
        )
    except Exception:  # the event is the record, but its failure must not spread
        logger.exception("ProvisioningEvent not written: %s %s %s", target, action, detail)
        return None


def _step(grant: AccessGrant | None, target: str, action: str, work: Callable[[], str]) -> bool:
    try:
        detail = work()
    except Exception as exc:
        log = logger.warning if _expected(exc) else logger.exception  # a bug gets its traceback
        log("Provisioning %s %s failed for grant %s: %s", target, action, grant and grant.pk, exc)
        record_event(
            grant=grant, target=target, action=action, ok=False, detail=failure_reason(exc)
        )
        return False
    record_event(grant=grant, target=target, action=action, ok=True, detail=detail)
    return True


def _expected(exc: Exception) -> bool:
    """A failure of a real system or a missing precondition, with a German message."""
    return isinstance(
        exc, ProvisioningProblem | DirectoryError | wireguard.WireGuardError | DomainError
    )


def failure_reason(exc: Exception) -> str:
    return str(exc) if _expected(exc) else f"{type(exc).__name__}: {exc}"


# --------------------------------------------------------------------------- directory


def resolve_user_dn(directory, employee) -> str:
    if not employee.email:
        raise ProvisioningProblem(
            f"Für Personalnummer {employee.personnel_number} ist keine E-Mail-Adresse "
            "hinterlegt; der Verzeichniseintrag ist so nicht zu finden."
        )
    dn = directory.find_user_dn(employee.email)
    if not dn:
        raise ProvisioningProblem(
            f"Kein Verzeichniseintrag mit der E-Mail-Adresse {employee.email} "
            f"(Personalnummer {employee.personnel_number})."
        )
    return dn


def _ldap_add(grant: AccessGrant, group_dn: str) -> str:
    with DirectoryGroups.from_settings() as directory:
        user_dn = resolve_user_dn(directory, grant.employee)
        if directory.add_member(group_dn, user_dn):
            return f"{user_dn} in {group_dn} aufgenommen."
        return f"{user_dn} war bereits Mitglied von {group_dn}."


def _ldap_remove(grant: AccessGrant, group_dn: str) -> str:
    other = (
        AccessGrant.objects.filter(
            employee_id=grant.employee_id, kind=grant.kind, status=GrantStatus.ACTIVE
        )
        .exclude(pk=grant.pk)
        .first()
    )
    if other is not None:
        return f"Bleibt Mitglied von {group_dn}: weiterer aktiver Zugang Nr. {other.pk}."
    with DirectoryGroups.from_settings() as directory:
        user_dn = resolve_user_dn(directory, grant.employee)
        if directory.remove_member(group_dn, user_dn):
            return f"{user_dn} aus {group_dn} entfernt."
        return f"{user_dn} war nicht Mitglied von {group_dn}."


# --------------------------------------------------------------------------- wireguard


def _wireguard_add(grant: AccessGrant) -> str:
    peer, created = wireguard.peer_create(grant=grant)
    done = f"Peer {peer.address} angelegt." if created else f"Peer {peer.address} bestand schon."
    return _with_peers_file(done)


def _wireguard_remove(peer: WireGuardPeer) -> str:
    if not wireguard.peer_release(peer=peer):
        return f"Peer {peer.address} war schon freigegeben."
    return _with_peers_file(f"Peer {peer.address} freigegeben.")


def _with_peers_file(done: str) -> str:
    """Rewrites the gateway's peers file after a change in the database; a failure
    is reported with what was already done."""
    try:
        path = wireguard.write_server_peers_file()
    except OSError as exc:
        raise ProvisioningProblem(f"{done} Peers-Datei nicht geschrieben: {exc}") from exc
    return f"{done} Peers-Datei {path} geschrieben." if path else done


# --------------------------------------------------------------------------- entry points


def _load(grant_id: int, action: str) -> AccessGrant | None:
    grant = AccessGrant.objects.select_related("employee").filter(pk=grant_id).first()
    if grant is None:
        record_event(
            grant=None,
            target="grant",
            action=action,
            ok=False,
            detail=f"Zugang Nr. {grant_id} gibt es nicht.",
        )
    return grant


def grant_activated(grant_id: int) -> None:
    """An access became active: directory group (VPN or terminal server) and, for
    VPN with WIREGUARD_ENABLED, a WireGuard peer. Never raises."""
    try:
        grant = _load(grant_id, ADD)
        if grant is None:
            return
        if grant.status != GrantStatus.ACTIVE:
            logger.info("Grant %s is %s, not active: nothing provisioned", grant.pk, grant.status)
            return
        if directory_configured_for(grant.kind):
            group_dn = group_dn_for(grant.kind)
            _step(grant, LDAP, ADD, lambda: _ldap_add(grant, group_dn))
        if grant.kind == AccessKind.VPN and settings.WIREGUARD_ENABLED:
            _step(grant, WIREGUARD, ADD, lambda: _wireguard_add(grant))
    except Exception:
        logger.exception("grant_activated(%s) failed", grant_id)


def grant_revoked(grant_id: int) -> None:
    """An access was revoked: out of the group (unless another active grant of the
    same kind needs it) and the peer released. Never raises."""
    try:
        grant = _load(grant_id, REMOVE)
        if grant is None:
            return
        if grant.status == GrantStatus.ACTIVE:
            logger.warning("Grant %s is active again: nothing removed", grant.pk)
            return
        if directory_configured_for(grant.kind):
            group_dn = group_dn_for(grant.kind)
            _step(grant, LDAP, REMOVE, lambda: _ldap_remove(grant, group_dn))
        peer = WireGuardPeer.objects.filter(grant=grant).first()
        if peer is not None and peer.released_at is None:
            _step(grant, WIREGUARD, REMOVE, lambda: _wireguard_remove(peer))
    except Exception:
        logger.exception("grant_revoked(%s) failed", grant_id)
