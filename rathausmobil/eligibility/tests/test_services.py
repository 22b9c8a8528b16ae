import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from rathausmobil.core.audit import history_of
from rathausmobil.core.errors import DomainError
from rathausmobil.eligibility.models import EligibilityResult, PositionAssessment
from rathausmobil.eligibility.services import assessment_create, derive_result
from rathausmobil.eligibility.tests import TODAY
from rathausmobil.organisation.models import Employee, Role, RoleAssignment
from rathausmobil.organisation.scoping import forget_scope
from rathausmobil.organisation.tests.factories import UserFactory

REASONS = "Schalterdienst mit Biometrie vor Ort."


def create(position, by, shares, reasons=REASONS, review_date=None, today=TODAY, **kwargs):
    return assessment_create(
        position=position,
        by=by,
        shares=shares,
        reasons=reasons,
        review_date=review_date,
        today=today,
        **kwargs,
    )


@pytest.mark.parametrize(
    "shares,result,movable",
    [
        ({}, EligibilityResult.ELIGIBLE, 100),
        ({"E1": 0, "E6": 0}, EligibilityResult.ELIGIBLE, 100),
        ({"E1": 1}, EligibilityResult.PARTIAL, 99),
        ({"E1": 40, "E3": 20}, EligibilityResult.PARTIAL, 40),
        ({"E2": 99}, EligibilityResult.PARTIAL, 1),
        ({"E2": 100}, EligibilityResult.NOT_ELIGIBLE, 0),
        ({"E1": 70, "E4": 30}, EligibilityResult.NOT_ELIGIBLE, 0),
        ({"E1": 80, "E3": 80}, EligibilityResult.NOT_ELIGIBLE, 0),  # sum above 100 counts as 100
    ],
)
def test_it_derives_the_result_from_the_shares(shares, result, movable):
    assert derive_result(shares) == (result, movable)


def test_it_stores_the_derived_result_and_who_assessed(supervisor, position):
    assessment = create(position, supervisor, {"E1": 40, "E3": 20})
    assert assessment.result == EligibilityResult.PARTIAL
    assert assessment.movable_share == 40
    assert assessment.shares == {"E1": 40, "E2": 0, "E3": 20, "E4": 0, "E5": 0, "E6": 0, "E7": 0}
    assert assessment.assessed_by == supervisor
    assert assessment.assessor_name == "Erika Supervisor"
    assert assessment.assessed_on == TODAY
    assert assessment.is_current


def test_it_accepts_an_eligible_position_without_reasons(supervisor, position):
    assessment = create(position, supervisor, {}, reasons="")
    assert assessment.result == EligibilityResult.ELIGIBLE
    assert assessment.reasons == ""


@pytest.mark.parametrize("reasons", ["", "   \n "])
@pytest.mark.parametrize("shares", [{"E1": 30}, {"E2": 100}])
def test_it_requires_reasons_unless_eligible(supervisor, position, shares, reasons):
    with pytest.raises(DomainError) as info:
        create(position, supervisor, shares, reasons=reasons)
    assert info.value.code == "reasons_required"
    assert "begründen Sie" in info.value.message
    assert not PositionAssessment.objects.exists()


@pytest.mark.parametrize("value", [-1, 101, 1000])
def test_it_refuses_a_share_out_of_range(supervisor, position, value):
    with pytest.raises(DomainError) as info:
        create(position, supervisor, {"E3": value})
    assert info.value.code == "share_out_of_range"
    assert "E3" in info.value.message and "zwischen 0 und 100" in info.value.message


@pytest.mark.parametrize("value", ["40", 40.5, True])
def test_it_refuses_a_share_that_is_not_a_whole_number(supervisor, position, value):
    with pytest.raises(DomainError) as info:
        create(position, supervisor, {"E1": value})
    assert info.value.code == "share_invalid"


def test_it_refuses_an_unknown_criterion(supervisor, position):
    with pytest.raises(DomainError) as info:
        create(position, supervisor, {"E8": 10})
    assert info.value.code == "unknown_criterion"
    assert "E8" in info.value.message


@pytest.mark.parametrize("code", ["E5", "E7"])
def test_it_requires_a_review_date_for_temporary_criteria(supervisor, position, code):
    with pytest.raises(DomainError) as info:
        create(position, supervisor, {code: 10})
    assert info.value.code == "review_date_required"
    assert code in info.value.message and "Überprüfungsdatum" in info.value.message


@pytest.mark.parametrize("review_date", [TODAY, TODAY - dt.timedelta(days=1)])
def test_it_requires_the_review_date_in_the_future(supervisor, position, review_date):
    with pytest.raises(DomainError) as info:
        create(position, supervisor, {"E5": 10}, review_date=review_date)
    assert info.value.code == "review_date_past"
    assert "in der Zukunft" in info.value.message


