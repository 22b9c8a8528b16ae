"""The demo figures of DOMAIN.md: Offenbach 1,100 of 1,200 staff can work from home,
Halver about 50 % eligible workplaces. seed_demo takes a few seconds per scenario."""

import datetime as dt

import pytest
from django.core.management import call_command

from rathausmobil.core.models import AuditEvent
from rathausmobil.demo import eligibility as demo
from rathausmobil.eligibility.models import EligibilityResult, PositionAssessment
from rathausmobil.eligibility.selectors import (
    kpis,
    reviews_due,
    staff_in_eligible_positions_share,
)
from rathausmobil.organisation.models import Employee, Position

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _only_the_capabilities_below(monkeypatch):
    """Later capabilities seed after eligibility and do not change its figures; leaving
    them out keeps these tests fast and about eligibility."""
    from rathausmobil.demo import agreements as agreements_demo

    monkeypatch.setattr(agreements_demo, "seed", lambda scenario, **kwargs: None)


def results_of(title_part: str) -> set[str]:
    return set(
        PositionAssessment.objects.filter(
            is_current=True, position__title__contains=title_part
        ).values_list("result", flat=True)
    )


def check_the_eligibility_of_offenbach():
    """After seed_demo --scenario offenbach (run inside the one test that loads the whole
    Offenbach story, test_seed_demo.py: loading it takes over a minute)."""
    figures = kpis()
    staff_share = staff_in_eligible_positions_share()
    assert figures["positions_assessed_share"] == 1.0
    assert 0.90 <= figures["positions_eligible_share"] <= 0.93
    assert 0.90 <= staff_share <= 0.93
    staff = Employee.objects.filter(is_active=True).count()
    assert 1080 <= round(staff_share * staff) <= 1116  # "1,100 of 1,200"

    assert results_of("am Schalter") == {EligibilityResult.PARTIAL}
    assert results_of("Standesbeamt") == {EligibilityResult.PARTIAL}
    for title in ("Kinderpfleger", "Straßenwärter", "Kassierer", "Poststelle"):
        assert results_of(title) == {EligibilityResult.NOT_ELIGIBLE}, title
    assert results_of("Haushaltssachbearbeitung") == {EligibilityResult.ELIGIBLE}
    archive = PositionAssessment.objects.filter(position__title="Archiv Bauakten").first()
    assert archive.share_e5 > 0 and archive.review_date is not None
    assert not PositionAssessment.objects.filter(
        is_current=True, result__in=["partial", "not_eligible"], reasons=""
    ).exists()
    # The assessor is the head of the unit, by name.
    some = PositionAssessment.objects.select_related("position__unit__head").get(
        position__number="20.1-001"
    )
    assert some.assessor_name == some.position.unit.head.full_name
    # The heads assessed the positions in the first weeks of the campaign.
    first = PositionAssessment.objects.earliest("created_at").created_at.date()
    assert dt.date(2020, 5, 11) <= first <= dt.date(2020, 5, 15)
    # Temporary obstacles come back for review at the end of 2021.
    hr = Employee.objects.get(user__username="personalamt").user
    assert not reviews_due(hr, dt.date(2021, 12, 30)).exists()
    assert reviews_due(hr, dt.date(2022, 1, 1)).count() > 20

    rows, events = PositionAssessment.objects.count(), AuditEvent.objects.count()
    demo.seed("offenbach")
    assert PositionAssessment.objects.count() == rows  # idempotent
    assert AuditEvent.objects.count() == events


def test_it_seeds_halver_with_about_half_of_the_positions_eligible():
    call_command("seed_demo", "--scenario", "halver", "--quiet")
    figures = kpis()
    assert figures["positions_assessed_share"] == 1.0
    assert 0.45 <= figures["positions_eligible_share"] <= 0.55
    assert 0.45 <= staff_in_eligible_positions_share() <= 0.55
    occupied = Position.objects.filter(employees__is_active=True).distinct().count()
    assert PositionAssessment.objects.filter(is_current=True).count() == occupied
    for title in ("am Schalter", "Ordnungsamt Außendienst", "Erzieher", "Bauhofmitarbeit"):
        assert results_of(title) == {EligibilityResult.NOT_ELIGIBLE}, title
    # Back-office parts move (DOMAIN.md): Ordnungsamt case work and registration office.
    assert results_of("Sachbearbeitung Ordnungsrecht") == {EligibilityResult.ELIGIBLE}
    assert results_of("Backoffice Meldewesen") == {EligibilityResult.ELIGIBLE}
