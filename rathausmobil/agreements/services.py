"""Writes of the home-office workflow. One service per transition.

Each service locks its row (`select_for_update`), checks who acts, checks the
transition against workflow.TRANSITIONS, writes the history and sends mail on
commit. Domain errors carry a German message for the user.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from rathausmobil.agreements import hooks
from rathausmobil.agreements import notifications as mail
from rathausmobil.agreements.models import (
    TEMPORARY_REASONS,
    Agreement,
    AgreementStatus,
    ChecklistVersion,
    EndKind,
    Offer,
    OfferStatus,
    PandemicGapReason,
    PandemicPeriod,
    PatternType,
    Pledge,
    ReasonCode,
    RequestStatus,
    RuleSettings,
    WorkKind,
    WorkRequest,
)
from rathausmobil.agreements.prerequisites import all_met
from rathausmobil.agreements.workflow import (
    IllegalTransition,
    check_transition,
    record,
    transition,
)
from rathausmobil.core.audit import audit_event
from rathausmobil.core.errors import DomainError
from rathausmobil.organisation.models import Employee, OrgUnit, Role
from rathausmobil.organisation.scoping import scope_for

MIN_JUSTIFICATION = 20  # characters: a reason, not a word

PATTERN_FIELDS = (
    "kind",
    "pattern_type",
    "weekdays",
    "working_days_per_week",
    "share_percent",
    "start_date",
    "end_date",
)


class NotAllowed(DomainError):
    def __init__(self, message: str = "Dafür fehlt Ihnen die Berechtigung."):
        super().__init__(message, code="not_allowed")
        self.status_code = 403


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _add_months(date: dt.date, months: int) -> dt.date:
    month = date.month - 1 + months
    year, month = date.year + month // 12, month % 12 + 1
    for day in (date.day, 30, 29, 28):
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    raise ValueError(date)


def _own_employee(by) -> Employee:
    scope = scope_for(by)
    if not scope.employee_id:
        raise NotAllowed("Nur Beschäftigte mit eigenem Personaldatensatz können das tun.")
    return Employee.objects.get(pk=scope.employee_id)


def _require_owner(obj, by) -> None:
    if scope_for(by).employee_id != obj.employee_id:
        raise NotAllowed("Das kann nur die/der betroffene Beschäftigte selbst tun.")


def _require_employer_side(employee: Employee, by) -> None:
    """Supervisors of the person's unit (or above) and HR act for the employer."""
    scope = scope_for(by)
    if scope.employee_id == employee.pk and not scope.is_superuser:
        raise NotAllowed("In eigener Sache entscheidet die nächsthöhere Leitung.")
    if scope.has(Role.HR) or scope.covers(employee.unit.path):
        return
    raise NotAllowed()


def _locked(model, pk):
    # Lock only the row itself: PostgreSQL refuses FOR UPDATE on the nullable side
    # of the outer join to the user account.
    return (
        model.objects.select_for_update(of=("self",))
        .select_related("employee__unit", "employee__user")
        .get(pk=pk)
    )


# --------------------------------------------------------------------------- patterns


def validate_pattern(
    values: dict[str, Any], *, today: dt.date | None = None, new: bool = True
) -> dict[str, Any]:
    """Check kind, pattern and period; returns the cleaned values."""
    today = _today(today)
    problems = []
    kind = values.get("kind")
    if kind not in WorkKind.values:
        problems.append("Bitte die Art des mobilen Arbeitens wählen.")
    pattern_type = values.get("pattern_type") or PatternType.WEEKDAYS
    working_days = int(values.get("working_days_per_week") or 5)
    if not 1 <= working_days <= 6:
        problems.append("Arbeitstage pro Woche: 1 bis 6.")
    weekdays = sorted({int(d) for d in (values.get("weekdays") or [])})
    share = values.get("share_percent")
    if pattern_type == PatternType.WEEKDAYS:
        if not weekdays:
            problems.append("Bitte mindestens einen Wochentag für das Homeoffice wählen.")
        elif any(d < 0 or d > 5 for d in weekdays):
            problems.append("Wochentage: Montag bis Samstag.")
        elif len(weekdays) > working_days:
            problems.append("Es sind mehr Homeoffice-Tage gewählt als Arbeitstage pro Woche.")
        share = None
    elif pattern_type == PatternType.SHARE:
        if share in (None, ""):
            problems.append("Bitte den Anteil der Wochenarbeitszeit im Homeoffice angeben.")
        elif not 1 <= int(share) <= 100:
            problems.append("Der Anteil muss zwischen 1 und 100 % liegen.")
        weekdays = []
    else:
        problems.append("Unbekanntes Muster.")
    start, end = values.get("start_date"), values.get("end_date")
    if start is None:
        problems.append("Bitte den gewünschten Beginn angeben.")
    elif new and start < today:
        problems.append("Der Beginn darf nicht in der Vergangenheit liegen.")
    if start and end and end <= start:
        problems.append("Das Ende muss nach dem Beginn liegen.")
    if problems:
        raise DomainError(" ".join(problems), code="invalid")
    return {
        "kind": kind,
        "pattern_type": pattern_type,
        "weekdays": weekdays,
        "working_days_per_week": working_days,
        "share_percent": int(share) if share not in (None, "") else None,
        "start_date": start,
        "end_date": end,
    }


