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

    page.locator("summary", has_text="Verwaltung").click()
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

    page.locator("summary", has_text="Verwaltung").click()
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


def test_it_imports_a_shared_position_with_two_titles_and_shows_the_hint(
    login, live_server, hr, axe_check, tmp_path
):
    path = tmp_path / "personal.csv"
    path.write_bytes(
        (FILE + "800003;Neumann;Sabine;;A1;A1-100;Sachbearbeiterin;19,5;01.09.2021;\r\n").encode(
            "cp1252"
        )
    )
    page = login(hr)
    page.goto(f"{live_server.url}/organisation/import/")
    page.get_by_label("Beschäftigte").check()
    page.get_by_label("Datei").set_input_files(str(path))
    page.get_by_role("button", name="Prüfen und Vorschau zeigen").click()

    page.get_by_text("3 neu").wait_for()
    hints = page.locator(".alert-warning", has_text="Hinweise")
    assert hints.get_by_text(
        "Zeile 4, Spalte Stellenbezeichnung: Stelle A1-100 hat in Zeile 2 den Titel "
        "„Sachbearbeitung“; „Sachbearbeiterin“ wird nicht übernommen."
    ).is_visible()
    axe_check(page)

    page.get_by_role("button", name="Änderungen übernehmen").click()
    page.get_by_text("Import übernommen: 3 neu").wait_for()
    shared = Employee.objects.filter(position__number="A1-100").select_related("position")
    assert {e.position.title for e in shared} == {"Sachbearbeitung"}
    assert shared.count() == 2
