"""The head decides from Meine Aufgaben: sees the basis, refuses without a reason (the
fields are marked and the focus is on the error summary), then approves. And the
employee's request form shows only the chosen pattern's fields and the quota in days."""

import datetime as dt

import pytest

from rathausmobil.agreements import services
from rathausmobil.agreements.models import RequestStatus, WorkRequest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def submitted(employee, supervisor):
    start = dt.date.today() + dt.timedelta(days=14)
    request = services.request_create(
        by=employee,
        values={
            "kind": "alternating",
            "pattern_type": "weekdays",
            "weekdays": [0, 2],
            "start_date": start,
        },
    )
    return services.request_submit(request=request, by=employee)


def test_it_decides_from_the_start_page_refusing_first_without_reason(
    sign_in, employee, supervisor, submitted, axe_check
):
    boss = sign_in(supervisor)  # lands on Meine Aufgaben
    boss.get_by_role("link", name="Entscheiden").first.click()
    boss.get_by_role("heading", name="Grundlage der Entscheidung").wait_for()
    assert "höchstens 3 von 5 Tagen" in boss.locator("#basis-quota-text").inner_text()
    assert boss.locator("#unit-week").is_visible()
    # Neither path's fields show before the head chooses one.
    assert not boss.get_by_label("Begründung", exact=True).is_visible()
    assert not boss.get_by_label("Anmerkung zur Genehmigung (optional)").is_visible()
    axe_check(boss)

    # Refuse without a reason: the page comes back with the fields marked and the
    # focus on the error summary.
    boss.locator("summary", has_text="Ablehnen").click()
    assert not boss.get_by_label("Anmerkung zur Genehmigung (optional)").is_visible()
    boss.get_by_role("button", name="Antrag ablehnen").click()
    boss.locator("#form-errors").wait_for()
    assert boss.evaluate("document.activeElement.id") == "form-errors"
    assert "mindestens einen Grund (R1 bis R8)" in boss.locator("#form-errors").inner_text()
    first_code = boss.get_by_label("R1 Persönlicher Kundenkontakt vor Ort")
    assert first_code.get_attribute("aria-invalid") == "true"
    assert first_code.get_attribute("aria-describedby") == "id_reason_codes_errors"
    justification = boss.get_by_label("Begründung", exact=True)
    assert justification.get_attribute("aria-invalid") == "true"
    # The review date shows only with a temporary reason.
    assert not boss.get_by_label("Wiedervorlage am (nur bei R4, R5, R6)").is_visible()
    boss.get_by_label("R5 Ausstattung nicht verfügbar (vorübergehend)").check()
    assert boss.get_by_label("Wiedervorlage am (nur bei R4, R5, R6)").is_visible()
    boss.get_by_label("R5 Ausstattung nicht verfügbar (vorübergehend)").uncheck()
    # The summary links to the field.
    boss.locator("#form-errors").get_by_role("link", name="Begründung").click()
    assert boss.evaluate("document.activeElement.id") == "id_justification"
    axe_check(boss)
    assert WorkRequest.objects.get(pk=submitted.pk).status == RequestStatus.SUBMITTED

    # Then approve on the other path.
    boss.locator("summary", has_text="Genehmigen").click()
    assert not boss.get_by_role("button", name="Antrag ablehnen").is_visible()
    boss.get_by_label("Anmerkung zur Genehmigung (optional)").fill("Gerne.")
    boss.get_by_role("button", name="Antrag genehmigen").click()
    boss.get_by_text("Der Antrag ist genehmigt").wait_for()
    axe_check(boss)
    assert WorkRequest.objects.get(pk=submitted.pk).status == RequestStatus.APPROVED


def test_it_shows_only_the_chosen_patterns_fields_and_the_quota_in_days(
    sign_in, employee, supervisor, axe_check
):
    page = sign_in(employee)
    page.goto(page.url.rstrip("/") + "/mobil/antrag/neu/")
    assert page.get_by_label("Montag").is_visible()
    assert not page.get_by_label("Anteil der Wochenarbeitszeit im Homeoffice (%)").is_visible()
    assert "höchstens 3 von 5 Tagen" in page.locator("#quota-preview").inner_text()
    axe_check(page)

    page.get_by_label("Anteil der Wochenarbeitszeit", exact=True).check()
    assert not page.get_by_label("Montag").is_visible()
    share = page.get_by_label("Anteil der Wochenarbeitszeit im Homeoffice (%)")
    share.fill("70")
    preview = page.locator("#quota-preview")
    preview.get_by_text("Dieser Antrag: 70 %").wait_for()
    assert "über dem Höchstanteil" in preview.inner_text()
    share.fill("40")
    preview.get_by_text("Dieser Antrag: 40 %").wait_for()
    assert "im Höchstanteil" in preview.inner_text()
    axe_check(page)
