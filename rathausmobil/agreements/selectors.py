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
import math
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rathausmobil.agreements.hooks import Prerequisite
from rathausmobil.agreements.models import (
    Agreement,
    AgreementStatus,
    ChecklistVersion,
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
    WorkPattern,
    WorkRequest,
)
from rathausmobil.agreements.prerequisites import prerequisites_of
from rathausmobil.core.dates import add_months, day_end
from rathausmobil.core.figures import rebuilt_since, suppress_breakdown
from rathausmobil.core.workflow import with_status_on
from rathausmobil.eligibility.selectors import assessments_visible_to
from rathausmobil.organisation.models import Employee, OrgUnit, Position, Role, in_subtree
from rathausmobil.organisation.scoping import scope_for
from rathausmobil.organisation.selectors import records_began

if TYPE_CHECKING:
    from rathausmobil.eligibility.models import PositionAssessment

WEEKDAY_NAMES = [
    _("Montag"),
    _("Dienstag"),
    _("Mittwoch"),
    _("Donnerstag"),
    _("Freitag"),
    _("Samstag"),
]

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
    # Sets, not a subquery per position: PostgreSQL hashes each once (NOT IN over ids that
    # are never NULL), about half the time of the correlated form at 50,000 staff.
    held = Employee.objects.filter(is_active=True, position__isnull=False).values("position_id")
    offered = Offer.objects.filter(
        Q(status__in=[OfferStatus.OFFERED, OfferStatus.ACCEPTED])
        # The duty is to offer: an offer declined in the period fulfils it.
        | Q(status=OfferStatus.DECLINED, created_at__date__gte=period.start_date)
    ).values("employee_id")
    agreed = Agreement.objects.filter(status__in=OPEN_AGREEMENT).values("employee_id")
    covered = (
        Employee.objects.filter(is_active=True, position__isnull=False)
        .filter(Q(pk__in=offered) | Q(pk__in=agreed))
        .values("position_id")
    )
    positions = (
        Position.objects.filter(pk__in=eligible_position_ids())
        .filter(pk__in=held)
        .exclude(pk__in=covered)
        .select_related("unit")
        # A subquery, not a Count over a join: count() (the page's paginator, the HR
        # task) then drops it instead of grouping every position.
        .annotate(
            holders_count=Subquery(
                Employee.objects.filter(position=OuterRef("pk"), is_active=True)
                .order_by()
                .values("position")
                .annotate(n=Count("pk"))
                .values("n")
            )
        )
        .order_by("unit__path", "number")
    )
    if not scope.has(Role.HR):
        positions = positions.filter(scope.unit_filter())
    reasons = PandemicGapReason.objects.filter(period=period)
    positions = positions.annotate(documented=Exists(reasons.filter(position=OuterRef("pk"))))
    if only_undocumented:
        positions = positions.exclude(pk__in=reasons.values("position_id"))
    return positions


