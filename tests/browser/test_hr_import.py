"""HR imports the staff file in the browser: upload, preview, confirm."""

import pytest
from playwright.sync_api import expect

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


def test_a_large_file_is_checked_and_applied_in_the_background(
    login, live_server, hr, axe_check, tmp_path, settings
):
    """A file above IMPORT_BACKGROUND_BYTES (here every file): the page says the worker
    has it and polls; the test thread plays the worker (`db_worker` would run the same
    two services); the page turns into the preview and then the result by itself."""
    from rathausmobil.core.imports import import_upload_check, import_upload_finish
    from rathausmobil.core.models import ImportUpload

    settings.IMPORT_BACKGROUND_BYTES = 0
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    path = tmp_path / "personal.csv"
    path.write_bytes(FILE.encode("cp1252"))
    page = login(hr)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/organisation/import/")
    page.get_by_label("Beschäftigte").check()
    page.get_by_label("Datei").set_input_files(str(path))
    page.get_by_role("button", name="Prüfen und Vorschau zeigen").click()

    page.get_by_text("wird im Hintergrund geprüft").wait_for()
    axe_check(page)
    assert import_upload_check(ImportUpload.objects.get().pk) == "preview"
    page.get_by_text("2 neu").wait_for(timeout=15_000)

    page.get_by_role("button", name="Änderungen übernehmen").click()
    page.get_by_text("werden im Hintergrund übernommen").wait_for()
    assert not Employee.objects.filter(personnel_number="800001").exists()
    assert import_upload_finish(ImportUpload.objects.get().pk) == "applied"
    expect(page.locator("#import-status")).to_have_text("übernommen", timeout=15_000)
    assert Employee.objects.get(personnel_number="800001").last_name == "Größe"
    axe_check(page)
