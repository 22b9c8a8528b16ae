"""HR gives and takes a role and changes a head on the page "Rollen und Leitungen", as a
person would, on a desktop and a phone; axe-core on every step."""

import pytest

from rathausmobil.organisation.models import Role, RoleAssignment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_lets_hr_give_and_take_a_role_and_set_a_head(
    live_server, sign_in, hr, colleague, supervisor, dpo, axe_check
):
    page = sign_in(hr)
    page.locator("summary", has_text="Verwaltung").click()
    page.get_by_role("link", name="Rollen und Leitungen").first.click()
    axe_check(page)

    grant = page.get_by_role("region", name="Rolle vergeben")
    grant.get_by_label("Person").fill("colleague")
    grant.get_by_label("Rolle").select_option(label="Vorgesetzte / Amtsleitung")
    grant.get_by_label("Organisationseinheit").fill("A1")
    grant.get_by_label("Grund oder Aktenzeichen").fill("Vertretung während des Urlaubs")
    grant.get_by_role("button", name="Rolle vergeben").click()
    page.get_by_text("hat jetzt die Rolle „Vorgesetzte / Amtsleitung“").wait_for()
    assert RoleAssignment.objects.filter(user=colleague, role=Role.SUPERVISOR).exists()
    axe_check(page)

    page.locator("#results").get_by_role("link", name="Entziehen").click()
    page.get_by_label("Grund oder Aktenzeichen").fill("Urlaub vorbei")
    page.get_by_role("button", name="Rolle entziehen").click()
    page.get_by_text("hat die Rolle „Vorgesetzte / Amtsleitung“ nicht mehr").wait_for()
    assert not RoleAssignment.objects.filter(user=colleague).exists()

    page.get_by_role("link", name="Leitungen der Einheiten").click()
    page.get_by_label("Suche").fill("A1")
    page.locator("#results").get_by_role("link", name="Leitung ändern A1").click()
    axe_check(page)
    page.get_by_label("Personalnummer der neuen Leitung").fill(colleague.employee.personnel_number)
    page.locator("form", has_text="Neue Leitung setzen").get_by_label(
        "Grund oder Aktenzeichen"
    ).fill("Verfügung 12/2026")
    page.get_by_role("button", name="Leitung setzen").click()
    page.get_by_text("leitet jetzt A1").wait_for()
    axe_check(page)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/organisation/rollen/")
    axe_check(page)
