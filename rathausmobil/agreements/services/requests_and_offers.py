"""Requests and offers: the employee asks (and the head decides, with reasons), or
the employer offers (and the employee answers freely).

Both end, if the answer is yes, in a pending agreement (agreement_life.py).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rathausmobil.agreements import notifications as mail
from rathausmobil.agreements.models import (
    TEMPORARY_REASONS,
    Agreement,
    Offer,
    OfferStatus,
    ReasonCode,
    RequestStatus,
    RuleSettings,
    WorkKind,
    WorkRequest,
)
from rathausmobil.agreements.services import agreement_life
from rathausmobil.agreements.services.shared import (
    MIN_JUSTIFICATION,
    PERSON,
    check_quota,
    own_employee,
    pandemic_period_on,
    pattern_values,
    require_employer_side,
    require_owner,
    responsible_unit,
    today_or,
    validate_pattern,
)
from rathausmobil.agreements.workflow import OFFER_WORKFLOW, REQUEST_WORKFLOW
from rathausmobil.core.dates import german_date
from rathausmobil.core.errors import DomainError, NotAllowed
from rathausmobil.core.workflow import IllegalTransition
from rathausmobil.organisation.models import Employee, OrgUnit
from rathausmobil.organisation.scoping import scope_for

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# --------------------------------------------------------------------------- requests

# Kinds only the employer offers: a person cannot ask for them.
EMPLOYER_ONLY_KINDS = frozenset({WorkKind.PANDEMIC})


def _requestable(cleaned: dict[str, Any]) -> dict[str, Any]:
    """Refuse a kind only the employer offers (the pandemic offer answers a legal duty
    of the employer, Corona-ArbSchV / § 28b IfSG; nobody applies for it)."""
    if cleaned["kind"] in EMPLOYER_ONLY_KINDS:
        raise DomainError(
            _(
                "Ein Pandemie-Angebot macht nur der Arbeitgeber; beantragen kann man es nicht. "
                "Bitte wählen Sie alternierende oder gelegentliche mobile Arbeit oder Telearbeit."
            ),
            code="employer_only",
        )
    return cleaned


def request_create(
    *, by: User, values: dict[str, Any], text: str = "", today: dt.date | None = None
) -> WorkRequest:
    employee = own_employee(by)
    cleaned = _requestable(validate_pattern(values, today=today))
    with transaction.atomic():
        request = WorkRequest.objects.create(
            employee=employee, text=text.strip(), created_by=by, **cleaned
        )
        REQUEST_WORKFLOW.start(request, action="create", by=by)
    return request


def request_update(
    *,
    request: WorkRequest,
    by: User,
    values: dict[str, Any],
    text: str = "",
    today: dt.date | None = None,
) -> WorkRequest:
    require_owner(request, by)
    cleaned = _requestable(validate_pattern(values, today=today))
    with transaction.atomic():
        request = REQUEST_WORKFLOW.lock(request, related=PERSON)
        if request.status != RequestStatus.DRAFT:
            raise IllegalTransition(_("Nur Entwürfe können geändert werden."))
        for name, value in cleaned.items():
            setattr(request, name, value)
        request.text = text.strip()
        request.save()
    return request


def request_submit(*, request: WorkRequest, by: User, today: dt.date | None = None) -> WorkRequest:
    today = today_or(today)
    require_owner(request, by)
    with transaction.atomic():
        request = REQUEST_WORKFLOW.lock(request, related=PERSON)
        REQUEST_WORKFLOW.check(request, RequestStatus.SUBMITTED, "submit")
        validate_pattern(pattern_values(request), today=today)
        other = WorkRequest.objects.filter(
            employee=request.employee, status=RequestStatus.SUBMITTED
        )
        if other.exclude(pk=request.pk).exists():
            raise DomainError(
                _(
                    "Es liegt bereits ein eingereichter Antrag vor. Bitte ziehen Sie ihn zurück "
                    "oder warten Sie die Entscheidung ab."
                ),
                code="open_request",
            )
        unit = responsible_unit(request.employee)
        if unit is None:
            raise DomainError(
                _(
                    "Für Ihre Organisationseinheit ist keine Leitung hinterlegt. Bitte wenden Sie "
                    "sich an das Personalamt."
                ),
                code="no_decider",
            )
        rules = RuleSettings.current()
        request.decider_unit = unit
        request.submitted_at = timezone.now()
        request.due_date = today + dt.timedelta(days=rules.decision_deadline_days)
        REQUEST_WORKFLOW.transition(
            request,
            RequestStatus.SUBMITTED,
            action="submit",
            by=by,
            fields=("decider_unit", "submitted_at", "due_date"),
        )
        mail.send(
            to=mail.deciders_of(unit),
            subject=_("Neuer Antrag auf mobiles Arbeiten"),
            body=_(
                "%(name)s beantragt %(kind)s (%(pattern)s) ab %(start)s.\n"
                "Bitte entscheiden Sie bis %(due)s."
            )
            % {
                "name": request.employee.full_name,
                "kind": request.get_kind_display(),
                "pattern": request.pattern_label,
                "start": german_date(request.start_date),
                "due": german_date(request.due_date),
            },
            url=mail.link("agreements:request_detail", request.pk),
        )
    return request


def request_withdraw(*, request: WorkRequest, by: User, reason: str = "") -> WorkRequest:
    require_owner(request, by)
    with transaction.atomic():
        request = REQUEST_WORKFLOW.lock(request, related=PERSON)
        was = request.status
        REQUEST_WORKFLOW.transition(
            request, RequestStatus.WITHDRAWN, action="withdraw", by=by, reason=reason.strip()
        )
        if was == RequestStatus.SUBMITTED:
            mail.send(
                to=mail.deciders_of(request.decider_unit),
                subject=_("Antrag zurückgezogen"),
                body=_("%(name)s hat den Antrag auf mobiles Arbeiten zurückgezogen.")
                % {"name": request.employee.full_name},
                url=mail.link("agreements:request_detail", request.pk),
            )
    return request


def can_decide(user: User, request: WorkRequest) -> bool:
    scope = scope_for(user)
    if request.decider_unit_id is None or scope.employee_id == request.employee_id:
        return False
    return scope.is_superuser or scope.covers(request.decider_unit.path)


def _require_decider(request: WorkRequest, by: User) -> None:
    """Only the responsible head decides. A request not yet submitted has no deciding
    unit: the head who would decide it passes here, so that the workflow refuses the
    move for what it is (a draft cannot be decided, 409), not for who asks (403)."""
    if can_decide(by, request):
        return
    if request.decider_unit_id is None:
        unit = responsible_unit(request.employee)
        scope = scope_for(by)
        if (
            unit is not None
            and scope.employee_id != request.employee_id
            and (scope.is_superuser or scope.covers(unit.path))
        ):
            return
    raise NotAllowed(_("Über diesen Antrag entscheidet die zuständige Leitung."))


def request_approve(
    *,
    request: WorkRequest,
    by: User,
    quota_exception_reason: str = "",
    comment: str = "",
    today: dt.date | None = None,
) -> Agreement:
    today = today_or(today)
    with transaction.atomic():
        request = REQUEST_WORKFLOW.lock(request, related=PERSON)
        _require_decider(request, by)
        REQUEST_WORKFLOW.check(request, RequestStatus.APPROVED, "approve")
        request.quota_exception_reason = check_quota(request, quota_exception_reason)
        request.decided_at = timezone.now()
        request.decided_by = by
        request.reason_codes, request.justification, request.review_date = [], comment.strip(), None
        REQUEST_WORKFLOW.transition(
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
        agreement = agreement_life.agreement_create_from(
            source=request, by=by, today=today, request=request
        )
        mail.send(
            to=[mail.employee_user(request.employee)],
            subject=_("Ihr Antrag auf mobiles Arbeiten ist genehmigt"),
            body=_(
                "Ihr Antrag ist genehmigt. Damit die Vereinbarung wirksam wird, stimmen Sie ihr "
                "bitte zu und geben Sie die Datenschutzerklärung ab."
            ),
            url=mail.link("agreements:mine"),
        )
    return agreement


def refusal_problems(
    codes: list[str], justification: str, review_date: dt.date | None, today: dt.date
) -> dict[str, str]:
    """What a refusal lacks, by the field it concerns (`reason_codes`,
    `justification`, `review_date`): a reason code, a written justification, and for a
    temporary reason a review date in the future (the burden of proof). The refusal
    form marks each field with its message; the service refuses with all of them."""
    problems = {}
    unknown = [c for c in codes if c not in ReasonCode.values]
    if not codes:
        problems["reason_codes"] = _("Eine Ablehnung braucht mindestens einen Grund (R1 bis R8).")
    elif unknown:
        problems["reason_codes"] = _("Unbekannter Grund: %(codes)s.") % {
            "codes": ", ".join(unknown)
        }
    if len(justification) < MIN_JUSTIFICATION:
        problems["justification"] = _(
            "Eine Ablehnung muss schriftlich begründet werden: Warum kann diese Arbeit nicht "
            "mobil erledigt werden? (mindestens %(min)s Zeichen)"
        ) % {"min": MIN_JUSTIFICATION}
    temporary = [c for c in codes if c in TEMPORARY_REASONS]
    if temporary and review_date is None:
        problems["review_date"] = _(
            "Die Gründe %(codes)s sind vorübergehend: Bitte ein Datum für die Wiedervorlage "
            "angeben."
        ) % {"codes": ", ".join(temporary)}
    elif temporary and review_date <= today:
        problems["review_date"] = _("Die Wiedervorlage muss in der Zukunft liegen.")
    return problems


def request_reject(
    *,
    request: WorkRequest,
    by: User,
    reason_codes: list[str],
    justification: str,
    review_date: dt.date | None = None,
    today: dt.date | None = None,
) -> WorkRequest:
    today = today_or(today)
    codes = sorted(set(reason_codes or []))
    justification = (justification or "").strip()
    temporary = any(c in TEMPORARY_REASONS for c in codes)
    with transaction.atomic():
        request = REQUEST_WORKFLOW.lock(request, related=PERSON)
        _require_decider(request, by)
        # Whether it can be refused at all comes before what the refusal lacks.
        REQUEST_WORKFLOW.check(request, RequestStatus.REJECTED, "reject")
        problems = refusal_problems(codes, justification, review_date, today)
        if problems:
            raise DomainError(" ".join(problems.values()), code="invalid")
        request.reason_codes = codes
        request.justification = justification
        request.review_date = review_date if temporary else None
        request.decided_at = timezone.now()
        request.decided_by = by
        REQUEST_WORKFLOW.transition(
            request,
            RequestStatus.REJECTED,
            action="reject",
            by=by,
            reason=f"{', '.join(codes)}: {justification}",
            fields=("reason_codes", "justification", "review_date", "decided_at", "decided_by"),
        )
        body = _(
            "Ihr Antrag wurde abgelehnt. Die Gründe und die Begründung finden Sie in Rathaus Mobil."
        )
        if request.review_date:
            body += " " + _("Der Antrag wird am %(date)s erneut vorgelegt.") % {
                "date": german_date(request.review_date)
            }
        mail.send(
            to=[mail.employee_user(request.employee)],
            subject=_("Entscheidung über Ihren Antrag auf mobiles Arbeiten"),
            body=body,
            url=mail.link("agreements:mine"),
        )
    return request


def request_review_return(*, request: WorkRequest, today: dt.date | None = None) -> bool:
    """On the review date a request refused for a temporary reason comes back to the
    decider's inbox. Returns False when there is nothing to do (safe to repeat)."""
    today = today_or(today)
    with transaction.atomic():
        request = REQUEST_WORKFLOW.lock(request, related=PERSON)
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
        codes = ", ".join(request.reason_codes)
        REQUEST_WORKFLOW.transition(
            request,
            RequestStatus.SUBMITTED,
            action="review_return",
            by=None,
            reason=_("Wiedervorlage zum %(date)s (Gründe %(codes)s)")
            % {"date": german_date(request.review_date), "codes": codes},
            fields=("decider_unit", "due_date", "escalation_level", "escalated_at"),
            source="run_due_jobs",
        )
        mail.send(
            to=mail.deciders_of(unit),
            subject=_("Wiedervorlage: Antrag auf mobiles Arbeiten"),
            body=_(
                "Der Antrag von %(name)s wurde vorübergehend abgelehnt (%(codes)s) und ist heute "
                "wieder vorzulegen."
            )
            % {"name": request.employee.full_name, "codes": codes},
            url=mail.link("agreements:request_detail", request.pk),
        )
    return True