def _check_quota(obj, exception_reason: str) -> str:
    quota = RuleSettings.current().home_quota_percent
    share = obj.home_share_percent
    if share > quota and len(exception_reason.strip()) < MIN_JUSTIFICATION:
        percent = f"{share.normalize():f}".replace(".", ",")  # German: 66,7
        raise DomainError(
            f"Der Homeoffice-Anteil von {percent} % übersteigt den Höchstanteil von {quota} % der "
            "Wochenarbeitszeit. Eine Ausnahme ist nur mit schriftlicher Begründung möglich.",
            code="quota_exceeded",
        )
    return exception_reason.strip() if share > quota else ""


# --------------------------------------------------------------------------- requests


def responsible_unit(employee: Employee, start: OrgUnit | None = None) -> OrgUnit | None:
    """The unit whose head decides: the person's unit, or the next one up where the
    head is not the person themselves."""
    unit = start or employee.unit
    while unit is not None:
        if unit.head_id and unit.head_id != employee.pk and unit.head.is_active:
            return unit
        unit = unit.parent
    return None


def request_create(
    *, by, values: dict[str, Any], text: str = "", today: dt.date | None = None
) -> WorkRequest:
    employee = _own_employee(by)
    cleaned = validate_pattern(values, today=today)
    with transaction.atomic():
        request = WorkRequest.objects.create(
            employee=employee, text=text.strip(), created_by=by, **cleaned
        )
        record(request, action="create", from_status="", to_status=RequestStatus.DRAFT, by=by)
    return request


def request_update(
    *, request: WorkRequest, by, values: dict[str, Any], text: str = "", today=None
) -> WorkRequest:
    _require_owner(request, by)
    cleaned = validate_pattern(values, today=today)
    with transaction.atomic():
        request = _locked(WorkRequest, request.pk)
        if request.status != RequestStatus.DRAFT:
            raise DomainError("Nur Entwürfe können geändert werden.", code="illegal_transition")
        for name, value in cleaned.items():
            setattr(request, name, value)
        request.text = text.strip()
        request.save()
    return request


def request_submit(*, request: WorkRequest, by, today: dt.date | None = None) -> WorkRequest:
    today = _today(today)
    _require_owner(request, by)
    with transaction.atomic():
        request = _locked(WorkRequest, request.pk)
        check_transition(request, RequestStatus.SUBMITTED, "submit")
        validate_pattern(_pattern_values(request), today=today)
        other = WorkRequest.objects.filter(
            employee=request.employee, status=RequestStatus.SUBMITTED
        )
        if other.exclude(pk=request.pk).exists():
            raise DomainError(
                "Es liegt bereits ein eingereichter Antrag vor. Bitte ziehen Sie ihn zurück oder warten "
                "Sie die Entscheidung ab.",
                code="open_request",
            )
        unit = responsible_unit(request.employee)
        if unit is None:
            raise DomainError(
                "Für Ihre Organisationseinheit ist keine Leitung hinterlegt. Bitte wenden Sie sich an "
                "das Personalamt.",
                code="no_decider",
            )
        rules = RuleSettings.current()
        request.decider_unit = unit
        request.submitted_at = timezone.now()
        request.due_date = today + dt.timedelta(days=rules.decision_deadline_days)
        transition(
            request,
            RequestStatus.SUBMITTED,
            action="submit",
            by=by,
            fields=("decider_unit", "submitted_at", "due_date"),
        )
        mail.send(
            to=mail.deciders_of(unit),
            subject="Neuer Antrag auf mobiles Arbeiten",
            body=(
                f"{request.employee.full_name} beantragt {request.get_kind_display()} "
                f"({request.pattern_label}) ab {request.start_date:%d.%m.%Y}.\n"
                f"Bitte entscheiden Sie bis {request.due_date:%d.%m.%Y}."
            ),
            url=mail.link("agreements:request_detail", request.pk),
        )
    return request


def request_withdraw(*, request: WorkRequest, by, reason: str = "") -> WorkRequest:
    _require_owner(request, by)
    with transaction.atomic():
        request = _locked(WorkRequest, request.pk)
        was = request.status
        transition(
            request, RequestStatus.WITHDRAWN, action="withdraw", by=by, reason=reason.strip()
        )
        if was == RequestStatus.SUBMITTED:
            mail.send(
                to=mail.deciders_of(request.decider_unit),
                subject="Antrag zurückgezogen",
                body=f"{request.employee.full_name} hat den Antrag auf mobiles Arbeiten zurückgezogen.",
                url=mail.link("agreements:request_detail", request.pk),
            )
    return request


def can_decide(user, request: WorkRequest) -> bool:
    scope = scope_for(user)
    if request.decider_unit_id is None or scope.employee_id == request.employee_id:
        return False
    return scope.is_superuser or scope.covers(request.decider_unit.path)


def _require_decider(request: WorkRequest, by) -> None:
    if not can_decide(by, request):
        raise NotAllowed("Über diesen Antrag entscheidet die zuständige Leitung.")


