"""Writes to the organisation that are not the file import (see importing.py): the
paths of the tree, the roles people hold and the heads of units."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from rathausmobil.core.audit import audit_event
from rathausmobil.core.errors import DomainError, NotAllowed
from rathausmobil.organisation.models import Employee, OrgUnit, Role, RoleAssignment
from rathausmobil.organisation.scoping import (
    forget_scope,
    may_set_heads,
    roles_grantable,
    scope_for,
)


def org_units_rebuild_paths() -> int:
    """Recompute the materialised paths of the whole tree; returns how many changed.

    Thousands of units at most, so the tree is walked in memory and only changed
    rows are written.
    """
    units = list(OrgUnit.objects.only("pk", "parent_id", "path", "depth"))
    children: dict[int | None, list[OrgUnit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    changed: list[OrgUnit] = []
    stack = [(unit, "/", 0) for unit in children.get(None, [])]
    while stack:
        unit, prefix, depth = stack.pop()
        path = f"{prefix}{unit.pk}/"
        if unit.path != path or unit.depth != depth:
            unit.path, unit.depth = path, depth
            changed.append(unit)
        stack.extend((child, path, depth + 1) for child in children.get(unit.pk, []))
    OrgUnit.objects.bulk_update(changed, ["path", "depth"], batch_size=1000)
    return len(changed)


# --------------------------------------------------------------------------- roles and heads
#
# The only writers of `RoleAssignment` and `OrgUnit.head` besides the HR import (which takes
# the heads from the HR system's file). Who may give which role is decided in scoping.py
# (`roles_grantable`, `may_set_heads`); every change is an audit event, so the
# data-protection officer reads it in the audit log. docs/roles.md.

#: the audit events' source: the page "Rollen und Leitungen" (the admin passes its own)
ROLES_SOURCE = "Rollenverwaltung"


def person_label(user) -> str:
    """A user account as the audit log names people: "Vorname Nachname (login)"."""
    name = user.get_full_name()
    return f"{name} ({user.username})" if name else user.username


def _role_label(role: str, unit: OrgUnit | None) -> str:
    label = str(Role(role).label)
    return f"{label} – {unit}" if unit is not None else label


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            _("Bitte nennen Sie den Grund oder das Aktenzeichen (z. B. „Verfügung vom …“).")
        )
    return reason[:1000]


class _Directory:
    """The actor of a role change that no person made: the login through the directory
    synchronising the roles its groups manage (organisation/directory.py), or the single
    sign-on doing the same from the provider's claim (organisation/oidc.py). The directory's
    administrators decided who is in which group, so the checks of who may give a role do
    not apply; the audit event has no actor and names the directory as its source."""

    pk = None

    def __str__(self) -> str:
        return DIRECTORY_SOURCE


#: `by=DIRECTORY` for `role_grant` and `role_revoke` when the directory decides
DIRECTORY = _Directory()
#: the audit events' source of those changes
DIRECTORY_SOURCE = "Verzeichnis (LDAP)"
#: ... and of those the single sign-on makes (organisation/oidc.py), also with `by=DIRECTORY`
OIDC_SOURCE = "Single Sign-on (OpenID Connect)"


def _check_not_own(by, user) -> None:
    if by is DIRECTORY:
        return
    if user is not None and user.pk == by.pk:
        raise NotAllowed(
            _(
                "Ihre eigenen Rollen und Leitungen ändert eine andere berechtigte Person "
                "(Vier-Augen-Prinzip)."
            )
        )


def _check_may_give(by, role: str) -> None:
    if by is DIRECTORY:
        return
    if role not in roles_grantable(scope_for(by)):
        raise NotAllowed(
            _(
                "Die Rolle „%(role)s“ vergibt und entzieht nur die Systemadministration, "
                "auf schriftlichen Antrag."
            )
            % {"role": Role(role).label}
        )


def role_grant(
    *,
    user,
    role: str,
    unit: OrgUnit | None = None,
    by,
    reason: str,
    source: str = ROLES_SOURCE,
) -> RoleAssignment:
    """Give `user` the `role` (a supervisor role names the unit the person deputises, with
    all below). Refused: a role `by` may not give, one's own account, an inactive account,
    a role the person holds already (also a second click of the same form). `by` is a
    user, or `DIRECTORY` for the directory's login (then source `DIRECTORY_SOURCE`)."""
    if role not in Role.values:
        raise DomainError(_("Diese Rolle gibt es nicht."))
    _check_may_give(by, role)
    _check_not_own(by, user)
    reason = _check_reason(reason)
    if not user.is_active:
        raise DomainError(_("Das Benutzerkonto ist gesperrt; es erhält keine Rollen."))
    if role == Role.SUPERVISOR and unit is None:
        raise DomainError(
            _("Für die Rolle „Vorgesetzte“ (Vertretung) geben Sie die Organisationseinheit an.")
        )
    if role != Role.SUPERVISOR and unit is not None:
        raise DomainError(
            _("Nur die Rolle „Vorgesetzte“ gilt für eine Einheit; lassen Sie die Einheit leer.")
        )
    already = _("%(person)s hat die Rolle „%(role)s“ bereits.") % {
        "person": person_label(user),
        "role": _role_label(role, unit),
    }
    with transaction.atomic():
        # One grant per person at a time: a double click waits here, then finds the row.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        if RoleAssignment.objects.filter(user=user, role=role, unit=unit).exists():
            raise DomainError(already)
        try:
            with transaction.atomic():
                assignment = RoleAssignment.objects.create(user=user, role=role, unit=unit)
        except IntegrityError:
            raise DomainError(already) from None
        _audit_role(user, role, unit, given=True, by=by, reason=reason, source=source)
    forget_scope(user)
    return assignment


