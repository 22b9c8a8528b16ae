"""The staff council reads the refusals: the legend, a filter by unit, the full
justification; on a desktop and on a phone, with axe-core."""

import datetime as dt

import pytest
from django.utils import timezone

from rathausmobil.agreements.models import RequestStatus, WorkKind, WorkRequest
from rathausmobil.organisation.tests.factories import EmployeeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JUSTIFICATION = (
    "Im Sachgebiet sind derzeit zwei Stellen unbesetzt; die Mindestbesetzung von drei "
    "Personen vor Ort ist sonst nicht gesichert. Erneute Prüfung nach der Nachbesetzung."
)


@pytest.fixture
def refusals(org):
    for unit, name, codes in (("A1", "Aumann", ["R2"]), ("B1", "Bertram", ["R4", "R5"])):
        WorkRequest.objects.create(
            employee=EmployeeFactory(unit=org[unit], last_name=name),
            kind=WorkKind.ALTERNATING,
            weekdays=[0],
            start_date=dt.date(2024, 6, 3),
            status=RequestStatus.REJECTED,
            decided_at=timezone.now(),
            reason_codes=codes,
            justification=JUSTIFICATION,
            review_date=dt.date(2024, 9, 1) if "R4" in codes else None,
        )


@pytest.mark.parametrize("width", [1280, 390])
def test_it_filters_the_refusals_by_unit(
    live_server, browser, staff_council, refusals, axe_check, width
):
    page = browser.new_context(locale="de-DE", viewport={"width": width, "height": 844}).new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Benutzername").fill(staff_council.username)
    page.get_by_label("Passwort").fill("pw")
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/mobil/ablehnungen/")
    assert "Ausstattung nicht verfügbar" in page.locator("main details").inner_text()
    assert page.get_by_text("Erneute Prüfung nach der Nachbesetzung.").count() == 2
    axe_check(page)

    # the unit picker (includes/unit_picker.html): type the code, Enter filters
    unit = page.get_by_label("Einheit (mit allen darunter)")
    unit.fill("B")
    unit.press("Enter")
    page.get_by_text("in B Amt B und allen Einheiten darunter").wait_for()
    results = page.locator("#results").inner_text()
    assert "Bertram" in results and "Aumann" not in results
    assert "B1 Abteilung B1" in results
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    axe_check(page)
