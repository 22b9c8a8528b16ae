"""Writes of access: grants with their history, the access policy, and the hooks
that make access follow the agreement and the person.

A grant goes `requested -> active -> revoked` (workflow.GRANT_WORKFLOW, the one
table). Each service moves a grant only through the workflow, which locks the
grant, checks the move against the table, writes the history row
(`core.StatusChange`) and the audit event; provisioning is told after the commit.
A repeated action (double click) answers with IllegalTransition (409) and changes
nothing.

How access follows the agreement (docs/workflows/access.md):

- consent (agreements.hooks.agreement_consented): request VPN, or terminal-server access
  where the policy allows it and the person has no device, plus terminal-server
  access for the specialist applications of the person's unit; with auto-grant,
  activate them as far as the device rule allows once the agreement's access day
  has come (its start date less the policy's lead days; the daily job grants them
  then). IT granting earlier by hand is refused.
- a grant becomes active: the person's consented, waiting agreements try to
  activate.
- the agreement ends (agreements.hooks.agreement_ended): its grants move to the person's other
  active or ending agreement, or are revoked. Grants given for another reason
  (no agreement) are never touched.
- the person leaves (organisation.hooks.employees_left, and the daily job): every open
  grant is revoked at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import partial

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rathausmobil.access import provisioning, selectors
from rathausmobil.access.models import (
    OPEN_GRANT,
    AccessGrant,
    AccessKind,
    AccessPolicy,
    DeviceRule,
    GrantStatus,
    SpecialistApplication,
)
from rathausmobil.access.workflow import GRANT_WORKFLOW
from rathausmobil.core.audit import audit_event
from rathausmobil.core.dates import german_date
from rathausmobil.core.errors import DomainError, NotAllowed
from rathausmobil.core.workflow import IllegalTransition
from rathausmobil.organisation.models import Employee, Role
from rathausmobil.organisation.scoping import scope_for

G = GrantStatus
User = AbstractBaseUser

AUTO_GRANTED = "Automatisch erteilt nach den Zugangsregeln"
MIN_REVOKE_REASON = 5  # characters: "Projekt beendet", not "x"
MAX_LEAD_DAYS = 30
# Agreements that wait for their start: their access is prepared before it.
WAITING = ("pending", "agreed")


def _require_it(by: User | None) -> None:
    """`by=None` is the system (hooks, jobs); a person must be IT."""
    if by is not None and not scope_for(by).has(Role.IT):
        raise NotAllowed(_("Zugänge erteilt und entzieht die IT."))


def _locked(pk: int) -> AccessGrant:
    return GRANT_WORKFLOW.lock(AccessGrant(pk=pk), related=("employee", "agreement"))


# The one writer of each status: `_request` (requested), `_activate` (active),
# `_revoke` (revoked); the public services and the hooks call them. Provisioning
# runs after the commit and never raises (failures are recorded there and retried
# by reconciliation).


def _activate(grant: AccessGrant, *, by: User | None, reason: str = "", source: str = "") -> None:
    grant.granted_at = timezone.now()
    GRANT_WORKFLOW.transition(
        grant,
        G.ACTIVE,
        action="activate",
        by=by,
        reason=reason,
        source=source,
        fields=["granted_at"],
        after_commit=[partial(provisioning.grant_activated, grant.pk)],
    )


def _revoke(grant: AccessGrant, *, by: User | None, reason: str, source: str = "") -> None:
    grant.revoked_at = timezone.now()
    GRANT_WORKFLOW.transition(
        grant,
        G.REVOKED,
        action="revoke",
        by=by,
        reason=reason,
        source=source,
        fields=["revoked_at"],
        after_commit=[partial(provisioning.grant_revoked, grant.pk)],
    )


# --------------------------------------------------------------------------- request


def _target(kind: str, application: SpecialistApplication | None):
    """VPN goes to the default gateway; terminal-server access to the
    application's farm, or without an application to the default farm."""
    if kind == AccessKind.VPN:
        if application is not None:
            raise DomainError(_("Ein VPN-Zugang gehört zu keinem Fachverfahren."), code="invalid")
        gateway = selectors.default_gateway()
        if gateway is None:
            raise DomainError(_("Es ist noch kein VPN-Gateway eingerichtet."), code="invalid")
        return {"gateway": gateway, "farm": None}
    if kind == AccessKind.TERMINAL_SERVER:
        farm = application.farm if application else selectors.default_farm()
        if farm is None:
            raise DomainError(
                _("Es ist noch keine Terminalserver-Farm eingerichtet."), code="invalid"
            )
        return {"gateway": None, "farm": farm}
    raise DomainError(_("Unbekannte Art des Zugangs."), code="invalid")


