"""Hand-over at the IT desk with a barcode scanner, acknowledgement by the employee."""

import datetime as dt

import pytest

from rathausmobil.equipment import services
from rathausmobil.equipment.models import (
    Assignment,
    Device,
    DeviceKind,
    DeviceModel,
    RolloutCampaign,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def notebook(db):
    model = DeviceModel.objects.create(
        name="Lenovo ThinkPad T14", manufacturer="Lenovo", kind=DeviceKind.NOTEBOOK
    )
    return Device.objects.create(inventory_number="INV-2026-00042", serial="PF3XK9A1", model=model)


def test_it_hands_over_by_scan_and_the_employee_acknowledges(
    browser, live_server, sign_in, it, employee, notebook, axe_check
):
    # IT scans the inventory number: the scanner types it and presses Enter.
    desk = sign_in(it)
    desk.goto(f"{live_server.url}/geraete/ausgabe/")
    scan = desk.get_by_label("Inventarnummer scannen oder eingeben")
    assert scan.evaluate("el => el === document.activeElement")  # autofocus: ready to scan
    axe_check(desk)
    scan.fill("INV-2026-00042")
    scan.press("Enter")
    desk.get_by_role("heading", name="An wen?").wait_for()
    axe_check(desk)

    # Pick the person by name, confirm the hand-over.
    search = desk.get_by_label("Beschäftigte/n suchen")
    search.fill("Employee")
    search.press("Enter")
    desk.get_by_role("link", name="Erika Employee auswählen").click()
    desk.get_by_role("heading", name="Übergabe bestätigen").wait_for()
    assert "Erika Employee" in desk.locator("#handover-employee").inner_text()
    axe_check(desk)
    desk.get_by_role("button", name="Übergabe bestätigen").click()
    desk.get_by_text("ist an Erika Employee ausgegeben").wait_for()
    axe_check(desk)

    # The employee sees the device under "Meine Geräte" and acknowledges the receipt.
    page = sign_in(employee)
    page.goto(f"{live_server.url}/geraete/meine/")
    page.get_by_role("heading", name="Meine Geräte").wait_for()
    row = page.get_by_role("row").filter(has_text="INV-2026-00042")
    assert "Lenovo ThinkPad T14" in row.inner_text()
    axe_check(page)
    row.get_by_role("button", name="Empfang bestätigen").click()
    page.get_by_text("Danke: Empfang von INV-2026-00042 ist bestätigt.").wait_for()
    assert "bestätigt am" in page.get_by_role("row").filter(has_text="INV-2026-00042").inner_text()
    axe_check(page)

    assignment = Assignment.objects.get(device=notebook)
    assert assignment.employee.user == employee
    assert assignment.handed_over_by == it
    assert assignment.acknowledged_at is not None


def test_it_keeps_the_equipment_pages_accessible(
    browser, live_server, sign_in, it, employee, notebook, axe_check
):
    order = services.order_create(
        by=it,
        supplier="Bechtle AG",
        ordered_on=dt.date.today() - dt.timedelta(days=10),
        lines=[(notebook.model, 5)],
    )
    services.order_deliver(order=order, by=it, line=order.lines.get(), serials=["A1", "A2"])
    RolloutCampaign.objects.create(
        name="Mobile Arbeitsplätze 2022",
        start_date=dt.date(2020, 5, 1),
        target_date=dt.date(2022, 12, 31),
    )
    from rathausmobil.organisation.models import Employee

    services.assignment_hand_over(
        device=notebook, employee=Employee.objects.get(user=employee), by=it
    )
    page = sign_in(it)
    for path in (
        "/geraete/",
        f"/geraete/{notebook.pk}/",
        "/geraete/ruecknahme/?inventarnummer=INV-2026-00042",
        "/geraete/wer-hat-was/",
        "/geraete/bestellungen/",
        f"/geraete/bestellungen/{order.pk}/",
        "/geraete/bestellungen/neu/",
        "/geraete/modelle/",
        "/geraete/rollout/",
        "/geraete/import/",
    ):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        axe_check(page)


def test_it_takes_a_wrong_device_answer_from_the_employee_to_it_as_a_task(
    browser, live_server, sign_in, it, employee, notebook, axe_check
):
    # IT hands the notebook over at the desk.
    desk = sign_in(it)
    desk.goto(f"{live_server.url}/geraete/ausgabe/")
    scan = desk.get_by_label("Inventarnummer scannen oder eingeben")
    scan.fill("INV-2026-00042")
    scan.press("Enter")
    search = desk.get_by_label("Beschäftigte/n suchen")
    search.fill("Employee")
    search.press("Enter")
    desk.get_by_role("link", name="Erika Employee auswählen").click()
    desk.get_by_role("button", name="Übergabe bestätigen").click()
    desk.get_by_text("ist an Erika Employee ausgegeben").wait_for()

    # The employee finds the receipt on Meine Aufgaben and answers "falsches Gerät".
    page = sign_in(employee)
    page.goto(f"{live_server.url}/")
    task = page.locator(".rm-todo").filter(has_text="INV-2026-00042")
    task.get_by_role("link", name="Empfang bestätigen").click()
    page.get_by_role("heading", name="Meine Geräte").wait_for()
    row = page.get_by_role("row").filter(has_text="INV-2026-00042")
    row.get_by_text("Nicht erhalten oder falsches Gerät?").click()
    row.get_by_label("Hinweis für die IT (optional)").fill("Auf dem Gerät steht INV-2026-00099")
    axe_check(page)
    row.get_by_role("button", name="Falsches Gerät").click()
    page.get_by_text("Ihre Rückmeldung zu INV-2026-00042 ist bei der IT").wait_for()
    assert "gemeldet: falsches Gerät" in (
        page.get_by_role("row").filter(has_text="INV-2026-00042").inner_text()
    )
    axe_check(page)

    # IT sees it as a task on its start page and clears it.
    desk.goto(f"{live_server.url}/")
    task = desk.locator(".rm-todo").filter(has_text="meldet „falsches Gerät“")
    assert "Auf dem Gerät steht INV-2026-00099" in task.inner_text()
    axe_check(desk)
    task.get_by_role("link", name="Klären").click()
    desk.get_by_role("heading", name="Rückmeldungen zum Empfang", level=1).wait_for()
    axe_check(desk)
    desk.get_by_label("Wie ist es geklärt?").fill("Gerät getauscht, INV-2026-00099 zurück")
    desk.get_by_label("Ausgabe zurücknehmen: Das Gerät kommt zurück ins Lager").check()
    desk.get_by_role("button", name="Als geklärt abschließen").click()
    desk.get_by_text("ist geklärt").first.wait_for()
    axe_check(desk)

    desk.goto(f"{live_server.url}/")
    assert desk.locator(".rm-todo").filter(has_text="meldet „falsches Gerät“").count() == 0
    assignment = Assignment.objects.get(device=notebook)
    assert assignment.problem == "resolved" and assignment.returned_at is not None


def test_it_warns_at_the_hand_over_of_a_second_notebook(
    browser, live_server, sign_in, it, employee, notebook, axe_check
):
    from rathausmobil.organisation.models import Employee

    services.assignment_hand_over(
        device=notebook, employee=Employee.objects.get(user=employee), by=it
    )
    second = Device.objects.create(inventory_number="INV-2026-00043", model=notebook.model)
    desk = sign_in(it)
    desk.goto(f"{live_server.url}/geraete/ausgabe/?inventarnummer={second.inventory_number}")
    search = desk.get_by_label("Beschäftigte/n suchen")
    search.fill("Employee")
    search.press("Enter")
    desk.get_by_role("link", name="Erika Employee auswählen").click()

    warning = desk.locator("#same-kind-warning")
    assert "INV-2026-00042" in warning.inner_text()
    axe_check(desk)
    desk.get_by_role("button", name="Übergabe bestätigen").click()
    summary = desk.locator("[data-error-summary]")
    summary.wait_for()
    box = desk.get_by_label("Trotzdem ausgeben", exact=False)
    assert box.get_attribute("aria-invalid") == "true"
    axe_check(desk)
    box.check()
    desk.get_by_role("button", name="Übergabe bestätigen").click()
    desk.get_by_text("ist an Erika Employee ausgegeben").wait_for()
