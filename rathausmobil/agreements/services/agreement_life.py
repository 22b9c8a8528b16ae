"""The life of an agreement: created pending, the employee's consent, agreed once
everything that can be met before the start is met, active from the start date
with every prerequisite, the telework workstation, notice, the end, renewal, the
reminder before expiry, and a pandemic agreement that ends with its period.

One function makes each move: `_give_notice` is the only writer of ENDING and
`_end` the only writer of ENDED (and the only sender of `hooks.agreement_ended`);
a return, a revocation, the hand-over to a new agreement and the daily job call
them.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rathausmobil.agreements import hooks
from rathausmobil.agreements import notifications as mail
from rathausmobil.agreements.models import (
    Agreement,
    AgreementStatus,
    EndKind,
    Offer,
    RuleSettings,
    WorkKind,
    WorkRequest,
)
from rathausmobil.agreements.prerequisites import prerequisites_of
from rathausmobil.agreements.services.shared import (
    MIN_JUSTIFICATION,
    PERSON,
    pandemic_period_on,
    pattern_values,
    require_employer_side,
    require_owner,
    responsible_unit,
    today_or,
)
from rathausmobil.agreements.workflow import AGREEMENT_WORKFLOW
from rathausmobil.core.audit import audit_event
from rathausmobil.core.dates import add_months, german_date
from rathausmobil.core.errors import DomainError
from rathausmobil.core.workflow import IllegalTransition
from rathausmobil.organisation.scoping import scope_for

if TYPE_CHECKING:
    from django.contrib.auth.models import User

A = AgreementStatus

# --------------------------------------------------------------------------- coming into being


def agreement_create_from(
    *,
    source: WorkRequest | Offer,
    by: User,
    today: dt.date,
    request: WorkRequest | None = None,
    offer: Offer | None = None,
) -> Agreement:
    """A pending agreement from an approved request or an accepted offer. Runs in
    the transaction of the approval or acceptance."""
    rules = RuleSettings.current()
    employee = source.employee
    start = max(source.start_date, today)
    first = not Agreement.objects.filter(
        employee=employee, status__in=[A.ACTIVE, A.ENDING, A.ENDED]
    ).exists()
    latest_end = add_months(start, rules.max_term_months) - dt.timedelta(days=1)
    end = min(source.end_date, latest_end) if source.end_date else latest_end
    if source.kind == WorkKind.PANDEMIC:
        # The duty it answers ends with the period: so does the agreement.
        period = pandemic_period_on(start)
        if period is not None and period.end_date and period.end_date < end:
            end = period.end_date
    values = pattern_values(source)
    values.update(start_date=start, end_date=end)
    agreement = Agreement.objects.create(
        employee=employee,
        request=request,
        offer=offer,
        open_end=source.end_date is None,
        trial_end_date=add_months(start, rules.trial_months) - dt.timedelta(days=1)
        if first and rules.trial_months
        else None,
        quota_exception_reason=getattr(source, "quota_exception_reason", ""),
        **values,
    )
    AGREEMENT_WORKFLOW.start(agreement, action="create", by=by)
    return agreement


# --------------------------------------------------------------------------- consent and activation


def agreement_accept(*, agreement: Agreement, by: User, today: dt.date | None = None) -> Agreement:
    require_owner(agreement, by)
    with transaction.atomic():
        agreement = AGREEMENT_WORKFLOW.lock(agreement, related=PERSON)
        AGREEMENT_WORKFLOW.check(agreement, A.PENDING, "accept")
        if agreement.accepted_at:
            raise IllegalTransition(_("Sie haben dieser Vereinbarung bereits zugestimmt."))
        agreement_record_consent(agreement=agreement, by=by, at=timezone.now(), today=today)
    return agreement


def agreement_record_consent(
    *, agreement: Agreement, by: User, at: dt.datetime, today: dt.date | None
) -> None:
    """Record the employee's explicit consent, then activate if everything else is
    met. Runs in the caller's transaction, on the locked (or just created) row."""
    AGREEMENT_WORKFLOW.check(agreement, A.PENDING, "accept")
    agreement.accepted_at = at
    agreement.save(update_fields=["accepted_at"])
    AGREEMENT_WORKFLOW.record(agreement, action="accept", by=by)
    agreement_activate_if_ready(agreement=agreement, by=by, today=today)


