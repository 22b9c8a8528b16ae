"""Every page of the workflow passes axe-core (WCAG 2.1 A/AA) for the roles that use it, on a
desktop and on a phone (390 × 844, where tables become cards and the menu collapses)."""

import datetime as dt

import pytest

from rathausmobil.agreements import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": {"width": 1280, "height": 720}, "phone": {"width": 390, "height": 844}}

PAGES = {
    "employee": [
        "/",
        "/mobil/",
        "/mobil/antrag/neu/",
        "/mobil/datenschutz/",
        "/anwesenheit/meine-woche/",
        "/geraete/meine/",
        "/zugang/mein-zugang/",
        "/vpn/meine/",
    ],
    "it": ["/geraete/", "/geraete/ausgabe/", "/geraete/ruecknahme/", "/zugang/zu-erteilen/"],
    "hr": [
        "/mobil/uebersicht/",
        "/mobil/uebersicht/?was=vereinbarungen",
        "/mobil/regeln/",
        "/mobil/pandemie/",
        "/kennzahlen/",
        "/organisation/einheiten/",
        "/organisation/beschaeftigte/",
    ],
    "dpo": ["/mobil/datenschutz/checkliste/", "/kennzahlen/"],
    "staff_council": ["/mobil/ablehnungen/"],
    "supervisor": ["/mobil/eingang/", "/eignung/"],
}


@pytest.fixture
def records(employee, supervisor, hr, dpo):
    services.checklist_publish(
        by=dpo, items=[{"key": "locked", "text": "Unterlagen wegschließen.", "mandatory": True}]
    )
    today = dt.date.today()
    request = services.request_create(
        by=employee,
        values={"kind": "alternating", "weekdays": [1], "start_date": today + dt.timedelta(days=7)},
    )
    services.request_submit(request=request, by=employee)
    services.pandemic_period_set(by=hr, start_date=today, end_date=today + dt.timedelta(days=30))
    return request


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("role", sorted(PAGES))
def test_it_keeps_every_page_accessible(
    live_server, sign_in, request, role, size, records, staff_council, axe_check
):
    user = request.getfixturevalue(role)
    page = sign_in(user)
    page.set_viewport_size(SIZES[size])
    for path in PAGES[role]:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        axe_check(page)
