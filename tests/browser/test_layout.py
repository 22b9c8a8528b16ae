"""The layout on a phone and the main menu: no page wider than the screen at 390 × 844, a
header in one row, a collapsed menu that opens with its button and closes with Esc or a
click outside, and menu groups that keyboard users can open, walk and leave."""

import datetime as dt

import pytest

from rathausmobil.access import services as access_services
from rathausmobil.access.models import AccessKind, GatewayProduct, VpnGateway
from rathausmobil.agreements import services as agreement_services
from rathausmobil.equipment import services as equipment_services
from rathausmobil.equipment.models import Device, DeviceKind, DeviceModel
from rathausmobil.organisation.models import Employee
from rathausmobil.usage.importing import import_lines

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

EMPLOYEE_PAGES = [
    "/",
    "/mobil/",
    "/mobil/antrag/neu/",
    "/mobil/datenschutz/",
    "/anwesenheit/meine-woche/",
    "/geraete/meine/",
    "/zugang/mein-zugang/",
    "/vpn/meine/",
    "/organisation/einheiten/",
]
HEAD_PAGES = [
    "/",
    "/mobil/eingang/",
    "/mobil/uebersicht/",
    "/eignung/",
    "/organisation/beschaeftigte/",
]
IT_PAGES = [
    "/",
    "/geraete/",
    "/geraete/ausgabe/",
    "/geraete/ruecknahme/",
    "/geraete/bestellungen/",
    "/zugang/",
    "/zugang/zu-erteilen/",
    "/vpn/namen/",
]

# The elements that stick out of the screen, outermost first (for the failure message).
WIDER_THAN_SCREEN = """() => {
  const width = document.documentElement.clientWidth, out = [];
  for (const el of document.querySelectorAll("body *")) {
    if (el.getBoundingClientRect().right > width + 1 && !out.some((o) => o.contains(el))) out.push(el);
  }
  return out.slice(0, 5).map((el) => `${el.tagName}.${el.className} ${Math.round(el.getBoundingClientRect().right)}px`);
}"""


def person(user) -> Employee:
    return Employee.objects.get(user=user)


@pytest.fixture
def records(employee, colleague, supervisor, it, dpo):
    """Rows on every page the tests open: a request to decide, a notebook to acknowledge,
    access requested for two people, VPN sessions of the employee."""
    agreement_services.checklist_publish(
        by=dpo, items=[{"key": "locked", "text": "Unterlagen wegschließen.", "mandatory": True}]
    )
    request = agreement_services.request_create(
        by=employee,
        values={
            "kind": "alternating",
            "weekdays": [1, 3],
            "start_date": dt.date.today() + dt.timedelta(days=14),
        },
    )
    agreement_services.request_submit(request=request, by=employee)
    model = DeviceModel.objects.create(
        name="Lenovo ThinkPad T14 Gen 5 (Intel)", manufacturer="Lenovo", kind=DeviceKind.NOTEBOOK
    )
    device = Device.objects.create(
        inventory_number="INV-2026-00042", serial="PF3XK9A1ZZ", model=model
    )
    equipment_services.assignment_hand_over(device=device, employee=person(employee), by=it)
    gateway = VpnGateway.objects.create(
        name="VPN-Gateway Rathaus", product=GatewayProduct.OPENVPN, capacity=3, is_default=True
    )
    for user in (employee, colleague):
        access_services.grant_request(
            employee=person(user), kind=AccessKind.VPN, by=it, reason="Rufbereitschaft"
        )
    import_lines(
        [
            "employee;2026-11-02T08:05:00;2026-11-02T12:35:00\n",
            "unbekannt.name;2026-11-02T08:00:00;\n",
        ],
        name="vpn.csv",
        fmt="csv",
        gateway=gateway,
        tz="Europe/Berlin",
    )
    return request


def on_phone(sign_in, user):
    page = sign_in(user)
    page.set_viewport_size(PHONE)
    return page


def assert_fits_the_screen(page, live_server, paths):
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")  # the task count arrives by htmx
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path}: {width}px, {page.evaluate(WIDER_THAN_SCREEN)}"


def test_it_keeps_every_page_of_the_employee_within_a_phone_screen(
    live_server, sign_in, employee, records, axe_check
):
    page = on_phone(sign_in, employee)
    own = person(employee)
    grant = own.access_grants.get()
    details = [
        f"/mobil/antraege/{records.pk}/",
        f"/zugang/{grant.pk}/",
        f"/organisation/beschaeftigte/{own.pk}/",
    ]
    assert_fits_the_screen(page, live_server, [*EMPLOYEE_PAGES, *details])

    # Meine Geräte shows the notebook as a card that names each field.
    page.goto(f"{live_server.url}/geraete/meine/")
    card = page.get_by_role("row").filter(has_text="INV-2026-00042")
    labels = card.locator("td").evaluate_all(
        "cells => cells.map(td => getComputedStyle(td, '::before').content)"
    )
    assert labels[:3] == ['"Gerät: "', '"Inventarnummer: "', '"Seriennummer: "']
    box = card.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert card.get_by_role("button", name="Empfang bestätigen").is_visible()
    axe_check(page)