def _already_open(employee: Employee, kind: str, application) -> IllegalTransition:
    if kind == AccessKind.TERMINAL_SERVER and application is not None:
        message = _(
            "%(person)s hat bereits einen offenen Terminalserver-Zugang für %(application)s."
        )
    elif kind == AccessKind.TERMINAL_SERVER:
        message = _("%(person)s hat bereits einen offenen Terminalserver-Zugang.")
    else:  # VPN belongs to no application (_target says so first)
        message = _("%(person)s hat bereits einen offenen VPN-Zugang.")
    return IllegalTransition(
        message % {"person": employee.full_name, "application": getattr(application, "name", "")}
    )


def _request(
    *,
    employee: Employee,
    kind: str,
    by: User | None,
    agreement=None,
    application: SpecialistApplication | None = None,
    reason: str = "",
    source: str = "",
) -> AccessGrant:
    if not employee.is_active:
        raise DomainError(_("Die Person ist nicht mehr beschäftigt."), code="invalid")
    if agreement is not None:
        from rathausmobil.agreements.models import AgreementStatus

        if agreement.employee_id != employee.pk:
            raise DomainError(_("Die Vereinbarung gehört zu einer anderen Person."), code="invalid")
        if agreement.status not in (
            AgreementStatus.PENDING,
            AgreementStatus.AGREED,
            AgreementStatus.ACTIVE,
            AgreementStatus.ENDING,
        ):
            raise DomainError(_("Die Vereinbarung ist nicht mehr offen."), code="invalid")
    elif not reason.strip():
        raise DomainError(
            _("Ein Zugang ohne Vereinbarung braucht einen Anlass (z. B. Rufbereitschaft)."),
            code="invalid",
        )
    grant = AccessGrant(
        employee=employee,
        kind=kind,
        application=application,
        agreement=agreement,
        reason=reason.strip() if agreement is None else "",
        status=G.REQUESTED,
        **_target(kind, application),
    )
    try:
        with transaction.atomic():  # a savepoint: the constraint may say no
            grant.save()
    except IntegrityError:
        raise _already_open(employee, kind, application) from None
    GRANT_WORKFLOW.start(
        grant,
        action="request",
        by=by,
        reason=reason.strip() if agreement is None else f"Vereinbarung {agreement.pk}",
        source=source,
    )
    return grant


def grant_request(
    *,
    employee: Employee,
    kind: str,
    by: User,
    agreement=None,
    application: SpecialistApplication | None = None,
    reason: str = "",
) -> AccessGrant:
    """Request access for a person: with the agreement it serves, or without one
    for a stated reason (on-call duty, IT administration, leadership)."""
    _require_it(by)
    with transaction.atomic():
        return _request(
            employee=employee,
            kind=kind,
            by=by,
            agreement=agreement,
            application=application,
            reason=reason,
        )


# --------------------------------------------------------------------------- activate and revoke


def _consented_waiting_agreements(employee_id: int, *, lock: bool):
    from rathausmobil.agreements.models import Agreement, AgreementStatus

    agreements = Agreement.objects.filter(
        employee_id=employee_id,
        status__in=[AgreementStatus.PENDING, AgreementStatus.AGREED],
        accepted_at__isnull=False,
    ).order_by("pk")
    if lock:
        agreements = agreements.select_for_update(of=("self",))
    return list(agreements)


