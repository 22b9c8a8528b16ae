"""Reads of the eligibility app, scoped by who asks.

Who sees assessments (docs/workflows/eligibility.md):
- HR (Personalamt) and superusers: all positions and assessments.
- Supervisors: the positions of their units and all units below.
- Employees: the assessment (with its history) of the position they hold; the
  reasons concern them, since a refusal of mobile work may rest on them.
- IT, staff council, data-protection officer and leadership: no individual
  assessments (IT never sees reasons; the others work with aggregates, `kpis`).
  Anyone who also holds a position sees that one, as every employee does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from rathausmobil.core.dates import day_end
from rathausmobil.core.figures import NotRebuilt, rebuilt_since
from rathausmobil.eligibility.models import EligibilityResult, PositionAssessment
from rathausmobil.organisation.models import Employee, OrgUnit, Position, Role, in_subtree
from rathausmobil.organisation.scoping import scope_for
from rathausmobil.organisation.selectors import records_began, staff_in

MOVABLE_RESULTS = (EligibilityResult.ELIGIBLE, EligibilityResult.PARTIAL)
# The filter value of the overview for positions without a current assessment.
NOT_ASSESSED = "none"


def _position_filter(user, prefix: str = "") -> Q | None:
    """Q over positions (`prefix` leads from the queried model to the position);
    None means all positions."""
    scope = scope_for(user)
    if scope.user_id is None:
        return Q(pk__in=[])
    if scope.has(Role.HR):
        return None
    query = scope.unit_filter(prefix=f"{prefix}unit__")
    if scope.employee_id:
        own = (
            Employee.objects.filter(pk=scope.employee_id, position__isnull=False)
            .values_list("position_id", flat=True)
            .first()
        )
        if own:
            query |= Q(**{f"{prefix}pk": own})
    return query


def positions_for_eligibility(user) -> QuerySet[Position]:
    """Positions whose eligibility the user may see (scope as in the module docstring)."""
    query = _position_filter(user)
    base = Position.objects.select_related("unit")
    return base if query is None else base.filter(query)


def assessments_visible_to(user) -> QuerySet[PositionAssessment]:
    """Assessments, current and earlier, of the positions the user may see."""
    query = _position_filter(user, prefix="position__")
    base = PositionAssessment.objects.select_related("position", "position__unit", "assessed_by")
    return base if query is None else base.filter(query)


def _current(field: str) -> Subquery:
    return Subquery(
        PositionAssessment.objects.filter(position=OuterRef("pk"), is_current=True).values(field)[
            :1
        ]
    )


def with_current_assessment(positions: QuerySet[Position]) -> QuerySet[Position]:
    """Annotate each position with its current assessment (`current_*`), one query
    however many rows."""
    return positions.annotate(
        current_id=_current("pk"),
        current_result=_current("result"),
        current_movable_share=_current("movable_share"),
        current_assessed_on=_current("assessed_on"),
        current_review_date=_current("review_date"),
        holder_count=Subquery(
            Employee.objects.filter(position=OuterRef("pk"), is_active=True)
            .order_by()
            .values("position")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
    )


def positions_with_assessment(user, unit: OrgUnit | None = None) -> QuerySet[Position]:
    """The overview: visible positions (of `unit` and all below, if given) with their
    current assessment annotated, ordered by unit and number."""
    positions = positions_for_eligibility(user)
    if unit is not None:
        positions = positions.filter(in_subtree(unit.path))
    return with_current_assessment(positions).order_by("unit__path", "number")


def filter_by_result(positions: QuerySet[Position], result: str) -> QuerySet[Position]:
    """Filter an annotated queryset by result; `NOT_ASSESSED` for positions without one."""
    if result == NOT_ASSESSED:
        return positions.filter(current_result__isnull=True)
    if result in EligibilityResult.values:
        return positions.filter(current_result=result)
    return positions


def result_counts(positions: QuerySet[Position]) -> dict[str, int]:
    """Number of positions per current result (and `NOT_ASSESSED`), in one query."""
    figures = positions.order_by().aggregate(
        total=Count("pk", distinct=True),
        **{
            result: Count(
                "assessments",
                filter=Q(assessments__is_current=True, assessments__result=result),
            )
            for result in EligibilityResult.values
        },
    )
    total = figures.pop("total")
    figures[NOT_ASSESSED] = total - sum(figures.values())
    figures["total"] = total
    return figures


def assessment_history(user, position: Position) -> QuerySet[PositionAssessment]:
    """All assessments of a position the user may see, newest first."""
    return assessments_visible_to(user).filter(position=position).order_by("-created_at", "-pk")


def current_results(position_ids: Iterable[int]) -> dict[int, str]:
    """{position id: result} for the positions that have a current assessment.

    Unscoped: for other apps' services (e.g. deciding a request), not for display.
    """
    return dict(
        PositionAssessment.objects.filter(
            position_id__in=list(position_ids), is_current=True
        ).values_list("position_id", "result")
    )


def eligible_position_ids() -> QuerySet:
    """Ids of every position whose current assessment is eligible or partly eligible.

    A values queryset, so callers can use it as a subquery
    (`Employee.objects.filter(position_id__in=eligible_position_ids())`) or iterate it.
    Unscoped, like `current_results`.
    """
    return PositionAssessment.objects.filter(
        is_current=True, result__in=MOVABLE_RESULTS
    ).values_list("position_id", flat=True)


def reviews_due(user, today: dt.date) -> QuerySet[PositionAssessment]:
    """Current assessments the user may see whose review date is today or past."""
    return (
        assessments_visible_to(user)
        .filter(is_current=True, review_date__lte=today)
        .order_by("review_date", "position__number")
    )


def _share(part: int, whole: int) -> float:
    return round(part / whole, 3) if whole else 0.0


def kpis(
    *, viewer=None, on: dt.date | None = None, unit: OrgUnit | None = None
) -> dict[str, float | NotRebuilt]:
    """Figures for the dashboard (aggregates, no persons; the same for every viewer).

    Positions count when at least one person employed that day holds them; an unassessed
    position counts in the denominator, so the figure cannot look better by leaving
    positions unassessed. `on`: as of that day (default today): the assessments entered
    by then and not yet replaced. Who holds which position is today's assignment (the
    records keep no history of it; docs/reports.md).
    """
    today = timezone.localdate()
    day = on or today
    if day < today and (missing := rebuilt_since(day, records_began())):
        return {"positions_eligible_share": missing, "positions_assessed_share": missing}
    occupied = (
        Position.objects.filter(employees__in=staff_in(unit).employed_on(day))
        .values("pk")
        .distinct()
    )
    if day >= today:
        in_force = Q(is_current=True)
    else:
        end = day_end(day)
        in_force = Q(created_at__lt=end) & (
            Q(superseded_at__isnull=True) | Q(superseded_at__gte=end)
        )
    figures = PositionAssessment.objects.filter(in_force, position_id__in=occupied).aggregate(
        assessed=Count("pk"),
        movable=Count("pk", filter=Q(result__in=MOVABLE_RESULTS)),
    )
    total = occupied.count()
    return {
        "positions_eligible_share": _share(figures["movable"], total),
        "positions_assessed_share": _share(figures["assessed"], total),
    }


def staff_in_eligible_positions_share() -> float:
    """Share (0..1) of active staff whose position is eligible or partly eligible.

    Offenbach's "1,100 of 1,200 staff can work from home" is this figure.
    """
    active = Employee.objects.filter(is_active=True)
    total = active.count()
    movable = active.filter(position_id__in=eligible_position_ids()).count()
    return _share(movable, total)


def units_for_eligibility(user) -> QuerySet[OrgUnit]:
    """Units offered as a filter on the overview: HR all, supervisors their subtrees."""
    scope = scope_for(user)
    units = OrgUnit.objects.only("code", "name", "path", "depth")
    if scope.user_id is None:
        return units.none()
    if scope.has(Role.HR):
        return units.all()
    return units.filter(scope.unit_filter(prefix=""))
