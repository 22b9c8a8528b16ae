import datetime as dt

import pytest

from rathausmobil.eligibility.models import EligibilityResult
from rathausmobil.eligibility.selectors import (
    assessments_visible_to,
    current_results,
    eligible_position_ids,
    kpis,
    positions_with_assessment,
    result_counts,
    reviews_due,
    staff_in_eligible_positions_share,
)
from rathausmobil.eligibility.services import assessment_create
from rathausmobil.eligibility.tests import TODAY
from rathausmobil.organisation.models import Employee, Position
from rathausmobil.organisation.tests.factories import EmployeeFactory, PositionFactory


def assess(position, shares, review_date=None, today=TODAY):
    return assessment_create(
        position=position,
        by=None,
        shares=shares,
        reasons="Begründung",
        review_date=review_date,
        today=today,
        system=True,
    )


@pytest.fixture
def assessed(position, b1_position):
    """A1's position partly eligible, B1's not eligible."""
    return {"A1": assess(position, {"E1": 40}), "B1": assess(b1_position, {"E2": 100})}


@pytest.mark.parametrize(
    "role,visible",
    [
        ("hr", {"A1", "B1"}),
        ("supervisor", {"A1"}),
        ("amt_head", {"A1"}),
        ("outsider", {"B1"}),
        ("employee", {"A1"}),  # the position they hold
        ("stranger", {"B1"}),
        ("colleague", set()),  # their own position is another one
        ("it", set()),
        ("staff_council", set()),
        ("dpo", set()),
        ("leadership", set()),
    ],
)
def test_it_scopes_assessments_by_role(request, assessed, role, visible):
    user = request.getfixturevalue(role)
    ids = set(assessments_visible_to(user).values_list("pk", flat=True))
    assert ids == {assessed[code].pk for code in visible}


def test_it_shows_an_employee_the_history_of_their_position(employee, position):
    assess(position, {"E1": 40})
    assess(position, {"E1": 60})
    assert assessments_visible_to(employee).count() == 2


def test_it_hides_everything_from_anonymous_users(assessed):
    from django.contrib.auth.models import AnonymousUser

    assert not assessments_visible_to(AnonymousUser()).exists()
    assert not positions_with_assessment(AnonymousUser()).exists()


def test_it_annotates_the_current_assessment(supervisor, position, assessed):
    assess(position, {"E1": 100})
    row = positions_with_assessment(supervisor).get(pk=position.pk)
    assert row.current_result == EligibilityResult.NOT_ELIGIBLE
    assert row.current_movable_share == 0
    assert row.holder_count == 1


def test_it_lists_unassessed_positions_and_filters_by_unit(hr, org, position, b1_position):
    vacant = PositionFactory(unit=org["B"])
    rows = positions_with_assessment(hr, unit=org["B"])
    assert set(rows.values_list("pk", flat=True)) == {b1_position.pk, vacant.pk}
    assert rows.get(pk=vacant.pk).current_result is None
    assert rows.get(pk=vacant.pk).holder_count is None


def test_it_counts_positions_per_result(hr, org, assessed):
    PositionFactory(unit=org["B"])
    counts = result_counts(Position.objects.all())
    assert counts["partial"] == counts["not_eligible"] == 1
    assert counts["eligible"] == 0
    assert counts["none"] == counts["total"] - 2 > 0


def test_it_gives_current_results_and_eligible_ids(position, b1_position, assessed):
    assess(b1_position, {"E2": 50})  # re-assessed: now partly eligible
    assert current_results([position.pk, b1_position.pk]) == {
        position.pk: "partial",
        b1_position.pk: "partial",
    }
    assert set(eligible_position_ids()) == {position.pk, b1_position.pk}
    assert Employee.objects.filter(position_id__in=eligible_position_ids()).count() == 2


def test_it_lists_reviews_due_in_scope(supervisor, outsider, position, b1_position):
    assess(position, {"E5": 20}, review_date=dt.date(2021, 6, 30))
    assess(b1_position, {"E7": 20}, review_date=dt.date(2021, 6, 30))
    assert not reviews_due(supervisor, dt.date(2021, 6, 29)).exists()
    due = list(reviews_due(supervisor, dt.date(2021, 6, 30)))
    assert [a.position_id for a in due] == [position.pk]
    assert [a.position_id for a in reviews_due(outsider, dt.date(2022, 1, 1))] == [b1_position.pk]


def test_it_computes_the_kpis_over_occupied_positions(org):
    positions = [PositionFactory(unit=org["A1"]) for _ in range(4)]
    for position in positions:
        EmployeeFactory(unit=org["A1"], position=position)
    EmployeeFactory(unit=org["A1"], position=positions[0])  # job sharing counts once
    left = PositionFactory(unit=org["A1"])
    EmployeeFactory(unit=org["A1"], position=left, is_active=False)
    vacant = PositionFactory(unit=org["A1"])
    assess(positions[0], {})
    assess(positions[1], {"E1": 50})
    assess(positions[2], {"E2": 100})
    assess(left, {})  # held by nobody active: not counted
    assess(vacant, {})  # vacant: not counted
    # positions[3] unassessed: counts in the denominator
    assert kpis() == {"positions_eligible_share": 0.5, "positions_assessed_share": 0.75}
    # 5 active people: 2 on positions[0], 1 on positions[1] can move
    assert staff_in_eligible_positions_share() == 0.6


def test_it_rounds_the_kpis_to_three_decimals(org):
    positions = [PositionFactory(unit=org["A1"]) for _ in range(3)]
    for position in positions:
        EmployeeFactory(unit=org["A1"], position=position)
    assess(positions[0], {})
    assert kpis() == {"positions_eligible_share": 0.333, "positions_assessed_share": 0.333}


def test_it_gives_zero_kpis_without_positions(db):
    assert kpis() == {"positions_eligible_share": 0.0, "positions_assessed_share": 0.0}