def agreement_decline(*, agreement: Agreement, by: User, reason: str = "") -> Agreement:
    require_owner(agreement, by)
    with transaction.atomic():
        agreement = AGREEMENT_WORKFLOW.lock(agreement, related=PERSON)
        # Until it is active, consent can be taken back without notice.
        AGREEMENT_WORKFLOW.transition(
            agreement, A.DECLINED, action="decline", by=by, reason=reason.strip()
        )
    return agreement


WORKSTATION_FIELDS = ("home_address", "equipment_list", "risk_assessment_date")


def agreement_set_workstation(
    *,
    agreement: Agreement,
    by: User,
    home_address: str,
    equipment_list: str,
    risk_assessment_date: dt.date | None,
    today: dt.date | None = None,
) -> Agreement:
    """Telearbeit: the home workstation's address, equipment and risk assessment."""
    scope = scope_for(by)
    if scope.employee_id != agreement.employee_id:
        require_employer_side(agreement.employee, by)
    if risk_assessment_date and risk_assessment_date > today_or(today):
        raise DomainError(
            _("Die Gefährdungsbeurteilung kann nicht in der Zukunft liegen."), code="invalid"
        )
    with transaction.atomic():
        agreement = AGREEMENT_WORKFLOW.lock(agreement, related=PERSON)
        if agreement.kind != WorkKind.TELEWORK:
            raise DomainError(
                _("Nur Telearbeit braucht einen festen häuslichen Arbeitsplatz."), code="invalid"
            )
        if not AGREEMENT_WORKFLOW.allows(agreement.status, agreement.status, "update"):
            raise IllegalTransition(_("Die Vereinbarung ist nicht mehr offen."))
        before = {name: getattr(agreement, name) for name in WORKSTATION_FIELDS}
        agreement.home_address = home_address.strip()
        agreement.equipment_list = equipment_list.strip()
        agreement.risk_assessment_date = risk_assessment_date
        agreement.save(update_fields=list(WORKSTATION_FIELDS))
        AGREEMENT_WORKFLOW.record(
            agreement,
            action="update",
            by=by,
            reason=_("Angaben zum Telearbeitsplatz"),
            changes={
                str(Agreement._meta.get_field(name).verbose_name): [
                    str(before[name] or ""),
                    str(getattr(agreement, name) or ""),
                ]
                for name in WORKSTATION_FIELDS
                if before[name] != getattr(agreement, name)
            },
        )
        agreement_activate_if_ready(agreement=agreement, by=by, today=today)
    return agreement


def agreement_try_activate(
    *,
    agreement: Agreement,
    by: User | None = None,
    today: dt.date | None = None,
    source: str = "",
) -> bool:
    """Move a consented agreement on as far as it may go (agreed, or active on its start
    date); other capabilities call this when they fulfil a prerequisite (a device
    handed over, access granted), the daily job on the start date. True when it
    became active."""
    with transaction.atomic():
        agreement = AGREEMENT_WORKFLOW.lock(agreement, related=PERSON)
        return agreement_activate_if_ready(agreement=agreement, by=by, today=today, source=source)


def agreement_activate_if_ready(
    *, agreement: Agreement, by: User | None, today: dt.date | None, source: str = ""
) -> bool:
    """On the locked row, in the caller's transaction (`agreement_try_activate` is the
    service of its own): a pending or agreed agreement becomes

    - `active` when its start date has come and every prerequisite is met;
    - `agreed` (from pending) when the person has consented and every prerequisite
      that can be met before the start is met, but the start date lies ahead or what
      is only met around the start (access) is still missing.

    Returns True when it became active."""
    if agreement.status not in (A.PENDING, A.AGREED):
        return False
    today = today_or(today)
    if agreement.accepted_at:
        # Once the employee has consented, other capabilities prepare what the
        # agreement needs (e.g. request access, and grant it once its day has come).
        hooks.agreement_consented.send(agreement, today)
    prerequisites = prerequisites_of(agreement)
    if not all(p.met for p in prerequisites if not p.at_start):
        return False
    if agreement.start_date <= today and all(p.met for p in prerequisites):
        _activate(agreement, by=by, today=today, source=source)
        return True
    if agreement.status == A.PENDING:
        _agree(agreement, by=by, source=source)
    return False


