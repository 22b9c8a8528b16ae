"""The hardening as a person meets it (docs/security.md): the lockout message after too
many wrong passwords, IT lifting the lock, and the pages that bring their own scripts
(the API documentation, the admin) working under the Content-Security-Policy. The `page`
and `sign_in` fixtures fail a test on any refusal of the policy (conftest.py)."""

import pytest
from django.contrib.auth import get_user_model

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_a_person_locked_out_reads_why_and_it_lets_them_back_in(
    page, live_server, employee, sign_in, it, settings, axe_check
):
    page.goto(f"{live_server.url}/login/")
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        page.get_by_label("Benutzername").fill(employee.username)
        page.get_by_label("Passwort").fill("falsch")
        page.get_by_role("button", name="Anmelden").click()
        page.get_by_role("alert").wait_for()
    alert = page.get_by_role("alert")
    assert "Zu viele fehlgeschlagene Anmeldungen." in alert.inner_text()
    assert "bitten Sie die IT, die Sperre aufzuheben" in alert.inner_text()
    axe_check(page)
    page.set_viewport_size(PHONE)
    axe_check(page)

    # IT finds the lock in the menu and lifts it.
    desk = sign_in(it)
    desk.locator("summary", has_text="Verwaltung").click()
    desk.get_by_role("link", name="Anmeldesperren").click()
    desk.get_by_role("heading", name="Anmeldesperren").wait_for()
    axe_check(desk)
    desk.get_by_role("button", name=f"Sperre für {employee.username} aufheben").click()
    assert "ist aufgehoben" in desk.get_by_role("main").inner_text()
    assert "Zurzeit ist keine Anmeldung gesperrt." in desk.get_by_role("main").inner_text()

    page.get_by_label("Benutzername").fill(employee.username)
    page.get_by_label("Passwort").fill("pw")
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(f"{live_server.url}/")


def test_the_api_documentation_runs_under_the_policy(page, live_server, login, hr):
    login(hr)
    page.goto(f"{live_server.url}/api/docs/")
    # Swagger UI drew the operations from the schema: its scripts ran from our files.
    page.get_by_text("/api/v1/requests/", exact=False).first.wait_for(timeout=20_000)


def test_the_admin_works_under_the_policy(page, live_server, db):
    get_user_model().objects.create_superuser("notfall", password="pw")
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Benutzername").fill("notfall")
    page.get_by_label("Passwort").fill("pw")
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("link", name="Benutzer").first.click()
    page.get_by_role("link", name="notfall").click()
    page.get_by_role("heading", name="Benutzer ändern").wait_for()