def request_approve(
    *, request: WorkRequest, by, quota_exception_reason: str = "", comment: str = "", today=None
) -> Agreement:
    today = _today(today)
    with transaction.atomic():
        request = _locked(WorkRequest, request.pk)
        _require_decider(request, by)
        check_transition(request, RequestStatus.APPROVED, "approve")
        request.quota_exception_reason = _check_quota(request, quota_exception_reason)
        request.decided_at = timezone.now()
        request.decided_by = by
        request.reason_codes, request.justification, request.review_date = [], comment.strip(), None
        transition(
            request,
            RequestStatus.APPROVED,
            action="approve",
            by=by,
            reason=comment.strip(),
            fields=(
                "quota_exception_reason",
                "decided_at",
                "decided_by",
                "reason_codes",
                "justification",
                "review_date",
            ),
        )
        agreement = _agreement_from(request, by=by, today=today, request=request)
        mail.send(
            to=[mail.employee_user(request.employee)],
            subject="Ihr Antrag auf mobiles Arbeiten ist genehmigt",
            body=(
                "Ihr Antrag ist genehmigt. Damit die Vereinbarung wirksam wird, stimmen Sie ihr bitte zu "
                "und geben Sie die Datenschutzerklärung ab."
            ),
            url=mail.link("agreements:mine"),
        )
    return agreement


def request_reject(
    *,
    request: WorkRequest,
    by,
    reason_codes: list[str],
    justification: str,
    review_date: dt.date | None = None,
    today: dt.date | None = None,
) -> WorkRequest:
    today = _today(today)
    codes = sorted(set(reason_codes or []))
    justification = (justification or "").strip()
    problems = []
    if not codes:
        problems.append("Eine Ablehnung braucht mindestens einen Grund (R1 bis R8).")
    unknown = [c for c in codes if c not in ReasonCode.values]
    if unknown:
        problems.append(f"Unbekannter Grund: {', '.join(unknown)}.")
    if len(justification) < MIN_JUSTIFICATION:
        problems.append(
            "Eine Ablehnung muss schriftlich begründet werden: Warum kann diese Arbeit nicht mobil "
            f"erledigt werden? (mindestens {MIN_JUSTIFICATION} Zeichen)"
        )
    temporary = [c for c in codes if c in TEMPORARY_REASONS]
    if temporary and review_date is None:
        problems.append(
            f"Die Gründe {', '.join(temporary)} sind vorübergehend: Bitte ein Datum für die Wiedervorlage angeben."
        )
    elif temporary and review_date <= today:
        problems.append("Die Wiedervorlage muss in der Zukunft liegen.")
    if problems:
        raise DomainError(" ".join(problems), code="invalid")
    with transaction.atomic():
        request = _locked(WorkRequest, request.pk)
        _require_decider(request, by)
        check_transition(request, RequestStatus.REJECTED, "reject")
        request.reason_codes = codes
        request.justification = justification
        request.review_date = review_date if temporary else None
        request.decided_at = timezone.now()
        request.decided_by = by
        transition(
            request,
            RequestStatus.REJECTED,
            action="reject",
            by=by,
            reason=f"{', '.join(codes)}: {justification}",
            fields=("reason_codes", "justification", "review_date", "decided_at", "decided_by"),
        )
        mail.send(
            to=[mail.employee_user(request.employee)],
            subject="Entscheidung über Ihren Antrag auf mobiles Arbeiten",
            body=(
                "Ihr Antrag wurde abgelehnt. Die Gründe und die Begründung finden Sie in Rathaus Mobil."
                + (
                    f" Der Antrag wird am {request.review_date:%d.%m.%Y} erneut vorgelegt."
                    if request.review_date
                    else ""
                )
            ),
            url=mail.link("agreements:mine"),
        )
    return request


def request_review_return(*, request: WorkRequest, today: dt.date | None = None) -> bool:
    """On the review date a request refused for a temporary reason comes back to the
    decider's inbox. Returns False when there is nothing to do (safe to repeat)."""
    today = _today(today)
    with transaction.atomic():
        request = _locked(WorkRequest, request.pk)
        if (
            request.status != RequestStatus.REJECTED
            or not request.review_date
            or request.review_date > today
        ):
            return False
        unit = responsible_unit(request.employee) or request.decider_unit
        rules = RuleSettings.current()
        request.decider_unit = unit
        request.due_date = today + dt.timedelta(days=rules.decision_deadline_days)
        request.escalation_level, request.escalated_at = 0, None
        transition(
            request,
            RequestStatus.SUBMITTED,
            action="review_return",
            by=None,
            reason=f"Wiedervorlage zum {request.review_date:%d.%m.%Y} (Gründe {', '.join(request.reason_codes)})",
            fields=("decider_unit", "due_date", "escalation_level", "escalated_at"),
        )
        mail.send(
            to=mail.deciders_of(unit),
            subject="Wiedervorlage: Antrag auf mobiles Arbeiten",
            body=(
                f"Der Antrag von {request.employee.full_name} wurde vorübergehend abgelehnt "
                f"({', '.join(request.reason_codes)}) und ist heute wieder vorzulegen."
            ),
            url=mail.link("agreements:request_detail", request.pk),
        )
    return True