def _agree(agreement: Agreement, *, by: User | None, source: str = "") -> None:
    """The one writer of AGREED."""
    AGREEMENT_WORKFLOW.transition(agreement, A.AGREED, action="agree", by=by, source=source)
    mail.send(
        to=[mail.employee_user(agreement.employee)],
        subject=_("Ihre Vereinbarung über mobiles Arbeiten ist vereinbart"),
        body=_(
            "%(kind)s ist vereinbart und beginnt am %(start)s (bis %(end)s). Ihr Zugang wird "
            "kurz vor Beginn eingerichtet; ab dem %(start)s können Sie mobil arbeiten."
        )
        % {
            "kind": agreement.get_kind_display(),
            "start": german_date(agreement.start_date),
            "end": german_date(agreement.end_date),
        },
        url=mail.link("agreements:mine"),
    )


def _activate(agreement: Agreement, *, by: User | None, today: dt.date, source: str = "") -> None:
    """The one writer of ACTIVE."""
    agreement.activated_at = timezone.now()
    AGREEMENT_WORKFLOW.transition(
        agreement, A.ACTIVE, action="activate", by=by, fields=("activated_at",), source=source
    )
    _hand_over(agreement, by=by, today=today)
    mail.send(
        to=[mail.employee_user(agreement.employee)],
        subject=_("Ihre Vereinbarung über mobiles Arbeiten ist aktiv"),
        body=_("%(kind)s gilt ab %(start)s bis %(end)s.")
        % {
            "kind": agreement.get_kind_display(),
            "start": german_date(agreement.start_date),
            "end": german_date(agreement.end_date),
        },
        url=mail.link("agreements:mine"),
    )


def _hand_over(agreement: Agreement, *, by: User | None, today: dt.date) -> None:
    """A new agreement replaces the person's current one: that one ends the day before
    the new one became active (its start date, or today when it became active later).
    A renewal leaves the agreement it renews alone: that one runs to its end, the day
    before the renewal starts. An agreement already given notice to an earlier date
    ends by itself."""
    effective = max(agreement.start_date, today) - dt.timedelta(days=1)
    older_ones = (
        Agreement.objects.select_for_update(of=("self",))
        .filter(employee=agreement.employee, status__in=[A.ACTIVE, A.ENDING])
        .exclude(pk=agreement.pk)
    )
    for older in older_ones:
        if older.pk == agreement.renewal_of_id:
            continue
        if older.status == A.ENDING and older.effective_end_date <= effective:
            continue
        reason = _("Ersetzt durch Vereinbarung %(pk)s") % {"pk": agreement.pk}
        note = _("%(reason)s zum %(date)s") % {"reason": reason, "date": german_date(effective)}
        _end(older, by=by, kind=EndKind.REPLACED, reason=reason, effective=effective, note=note)


# --------------------------------------------------------------------------- notice and end


def _give_notice(
    agreement: Agreement,
    *,
    by: User | None,
    kind: str,
    reason: str,
    effective: dt.date,
    note: str | None = None,
) -> None:
    """The one writer of ENDING: notice is given with effect from `effective` (at the
    latest the end of the term). `note` is the history's reason (by default the
    kind of ending, the date and the reason). Runs in the caller's transaction."""
    if agreement.end_date and agreement.end_date < effective:
        effective = agreement.end_date
    agreement.end_kind, agreement.end_reason = kind, reason
    agreement.notice_given_at, agreement.effective_end_date = timezone.now(), effective
    if note is None:
        note = _("%(kind)s zum %(date)s") % {
            "kind": EndKind(kind).label,
            "date": german_date(effective),
        }
        if reason:
            note += f": {reason}"
    AGREEMENT_WORKFLOW.transition(
        agreement,
        A.ENDING,
        action="give_notice",
        by=by,
        reason=note,
        fields=("end_kind", "end_reason", "notice_given_at", "effective_end_date"),
    )


