"""HR imports the staff file in the browser: upload, preview, confirm."""

import pytest

from rathausmobil.organisation.models import Employee

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FILE = (
    "Personalnummer;Nachname;Vorname;E-Mail;Organisationseinheit;Stellennummer;"
    "Stellenbezeichnung;Wochenstunden;Eintritt;Austritt\r\n"
    "800001;Größe;Jürgen;j.groesse@stadt.example;A1;A1-100;Sachbearbeitung;19,5;01.04.2019;\r\n"
    "800002;Weiß;Ümit;;B1;;;39;01.02.2020;\r\n"
)


def test_it_lets_hr_upload_preview_and_confirm(login, live_server, hr, axe_check, tmp_path):
    path = tmp_path / "personal.csv"
    path.write_bytes(FILE.encode("cp1252"))
    page = login(hr)
    axe_check(page)

    page.locator("summary", has_text="Mehr").click()
    page.get_by_role("link", name="Personaldaten importieren").first.click()
    axe_check(page)
    page.get_by_label("Beschäftigte").check()
    page.get_by_label("Datei").set_input_files(str(path))
    page.get_by_role("button", name="Prüfen und Vorschau zeigen").click()

    page.get_by_text("2 neu").wait_for()
    assert (
        page.get_by_text("Größe, Jürgen (800001)").is_visible()
        or page.get_by_text("Neu (2)").is_visible()
    )
    axe_check(page)
    assert not Employee.objects.filter(personnel_number="800001").exists()

    page.get_by_role("button", name="Änderungen übernehmen").click()
    page.get_by_text("Import übernommen: 2 neu").wait_for()
    assert page.locator("#import-status").inner_text() == "übernommen"
    assert Employee.objects.get(personnel_number="800001").last_name == "Größe"

    page.get_by_role("link", name="Beschäftigte", exact=True).click()
    page.get_by_label("Suche").fill("Größe")
    page.locator("#results").get_by_text("Größe, Jürgen").wait_for()
    axe_check(page)


def test_it_shows_a_broken_file_with_line_numbers(login, live_server, hr, axe_check, tmp_path):
    path = tmp_path / "kaputt.csv"
    path.write_bytes(FILE.replace("01.04.2019", "31.02.2019").encode("cp1252"))
    page = login(hr)
    page.goto(f"{live_server.url}/organisation/import/")
    page.get_by_label("Datei").set_input_files(str(path))
    page.get_by_role("button", name="Prüfen und Vorschau zeigen").click()
    page.get_by_text("Zeile 2, Spalte Eintritt:").wait_for()
    axe_check(page)
    assert not Employee.objects.filter(personnel_number__startswith="8000").exists()