def request_escalate(*, request: WorkRequest, today: dt.date | None = None) -> bool:
    """An overdue request goes to the next head up, once per deadline period."""
    today = _today(today)
    rules = RuleSettings.current()
    with transaction.atomic():
        request = _locked(WorkRequest, request.pk)
        if (
            request.status != RequestStatus.SUBMITTED
            or not request.due_date
            or request.due_date >= today
        ):
            return False
        last = request.escalated_at or request.due_date
        if request.escalated_at and (today - last).days < rules.decision_deadline_days:
            return False
        current = OrgUnit.objects.select_related("parent").get(pk=request.decider_unit_id)
        above = responsible_unit(request.employee, start=current.parent) if current.parent else None
        if above is None:
            return False
        request.decider_unit = above
        request.escalation_level += 1
        request.escalated_at = today
        transition(
            request,
            RequestStatus.SUBMITTED,
            action="escalate",
            by=None,
            reason=f"Frist {request.due_date:%d.%m.%Y} überschritten; weiter an {above.code} {above.name}",
            fields=("decider_unit", "escalation_level", "escalated_at"),
        )
        mail.send(
            to=mail.deciders_of(above),
            subject="Überfälliger Antrag auf mobiles Arbeiten",
            body=(
                f"Über den Antrag von {request.employee.full_name} wurde bis zum "
                f"{request.due_date:%d.%m.%Y} nicht entschieden. Er liegt jetzt bei Ihnen."
            ),
            url=mail.link("agreements:request_detail", request.pk),
        )
    return True


def _pattern_values(obj) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in PATTERN_FIELDS}


# --------------------------------------------------------------------------- offers


def offer_create(
    *,
    employee: Employee,
    by,
    values: dict[str, Any],
    text: str = "",
    quota_exception_reason: str = "",
    today=None,
) -> Offer:
    """The quota applies to offers as to requests, except pandemic offers: under a
    legal home-office duty the law, not the service agreement, sets the limit."""
    _require_employer_side(employee, by)
    if not employee.is_active:
        raise DomainError("Die Person ist nicht mehr beschäftigt.")
    cleaned = validate_pattern(values, today=today)
    offer = Offer(employee=employee, **cleaned)
    exception = (
        "" if offer.kind == WorkKind.PANDEMIC else _check_quota(offer, quota_exception_reason)
    )
    with transaction.atomic():
        offer = Offer.objects.create(
            employee=employee,
            offered_by=by,
            text=text.strip(),
            quota_exception_reason=exception,
            **cleaned,
        )
        record(offer, action="offer", from_status="", to_status=OfferStatus.OFFERED, by=by)
        mail.send(
            to=[mail.employee_user(employee)],
            subject="Angebot: mobiles Arbeiten",
            body=(
                f"Ihnen wird {offer.get_kind_display()} angeboten ({offer.pattern_label}, ab "
                f"{offer.start_date:%d.%m.%Y}). Sie entscheiden frei, ob Sie das Angebot annehmen."
            ),
            url=mail.link("agreements:mine"),
        )
    return offer


def offer_accept(*, offer: Offer, by, today=None) -> Agreement:
    today = _today(today)
    _require_owner(offer, by)
    with transaction.atomic():
        offer = _locked(Offer, offer.pk)
        offer.answered_at = timezone.now()
        transition(offer, OfferStatus.ACCEPTED, action="accept", by=by, fields=("answered_at",))
        agreement = _agreement_from(offer, by=by, today=today, offer=offer)
        # Accepting the offer is the employee's consent to this agreement.
        _consent(agreement, by=by, at=offer.answered_at, today=today)
    return agreement


def offer_decline(*, offer: Offer, by, note: str = "") -> Offer:
    """Declining is the employee's right and needs no reason; it is recorded, never enforced."""
    _require_owner(offer, by)
    with transaction.atomic():
        offer = _locked(Offer, offer.pk)
        offer.answered_at = timezone.now()
        offer.decline_note = note.strip()
        transition(
            offer,
            OfferStatus.DECLINED,
            action="decline",
            by=by,
            reason=note.strip(),
            fields=("answered_at", "decline_note"),
        )
        mail.send(
            to=[offer.offered_by],
            subject="Angebot abgelehnt",
            body=f"{offer.employee.full_name} hat das Angebot zum mobilen Arbeiten abgelehnt.",
            url=mail.link("agreements:offer_detail", offer.pk),
        )
    return offer


# --------------------------------------------------------------------------- agreements


def _agreement_from(source, *, by, today, request=None, offer=None) -> Agreement:
    rules = RuleSettings.current()
    employee = source.employee
    start = max(source.start_date, today)
    first = not Agreement.objects.filter(
        employee=employee,
        status__in=[AgreementStatus.ACTIVE, AgreementStatus.ENDING, AgreementStatus.ENDED],
    ).exists()
    latest_end = _add_months(start, rules.max_term_months) - dt.timedelta(days=1)
    end = min(source.end_date, latest_end) if source.end_date else latest_end
    values = _pattern_values(source)
    values.update(start_date=start, end_date=end)
    agreement = Agreement.objects.create(
        employee=employee,
        request=request,
        offer=offer,
        trial_end_date=_add_months(start, rules.trial_months) - dt.timedelta(days=1)
        if first and rules.trial_months
        else None,
        quota_exception_reason=getattr(source, "quota_exception_reason", ""),
        **values,
    )
    record(agreement, action="create", from_status="", to_status=AgreementStatus.PENDING, by=by)
    return agreement