def _end(
    agreement: Agreement,
    *,
    by: User | None,
    kind: str,
    reason: str,
    effective: dt.date,
    note: str,
    declared_at: dt.datetime | None = None,
    source: str = "",
) -> None:
    """The one writer of ENDED: the agreement ends with effect from `effective`, and
    `hooks.agreement_ended` lets other capabilities let go of what came with it.
    `note` is the history's reason; `declared_at`, when the ending was declared at
    once (a revocation for good cause). Runs in the caller's transaction."""
    agreement.end_kind, agreement.end_reason = kind, reason
    agreement.effective_end_date = effective
    fields = ["end_kind", "end_reason", "effective_end_date"]
    if declared_at is not None:
        agreement.notice_given_at = declared_at
        fields.append("notice_given_at")
    AGREEMENT_WORKFLOW.transition(
        agreement, A.ENDED, action="end", by=by, reason=note, fields=fields, source=source
    )
    hooks.agreement_ended.send(agreement)


def agreement_return(
    *, agreement: Agreement, by: User, reason: str = "", today: dt.date | None = None
) -> Agreement:
    """The employee returns to the office with the notice period (default 4 weeks)."""
    today = today_or(today)
    require_owner(agreement, by)
    rules = RuleSettings.current()
    with transaction.atomic():
        agreement = AGREEMENT_WORKFLOW.lock(agreement, related=PERSON)
        effective = today + dt.timedelta(weeks=rules.employee_notice_weeks)
        _give_notice(
            agreement, by=by, kind=EndKind.RETURN, reason=reason.strip(), effective=effective
        )
        mail.send(
            to=mail.deciders_of(responsible_unit(agreement.employee)),
            subject=_("Rückkehr ins Büro"),
            body=_("%(name)s kehrt zum %(date)s ins Büro zurück.")
            % {
                "name": agreement.employee.full_name,
                "date": german_date(agreement.effective_end_date),
            },
            url=mail.link("agreements:agreement_detail", agreement.pk),
        )
    return agreement


def agreement_revoke(
    *,
    agreement: Agreement,
    by: User,
    reason: str,
    at_once: bool = False,
    today: dt.date | None = None,
) -> Agreement:
    """The employer revokes: with notice (default 3 months), or at once for good
    cause; always with a written reason."""
    today = today_or(today)
    reason = (reason or "").strip()
    if len(reason) < MIN_JUSTIFICATION:
        raise DomainError(
            _("Ein Widerruf muss schriftlich begründet werden (mindestens %(min)s Zeichen).")
            % {"min": MIN_JUSTIFICATION},
            code="invalid",
        )
    rules = RuleSettings.current()
    with transaction.atomic():
        agreement = AGREEMENT_WORKFLOW.lock(agreement, related=PERSON)
        require_employer_side(agreement.employee, by)
        if at_once:
            _end(
                agreement,
                by=by,
                kind=EndKind.REVOKE_AT_ONCE,
                reason=reason,
                effective=today,
                note=reason,
                declared_at=timezone.now(),
            )
        else:
            effective = add_months(today, rules.employer_notice_months)
            _give_notice(agreement, by=by, kind=EndKind.REVOKE, reason=reason, effective=effective)
        mail.send(
            to=[mail.employee_user(agreement.employee)],
            subject=_("Widerruf Ihrer Vereinbarung über mobiles Arbeiten"),
            body=_("Ihre Vereinbarung endet am %(date)s. Begründung: %(reason)s")
            % {"date": german_date(agreement.effective_end_date), "reason": reason},
            url=mail.link("agreements:mine"),
        )
    return agreement


