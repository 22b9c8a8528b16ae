"""A supervisor assesses a position in the browser: overview, detail, a refused save
without reasons, then the saved assessment."""

import pytest

from rathausmobil.eligibility.models import EligibilityResult, PositionAssessment
from rathausmobil.organisation.models import Employee

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_lets_a_supervisor_assess_a_position(
    login, live_server, supervisor, employee, axe_check
):
    position = Employee.objects.get(user=employee).position
    page = login(supervisor)

    page.goto(f"{live_server.url}/eignung/")
    page.get_by_role("heading", name="Eignung der Stellen für mobiles Arbeiten").wait_for()
    axe_check(page)
    page.get_by_label("Ergebnis", exact=True).select_option("none")
    page.locator("#results").get_by_role("link", name=position.number).wait_for()
    page.locator("#results").get_by_role("link", name=position.number).click()

    page.get_by_role("heading", name=f"{position.number} {position.title}").wait_for()
    assert page.get_by_text("Diese Stelle ist noch nicht bewertet.").is_visible()
    axe_check(page)

    page.get_by_label("E1 Persönlicher Kundenkontakt").fill("70")
    page.get_by_label("E4 Mindestbesetzung oder Bereitschaft").fill("30")
    page.get_by_role("button", name="Bewertung speichern").click()
    page.get_by_text("Die Bewertung wurde nicht gespeichert:").wait_for()
    assert page.get_by_text("Bitte begründen Sie schriftlich").first.is_visible()
    assert page.get_by_label("E1 Persönlicher Kundenkontakt").input_value() == "70"
    assert not PositionAssessment.objects.exists()
    axe_check(page)

    page.get_by_label("Begründung", exact=True).fill(
        "Betreuung der Kinder in der Gruppe, Mindestbesetzung nach Betreuungsschlüssel."
    )
    page.get_by_role("button", name="Bewertung speichern").click()
    page.get_by_text("Bewertung gespeichert: nicht geeignet (0 % mobil möglich).").wait_for()
    assert page.locator("#current-result").get_by_text("nicht geeignet").is_visible()
    axe_check(page)
    assessment = PositionAssessment.objects.get(position=position)
    assert assessment.result == EligibilityResult.NOT_ELIGIBLE
    assert assessment.assessed_by == supervisor

    page.get_by_role("link", name="Eignung der Stellen").click()
    page.locator("#results").get_by_text("nicht geeignet").first.wait_for()
    axe_check(page)