def agreement_accept(*, agreement: Agreement, by, today=None) -> Agreement:
    _require_owner(agreement, by)
    with transaction.atomic():
        agreement = _locked(Agreement, agreement.pk)
        check_transition(agreement, AgreementStatus.PENDING, "accept")
        if agreement.accepted_at:
            raise IllegalTransition("Sie haben dieser Vereinbarung bereits zugestimmt.")
        _consent(agreement, by=by, at=timezone.now(), today=today)
    return agreement


def _consent(agreement: Agreement, *, by, at, today) -> None:
    """Record the employee's explicit consent, then activate if everything else is met."""
    agreement.accepted_at = at
    agreement.save(update_fields=["accepted_at"])
    record(
        agreement, action="accept", from_status=agreement.status, to_status=agreement.status, by=by
    )
    _try_activate(agreement, by=by, today=today)


def agreement_decline(*, agreement: Agreement, by, reason: str = "") -> Agreement:
    _require_owner(agreement, by)
    with transaction.atomic():
        agreement = _locked(Agreement, agreement.pk)
        # Until it is active, consent can be taken back without notice.
        transition(
            agreement, AgreementStatus.DECLINED, action="decline", by=by, reason=reason.strip()
        )
    return agreement


def agreement_set_workstation(
    *,
    agreement: Agreement,
    by,
    home_address: str,
    equipment_list: str,
    risk_assessment_date: dt.date | None,
    today=None,
) -> Agreement:
    """Telearbeit: the home workstation's address, equipment and risk assessment."""
    scope = scope_for(by)
    if scope.employee_id != agreement.employee_id:
        _require_employer_side(agreement.employee, by)
    if risk_assessment_date and risk_assessment_date > _today(today):
        raise DomainError(
            "Die Gefährdungsbeurteilung kann nicht in der Zukunft liegen.", code="invalid"
        )
    with transaction.atomic():
        agreement = _locked(Agreement, agreement.pk)
        if agreement.kind != WorkKind.TELEWORK:
            raise DomainError(
                "Nur Telearbeit braucht einen festen häuslichen Arbeitsplatz.", code="invalid"
            )
        if agreement.status not in (AgreementStatus.PENDING, AgreementStatus.ACTIVE):
            raise DomainError("Die Vereinbarung ist nicht mehr offen.", code="illegal_transition")
        agreement.home_address = home_address.strip()
        agreement.equipment_list = equipment_list.strip()
        agreement.risk_assessment_date = risk_assessment_date
        agreement.save(update_fields=["home_address", "equipment_list", "risk_assessment_date"])
        record(
            agreement,
            action="update",
            from_status=agreement.status,
            to_status=agreement.status,
            by=by,
            reason="Angaben zum Telearbeitsplatz",
        )
        _try_activate(agreement, by=by, today=today)
    return agreement


def agreement_try_activate(*, agreement: Agreement, by=None, today=None) -> bool:
    """Activate when every prerequisite is met; other capabilities call this when
    they fulfil one (a device handed over, access granted)."""
    with transaction.atomic():
        agreement = _locked(Agreement, agreement.pk)
        return _try_activate(agreement, by=by, today=today)


def _try_activate(agreement: Agreement, *, by, today) -> bool:
    if agreement.status != AgreementStatus.PENDING:
        return False
    if agreement.accepted_at:
        # Once the employee has consented, other capabilities prepare what the
        # agreement needs (e.g. request and, by policy, grant access).
        hooks.agreement_consented.send(agreement)
    if not all_met(agreement):
        return False
    agreement.activated_at = timezone.now()
    transition(
        agreement, AgreementStatus.ACTIVE, action="activate", by=by, fields=("activated_at",)
    )
    _hand_over(agreement, by=by, today=_today(today))
    mail.send(
        to=[mail.employee_user(agreement.employee)],
        subject="Ihre Vereinbarung über mobiles Arbeiten ist aktiv",
        body=f"{agreement.get_kind_display()} gilt ab {agreement.start_date:%d.%m.%Y} bis {agreement.end_date:%d.%m.%Y}.",
        url=mail.link("agreements:mine"),
    )
    return True


def _hand_over(agreement: Agreement, *, by, today: dt.date) -> None:
    """A new agreement replaces the person's current one from its start date. A
    renewal leaves the agreement it renews alone: that one runs to its end."""
    handover = agreement.start_date - dt.timedelta(days=1)
    older_ones = (
        Agreement.objects.select_for_update(of=("self",))
        .filter(
            employee=agreement.employee, status__in=[AgreementStatus.ACTIVE, AgreementStatus.ENDING]
        )
        .exclude(pk=agreement.pk)
    )
    for older in older_ones:
        if older.pk == agreement.renewal_of_id:
            continue
        reason = f"Ersetzt durch Vereinbarung {agreement.pk}"
        if handover < today:
            older.end_kind, older.end_reason, older.effective_end_date = (
                EndKind.REPLACED,
                reason,
                today,
            )
            transition(
                older,
                AgreementStatus.ENDED,
                action="end",
                by=by,
                reason=reason,
                fields=("end_kind", "end_reason", "effective_end_date"),
            )
            _ended(older)
        elif older.status == AgreementStatus.ACTIVE:
            older.end_kind, older.end_reason = EndKind.REPLACED, reason
            older.notice_given_at, older.effective_end_date = timezone.now(), handover
            transition(
                older,
                AgreementStatus.ENDING,
                action="give_notice",
                by=by,
                reason=f"{reason} zum {handover:%d.%m.%Y}",
                fields=("end_kind", "end_reason", "notice_given_at", "effective_end_date"),
            )
        elif older.effective_end_date and older.effective_end_date > handover:
            older.effective_end_date = handover
            older.save(update_fields=["effective_end_date"])