def _due_ending(agreement: Agreement, today: dt.date) -> tuple[str, str] | None:
    """Why the agreement ends today, if it does: (end kind, end reason)."""
    status = agreement.status
    if status == A.ENDING and agreement.effective_end_date <= today:
        return agreement.end_kind, agreement.end_reason
    if status in (A.ACTIVE, A.PENDING, A.AGREED, A.ENDING) and not agreement.employee.is_active:
        return EndKind.LEFT, _("Ausscheiden aus dem Dienst")
    if (
        status in (A.ACTIVE, A.PENDING, A.AGREED)
        and agreement.end_date
        and agreement.end_date < today
    ):
        if status == A.ACTIVE:
            return EndKind.EXPIRY, _("Laufzeit abgelaufen")
        return EndKind.EXPIRY, _("Laufzeit abgelaufen, ohne dass die Vereinbarung wirksam wurde")
    return None


def agreement_end_due(*, agreement: Agreement, today: dt.date | None = None) -> bool:
    """End at the effective date of a notice, at the end of the term, or when the
    person has left. Safe to repeat."""
    today = today_or(today)
    with transaction.atomic():
        agreement = AGREEMENT_WORKFLOW.lock(agreement, related=PERSON)
        due = _due_ending(agreement, today)
        if due is None:
            return False
        kind, reason = due
        effective = agreement.effective_end_date
        if effective is None or kind in (EndKind.LEFT, EndKind.EXPIRY):
            effective = min(today, agreement.end_date or today)
        _end(
            agreement,
            by=None,
            kind=kind,
            reason=reason,
            effective=effective,
            note=str(EndKind(kind).label),
            source="run_due_jobs",
        )
    return True


# --------------------------------------------------------------------------- renewal and reminder


def agreement_renew(
    *, agreement: Agreement, by: User, end_date: dt.date | None = None, today: dt.date | None = None
) -> Agreement:
    """A follow-up agreement from the day after the current one ends; the employee
    must agree again."""
    with transaction.atomic():
        agreement = AGREEMENT_WORKFLOW.lock(agreement, related=PERSON)
        require_employer_side(agreement.employee, by)
        if agreement.status != A.ACTIVE or agreement.end_kind:
            raise IllegalTransition(
                _("Nur eine laufende, ungekündigte Vereinbarung kann verlängert werden.")
            )
        if hasattr(agreement, "renewal"):
            raise IllegalTransition(_("Für diese Vereinbarung gibt es schon eine Verlängerung."))
        rules = RuleSettings.current()
        start = agreement.end_date + dt.timedelta(days=1)
        latest = add_months(start, rules.max_term_months) - dt.timedelta(days=1)
        if end_date and end_date <= start:
            raise DomainError(
                _("Das neue Ende muss nach dem Beginn der Verlängerung liegen."), code="invalid"
            )
        values = pattern_values(agreement)
        values.update(start_date=start, end_date=min(end_date, latest) if end_date else latest)
        renewal = Agreement.objects.create(
            employee=agreement.employee,
            renewal_of=agreement,
            open_end=end_date is None,
            quota_exception_reason=agreement.quota_exception_reason,
            home_address=agreement.home_address,
            equipment_list=agreement.equipment_list,
            risk_assessment_date=agreement.risk_assessment_date,
            **values,
        )
        AGREEMENT_WORKFLOW.start(
            renewal,
            action="create",
            by=by,
            reason=_("Verlängerung von Vereinbarung %(pk)s") % {"pk": agreement.pk},
        )
        mail.send(
            to=[mail.employee_user(agreement.employee)],
            subject=_("Verlängerung Ihrer Vereinbarung über mobiles Arbeiten"),
            body=_(
                "Ihnen wird die Verlängerung bis %(date)s angeboten. Bitte stimmen Sie zu, "
                "wenn Sie möchten."
            )
            % {"date": german_date(renewal.end_date)},
            url=mail.link("agreements:mine"),
        )
    return renewal


