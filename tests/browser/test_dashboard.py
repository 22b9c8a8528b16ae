"""The mayor reads the Kennzahlen: figures by theme, a verdict for the rollout, and from
"Überfällige Anträge" on to where the decisions are late; a Stichtag and a unit narrow the
figures. On a desktop and on a phone, with axe-core."""

import datetime as dt

import pytest
from django.utils import timezone

from rathausmobil.agreements import services
from rathausmobil.agreements.models import WorkRequest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_the_mayor_follows_overdue_requests_to_the_offices_that_are_late(
    sign_in, org, leadership, employee, supervisor, axe_check, width
):
    request = services.request_create(
        by=employee,
        values={"kind": "alternating", "weekdays": [0], "start_date": timezone.localdate()},
    )
    services.request_submit(request=request, by=employee)
    overdue_since = timezone.localdate() - dt.timedelta(days=5)
    WorkRequest.objects.filter(pk=request.pk).update(due_date=overdue_since)

    page = sign_in(leadership, viewport={"width": width, "height": 844})
    if width < 1000:
        page.get_by_role("button", name="Menü").click()
    page.get_by_text("Auswertungen", exact=True).click()
    page.get_by_role("link", name="Kennzahlen", exact=True).click()
    page.get_by_role("heading", name="Geräte und Umstellung").wait_for()
    assert page.locator('[data-kpi="requests_overdue"]').inner_text() == "1"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    axe_check(page)

    # The definition opens by keyboard as by mouse.
    tile = page.get_by_role("region", name="Überfällige Anträge")
    tile.get_by_text("Wie wird das berechnet?").focus()
    page.keyboard.press("Enter")
    assert tile.get_by_text("Entscheidungsfrist").is_visible()

    tile.get_by_role("link", name="je Einheit ansehen").click()
    page.get_by_role("heading", name="Offene und überfällige Anträge je Amt").wait_for()
    row = page.get_by_role("row", name="A Amt A")
    assert overdue_since.strftime("%d.%m.%Y") in row.inner_text()
    assert employee.employee.last_name not in page.content()  # counts, no person
    axe_check(page)

    # Back on the dashboard, a unit narrows the figures.
    page.go_back()
    page.get_by_label("Organisationseinheit (mit allen darunter)").fill("B")
    page.get_by_role("button", name="Zahlen zeigen").click()
    page.get_by_role("heading", name="Kennzahlen: B Amt B").wait_for()
    assert page.locator('[data-kpi="requests_overdue"]').inner_text() == "0"
    axe_check(page)