def agreement_return(*, agreement: Agreement, by, reason: str = "", today=None) -> Agreement:
    """The employee returns to the office with the notice period (default 4 weeks)."""
    today = _today(today)
    _require_owner(agreement, by)
    rules = RuleSettings.current()
    with transaction.atomic():
        agreement = _locked(Agreement, agreement.pk)
        effective = today + dt.timedelta(weeks=rules.employee_notice_weeks)
        _give_notice(
            agreement, by=by, kind=EndKind.RETURN, reason=reason.strip(), effective=effective
        )
        mail.send(
            to=mail.deciders_of(responsible_unit(agreement.employee)),
            subject="Rückkehr ins Büro",
            body=f"{agreement.employee.full_name} kehrt zum {agreement.effective_end_date:%d.%m.%Y} ins Büro zurück.",
            url=mail.link("agreements:agreement_detail", agreement.pk),
        )
    return agreement


def agreement_revoke(
    *, agreement: Agreement, by, reason: str, at_once: bool = False, today=None
) -> Agreement:
    """The employer revokes: with notice (default 3 months), or at once for good
    cause; always with a written reason."""
    today = _today(today)
    reason = (reason or "").strip()
    if len(reason) < MIN_JUSTIFICATION:
        raise DomainError(
            f"Ein Widerruf muss schriftlich begründet werden (mindestens {MIN_JUSTIFICATION} Zeichen).",
            code="invalid",
        )
    rules = RuleSettings.current()
    with transaction.atomic():
        agreement = _locked(Agreement, agreement.pk)
        _require_employer_side(agreement.employee, by)
        if at_once:
            agreement.end_kind, agreement.end_reason = EndKind.REVOKE_AT_ONCE, reason
            agreement.notice_given_at, agreement.effective_end_date = timezone.now(), today
            transition(
                agreement,
                AgreementStatus.ENDED,
                action="end",
                by=by,
                reason=reason,
                fields=("end_kind", "end_reason", "notice_given_at", "effective_end_date"),
            )
            _ended(agreement)
        else:
            effective = _add_months(today, rules.employer_notice_months)
            _give_notice(agreement, by=by, kind=EndKind.REVOKE, reason=reason, effective=effective)
        mail.send(
            to=[mail.employee_user(agreement.employee)],
            subject="Widerruf Ihrer Vereinbarung über mobiles Arbeiten",
            body=f"Ihre Vereinbarung endet am {agreement.effective_end_date:%d.%m.%Y}. Begründung: {reason}",
            url=mail.link("agreements:mine"),
        )
    return agreement


def _give_notice(agreement: Agreement, *, by, kind: str, reason: str, effective: dt.date) -> None:
    if agreement.end_date and agreement.end_date < effective:
        effective = agreement.end_date
    agreement.end_kind, agreement.end_reason = kind, reason
    agreement.notice_given_at, agreement.effective_end_date = timezone.now(), effective
    transition(
        agreement,
        AgreementStatus.ENDING,
        action="give_notice",
        by=by,
        reason=f"{EndKind(kind).label} zum {effective:%d.%m.%Y}"
        + (f": {reason}" if reason else ""),
        fields=("end_kind", "end_reason", "notice_given_at", "effective_end_date"),
    )


def _ended(agreement: Agreement) -> None:
    hooks.agreement_ended.send(agreement)


def agreement_end_due(*, agreement: Agreement, today=None) -> bool:
    """End at the effective date of a notice, at the end of the term, or when the
    person has left. Safe to repeat."""
    today = _today(today)
    with transaction.atomic():
        agreement = _locked(Agreement, agreement.pk)
        if agreement.status == AgreementStatus.ENDING and agreement.effective_end_date <= today:
            kind, reason = agreement.end_kind, agreement.end_reason
        elif (
            agreement.status
            in (AgreementStatus.ACTIVE, AgreementStatus.PENDING, AgreementStatus.ENDING)
            and not agreement.employee.is_active
        ):
            kind, reason = EndKind.LEFT, "Ausscheiden aus dem Dienst"
        elif (
            agreement.status in (AgreementStatus.ACTIVE, AgreementStatus.PENDING)
            and agreement.end_date
            and agreement.end_date < today
        ):
            kind, reason = (
                EndKind.EXPIRY,
                (
                    "Laufzeit abgelaufen"
                    if agreement.status == AgreementStatus.ACTIVE
                    else "Laufzeit abgelaufen, ohne dass die Vereinbarung wirksam wurde"
                ),
            )
        else:
            return False
        agreement.end_kind, agreement.end_reason = kind, reason
        if agreement.effective_end_date is None or kind in (EndKind.LEFT, EndKind.EXPIRY):
            agreement.effective_end_date = min(today, agreement.end_date or today)
        transition(
            agreement,
            AgreementStatus.ENDED,
            action="end",
            by=None,
            reason=EndKind(kind).label,
            fields=("end_kind", "end_reason", "effective_end_date"),
        )
        _ended(agreement)
    return True