def agreement_remind_expiry(*, agreement: Agreement, today: dt.date | None = None) -> bool:
    today = today_or(today)
    rules = RuleSettings.current()
    with transaction.atomic():
        agreement = AGREEMENT_WORKFLOW.lock(agreement, related=PERSON)
        if (
            agreement.status != A.ACTIVE
            or agreement.end_kind
            or agreement.expiry_reminder_sent_on
            or not agreement.end_date
            or (agreement.end_date - today).days > rules.expiry_reminder_days
            or hasattr(agreement, "renewal")
        ):
            return False
        agreement.expiry_reminder_sent_on = today
        agreement.save(update_fields=["expiry_reminder_sent_on"])
        audit_event(actor=None, action=_("Erinnerung Ablauf"), obj=agreement, source="run_due_jobs")
        if agreement.kind == WorkKind.PANDEMIC:
            _ask_to_go_on(agreement)
        else:
            mail.send(
                to=[
                    mail.employee_user(agreement.employee),
                    *mail.deciders_of(responsible_unit(agreement.employee)),
                ],
                subject=_("Vereinbarung über mobiles Arbeiten läuft aus"),
                body=_(
                    "Die Vereinbarung von %(name)s endet am %(date)s. Soll sie verlängert werden?"
                )
                % {"name": agreement.employee.full_name, "date": german_date(agreement.end_date)},
                url=mail.link("agreements:agreement_detail", agreement.pk),
            )
    return True


def _ask_to_go_on(agreement: Agreement) -> None:
    """A pandemic agreement ends with the duty it answers: ask the person whether to go
    on under a normal agreement (a request, which the head decides as any other)."""
    mail.send(
        to=[
            mail.employee_user(agreement.employee),
            *mail.deciders_of(responsible_unit(agreement.employee)),
        ],
        subject=_("Pandemie-Angebot endet: weiter mobil arbeiten?"),
        body=_(
            "Die Vereinbarung von %(name)s über das Pandemie-Angebot endet mit der "
            "Homeoffice-Angebotspflicht am %(date)s. Wer danach weiter mobil arbeiten möchte, "
            "beantragt bitte rechtzeitig eine Vereinbarung über alternierende mobile Arbeit."
        )
        % {"name": agreement.employee.full_name, "date": german_date(agreement.end_date)},
        url=mail.link("agreements:request_new"),
    )


# --------------------------------------------------------------------------- pandemic period


def pandemic_agreements_follow_period(
    *, period, old_end: dt.date | None, by: User, today: dt.date | None = None
) -> int:
    """The pandemic period now ends on `period.end_date`: every open pandemic agreement
    that began in it (between its start and its former end) ends with it. Its term is
    cut to that day (history "verkürzt"); one that would only begin after it ends at
    once. The person is told at once and, when the end lies further away than the
    reminder before expiry, asked again by that reminder. Runs in the caller's
    transaction; returns how many agreements it changed."""
    new_end = period.end_date
    if new_end is None:
        return 0
    today = today_or(today)
    rules = RuleSettings.current()
    candidates = (
        Agreement.objects.select_for_update(of=("self",))
        .select_related(*PERSON)
        .filter(
            kind=WorkKind.PANDEMIC,
            status__in=[A.PENDING, A.AGREED, A.ACTIVE, A.ENDING],
            start_date__gte=period.start_date,
            end_date__gt=new_end,
        )
        .order_by("pk")
    )
    if old_end is not None:
        candidates = candidates.filter(start_date__lte=old_end)
    reason = _("Die Homeoffice-Angebotspflicht endet am %(date)s.") % {"date": german_date(new_end)}
    count = 0
    for agreement in candidates:
        count += 1
        if agreement.start_date > new_end:
            _end(
                agreement,
                by=by,
                kind=EndKind.EXPIRY,
                reason=reason,
                effective=new_end,
                note=reason,
            )
            continue
        label = str(Agreement._meta.get_field("end_date").verbose_name)
        changes = {label: [german_date(agreement.end_date), german_date(new_end)]}
        agreement.end_date = new_end
        fields = ["end_date", "expiry_reminder_sent_on"]
        if agreement.effective_end_date and agreement.effective_end_date > new_end:
            agreement.effective_end_date = new_end
            fields.append("effective_end_date")
        # Asked now; asked again by the reminder when the end is still far away.
        within_reminder = (new_end - today).days <= rules.expiry_reminder_days
        agreement.expiry_reminder_sent_on = today if within_reminder else None
        AGREEMENT_WORKFLOW.transition(
            agreement,
            agreement.status,
            action="shorten",
            by=by,
            reason=reason,
            fields=fields,
            changes=changes,
        )
        _ask_to_go_on(agreement)
    return count