def kpis(
    today: dt.date | None = None,
    *,
    viewer=None,
    on: dt.date | None = None,
    unit: OrgUnit | None = None,
) -> dict:
    """Figures for the dashboard. Refusals by reason follow the rule of 5 (one R8 refusal
    would point at one person's performance review), except for HR, who reads every
    refusal with its reasons anyway; `viewer` None (the `kpis` command) is suppressed.

    `on`: as of that day (default today): each record counts with the status its history
    gives it at the end of that day (`core.workflow.with_status_on`)."""
    now = timezone.localdate()
    # `today` moves the clock (the statuses held now, judged on that day); `on` looks back
    # (the statuses the history gives for that day).
    past = on is not None and on < now
    day = on or today or now
    status_day = day if past else now
    if past and (missing := rebuilt_since(day, records_began())):
        return dict.fromkeys(AGREEMENT_FIGURES, missing)
    # In force that day: a renewal that starts later does not count twice.
    people = Q() if unit is None else in_subtree(unit.path, "employee__unit")
    agreements = with_status_on(Agreement.objects.filter(people), status_day)
    by_kind = Counter(
        dict(
            agreements.filter(
                status_on__in=[AgreementStatus.ACTIVE, AgreementStatus.ENDING],
                start_date__lte=day,
            )
            .values_list("kind")
            .annotate(n=Count("pk"))
        )
    )
    requests = with_status_on(WorkRequest.objects.filter(people), status_day)
    reasons: Counter = Counter()
    for codes in requests.filter(status_on=RequestStatus.REJECTED).values_list(
        "reason_codes", flat=True
    ):
        reasons.update(codes)
    decided = requests.filter(
        status_on__in=[RequestStatus.APPROVED, RequestStatus.REJECTED]
    ).count()
    rejected = requests.filter(status_on=RequestStatus.REJECTED).count()
    open_requests = requests.filter(status_on=RequestStatus.SUBMITTED)
    return {
        "agreements_active_by_kind": {kind: by_kind.get(kind, 0) for kind in WorkKind.values},
        "requests_open": open_requests.count(),
        "requests_overdue": open_requests.filter(due_date__lt=day).count(),
        "refusals_by_reason": suppress_breakdown(
            {code: reasons.get(code, 0) for code in ReasonCode.values},
            exact=viewer is not None and scope_for(viewer).has(Role.HR),
        ),
        "refusal_rate": round(rejected / decided, 3) if decided else 0.0,
        "pledges_missing": _missing_pledges_on(status_day)
        .filter(Q() if unit is None else in_subtree(unit.path))
        .count(),
    }


@dataclass(frozen=True)
class OfficeRequests:
    """Open and overdue requests of one office (Amt) and everything below it."""

    unit: OrgUnit
    open: int
    overdue: int
    oldest_due: dt.date | None


def overdue_by_office(today: dt.date | None = None) -> list[OfficeRequests]:
    """Requests waiting for a decision, per office (a Dezernat's own staff count under the
    Dezernat), most overdue first: counts only, no person. Two queries."""
    today = today or timezone.localdate()
    waiting = (
        WorkRequest.objects.filter(status=RequestStatus.SUBMITTED)
        .values("employee__unit__path")
        .annotate(
            n=Count("pk"),
            late=Count("pk", filter=Q(due_date__lt=today)),
            oldest=Min("due_date", filter=Q(due_date__lt=today)),
        )
        .order_by()
    )
    by_office: dict[int, list] = {}
    for row in waiting:
        ids = [int(part) for part in row["employee__unit__path"].strip("/").split("/")]
        office = ids[1] if len(ids) > 1 else ids[0]  # the Amt; a Dezernat's own staff: itself
        totals = by_office.setdefault(office, [0, 0, None])
        totals[0] += row["n"]
        totals[1] += row["late"]
        if row["oldest"] and (totals[2] is None or row["oldest"] < totals[2]):
            totals[2] = row["oldest"]
    units = OrgUnit.objects.in_bulk(list(by_office))
    rows = [
        OfficeRequests(units[pk], n, late, oldest) for pk, (n, late, oldest) in by_office.items()
    ]
    return sorted(rows, key=lambda r: (-r.overdue, r.oldest_due or dt.date.max, r.unit.code))


AGREEMENT_FIGURES = (
    "agreements_active_by_kind",
    "requests_open",
    "requests_overdue",
    "refusals_by_reason",
    "refusal_rate",
    "pledges_missing",
)


def _missing_pledges_on(day: dt.date) -> QuerySet[Employee]:
    """`employees_missing_pledge` as of the end of `day`: staff that day with an open
    agreement and no valid pledge, signed by then, on the checklist published by then."""
    if day >= timezone.localdate():
        return employees_missing_pledge()
    end = day_end(day)
    version = ChecklistVersion.objects.filter(published_at__lt=end).order_by("-number").first()
    open_agreement = with_status_on(Agreement.objects.filter(employee=OuterRef("pk")), day).filter(
        status_on__in=OPEN_AGREEMENT
    )
    valid = Pledge.objects.filter(
        employee=OuterRef("pk"), version=version, is_valid=True, signed_at__lt=end
    )
    return Employee.objects.employed_on(day).filter(Exists(open_agreement)).exclude(Exists(valid))


