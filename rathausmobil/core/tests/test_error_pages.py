"""Error pages as a person meets them in production (DEBUG off): German, in the
application's look, with a way back; JSON under /api/; and a favicon."""

import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.template import loader
from django.test import Client, override_settings
from django.urls import path

from config import urls as site_urls


def boom(request):
    raise RuntimeError("kaputt")


def forbidden(request):
    raise PermissionDenied


# The site's URLs plus two views that fail, under the site's own error handlers.
urlpatterns = [
    path("kaputt/", boom),
    path("api/v1/kaputt/", boom),
    path("verboten/", forbidden),
    *site_urls.urlpatterns,
]
handler400 = site_urls.handler400
handler403 = site_urls.handler403
handler404 = site_urls.handler404
handler500 = site_urls.handler500

pytestmark = [pytest.mark.urls(__name__)]

BRAND = re.search(
    r"--rm-brand:\s*(#[0-9a-f]{6})", Path(finders.find("css/app.css")).read_text()
).group(1)
ENGLISH = ("Not Found", "Server Error", "Forbidden", "Bad Request", "The requested resource")


def assert_german_page_with_way_back(body: str) -> None:
    assert '<html lang="de">' in body
    assert "/static/css/app.css" in body  # the application's look
    assert "/static/favicon.svg" in body
    assert ">Zur Startseite</a>" in body
    assert not any(text in body for text in ENGLISH), body


@override_settings(DEBUG=False)
def test_it_answers_a_wrong_address_with_the_german_page_in_the_layout(client, employee):
    client.force_login(employee)

    response = client.get("/gibt-es-nicht/")

    body = response.content.decode()
    assert response.status_code == 404
    assert "Seite nicht gefunden" in body
    assert 'aria-label="Hauptnavigation"' in body and "Abmelden" in body  # base.html, signed in
    assert_german_page_with_way_back(body)
    assert "Zurück zur vorigen Seite" not in body  # nowhere to go back to


@override_settings(DEBUG=False)
def test_it_leads_back_to_the_page_the_person_came_from(client, employee):
    client.force_login(employee)

    response = client.get("/gibt-es-nicht/", HTTP_REFERER="http://testserver/mobil/mein/")
    foreign = client.get("/gibt-es-nicht/", HTTP_REFERER="https://elsewhere.example/")

    assert '<a href="http://testserver/mobil/mein/">Zurück zur vorigen Seite</a>' in (
        response.content.decode()
    )
    assert "elsewhere.example" not in foreign.content.decode()


@override_settings(DEBUG=False)
def test_it_says_in_german_that_a_page_is_not_for_this_role(client, employee):
    client.force_login(employee)

    response = client.get("/verboten/")
    hr_import = client.get("/organisation/import/")  # HR's page

    body = response.content.decode()
    assert response.status_code == 403
    assert "Keine Berechtigung" in body and "Personalamt" in body
    assert_german_page_with_way_back(body)
    assert hr_import.status_code == 403 and "Keine Berechtigung" in hr_import.content.decode()


@override_settings(DEBUG=False)
def test_it_shows_a_standalone_german_page_when_the_server_fails(employee):
    client = Client(raise_request_exception=False)
    client.force_login(employee)

    response = client.get("/kaputt/")

    body = response.content.decode()
    assert response.status_code == 500
    assert "Ein Fehler ist aufgetreten" in body and "melden Sie ihn bitte der IT" in body
    assert "Zurück zur vorigen Seite" in body
    assert_german_page_with_way_back(body)


def test_it_renders_the_500_and_400_pages_without_any_context():
    """Django renders them with an empty context: nothing may need a request."""
    for name, heading in (("500.html", "Ein Fehler ist aufgetreten"), ("400.html", "Anfrage")):
        body = loader.get_template(name).render()
        assert heading in body
        assert_german_page_with_way_back(body)


@override_settings(DEBUG=False)
def test_it_answers_a_bad_request_with_the_german_page(client):
    response = client.get("/", HTTP_HOST="nicht-erlaubt.example")

    body = response.content.decode()
    assert response.status_code == 400
    assert "Anfrage nicht verständlich" in body
    assert_german_page_with_way_back(body)


@override_settings(DEBUG=False)
def test_it_answers_a_failed_form_check_in_german(employee):
    client = Client(enforce_csrf_checks=True)
    client.force_login(employee)

    response = client.post("/logout/")

    body = response.content.decode()
    assert response.status_code == 403
    assert "Formular nicht gespeichert" in body and "noch einmal ab" in body
    assert_german_page_with_way_back(body)


@override_settings(DEBUG=False)
def test_it_keeps_answering_json_under_the_api(employee):
    client = Client(raise_request_exception=False)
    client.force_login(employee)

    wrong_address = client.get("/api/v1/gibt-es-nicht/")
    unknown_record = client.get("/api/v1/employees/999999/")
    failure = client.get("/api/v1/kaputt/")

    assert (wrong_address.status_code, wrong_address.json()) == (404, {"detail": "Nicht gefunden."})
    assert (unknown_record.status_code, unknown_record.json()) == (
        404,
        {"detail": "Nicht gefunden."},
    )
    assert failure.status_code == 500
    assert failure["Content-Type"] == "application/json"
    assert "später noch einmal" in json.loads(failure.content)["detail"]


def test_it_answers_the_browsers_favicon_request_without_a_login(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.svg"
    icon = Path(finders.find("favicon.svg")).read_text()
    assert icon.startswith("<svg") and BRAND in icon


@override_settings(DEBUG=False, DATA_UPLOAD_MAX_MEMORY_SIZE=1024 * 1024)
def test_it_says_in_german_how_much_a_form_may_send(client, employee):
    client.force_login(employee)
    too_much = {"text": "x" * (1024 * 1024 + 1)}

    api = client.post("/api/v1/requests/", too_much)
    response = client.post("/logout/", too_much)

    body = response.content.decode()
    assert response.status_code == 413
    assert "Zu viel auf einmal gesendet" in body
    assert "höchstens 1 MB (ohne Dateien). Eine Importdatei darf bis zu 25 MB groß sein." in body
    assert_german_page_with_way_back(body)
    assert api.status_code == 413 and "höchstens 1 MB" in api.json()["detail"]


@override_settings(DEBUG=False, DATA_UPLOAD_MAX_NUMBER_FIELDS=3)
def test_it_says_in_german_that_a_form_has_too_many_fields(employee):
    # With the CSRF check as in production: the middleware reads the form first.
    client = Client(enforce_csrf_checks=True)
    client.force_login(employee)
    client.get("/")  # the start page's logout form sets the CSRF cookie
    form = {f"feld{n}": "1" for n in range(5)}

    response = client.post(
        "/logout/", {**form, "csrfmiddlewaretoken": client.cookies["csrftoken"].value}
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert "Das Formular hat zu viele Felder (höchstens 3) und wurde nicht gespeichert." in body
    assert_german_page_with_way_back(body)