def test_it_keeps_the_pages_of_heads_and_it_within_a_phone_screen(
    live_server, sign_in, supervisor, it, records
):
    assert_fits_the_screen(on_phone(sign_in, supervisor), live_server, HEAD_PAGES)
    assert_fits_the_screen(on_phone(sign_in, it), live_server, IT_PAGES)


def test_it_shows_the_phone_header_in_one_row(live_server, sign_in, employee, records):
    page = on_phone(sign_in, employee)
    nav = page.get_by_role("navigation", name="Hauptnavigation")
    brand = nav.get_by_role("link", name="Rathaus Mobil")
    tasks = nav.get_by_role("link", name="Meine Aufgaben")
    button = nav.get_by_role("button", name="Menü")
    boxes = [el.bounding_box() for el in (brand, tasks, button)]
    middles = [box["y"] + box["height"] / 2 for box in boxes]
    assert max(middles) - min(middles) < 8, boxes
    assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"]
    assert boxes[2]["x"] + boxes[2]["width"] <= PHONE["width"]
    assert not nav.get_by_role("link", name="Mein mobiles Arbeiten").is_visible()


def test_it_opens_the_phone_menu_with_its_button_and_closes_it_with_esc_and_outside(
    live_server, sign_in, employee, records, axe_check
):
    page = on_phone(sign_in, employee)
    button = page.get_by_role("button", name="Menü")
    groups = page.locator("#rm-main-menu")
    assert button.get_attribute("aria-expanded") == "false"
    assert not groups.is_visible()

    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    assert groups.is_visible()
    axe_check(page)
    page.keyboard.press("Escape")
    assert not groups.is_visible()
    assert button.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.textContent.trim()") == "Menü"

    button.click()
    page.locator("summary", has_text="Geräte & Zugänge").click()
    page.get_by_role("link", name="Meine Geräte").wait_for()
    page.get_by_role("heading", level=1).click()  # a click outside
    assert not groups.is_visible()

    # A link in the menu leads to its page, which is marked as the current one.
    button.click()
    page.locator("summary", has_text="Geräte & Zugänge").click()
    page.get_by_role("link", name="Meine Geräte").click()
    page.get_by_role("heading", name="Meine Geräte").wait_for()
    button.click()
    current = page.locator('#rm-main-menu [aria-current="page"]')
    assert current.count() == 1 and current.text_content() == "Meine Geräte"


def test_it_lets_the_keyboard_walk_the_phone_menu(live_server, sign_in, employee, records):
    page = on_phone(sign_in, employee)
    focused = "document.activeElement.textContent.trim()"
    page.get_by_role("button", name="Menü").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate(focused) == "Mobiles Arbeiten"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate(focused) == "Mein mobiles Arbeiten"

    page.keyboard.press("Escape")  # closes the group, focus back on its summary
    assert page.evaluate(focused) == "Mobiles Arbeiten"
    assert not page.get_by_role("link", name="Mein mobiles Arbeiten").is_visible()
    page.keyboard.press("Escape")  # then the menu, focus back on the button
    assert page.evaluate(focused) == "Menü"
    assert not page.locator("#rm-main-menu").is_visible()


def test_it_lets_the_keyboard_open_walk_and_close_a_group_on_the_desktop(
    live_server, sign_in, it, records
):
    page = sign_in(it)  # 1280 px: the groups stand in the header, no menu button
    assert not page.get_by_role("button", name="Menü").is_visible()
    focused = "document.activeElement.textContent.trim()"
    for _ in range(6):  # skip link, brand, Meine Aufgaben, then the first group
        page.keyboard.press("Tab")
        if page.evaluate(focused) == "Mobiles Arbeiten":
            break
    assert page.evaluate(focused) == "Mobiles Arbeiten"
    page.keyboard.press("Tab")
    assert page.evaluate(focused) == "Geräte & Zugänge"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    # IT's daily work leads the group.
    assert page.evaluate(focused) == "Geräteausgabe (Scanner)"
    page.keyboard.press("Tab")
    assert page.evaluate(focused) == "Rücknahmen"
    page.keyboard.press("Escape")
    assert page.evaluate(focused) == "Geräte & Zugänge"
    assert not page.get_by_role("link", name="Rücknahmen").is_visible()

    # One group open at a time, and a click outside closes it.
    page.locator("summary", has_text="Mobiles Arbeiten").click()
    page.locator("summary", has_text="Geräte & Zugänge").click()
    assert page.locator("details.rm-menu[open]").count() == 1
    assert page.get_by_role("link", name="Zugänge zu erteilen").is_visible()
    page.locator("main").click(position={"x": 5, "y": 5})
    assert page.locator("details.rm-menu[open]").count() == 0