def agreement_renew(
    *, agreement: Agreement, by, end_date: dt.date | None = None, today=None
) -> Agreement:
    """A follow-up agreement from the day after the current one ends; the employee
    must agree again."""
    today = _today(today)
    with transaction.atomic():
        agreement = _locked(Agreement, agreement.pk)
        _require_employer_side(agreement.employee, by)
        if agreement.status != AgreementStatus.ACTIVE or agreement.end_kind:
            raise DomainError(
                "Nur eine laufende, ungekündigte Vereinbarung kann verlängert werden.",
                code="illegal_transition",
            )
        if hasattr(agreement, "renewal"):
            raise DomainError(
                "Für diese Vereinbarung gibt es schon eine Verlängerung.", code="illegal_transition"
            )
        rules = RuleSettings.current()
        start = agreement.end_date + dt.timedelta(days=1)
        latest = _add_months(start, rules.max_term_months) - dt.timedelta(days=1)
        if end_date and end_date <= start:
            raise DomainError(
                "Das neue Ende muss nach dem Beginn der Verlängerung liegen.", code="invalid"
            )
        values = _pattern_values(agreement)
        values.update(start_date=start, end_date=min(end_date, latest) if end_date else latest)
        renewal = Agreement.objects.create(
            employee=agreement.employee,
            renewal_of=agreement,
            quota_exception_reason=agreement.quota_exception_reason,
            home_address=agreement.home_address,
            equipment_list=agreement.equipment_list,
            risk_assessment_date=agreement.risk_assessment_date,
            **values,
        )
        record(
            renewal,
            action="create",
            from_status="",
            to_status=AgreementStatus.PENDING,
            by=by,
            reason=f"Verlängerung von Vereinbarung {agreement.pk}",
        )
        mail.send(
            to=[mail.employee_user(agreement.employee)],
            subject="Verlängerung Ihrer Vereinbarung über mobiles Arbeiten",
            body=f"Ihnen wird die Verlängerung bis {renewal.end_date:%d.%m.%Y} angeboten. Bitte stimmen Sie zu, wenn Sie möchten.",
            url=mail.link("agreements:mine"),
        )
    return renewal


def agreement_remind_expiry(*, agreement: Agreement, today=None) -> bool:
    today = _today(today)
    rules = RuleSettings.current()
    with transaction.atomic():
        agreement = _locked(Agreement, agreement.pk)
        if (
            agreement.status != AgreementStatus.ACTIVE
            or agreement.end_kind
            or agreement.expiry_reminder_sent_on
            or not agreement.end_date
            or (agreement.end_date - today).days > rules.expiry_reminder_days
            or hasattr(agreement, "renewal")
        ):
            return False
        agreement.expiry_reminder_sent_on = today
        agreement.save(update_fields=["expiry_reminder_sent_on"])
        audit_event(actor=None, action="Erinnerung Ablauf", obj=agreement, source="run_due_jobs")
        mail.send(
            to=[
                mail.employee_user(agreement.employee),
                *mail.deciders_of(responsible_unit(agreement.employee)),
            ],
            subject="Vereinbarung über mobiles Arbeiten läuft aus",
            body=(
                f"Die Vereinbarung von {agreement.employee.full_name} endet am {agreement.end_date:%d.%m.%Y}. "
                "Soll sie verlängert werden?"
            ),
            url=mail.link("agreements:agreement_detail", agreement.pk),
        )
    return True


# --------------------------------------------------------------------------- pledge


def checklist_publish(*, by, items: list[dict[str, Any]], note: str = "") -> ChecklistVersion:
    """The data-protection officer publishes a new version; everyone with an active
    agreement is then asked to pledge again (run_due_jobs)."""
    scope = scope_for(by)
    if not scope.has(Role.DPO):
        raise NotAllowed("Die Checkliste ändert die/der Datenschutzbeauftragte.")
    cleaned, keys = [], set()
    for item in items:
        text = str(item.get("text", "")).strip()
        key = str(item.get("key", "")).strip()
        if not text or not key:
            continue
        if key in keys:
            raise DomainError(f"Der Punkt „{key}“ steht doppelt in der Checkliste.", code="invalid")
        keys.add(key)
        cleaned.append({"key": key, "text": text, "mandatory": bool(item.get("mandatory"))})
    if not any(item["mandatory"] for item in cleaned):
        raise DomainError("Die Checkliste braucht mindestens einen Pflichtpunkt.", code="invalid")
    with transaction.atomic():
        last = ChecklistVersion.objects.select_for_update().order_by("-number").first()
        version = ChecklistVersion.objects.create(
            number=(last.number + 1) if last else 1,
            items=cleaned,
            note=note.strip(),
            published_by=by,
        )
        audit_event(actor=by, action="Checkliste veröffentlicht", obj=version, reason=note.strip())
    return version


