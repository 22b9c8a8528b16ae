"""Reads of the home-office workflow, scoped by who asks.

- Employees see their own requests, offers, agreements and pledges.
- Supervisors see those of their units and the units below, and requests they
  decide (after an escalation the deciding unit may lie outside their own tree).
- HR sees everything.
- The staff council sees refused requests (co-determination) with their reasons.
- IT, the data-protection officer and leadership see no individual cases here:
  aggregates only. IT never sees the reasons of a decision.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from rathausmobil.agreements.models import (
    Agreement,
    AgreementStatus,
    ChecklistVersion,
    Offer,
    OfferStatus,
    PandemicGapReason,
    PandemicPeriod,
    Pledge,
    ReasonCode,
    RequestStatus,
    WorkKind,
    WorkRequest,
)
from rathausmobil.core.figures import suppress_breakdown
from rathausmobil.organisation.models import Employee, Position, Role
from rathausmobil.organisation.scoping import scope_for

OPEN_AGREEMENT = [
    AgreementStatus.PENDING,
    AgreementStatus.AGREED,
    AgreementStatus.ACTIVE,
    AgreementStatus.ENDING,
]


def _employee_scope(user, prefix: str = "employee__") -> Q | None:
    """Q for records of employees the user may see as a person; None = all."""
    scope = scope_for(user)
    if scope.user_id is None:
        return Q(pk__in=[])
    if scope.has(Role.HR):
        return None
    query = scope.unit_filter(prefix=f"{prefix}unit__")
    if scope.employee_id:
        query |= Q(**{f"{prefix}pk": scope.employee_id})
    return query


def requests_visible_to(user) -> QuerySet[WorkRequest]:
    base = WorkRequest.objects.select_related("employee__unit", "decider_unit", "decided_by")
    scope = scope_for(user)
    query = _employee_scope(user)
    if query is None:
        return base
    query |= scope.unit_filter(prefix="decider_unit__")
    if scope.has(Role.STAFF_COUNCIL):
        query |= Q(status=RequestStatus.REJECTED) | Q(history__action="reject")
    return base.filter(query).distinct() if scope.has(Role.STAFF_COUNCIL) else base.filter(query)


def inbox_for(user, today: dt.date | None = None) -> QuerySet[WorkRequest]:
    """Submitted requests that the user's own units decide, overdue first."""
    scope = scope_for(user)
    today = today or timezone.localdate()
    return (
        WorkRequest.objects.select_related("employee__unit", "decider_unit")
        .filter(status=RequestStatus.SUBMITTED, decider_unit_id__in=scope.direct_unit_ids)
        .exclude(employee_id=scope.employee_id)
        .order_by("due_date", "submitted_at")
    )


def offers_visible_to(user) -> QuerySet[Offer]:
    base = Offer.objects.select_related("employee__unit", "offered_by")
    query = _employee_scope(user)
    return base if query is None else base.filter(query)


def agreements_visible_to(user) -> QuerySet[Agreement]:
    base = Agreement.objects.select_related("employee__unit")
    query = _employee_scope(user)
    return base if query is None else base.filter(query)


def current_checklist() -> ChecklistVersion | None:
    return ChecklistVersion.objects.order_by("-number").first()


def has_valid_pledge(employee_id: int) -> bool:
    version = current_checklist()
    return (
        version is not None
        and Pledge.objects.filter(employee_id=employee_id, version=version, is_valid=True).exists()
    )


def pledges_visible_to(user) -> QuerySet[Pledge]:
    base = Pledge.objects.select_related("employee__unit", "version")
    query = _employee_scope(user)
    return base if query is None else base.filter(query)


def employees_missing_pledge() -> QuerySet[Employee]:
    """People with an open agreement but no valid pledge on the current checklist."""
    version = current_checklist()
    open_agreement = Agreement.objects.filter(employee=OuterRef("pk"), status__in=OPEN_AGREEMENT)
    valid = Pledge.objects.filter(employee=OuterRef("pk"), version=version, is_valid=True)
    return Employee.objects.filter(Exists(open_agreement), is_active=True).exclude(Exists(valid))


def active_pandemic_period(today: dt.date | None = None) -> PandemicPeriod | None:
    today = today or timezone.localdate()
    return (
        PandemicPeriod.objects.filter(start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .order_by("-start_date")
        .first()
    )


def pandemic_gaps(
    user, period: PandemicPeriod, *, only_undocumented: bool = False
) -> QuerySet[Position]:
    """Eligible or partly eligible positions held by active staff where nobody
    holding them has an offer or agreement, with the documented reason if any."""
    from rathausmobil.eligibility.selectors import eligible_position_ids

    scope = scope_for(user)
    holders = Employee.objects.filter(position=OuterRef("pk"), is_active=True)
    covered = Employee.objects.filter(position=OuterRef("pk"), is_active=True).filter(
        Exists(
            Offer.objects.filter(employee=OuterRef("pk")).filter(
                Q(status__in=[OfferStatus.OFFERED, OfferStatus.ACCEPTED])
                # The duty is to offer: an offer declined in the period fulfils it.
                | Q(status=OfferStatus.DECLINED, created_at__date__gte=period.start_date)
            )
        )
        | Exists(Agreement.objects.filter(employee=OuterRef("pk"), status__in=OPEN_AGREEMENT))
    )
    positions = (
        Position.objects.filter(pk__in=eligible_position_ids())
        .filter(Exists(holders))
        .exclude(Exists(covered))
        .select_related("unit")
        .annotate(holders_count=Count("employees", filter=Q(employees__is_active=True)))
        .order_by("unit__path", "number")
    )
    if not scope.has(Role.HR):
        positions = positions.filter(scope.unit_filter())
    reasons = PandemicGapReason.objects.filter(period=period, position=OuterRef("pk"))
    positions = positions.annotate(documented=Exists(reasons))
    if only_undocumented:
        positions = positions.filter(documented=False)
    return positions


def kpis(today: dt.date | None = None, *, viewer=None) -> dict:
    """Figures for the dashboard. Refusals by reason follow the rule of 5 (one R8 refusal
    would point at one person's performance review), except for HR, who reads every
    refusal with its reasons anyway; `viewer` None (the `kpis` command) is suppressed."""
    today = today or timezone.localdate()
    # In force today: a renewal that starts later does not count twice.
    by_kind = Counter(
        dict(
            Agreement.objects.filter(
                status__in=[AgreementStatus.ACTIVE, AgreementStatus.ENDING], start_date__lte=today
            )
            .values_list("kind")
            .annotate(n=Count("pk"))
        )
    )
    reasons: Counter = Counter()
    for codes in WorkRequest.objects.filter(status=RequestStatus.REJECTED).values_list(
        "reason_codes", flat=True
    ):
        reasons.update(codes)
    decided = WorkRequest.objects.filter(
        status__in=[RequestStatus.APPROVED, RequestStatus.REJECTED]
    ).count()
    rejected = WorkRequest.objects.filter(status=RequestStatus.REJECTED).count()
    open_requests = WorkRequest.objects.filter(status=RequestStatus.SUBMITTED)
    return {
        "agreements_active_by_kind": {kind: by_kind.get(kind, 0) for kind in WorkKind.values},
        "requests_open": open_requests.count(),
        "requests_overdue": open_requests.filter(due_date__lt=today).count(),
        "refusals_by_reason": suppress_breakdown(
            {code: reasons.get(code, 0) for code in ReasonCode.values},
            exact=viewer is not None and scope_for(viewer).has(Role.HR),
        ),
        "refusal_rate": round(rejected / decided, 3) if decided else 0.0,
        "pledges_missing": employees_missing_pledge().count(),
    }