def _refuse_before_access_day(grant: AccessGrant, today: dt.date) -> None:
    """Access for an agreement that has not begun is granted from its access day on
    (start date less the lead days), not earlier; a grant without agreement is
    unaffected."""
    day = selectors.grantable_from(grant, AccessPolicy.current())
    if day is not None and today < day:
        raise DomainError(
            _(
                "Dieser Zugang gehört zu einer Vereinbarung, die am %(start)s beginnt. Er wird "
                "frühestens am %(date)s erteilt (%(days)s Tage vor Beginn, siehe Zugangsregeln)."
            )
            % {
                "start": german_date(grant.agreement.start_date),
                "date": german_date(day),
                "days": (grant.agreement.start_date - day).days,
            },
            code="too_early",
        )


def grant_activate(*, grant: AccessGrant, by: User, today: dt.date | None = None) -> AccessGrant:
    """IT grants the access. Capacity is never a block (see selectors.capacity); the
    access day of the grant's agreement is. Afterwards the person's consented,
    waiting agreements try to activate."""
    from rathausmobil.agreements.models import AgreementStatus
    from rathausmobil.agreements.services import agreement_try_activate

    _require_it(by)
    today = today or timezone.localdate()
    with transaction.atomic():
        # Lock order as in the agreement workflow: agreements first, then grants.
        waiting = _consented_waiting_agreements(grant.employee_id, lock=True)
        grant = _locked(grant.pk)
        GRANT_WORKFLOW.check(grant, G.ACTIVE, "activate")
        if not grant.employee.is_active:
            raise DomainError(_("Die Person ist nicht mehr beschäftigt."), code="invalid")
        if grant.agreement and grant.agreement.status in (
            AgreementStatus.ENDED,
            AgreementStatus.DECLINED,
        ):
            raise DomainError(
                _("Die Vereinbarung zu diesem Zugang ist nicht mehr offen."), code="invalid"
            )
        _refuse_before_access_day(grant, today)
        _activate(grant, by=by)
        for agreement in waiting:
            agreement_try_activate(agreement=agreement, by=by, today=today)
    return grant


def grant_revoke(*, grant: AccessGrant, by: User, reason: str) -> AccessGrant:
    _require_it(by)
    reason = (reason or "").strip()
    if len(reason) < MIN_REVOKE_REASON:
        raise DomainError(_("Bitte angeben, warum der Zugang entzogen wird."), code="invalid")
    with transaction.atomic():
        grant = _locked(grant.pk)
        _revoke(grant, by=by, reason=reason)
    return grant


def grants_revoke_for(*, employee_ids: Iterable[int], reason: str, source: str = "") -> int:
    """Revoke every open grant of these people (leavers). Returns how many."""
    ids = list(employee_ids)
    count = 0
    with transaction.atomic():
        for grant in (
            AccessGrant.objects.select_for_update()
            .filter(employee_id__in=ids, status__in=OPEN_GRANT)
            .order_by("pk")
        ):
            _revoke(grant, by=None, reason=reason, source=source)
            count += 1
    return count


def _successor(employee_id: int, *, exclude: int | None):
    """The person's other agreement that keeps access: active or ending."""
    from rathausmobil.agreements.models import Agreement, AgreementStatus

    return (
        Agreement.objects.filter(
            employee_id=employee_id,
            employee__is_active=True,
            status__in=[AgreementStatus.ACTIVE, AgreementStatus.ENDING],
        )
        .exclude(pk=exclude)
        .order_by("status", "-start_date", "-pk")  # "active" before "ending"
        .first()
    )


def _move(grant: AccessGrant, successor, *, source: str = "") -> None:
    """The grant goes on with the person's other agreement (a same-status event)."""
    old = grant.agreement_id
    grant.agreement = successor
    grant.save(update_fields=["agreement"])
    GRANT_WORKFLOW.record(
        grant,
        action="move",
        by=None,
        reason=f"Vereinbarung {old} beendet; weiter mit Vereinbarung {successor.pk}",
        source=source,
        changes={"Vereinbarung": [str(old), str(successor.pk)]},
    )