def request_escalate(*, request: WorkRequest, today: dt.date | None = None) -> bool:
    """An overdue request goes to the next head up, once per deadline period."""
    today = today_or(today)
    rules = RuleSettings.current()
    with transaction.atomic():
        request = REQUEST_WORKFLOW.lock(request, related=PERSON)
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
        REQUEST_WORKFLOW.transition(
            request,
            RequestStatus.SUBMITTED,
            action="escalate",
            by=None,
            reason=_("Frist %(due)s überschritten; weiter an %(code)s %(unit)s")
            % {"due": german_date(request.due_date), "code": above.code, "unit": above.name},
            fields=("decider_unit", "escalation_level", "escalated_at"),
            source="run_due_jobs",
            changes={
                str(WorkRequest._meta.get_field("decider_unit").verbose_name): [
                    current.code,
                    above.code,
                ]
            },
        )
        mail.send(
            to=mail.deciders_of(above),
            subject=_("Überfälliger Antrag auf mobiles Arbeiten"),
            body=_(
                "Über den Antrag von %(name)s wurde bis zum %(due)s nicht entschieden. Er liegt "
                "jetzt bei Ihnen."
            )
            % {"name": request.employee.full_name, "due": german_date(request.due_date)},
            url=mail.link("agreements:request_detail", request.pk),
        )
    return True