def test_it_refuses_a_past_review_date_even_without_temporary_criteria(supervisor, position):
    with pytest.raises(DomainError) as info:
        create(position, supervisor, {"E1": 10}, review_date=dt.date(2020, 1, 1))
    assert info.value.code == "review_date_past"


def test_it_accepts_temporary_criteria_with_a_future_review_date(supervisor, position):
    review = TODAY + dt.timedelta(days=1)
    assessment = create(position, supervisor, {"E5": 30, "E7": 10}, review_date=review)
    assert assessment.review_date == review
    assert assessment.movable_share == 60


def test_it_needs_no_review_date_for_permanent_criteria(supervisor, position):
    assert create(position, supervisor, {"E1": 30, "E6": 20}).review_date is None


def test_it_keeps_the_earlier_assessment_in_the_history(supervisor, amt_head, position):
    first = create(position, supervisor, {"E1": 30})
    second = create(position, amt_head, {"E1": 100}, today=TODAY + dt.timedelta(days=30))
    first.refresh_from_db()
    assert not first.is_current and first.superseded_at is not None
    assert second.is_current and second.superseded_at is None
    assert second.result == EligibilityResult.NOT_ELIGIBLE
    assert list(position.assessments.order_by("created_at", "pk")) == [first, second]
    events = list(history_of(second))
    assert events[0].action == "neu bewertet"
    assert events[0].changes["Ergebnis"] == ["teilweise geeignet", "nicht geeignet"]
    assert events[0].changes["E1"] == [30, 100]
    assert events[0].actor == amt_head


def test_it_writes_nothing_when_a_reassessment_is_refused(supervisor, position):
    first = create(position, supervisor, {"E1": 30})
    with pytest.raises(DomainError):
        create(position, supervisor, {"E1": 60}, reasons="")
    first.refresh_from_db()
    assert first.is_current
    assert PositionAssessment.objects.count() == 1


def test_it_lets_the_database_hold_only_one_current_assessment(supervisor, position):
    first = create(position, supervisor, {"E1": 30})
    duplicate = PositionAssessment(
        position=position, result=first.result, movable_share=70, assessed_on=TODAY
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_it_writes_the_audit_trail(supervisor, position):
    assessment = create(position, supervisor, {"E1": 30})
    event = history_of(assessment).get()
    assert event.action == "bewertet"
    assert event.reason == REASONS
    assert event.changes["Ergebnis"] == [None, "teilweise geeignet"]
    assert event.source == "Eignungsbewertung"


def test_it_lets_heads_above_assess(amt_head, position):
    assert create(position, amt_head, {}).assessed_by == amt_head


def test_it_lets_a_deputy_by_role_assignment_assess(org, position):
    deputy = UserFactory(username="deputy")
    RoleAssignment.objects.create(user=deputy, role=Role.SUPERVISOR, unit=org["A"])
    assert create(position, deputy, {}).assessed_by == deputy


def test_it_lets_a_superuser_assess(position):
    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    assert create(position, admin, {}).assessed_by == admin


@pytest.mark.parametrize(
    "role",
    [
        "outsider",
        "employee",
        "colleague",
        "stranger",
        "hr",
        "it",
        "staff_council",
        "dpo",
        "leadership",
    ],
)
def test_it_refuses_everyone_else(request, position, role):
    user = request.getfixturevalue(role)
    with pytest.raises(DomainError) as info:
        create(position, user, {})
    assert info.value.code == "not_allowed"
    assert "nur Vorgesetzte" in info.value.message
    assert not PositionAssessment.objects.exists()


def test_it_refuses_a_deputy_of_another_unit(org, position):
    deputy = UserFactory(username="deputy")
    RoleAssignment.objects.create(user=deputy, role=Role.SUPERVISOR, unit=org["B"])
    with pytest.raises(DomainError):
        create(position, deputy, {})


def test_it_leaves_the_own_position_to_the_next_head_up(supervisor, amt_head):
    own = Employee.objects.get(user=supervisor).position
    with pytest.raises(DomainError) as info:
        create(own, supervisor, {})
    assert info.value.code == "own_position"
    assert "nächsthöhere Leitung" in info.value.message
    assert create(own, amt_head, {}).result == EligibilityResult.ELIGIBLE


def test_it_refuses_a_supervisor_who_has_left(supervisor, position):
    Employee.objects.filter(user=supervisor).update(is_active=False)
    forget_scope(supervisor)
    with pytest.raises(DomainError):
        create(position, supervisor, {})


def test_it_lets_the_demo_seed_assess_without_a_user(position):
    assessment = create(position, None, {"E1": 30}, system=True, assessor_name="Erika Musterfrau")
    assert assessment.assessed_by is None
    assert assessment.assessor_name == "Erika Musterfrau"
    assert history_of(assessment).get().source == "Demo"


def test_it_applies_the_rules_to_the_demo_seed_as_well(position):
    with pytest.raises(DomainError):
        create(position, None, {"E1": 30}, reasons="", system=True)