# --------------------------------------------------------------------------- the quota in hours and days


def _trimmed(value: Decimal) -> Decimal:
    """40.00 -> 40, 23.40 -> 23.4: as a person writes it (the page localises the mark)."""
    return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()


@dataclass(frozen=True)
class QuotaFigures:
    """The quota for one person and what a pattern asks, in percent, hours and days:
    "60 % von 39 Std. = höchstens 23,4 Std., also höchstens 3 von 5 Tagen". Hours and
    days are rounded to one decimal and shown without trailing zeros."""

    quota_percent: int
    weekly_hours: Decimal | None
    working_days: int
    share_percent: Decimal | None = None  # what the pattern asks; None: nothing chosen yet
    exception_reason: str = ""

    @property
    def hours(self) -> Decimal | None:
        return None if self.weekly_hours is None else _trimmed(Decimal(self.weekly_hours))

    @property
    def max_hours(self) -> Decimal | None:
        if self.weekly_hours is None:
            return None
        return _trimmed((self.weekly_hours * self.quota_percent / 100).quantize(Decimal("0.1")))

    @property
    def max_days(self) -> int:
        """Whole home days a week within the quota (60 % of 5 days: 3; of 4 days: 2)."""
        return math.floor(Decimal(self.working_days * self.quota_percent) / 100)

    @property
    def share(self) -> Decimal | None:
        return None if self.share_percent is None else _trimmed(Decimal(self.share_percent))

    @property
    def asked_hours(self) -> Decimal | None:
        if self.weekly_hours is None or self.share_percent is None:
            return None
        return _trimmed((self.weekly_hours * self.share_percent / 100).quantize(Decimal("0.1")))

    @property
    def asked_days(self) -> Decimal | None:
        if self.share_percent is None:
            return None
        return _trimmed((self.share_percent * self.working_days / 100).quantize(Decimal("0.1")))

    @property
    def within(self) -> bool:
        return self.share_percent is None or self.share_percent <= self.quota_percent


def quota_for(
    pattern: WorkPattern, *, weekly_hours: Decimal | None, rules: RuleSettings | None = None
) -> QuotaFigures:
    """The quota arithmetic of a request, offer or agreement (saved or not) for a
    person with these weekly hours. The share is the pattern's own
    (`home_share_percent`), the one the services check against the quota."""
    rules = rules or RuleSettings.current()
    chosen = (
        pattern.share_percent is not None
        if pattern.pattern_type == PatternType.SHARE
        else bool(pattern.weekdays)
    )
    return QuotaFigures(
        quota_percent=rules.home_quota_percent,
        weekly_hours=None if weekly_hours is None else Decimal(str(weekly_hours)),
        working_days=pattern.working_days_per_week or 5,
        share_percent=pattern.home_share_percent if chosen else None,
        exception_reason=pattern.quota_exception_reason,
    )


# --------------------------------------------------------------------------- the decision page

# An agreement that still counts for the unit's week: not ended, not declined.
_NOT_IN_FORCE = (AgreementStatus.ENDED, AgreementStatus.DECLINED)
# Prerequisites a decider cannot judge before approving: consent comes after the
# approval, the telework workstation is recorded on the agreement.
_AFTER_APPROVAL = frozenset({"accepted", "telework"})


@dataclass(frozen=True)
class WeekdayLoad:
    """One weekday of the unit: how many others work from home that day."""

    weekday: int
    label: str
    others: int
    asked: bool


