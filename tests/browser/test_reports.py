"""The mayor makes the Lagebericht: opens Berichte from the menu, picks a Stichtag, reads
the report and downloads the PDF, which the background worker makes. On a desktop and on a
phone, with axe-core."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from rathausmobil.organisation.tests.factories import EmployeeFactory
from rathausmobil.reports.files import report_file_make
from rathausmobil.reports.models import ReportFile

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_the_mayor_makes_the_lagebericht_and_downloads_the_pdf(
    sign_in, org, leadership, axe_check, width
):
    for _ in range(6):
        EmployeeFactory(unit=org["A1"])
    page = sign_in(leadership, viewport={"width": width, "height": 844}, accept_downloads=True)
    if width > 1000:
        page.get_by_text("Auswertungen", exact=True).click()
    else:
        page.get_by_role("button", name="Menü").click()
        page.get_by_text("Auswertungen", exact=True).click()
    page.get_by_role("link", name="Berichte", exact=True).click()
    page.get_by_role("heading", name="Berichte", exact=True).wait_for()
    axe_check(page)

    page.get_by_role("link", name="Lagebericht mobiles Arbeiten").click()
    day = timezone.localdate() - dt.timedelta(days=7)
    page.get_by_label("Stichtag").fill(day.isoformat())
    page.get_by_role("button", name="Bericht erstellen").click()
    page.get_by_role("heading", name="Herunterladen").wait_for()
    assert f"Der Bericht unten gilt für den {day:%d.%m.%Y}" in page.content()
    assert page.get_by_role("table", name="Kennzahlen je Dezernat").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    axe_check(page)

    # The PDF is made by the worker: the test thread plays it (db_worker would run the
    # same service) while the file's page polls, then shows the download button.
    page.get_by_role("button", name="Als PDF").click()
    page.get_by_text("Die Datei wird im Hintergrund erstellt.").wait_for()
    axe_check(page)
    assert report_file_make(ReportFile.objects.get(requested_by=leadership).pk) == "done"
    button = page.get_by_role("link", name="PDF herunterladen")
    button.wait_for(timeout=15_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    axe_check(page)
    with page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename == f"lagebericht-{day.isoformat()}.pdf"
    assert download.value.path().read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("person", "name", "heading"),
    [
        ("staff_council", "personalrat", "Bericht an den Personalrat"),
        ("dpo", "verarbeitungsverzeichnis", "Verzeichnis von Verarbeitungstätigkeiten"),
        ("leadership", "pressetext", "Pressetext"),
        ("it", "anfrage", "Antwort auf eine Anfrage"),
    ],
)
def test_every_report_page_fits_a_phone_and_passes_axe(
    live_server, sign_in, request, org, axe_check, person, name, heading
):
    page = sign_in(request.getfixturevalue(person), viewport={"width": 390, "height": 844})
    page.goto(live_server.url + reverse("reports:document", args=[name]))
    page.get_by_role("heading", name=heading, exact=True).wait_for()
    page.get_by_role("button", name="Bericht erstellen").click()
    page.get_by_role("heading", name="Herunterladen").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    axe_check(page)