def grant_settle(*, grant: AccessGrant, source: str = "") -> str | None:
    """Re-check an open grant under a lock: a leaver's grant is revoked; a grant
    whose agreement has ended (or was declined) moves to the person's other active
    or ending agreement, or is revoked. Returns "revoked", "moved" or None."""
    from rathausmobil.agreements.models import AgreementStatus

    with transaction.atomic():
        grant = _locked(grant.pk)
        if grant.status not in OPEN_GRANT:
            return None
        if not grant.employee.is_active:
            _revoke(grant, by=None, reason="Ausgeschieden aus dem Dienst", source=source)
            return "revoked"
        agreement = grant.agreement
        if agreement is None or agreement.status not in (
            AgreementStatus.ENDED,
            AgreementStatus.DECLINED,
        ):
            return None
        successor = _successor(grant.employee_id, exclude=agreement.pk)
        if successor is not None:
            _move(grant, successor, source=source)
            return "moved"
        _revoke(
            grant,
            by=None,
            # The kind of the ending is a reason of a decision: IT reads only that it ended.
            reason=f"Vereinbarung {agreement.pk} beendet",
            source=source,
        )
        return "revoked"


# --------------------------------------------------------------------------- policy


def policy_update(
    *, by: User, auto_grant: bool, device_rule: str, lead_days: int | None = None
) -> AccessPolicy:
    """IT or HR set whether access is granted automatically, the device rule, and how
    many days before an agreement's start its access is granted (`None` keeps it)."""
    if not scope_for(by).has(Role.IT, Role.HR):
        raise NotAllowed(_("Die Zugangsregeln legen IT und Personalamt fest."))
    if device_rule not in DeviceRule.values:
        raise DomainError(_("Unbekannte Geräteregel."), code="invalid")
    if lead_days is not None and not 0 <= lead_days <= MAX_LEAD_DAYS:
        raise DomainError(
            _("Vorlauf für den Zugang: 0 bis %(max)s Tage.") % {"max": MAX_LEAD_DAYS},
            code="invalid",
        )
    with transaction.atomic():
        AccessPolicy.current()
        policy = AccessPolicy.objects.select_for_update().get(pk=1)
        changes = {}
        if policy.auto_grant != auto_grant:
            changes["automatisch erteilen"] = [
                "ja" if policy.auto_grant else "nein",
                "ja" if auto_grant else "nein",
            ]
        if policy.device_rule != device_rule:
            changes["Geräteregel"] = [
                str(DeviceRule(policy.device_rule).label),
                str(DeviceRule(device_rule).label),
            ]
        if lead_days is not None and policy.lead_days != lead_days:
            changes["Tage vor Beginn"] = [str(policy.lead_days), str(lead_days)]
            policy.lead_days = lead_days
        policy.auto_grant, policy.device_rule, policy.updated_by = auto_grant, device_rule, by
        policy.save()
        if changes:
            audit_event(actor=by, action="Zugangsregeln geändert", obj=policy, changes=changes)
    return policy


# --------------------------------------------------------------------------- hooks


def planned_access(
    employee, policy: AccessPolicy
) -> list[tuple[str, SpecialistApplication | None]]:
    """What mobile work needs for this person: (kind, application) pairs.

    Every kind of mobile work needs the VPN, except under TERMINAL_SERVER_ALLOWED
    for a person without any official device (and without an open VPN grant):
    then terminal-server access on the default farm instead. Plus terminal-server
    access for every specialist application of the person's unit or a unit above.
    """
    wanted: list[tuple[str, SpecialistApplication | None]] = []
    if (
        policy.device_rule == DeviceRule.TERMINAL_SERVER_ALLOWED
        and selectors.default_farm() is not None
        and selectors.open_grant(employee.pk, AccessKind.VPN) is None
        and not selectors.holds_any_device(employee.pk)
    ):
        wanted.append((AccessKind.TERMINAL_SERVER, None))
    else:
        wanted.append((AccessKind.VPN, None))
    wanted += [
        (AccessKind.TERMINAL_SERVER, app) for app in selectors.applications_for_unit(employee.unit)
    ]
    return wanted


