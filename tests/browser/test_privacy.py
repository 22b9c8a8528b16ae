"""Data protection as people use it: the DPO opens the audit log and filters it; HR finds
the person who asked and downloads their Art. 15 export. On a desktop and on a phone,
with axe-core."""

import json

import pytest

from rathausmobil.core.audit import audit_event
from rathausmobil.core.models import AuditEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def trail(hr, it, employee):
    person = employee.employee
    audit_event(
        actor=hr,
        action="Wochenstunden geändert",
        obj=person,
        changes={"Wochenstunden": ["39", "30"]},
        reason="Teilzeit ab Januar",
    )
    audit_event(actor=it, action="Zugang erteilt", obj=it, label="Konto der IT")
    return person


@pytest.mark.parametrize("width", [1280, 390])
def test_the_dpo_filters_the_audit_log(live_server, browser, dpo, trail, axe_check, width):
    page = browser.new_context(locale="de-DE", viewport={"width": width, "height": 844}).new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Benutzername").fill(dpo.username)
    page.get_by_label("Passwort").fill("pw")
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/datenschutz/protokoll/")
    results = page.locator("#results")
    assert "Wochenstunden: 39 → 30" in results.inner_text()
    assert "Konto der IT" in results.inner_text()
    axe_check(page)

    actor = page.get_by_label("durch", exact=True)
    actor.fill("hr")
    actor.press("Enter")
    page.get_by_text("1 Eintrag", exact=True).wait_for()
    assert "Konto der IT" not in results.inner_text()
    assert "Teilzeit ab Januar" in results.inner_text()
    assert "person=hr" in page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    axe_check(page)


@pytest.mark.parametrize("width", [1280, 390])
def test_hr_downloads_a_persons_export(live_server, browser, hr, trail, axe_check, width):
    person = trail
    context = browser.new_context(
        locale="de-DE", viewport={"width": width, "height": 844}, accept_downloads=True
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Benutzername").fill(hr.username)
    page.get_by_label("Passwort").fill("pw")
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/datenschutz/auskunft/")
    axe_check(page)
    search = page.get_by_label("Name oder Personalnummer")
    search.fill(person.personnel_number)
    search.press("Enter")
    page.get_by_role("link", name=f"{person.last_name}, {person.first_name}").click()
    page.get_by_role("heading", name="Auskunft für").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    axe_check(page)

    with page.expect_download() as download:
        page.get_by_role("button", name="als JSON (maschinenlesbar)").click()
    data = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert data["person"]["personnel_number"] == person.personnel_number
    assert AuditEvent.objects.filter(
        action="Auskunft nach Art. 15 DSGVO erteilt", actor=hr, object_id=str(person.pk)
    ).exists()