def _audit_role(user, role: str, unit, *, given: bool, by, reason: str, source: str) -> None:
    """The audit event of a role given or taken away, as the DPO reads it."""
    changes = {"Rolle": [str(Role(role).label)]}
    if unit is not None:
        changes["Einheit"] = [str(unit)]
    for values in changes.values():
        values.insert(0 if given else 1, "")  # before → after
    audit_event(
        actor=by,
        action="Rolle vergeben" if given else "Rolle entzogen",
        obj=user,
        label=person_label(user),
        changes=changes,
        reason=reason,
        source=source,
    )


def role_revoke(*, assignment: RoleAssignment, by, reason: str, source: str = ROLES_SOURCE) -> None:
    """Take the role of `assignment` away, with the same rules as giving it. A second
    click finds it gone and says so."""
    _check_may_give(by, assignment.role)
    _check_not_own(by, assignment.user)
    reason = _check_reason(reason)
    with transaction.atomic():
        locked = (
            RoleAssignment.objects.select_for_update(of=("self",))
            .filter(pk=assignment.pk)
            .select_related("user", "unit")
            .first()
        )
        if locked is None:
            raise DomainError(_("Diese Rolle ist bereits entzogen."))
        user = locked.user
        locked.delete()
        _audit_role(
            user, locked.role, locked.unit, given=False, by=by, reason=reason, source=source
        )
    forget_scope(user)


def org_unit_set_head(
    *,
    unit: OrgUnit,
    head: Employee | None,
    by,
    reason: str,
    source: str = ROLES_SOURCE,
) -> OrgUnit:
    """Make `head` the head of `unit` (None: the unit has no head). The personnel number
    kept from the import follows, so that the next import of the staff does not put the
    former head back. Refused: without the right, one's own headship (giving or losing
    it), a person who has left, a head the unit has already (a second click)."""
    scope = scope_for(by)
    if not may_set_heads(scope):
        raise NotAllowed(_("Leitungen setzt das Personalamt."))
    reason = _check_reason(reason)
    if head is not None and not head.is_active:
        raise DomainError(
            _("%(person)s ist ausgeschieden und kann keine Einheit leiten.") % {"person": head}
        )
    with transaction.atomic():
        locked = (
            OrgUnit.objects.select_for_update(of=("self",)).select_related("head").get(pk=unit.pk)
        )
        old = locked.head
        for person in (old, head):
            if person is not None and (person.user_id == by.pk or person.pk == scope.employee_id):
                _check_not_own(by, by)
        if locked.head_id == getattr(head, "pk", None):
            if head is None:
                raise DomainError(_("Die Einheit hat bereits keine Leitung."))
            raise DomainError(
                _("%(person)s leitet die Einheit bereits.") % {"person": head.full_name}
            )
        locked.head = head
        locked.head_personnel_number = head.personnel_number if head else ""
        locked.save(update_fields=["head", "head_personnel_number"])
        audit_event(
            actor=by,
            action="Leitung gesetzt" if head else "Leitung entfernt",
            obj=locked,
            changes={"Leitung": [str(old) if old else "", str(head) if head else ""]},
            reason=reason,
            source=source,
        )
    return locked