def _may_auto_grant(grant: AccessGrant, policy: AccessPolicy) -> bool:
    if grant.kind == AccessKind.VPN:
        return selectors.vpn_device_rule_met(grant.employee_id, policy)
    return True  # a terminal server is reached from any device: that is its point


def _prepare_access(agreement, *, today: dt.date, source: str) -> int:
    """Request what the agreement's access lacks and, by policy, grant it once the
    agreement's access day has come. Only adds what is missing; returns how many
    grants it activated. Runs in the caller's transaction, the agreement locked."""
    if not selectors.access_managed():
        return 0
    employee = agreement.employee
    if not employee.is_active:
        return 0
    policy = AccessPolicy.current()
    due = selectors.access_day(agreement, policy) <= today
    activated = 0
    for kind, application in planned_access(employee, policy):
        grant = selectors.open_grant(employee.pk, kind, application.pk if application else None)
        if grant is None:
            try:
                grant = _request(
                    employee=employee,
                    kind=kind,
                    by=None,
                    agreement=agreement,
                    application=application,
                    source=source,
                )
            except IllegalTransition:  # requested at the same moment elsewhere
                continue
        if (
            due
            and policy.auto_grant
            and grant.status == G.REQUESTED
            and _may_auto_grant(grant, policy)
        ):
            grant = _locked(grant.pk)
            if grant.status == G.REQUESTED:
                _activate(grant, by=None, reason=AUTO_GRANTED, source=source)
                activated += 1
    return activated


def on_agreement_consented(agreement, today: dt.date) -> None:
    """The employee has consented (agreements.hooks.agreement_consented). Request what
    is missing and, by policy, grant it once the access day has come. Runs on every
    activation attempt, so it only adds what is missing. Never activates the
    agreement itself: the workflow checks the prerequisites right after this hook."""
    _prepare_access(agreement, today=today, source=f"Vereinbarung {agreement.pk}")


def access_grant_due(*, agreement, today: dt.date) -> int:
    """The daily job: the access of a consented agreement whose access day has come
    is requested and, by policy, granted (the agreement itself becomes active on its
    start date, in the agreements' job). Safe to repeat; returns how many grants it
    activated."""
    from rathausmobil.agreements.models import Agreement

    with transaction.atomic():
        # Lock order as in the agreement workflow: agreements first, then grants.
        agreement = (
            Agreement.objects.select_for_update(of=("self",))
            .select_related("employee__unit")
            .get(pk=agreement.pk)
        )
        if agreement.status not in WAITING or agreement.accepted_at is None:
            return 0
        return _prepare_access(agreement, today=today, source="run_due_jobs")


def on_agreement_ended(agreement) -> None:
    """The agreement has ended (agreements.hooks.agreement_ended): the grants that came with it move to the person's other
    active or ending agreement, or are revoked."""
    source = f"Vereinbarung {agreement.pk}"
    for grant in AccessGrant.objects.filter(agreement=agreement, status__in=OPEN_GRANT).order_by(
        "pk"
    ):
        grant_settle(grant=grant, source=source)


def on_employees_left(employee_ids: list[int]) -> None:
    """The HR import has deactivated these people (after its commit)."""
    grants_revoke_for(
        employee_ids=employee_ids, reason="Ausgeschieden aus dem Dienst", source="Personalimport"
    )


def on_device_handed_over(employee_id: int, device_id: int) -> None:
    """A device was handed over (after its commit): agreements waiting for a device
    (and, by the device rule, for VPN) get another activation attempt."""
    from rathausmobil.agreements import services as agreements
    from rathausmobil.agreements.models import Agreement, AgreementStatus

    for agreement in Agreement.objects.filter(
        employee_id=employee_id,
        status__in=[AgreementStatus.PENDING, AgreementStatus.AGREED],
        accepted_at__isnull=False,
    ):
        agreements.agreement_try_activate(agreement=agreement)
