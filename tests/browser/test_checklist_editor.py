"""The data-protection officer changes the checklist as a person would: edits an item,
moves one, adds one, previews what employees will sign, reads the differences, confirms
and publishes; every step passes axe-core, on a desktop and on a phone."""

import pytest

from rathausmobil.agreements import services
from rathausmobil.agreements.models import ChecklistDraft, ChecklistVersion

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def checklist(dpo):
    return services.checklist_publish(
        by=dpo,
        items=[
            {"key": "locked", "text": "Unterlagen schließe ich weg.", "mandatory": True},
            {
                "key": "screen",
                "text": "Ich sperre den Bildschirm bei jeder Abwesenheit.",
                "mandatory": True,
            },
            {"key": "filter", "text": "Ich nutze einen Blickschutzfilter.", "mandatory": False},
        ],
        note="Erste Fassung",
    )


def test_it_edits_previews_compares_and_publishes_the_checklist(
    live_server, sign_in, dpo, checklist, axe_check
):
    page = sign_in(dpo)
    page.goto(f"{live_server.url}/mobil/datenschutz/checkliste/")
    axe_check(page)
    page.get_by_role("link", name="Neue Version entwerfen").click()
    axe_check(page)

    # Edit the text of item 1, make the filter mandatory, move it up, add an item.
    page.get_by_role("group", name="Punkt 1").get_by_label("Text").fill(
        "Unterlagen und Datenträger schließe ich weg."
    )
    page.get_by_role("group", name="Punkt 3").get_by_label("Verbindlichkeit").select_option(
        label="Pflichtpunkt"
    )
    page.get_by_role("button", name="Nach oben (Punkt 3)").click()
    page.get_by_text("Der Punkt steht jetzt an Stelle 2.").wait_for()
    assert (
        page.get_by_role("group", name="Punkt 2").get_by_label("Text").input_value()
        == "Ich nutze einen Blickschutzfilter."
    )
    page.get_by_role("button", name="Punkt hinzufügen").click()
    new_text = page.get_by_role("group", name="Punkt 4").get_by_label("Text")
    assert new_text.evaluate("el => el === document.activeElement")
    new_text.fill("Ich habe an der Sicherheitsunterweisung teilgenommen.")
    axe_check(page)
    page.get_by_role("button", name="Speichern und weiter zur Vorschau").click()

    # The preview is the pledge as the employee will see it.
    page.get_by_role(
        "heading", name="Vorschau: Datenschutzerklärung für mobiles Arbeiten"
    ).wait_for()
    preview = page.get_by_role("group", name="Ich erkläre:")
    assert preview.get_by_label(
        "Ich habe an der Sicherheitsunterweisung teilgenommen."
    ).is_disabled()
    axe_check(page)
    page.get_by_role("link", name="Weiter zu den Unterschieden").click()

    # The differences, in words.
    page.get_by_text("Text geändert").wait_for()
    body = page.locator("main").inner_text()
    assert "Jetzt Pflichtpunkt (bisher Empfehlung)" in body
    assert "Neuer Pflichtpunkt" in body
    assert "Reihenfolge geändert" in body
    axe_check(page)
    page.get_by_role("link", name="Weiter zum Veröffentlichen").click()

    # Confirm: says what happens to the people with an agreement, then publishes.
    page.get_by_text("Bitte bestätigen Sie. Wenn Sie veröffentlichen:").wait_for()
    axe_check(page)
    page.get_by_role("button", name="Version 2 jetzt veröffentlichen").click()
    page.get_by_text("Version 2 ist veröffentlicht und gilt ab sofort.").wait_for()
    axe_check(page)

    version = ChecklistVersion.objects.get(number=2)
    assert [i["key"] for i in version.items][:3] == ["locked", "filter", "screen"]
    assert version.published_by == dpo
    assert not ChecklistDraft.objects.exists()

    # The list of versions names both, with who published them.
    page.get_by_role("link", name="Zur Übersicht der Checkliste").click()
    rows = page.locator("table tbody tr")
    assert rows.count() == 2
    assert "Version 2" in rows.nth(0).inner_text()


def test_it_fits_the_editor_on_a_phone(live_server, browser, dpo, checklist, axe_check):
    context = browser.new_context(locale="de-DE", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Benutzername").fill(dpo.username)
    page.get_by_label("Passwort").fill("pw")
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(f"{live_server.url}/")
    for path in ("/mobil/datenschutz/checkliste/", "/mobil/datenschutz/checkliste/entwurf/"):
        page.goto(f"{live_server.url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
        axe_check(page)