def pledge_sign(*, by, answers: dict[str, bool], today=None) -> Pledge:
    """The employee answers every item of the current checklist. The pledge is
    valid only if every mandatory item is confirmed."""
    employee = _own_employee(by)
    version = ChecklistVersion.objects.order_by("-number").first()
    if version is None:
        raise DomainError("Es ist noch keine Checkliste veröffentlicht.", code="invalid")
    keys = [item["key"] for item in version.items]
    missing = [k for k in keys if k not in answers]
    if missing:
        raise DomainError("Bitte jeden Punkt der Checkliste beantworten.", code="invalid")
    cleaned = {k: bool(answers[k]) for k in keys}
    valid = all(cleaned[k] for k in version.mandatory_keys)
    with transaction.atomic():
        Employee.objects.select_for_update().get(pk=employee.pk)
        pledge, _created = Pledge.objects.update_or_create(
            employee=employee, version=version, defaults={"answers": cleaned, "is_valid": valid}
        )
        audit_event(
            actor=by,
            action="Datenschutzerklärung abgegeben"
            if valid
            else "Datenschutzerklärung unvollständig",
            obj=pledge,
            changes={
                "Version": ["", str(version.number)],
                "gültig": ["", "ja" if valid else "nein"],
            },
        )
        if valid:
            for agreement in Agreement.objects.select_for_update().filter(
                employee=employee, status=AgreementStatus.PENDING
            ):
                _try_activate(agreement, by=by, today=today)
    return pledge


# --------------------------------------------------------------------------- rules and pandemic


RULE_FIELDS = (
    "home_quota_percent",
    "decision_deadline_days",
    "trial_months",
    "max_term_months",
    "employee_notice_weeks",
    "employer_notice_months",
    "expiry_reminder_days",
    "retention_refused_years",
    "retention_after_exit_years",
)


def rules_update(*, by, values: dict[str, int]) -> RuleSettings:
    if not scope_for(by).has(Role.HR):
        raise NotAllowed("Die Regeln setzt das Personalamt.")
    with transaction.atomic():
        rules = RuleSettings.current()
        rules = RuleSettings.objects.select_for_update().get(pk=rules.pk)
        changes = {}
        for name in RULE_FIELDS:
            if name in values and getattr(rules, name) != values[name]:
                changes[str(RuleSettings._meta.get_field(name).verbose_name)] = [
                    str(getattr(rules, name)),
                    str(values[name]),
                ]
                setattr(rules, name, values[name])
        rules.updated_by = by
        rules.full_clean()
        rules.save()
        if changes:
            audit_event(actor=by, action="Regeln geändert", obj=rules, changes=changes)
    return rules


def pandemic_period_set(
    *, by, start_date: dt.date, end_date: dt.date | None, legal_basis: str = "", title: str = ""
) -> PandemicPeriod:
    if not scope_for(by).has(Role.HR):
        raise NotAllowed("Den Pandemiemodus schaltet das Personalamt.")
    if end_date and end_date < start_date:
        raise DomainError("Das Ende liegt vor dem Beginn.", code="invalid")
    with transaction.atomic():
        overlapping = PandemicPeriod.objects.filter(
            start_date__lte=end_date or dt.date.max
        ).exclude(end_date__lt=start_date)
        if overlapping.exists():
            raise DomainError(
                "Für diesen Zeitraum ist der Pandemiemodus schon eingetragen.", code="invalid"
            )
        period = PandemicPeriod.objects.create(
            start_date=start_date,
            end_date=end_date,
            legal_basis=legal_basis.strip(),
            title=title.strip() or "Homeoffice-Angebotspflicht",
            created_by=by,
        )
        audit_event(actor=by, action="Pandemiemodus eingeschaltet", obj=period)
    return period


def pandemic_period_end(*, period: PandemicPeriod, by, end_date: dt.date) -> PandemicPeriod:
    if not scope_for(by).has(Role.HR):
        raise NotAllowed("Den Pandemiemodus schaltet das Personalamt.")
    if end_date < period.start_date:
        raise DomainError("Das Ende liegt vor dem Beginn.", code="invalid")
    with transaction.atomic():
        period = PandemicPeriod.objects.select_for_update().get(pk=period.pk)
        old = period.end_date
        period.end_date = end_date
        period.save(update_fields=["end_date"])
        audit_event(
            actor=by,
            action="Pandemiemodus beendet",
            obj=period,
            changes={"bis": [f"{old:%d.%m.%Y}" if old else "–", f"{end_date:%d.%m.%Y}"]},
        )
    return period


def pandemic_gap_document(
    *, period: PandemicPeriod, position, by, reason: str
) -> PandemicGapReason:
    """Document the compelling operational reason why a position gets no offer."""
    reason = (reason or "").strip()
    scope = scope_for(by)
    if not (scope.has(Role.HR) or scope.covers(position.unit.path)):
        raise NotAllowed()
    if len(reason) < MIN_JUSTIFICATION:
        raise DomainError(
            f"Bitte den zwingenden betrieblichen Grund schriftlich darlegen (mindestens {MIN_JUSTIFICATION} Zeichen).",
            code="invalid",
        )
    with transaction.atomic():
        gap, _created = PandemicGapReason.objects.update_or_create(
            period=period, position=position, defaults={"reason": reason, "documented_by": by}
        )
        audit_event(actor=by, action="Grund ohne Angebot dokumentiert", obj=gap, reason=reason)
    return gap