# --------------------------------------------------------------------------- offers


def offer_create(
    *,
    employee: Employee,
    by: User,
    values: dict[str, Any],
    text: str = "",
    quota_exception_reason: str = "",
    today: dt.date | None = None,
) -> Offer:
    """The quota applies to offers as to requests, except pandemic offers while a
    pandemic period is in force on the offer's start: under a legal home-office duty
    the law, not the service agreement, sets the limit (and the agreement ends with
    the period). Outside a period a pandemic offer follows the quota like any other."""
    require_employer_side(employee, by)
    if not employee.is_active:
        raise DomainError(_("Die Person ist nicht mehr beschäftigt."))
    cleaned = validate_pattern(values, today=today)
    offer = Offer(employee=employee, **cleaned)
    under_duty = offer.kind == WorkKind.PANDEMIC and pandemic_period_on(offer.start_date)
    exception = "" if under_duty else check_quota(offer, quota_exception_reason)
    with transaction.atomic():
        offer = Offer.objects.create(
            employee=employee,
            offered_by=by,
            text=text.strip(),
            quota_exception_reason=exception,
            **cleaned,
        )
        OFFER_WORKFLOW.start(offer, action="offer", by=by)
        mail.send(
            to=[mail.employee_user(employee)],
            subject=_("Angebot: mobiles Arbeiten"),
            body=_(
                "Ihnen wird %(kind)s angeboten (%(pattern)s, ab %(start)s). Sie entscheiden "
                "frei, ob Sie das Angebot annehmen."
            )
            % {
                "kind": offer.get_kind_display(),
                "pattern": offer.pattern_label,
                "start": german_date(offer.start_date),
            },
            url=mail.link("agreements:mine"),
        )
    return offer


