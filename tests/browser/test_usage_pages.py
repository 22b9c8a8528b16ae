"""VPN usage pages in the browser: IT reads the figures, the units and the unmapped names and
maps a name; an employee reads their own sessions. Every page passes axe-core (WCAG 2.1 AA),
with the chart tables opened too."""

import datetime as dt

import pytest
from django.utils import timezone

from rathausmobil.access.models import GatewayProduct, VpnGateway
from rathausmobil.organisation.tests.factories import EmployeeFactory
from rathausmobil.usage.importing import import_lines

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def usage(org, employee):
    """Two weeks up to yesterday: six people in A1 and five in B1 each working day, the
    employee on two days, and a name nobody has."""
    gateway = VpnGateway.objects.create(
        name="VPN Rathaus", product=GatewayProduct.OPENVPN, capacity=10, is_default=True
    )
    people = [EmployeeFactory(unit=org["A1"], email=f"a1-{i}@stadt.example") for i in range(6)] + [
        EmployeeFactory(unit=org["B1"], email=f"b1-{i}@stadt.example") for i in range(5)
    ]
    EmployeeFactory(unit=org["B1"], personnel_number="880001", last_name="Späterkonto")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    lines = []
    for back in range(14):
        day = yesterday - dt.timedelta(days=back)
        if day.weekday() >= 5:
            continue
        for i, person in enumerate(people):
            lines.append(
                f"{person.email};{day}T{7 + i % 3:02d}:30:00;{day}T{15 + i % 3:02d}:10:00\n"
            )
        lines.append(f"altkonto;{day}T08:00:00;{day}T11:00:00\n")
    lines.append(f"employee;{yesterday}T08:05:00;{yesterday}T12:35:00\n")
    lines.append("kaputt\n")
    import_lines(lines, name="vpn.csv", fmt="csv", gateway=gateway, tz="Europe/Berlin")
    return gateway


def open_details(page):
    page.locator("details").evaluate_all("els => els.forEach(e => { e.open = true; })")


def test_it_walks_the_usage_pages_as_it(browser, live_server, sign_in, it, usage, axe_check):
    page = sign_in(it)

    for path in [
        "/vpn/",
        "/vpn/?von=2026-01-01&bis=2026-12-31",
        "/vpn/einheiten/",
        "/vpn/einheiten/?einheit=D",
        "/vpn/namen/",
    ]:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        axe_check(page)
        open_details(page)
        axe_check(page)

    # The overview draws both charts with their accessible names.
    page.goto(f"{live_server.url}/vpn/")
    assert page.get_by_role(
        "img", name="Gleichzeitige VPN-Sitzungen im Zeitraum gegen die Kapazität"
    ).is_visible()
    assert page.get_by_role(
        "img", name="Mittlere gleichzeitige VPN-Sitzungen nach Wochentag und Uhrzeit"
    ).is_visible()

    # A period that ends before it begins is a message, not an error page.
    page.get_by_label("von", exact=True).fill("2026-11-10")
    page.get_by_label("bis", exact=True).fill("2026-11-01")
    page.get_by_role("button", name="Anzeigen").click()
    page.get_by_text("Das Ende des Zeitraums liegt vor seinem Beginn.").wait_for()
    axe_check(page)

    # IT maps the unknown name to a person.
    page.goto(f"{live_server.url}/vpn/namen/")
    page.get_by_role("link", name="zuordnen altkonto").click()
    assert page.get_by_label("Name im Protokoll").input_value() == "altkonto"
    page.get_by_label("Personalnummer").fill("880001")
    page.get_by_role("button", name="Zuordnen").click()
    page.get_by_text("„altkonto“ gehört jetzt zu").wait_for()
    assert page.get_by_text("Alle Namen sind einer Person zugeordnet.").is_visible()
    axe_check(page)


def test_it_shows_the_employee_their_own_sessions(
    browser, live_server, sign_in, employee, usage, axe_check
):
    page = sign_in(employee)

    response = page.goto(f"{live_server.url}/vpn/meine/")

    assert response.status == 200
    rows = page.locator("#session-table tbody tr")
    assert rows.count() == 1
    assert "4 Std. 30 Min." in rows.first.inner_text()
    assert page.get_by_text("nach 90 Tagen gelöscht", exact=False).is_visible()
    axe_check(page)
    assert page.goto(f"{live_server.url}/vpn/").status == 403