@dataclass(frozen=True)
class DecisionBasis:
    """What the head sees before deciding a request (agreements:request_detail)."""

    position: Position | None
    assessment: PositionAssessment | None
    quota: QuotaFigures
    unit_headcount: int
    weekdays: list[WeekdayLoad]
    share_only: int  # others of the unit with a share of hours but no fixed days
    prerequisites: list[Prerequisite]

    @property
    def above_movable_share(self) -> bool:
        """Asks more than the assessment says can move out of the office."""
        return (
            self.assessment is not None
            and self.quota.share_percent is not None
            and self.quota.share_percent > self.assessment.movable_share
        )


def _unit_week(request: WorkRequest) -> tuple[list[WeekdayLoad], int]:
    """Per weekday, the other people of the request's unit whose agreement has them at
    home that day during the requested period (counts, never names); one query
    however large the unit."""
    agreements = (
        Agreement.objects.filter(employee__unit_id=request.employee.unit_id)
        .exclude(employee_id=request.employee_id)
        .exclude(status__in=_NOT_IN_FORCE)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=request.start_date))
        .filter(Q(effective_end_date__isnull=True) | Q(effective_end_date__gte=request.start_date))
    )
    if request.end_date:
        agreements = agreements.filter(start_date__lte=request.end_date)
    at_home: dict[int, set[int]] = {day: set() for day in range(6)}
    share_only: set[int] = set()
    for employee_id, pattern_type, weekdays in agreements.values_list(
        "employee_id", "pattern_type", "weekdays"
    ):
        if pattern_type == PatternType.SHARE:
            share_only.add(employee_id)
        for day in weekdays or []:
            if day in at_home:
                at_home[day].add(employee_id)
    asked = set(request.weekdays or []) if request.pattern_type == PatternType.WEEKDAYS else set()
    days = [d for d in range(6) if d < 5 or d in asked or at_home[d]]  # Saturday if it matters
    return (
        [
            WeekdayLoad(day, str(WEEKDAY_NAMES[day]), len(at_home[day]), day in asked)
            for day in days
        ],
        len(share_only),
    )


def decision_basis(
    user, request: WorkRequest, *, rules: RuleSettings | None = None
) -> DecisionBasis:
    """The basis of a head's decision: the position's eligibility (as far as the user
    may see it), the quota arithmetic for this person, the unit's other home days on
    each weekday, and what is in place of devices and access (the activation
    prerequisites other apps answer, asked for a not yet existing agreement). A fixed
    number of queries, whatever the size of the unit."""
    employee = request.employee
    assessment = position = None
    if employee.position_id:
        assessment = (
            assessments_visible_to(user)
            .filter(position_id=employee.position_id, is_current=True)
            .first()
        )
        position = (
            assessment.position
            if assessment
            else Position.objects.filter(pk=employee.position_id).first()
        )
    weekdays, share_only = _unit_week(request)
    hypothetical = Agreement(
        employee=employee,
        kind=request.kind,
        pattern_type=request.pattern_type,
        weekdays=request.weekdays,
        working_days_per_week=request.working_days_per_week,
        share_percent=request.share_percent,
        start_date=request.start_date,
        end_date=request.end_date,
    )
    return DecisionBasis(
        position=position,
        assessment=assessment,
        quota=quota_for(request, weekly_hours=employee.weekly_hours, rules=rules),
        unit_headcount=Employee.objects.filter(unit_id=employee.unit_id, is_active=True).count(),
        weekdays=weekdays,
        share_only=share_only,
        prerequisites=[p for p in prerequisites_of(hypothetical) if p.key not in _AFTER_APPROVAL],
    )


def latest_end(start: dt.date, rules: RuleSettings | None = None) -> dt.date:
    """The last day of an agreement with an open end that starts on `start`: the
    longest term (`max_term_months`), as `agreement_create_from` sets it."""
    rules = rules or RuleSettings.current()
    return add_months(start, rules.max_term_months) - dt.timedelta(days=1)