def offer_accept(*, offer: Offer, by: User, today: dt.date | None = None) -> Agreement:
    today = today_or(today)
    require_owner(offer, by)
    with transaction.atomic():
        offer = OFFER_WORKFLOW.lock(offer, related=PERSON)
        offer.answered_at = timezone.now()
        OFFER_WORKFLOW.transition(
            offer, OfferStatus.ACCEPTED, action="accept", by=by, fields=("answered_at",)
        )
        agreement = agreement_life.agreement_create_from(
            source=offer, by=by, today=today, offer=offer
        )
        # Accepting the offer is the employee's consent to this agreement.
        agreement_life.agreement_record_consent(
            agreement=agreement, by=by, at=offer.answered_at, today=today
        )
    return agreement


def offer_decline(*, offer: Offer, by: User, note: str = "") -> Offer:
    """Declining is the employee's right and needs no reason; it is recorded, never enforced."""
    require_owner(offer, by)
    with transaction.atomic():
        offer = OFFER_WORKFLOW.lock(offer, related=PERSON)
        offer.answered_at = timezone.now()
        offer.decline_note = note.strip()
        OFFER_WORKFLOW.transition(
            offer,
            OfferStatus.DECLINED,
            action="decline",
            by=by,
            reason=note.strip(),
            fields=("answered_at", "decline_note"),
        )
        mail.send(
            to=[offer.offered_by],
            subject=_("Angebot abgelehnt"),
            body=_("%(name)s hat das Angebot zum mobilen Arbeiten abgelehnt.")
            % {"name": offer.employee.full_name},
            url=mail.link("agreements:offer_detail", offer.pk),
        )
    return offer
