"""Pages: who may open what (403 outside one's role, 404 outside one's scope), the
hand-over and return flows, query counts of the lists."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from rathausmobil.core.audit import history_of
from rathausmobil.equipment import services
from rathausmobil.equipment.models import Assignment, Device, DeviceStatus, OrderStatus
from rathausmobil.equipment.tests.conftest import delivery_footprint, person

IT_ONLY = ["handover", "order_new", "import_upload"]
IT_AND_HR = ["returns", "holders", "order_list", "model_list"]


@pytest.fixture
def held(notebook, employee, hand_over):
    """The employee (A1) holds a notebook."""
    hand_over(notebook, employee)
    return notebook


@pytest.mark.parametrize(
    "viewer,status",
    [
        ("it", 200),
        ("hr", 200),
        ("employee", 200),  # the holder
        ("supervisor", 200),  # heads the holder's unit
        ("amt_head", 200),  # heads the unit above
        ("colleague", 404),
        ("outsider", 404),
        ("stranger", 404),
        ("dpo", 404),
        ("leadership", 404),
    ],
)
def test_it_answers_guessed_device_ids_outside_the_scope_with_404(
    client, request, held, viewer, status
):
    client.force_login(request.getfixturevalue(viewer))
    response = client.get(reverse("equipment:device_detail", args=[held.pk]))
    assert response.status_code == status


@pytest.mark.parametrize("name", IT_ONLY)
@pytest.mark.parametrize("viewer", ["hr", "employee", "supervisor", "leadership"])
def test_it_answers_it_pages_for_others_with_403(client, request, name, viewer):
    client.force_login(request.getfixturevalue(viewer))
    assert client.get(reverse(f"equipment:{name}")).status_code == 403


@pytest.mark.parametrize("name", IT_AND_HR)
@pytest.mark.parametrize(
    "viewer,status", [("it", 200), ("hr", 200), ("employee", 403), ("supervisor", 403)]
)
def test_it_opens_inventory_pages_to_it_and_hr(client, request, name, viewer, status):
    client.force_login(request.getfixturevalue(viewer))
    assert client.get(reverse(f"equipment:{name}")).status_code == status


@pytest.mark.parametrize(
    "viewer,status",
    [("it", 200), ("hr", 200), ("supervisor", 200), ("employee", 403), ("dpo", 403)],
)
def test_it_opens_the_device_list_to_it_hr_and_supervisors(client, request, viewer, status):
    client.force_login(request.getfixturevalue(viewer))
    assert client.get(reverse("equipment:device_list")).status_code == status


def figures_on(body: str) -> dict[str, str]:
    """The four figure cards of the rollout page: heading → value and the line below."""
    cards = re.findall(
        r'<h2 id="f-[a-z]+"[^>]*>([^<]+)</h2>\s*<p class="figure-value mb-1">([^<]+)</p>\s*'
        r'<p class="small mb-0">([^<]+)</p>',
        body,
    )
    return {heading: f"{value} | {note}" for heading, value, note in cards}


@pytest.mark.parametrize(
    "viewer,status", [("leadership", 200), ("staff_council", 200), ("it", 200), ("employee", 403)]
)
def test_it_shows_the_rollout_figures_to_those_who_see_aggregates(
    client, request, fleet, order, viewer, status
):
    from rathausmobil.equipment.models import RolloutCampaign

    RolloutCampaign.objects.create(
        name="Mobile Arbeitsplätze 2022",
        start_date=dt.date(2020, 5, 1),
        target_date=dt.date(2022, 12, 31),
    )
    client.force_login(request.getfixturevalue(viewer))
    response = client.get(reverse("equipment:rollout"))
    body = response.content.decode()

    assert response.status_code == status
    if status == 403:
        assert "75,0 %" not in body and "Verzug" not in body
        return
    projected = timezone.localdate() + dt.timedelta(days=28)  # 1 desktop left at 0.25 a week
    assert figures_on(body) == {
        # 3 notebooks and 1 desktop in use (three desktops went back for a notebook)
        "Fortschritt": "75,0 % | 3 mobile im Einsatz, 1 stationäre noch im Einsatz",
        # 2 hand-overs in the last 8 weeks (the third was 10 weeks ago); no deliveries
        "Tempo (letzte 8 Wochen)": "0,2 | Ausgaben pro Woche; Lieferungen: 0,0 pro Woche",
        "voraussichtlich fertig": f"{projected:%d.%m.%Y} | Zieltermin: 31.12.2022",
        "bestellt, noch nicht geliefert": "14 | Geräte aller Bestellungen",
    }
    verdict = body.split('id="rollout-verdict">')[1].split("</div>")[0].strip()
    assert verdict.startswith(
        "Verzug: Der Zieltermin 31.12.2022 ist verstrichen, und es sind noch ein stationärer "
        "Arbeitsplatzrechner im Einsatz."
    )
    assert verdict.endswith(f"voraussichtlich am {projected:%d.%m.%Y} abgeschlossen.")


def test_it_shows_supervisors_only_their_staffs_devices(
    client, held, make_device, stranger, hand_over, supervisor, outsider
):
    other = make_device()
    hand_over(other, stranger)

    client.force_login(supervisor)
    body = client.get(reverse("equipment:device_list")).content.decode()
    assert held.inventory_number in body and other.inventory_number not in body

    client.force_login(outsider)
    body = client.get(reverse("equipment:device_list")).content.decode()
    assert other.inventory_number in body and held.inventory_number not in body


def test_it_keeps_the_stock_list_queries_flat(
    client, it, make_device, employee, colleague, hand_over, django_assert_max_num_queries
):
    for _ in range(3):
        hand_over(make_device(), employee)
    client.force_login(it)
    client.get(reverse("equipment:device_list"))  # warm the session
    # 9: the page also shows what the open orders still owe ("bestellt", one aggregate).
    with django_assert_max_num_queries(9):
        client.get(reverse("equipment:device_list"))

    for index in range(40):
        device = make_device()
        if index % 2:
            hand_over(device, colleague)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("equipment:device_list"), {"status": "assigned"})
    body = response.content.decode()
    shown = {d.inventory_number for d in Device.objects.all() if d.inventory_number in body}
    assert shown == set(
        Device.objects.filter(status=DeviceStatus.ASSIGNED).values_list(
            "inventory_number", flat=True
        )
    )
    assert len(shown) == 23  # 3 for the employee, 20 for the colleague


def test_it_keeps_the_holders_list_queries_flat(
    client, it, make_device, employee, hand_over, django_assert_max_num_queries
):
    for _ in range(30):
        hand_over(make_device(), employee)
    client.force_login(it)
    client.get(reverse("equipment:holders"))
    with django_assert_max_num_queries(7):
        response = client.get(reverse("equipment:holders"))
    assert response.content.decode().count("Employee, Erika") == 30


def test_it_renders_the_results_fragment_for_htmx(client, it, notebook):
    client.force_login(it)
    response = client.get(reverse("equipment:device_list"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results"')
    assert notebook.inventory_number in body


def test_it_hands_over_by_scan_search_and_confirmation(client, it, notebook, employee):
    client.force_login(it)
    url = reverse("equipment:handover")

    page = client.get(url).content.decode()
    assert "Inventarnummer scannen oder eingeben" in page and "autofocus" in page

    found = client.get(url, {"inventarnummer": f" {notebook.inventory_number.lower()} "})
    assert found.status_code == 200
    assert "An wen?" in found.content.decode()

    search = client.get(url, {"inventarnummer": notebook.inventory_number, "person": "employee"})
    me = person(employee)
    assert f"beschaeftigte={me.pk}" in search.content.decode()

    # An exact personnel number goes straight to the confirmation.
    confirm = client.get(
        url, {"inventarnummer": notebook.inventory_number, "person": me.personnel_number}
    )
    assert "Übergabe bestätigen" in confirm.content.decode()

    response = client.post(url, {"device": notebook.pk, "employee": me.pk}, follow=True)
    assert "ist an Erika Employee ausgegeben" in response.content.decode()
    notebook.refresh_from_db()
    assert notebook.holder == me


def test_it_tells_why_a_scanned_device_cannot_be_handed_over(client, it, held, colleague):
    client.force_login(it)
    response = client.get(reverse("equipment:handover"), {"inventarnummer": held.inventory_number})
    body = response.content.decode()
    assert response.status_code == 200
    assert "ist „ausgegeben“ (an Erika Employee seit" in body
    assert "An wen?" not in body

    unknown = client.get(reverse("equipment:handover"), {"inventarnummer": "GIBTSNICHT"})
    assert "Kein Gerät mit der Inventarnummer „GIBTSNICHT“ gefunden." in unknown.content.decode()


def test_it_refuses_a_double_hand_over_from_the_page(client, it, held, employee, colleague):
    client.force_login(it)
    response = client.post(
        reverse("equipment:handover"),
        {"device": held.pk, "employee": person(colleague).pk},
        follow=True,
    )
    me = person(employee)
    assert f"ist bereits an Erika Employee ({me.personnel_number}) ausgegeben" in (
        response.content.decode()
    )
    held.refresh_from_db()
    assert held.holder == me
    assert Assignment.objects.filter(device=held).count() == 1


def test_it_lets_the_employee_acknowledge_on_my_devices(client, held, employee):
    assignment = Assignment.objects.get(device=held)
    client.force_login(employee)
    page = client.get(reverse("equipment:mine")).content.decode()
    assert held.inventory_number in page and "Empfang bestätigen" in page

    response = client.post(
        reverse("equipment:assignment_acknowledge", args=[assignment.pk]), HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="devices"')
    assert "bestätigt am" in body and "Danke: Empfang" in body
    assignment.refresh_from_db()
    assert assignment.acknowledged_at is not None


@pytest.mark.parametrize("viewer", ["colleague", "supervisor", "it", "outsider"])
def test_it_answers_someone_elses_acknowledgement_with_404(client, request, held, viewer):
    assignment = Assignment.objects.get(device=held)
    client.force_login(request.getfixturevalue(viewer))
    response = client.post(reverse("equipment:assignment_acknowledge", args=[assignment.pk]))
    assert response.status_code == 404
    assignment.refresh_from_db()
    assert assignment.acknowledged_at is None


def test_it_records_a_return_and_the_employee_confirms_it(client, it, held, employee):
    client.force_login(it)
    page = client.get(reverse("equipment:returns"), {"inventarnummer": held.inventory_number})
    assert "Erika Employee" in page.content.decode()
    assignment = Assignment.objects.get(device=held)
    response = client.post(
        reverse("equipment:returns"), {"assignment": assignment.pk, "defective": "on"}, follow=True
    )
    assert "das Gerät ist in Reparatur" in response.content.decode()
    held.refresh_from_db()
    assert held.status == DeviceStatus.REPAIR

    client.force_login(employee)
    assert "Rückgabe bestätigen" in client.get(reverse("equipment:mine")).content.decode()
    client.post(reverse("equipment:assignment_confirm_return", args=[assignment.pk]))
    assignment.refresh_from_db()
    assert assignment.return_confirmed_at is not None


def test_it_lists_leavers_first_on_the_returns_page(client, it, held, employee):
    me = person(employee)
    me.exit_date = timezone.localdate() + dt.timedelta(days=5)
    me.save()
    client.force_login(it)
    body = client.get(reverse("equipment:returns")).content.decode()
    leavers = body.split("Ausscheidende Beschäftigte mit Geräten")[1].split("Rückgaben, deren")[0]
    assert held.inventory_number in leavers and me.exit_date.strftime("%d.%m.%Y") in leavers


def test_it_delivers_and_cancels_from_the_order_page(client, it, order, notebook_model):
    client.force_login(it)
    line = order.lines.get(model=notebook_model)
    response = client.post(
        reverse("equipment:order_deliver", args=[order.pk]),
        {
            "line": line.pk,
            "serials": "SN-1\r\nSN-2\r\n\r\nSN-3\r\n",
            "delivered_on": timezone.localdate().isoformat(),
        },
        follow=True,
    )
    assert "Lieferung erfasst: 3 × Lenovo ThinkPad T14 sind im Lager." in response.content.decode()
    delivered = delivery_footprint(order)

    too_many = client.post(
        reverse("equipment:order_deliver", args=[order.pk]),
        {
            "line": line.pk,
            "serials": "\n".join(f"X{i}" for i in range(8)),
            "delivered_on": timezone.localdate().isoformat(),
        },
    )
    assert too_many.status_code == 200
    assert "Offen sind nur noch 7" in too_many.content.decode()
    assert delivery_footprint(order) == delivered

    client.post(reverse("equipment:order_cancel", args=[order.pk]), {"reason": "Haushaltssperre"})
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETE
    detail = client.get(reverse("equipment:order_detail", args=[order.pk])).content.decode()
    assert "Rest storniert" in detail and "Haushaltssperre" in detail
    assert "Lieferung erfassen</button>" not in detail


def test_it_creates_an_order_from_the_form(client, it, notebook_model):
    client.force_login(it)
    response = client.post(
        reverse("equipment:order_new"),
        {
            "supplier": "Bechtle AG",
            "ordered_on": timezone.localdate().isoformat(),
            "pos-TOTAL_FORMS": "3",
            "pos-INITIAL_FORMS": "0",
            "pos-0-model": notebook_model.pk,
            "pos-0-quantity": "300",
        },
        follow=True,
    )
    assert "ist angelegt" in response.content.decode()
    assert order_total(response) == "300"


def order_total(response):
    return response.content.decode().split('id="order-outstanding">')[1].split("<")[0]


def test_it_exports_who_holds_what_as_csv(client, hr, held):
    client.force_login(hr)
    response = client.get(reverse("equipment:holders_export"))
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert content.splitlines()[0].startswith("Personalnummer;Nachname;Vorname")
    assert held.inventory_number in content


def test_it_draws_the_rollout_chart_with_a_text_alternative(client, it, held):
    from rathausmobil.equipment.models import RolloutCampaign

    RolloutCampaign.objects.create(
        name="Mobile Arbeitsplätze 2022",
        start_date=dt.date(2020, 5, 1),
        target_date=dt.date(2022, 12, 31),
    )
    client.force_login(it)
    body = client.get(reverse("equipment:rollout")).content.decode()
    assert 'role="img"' in body and '<title id="rollout-chart-title">' in body
    assert "Anteil mobiler Arbeitsplatzgeräte heute 100,0 %" in body.split("<desc", 1)[1]
    assert "Daten als Tabelle" in body and "<caption>Geräte im Einsatz, je Stichtag" in body
    assert "Soll bis zum Zieltermin" in body  # the legend
    # Coordinates keep a decimal point in German: "52,3" would be a list of two numbers.
    svg = body.split("<svg", 1)[1].split("</svg>", 1)[0]
    coordinates = re.findall(r' (?:x|y|x1|x2|y1|y2)="([^"]*)"', svg)
    assert coordinates and not [c for c in coordinates if "," in c]


def test_it_lets_it_change_a_device_status(client, it, notebook):
    client.force_login(it)
    client.post(
        reverse("equipment:device_status", args=[notebook.pk]),
        {"action": "repair", "note": "Display"},
    )
    notebook.refresh_from_db()
    assert notebook.status == DeviceStatus.REPAIR


def test_it_refuses_status_changes_to_hr(client, hr, notebook):
    client.force_login(hr)
    response = client.post(
        reverse("equipment:device_status", args=[notebook.pk]), {"action": "repair"}
    )
    assert response.status_code == 403
    notebook.refresh_from_db()
    assert notebook.status == DeviceStatus.IN_STOCK
    assert not history_of(notebook).exists()  # no audit entry either


def test_it_lets_it_define_the_rollout_campaign(client, it):
    client.force_login(it)
    client.post(
        reverse("equipment:rollout"),
        {
            "name": "Mobile Arbeitsplätze 2022",
            "start_date": "2020-05-01",
            "target_date": "2022-12-31",
        },
    )
    client.post(
        reverse("equipment:rollout"),
        {
            "name": "Mobile Arbeitsplätze 2023",
            "start_date": "2020-05-01",
            "target_date": "2023-12-31",
        },
    )
    from rathausmobil.equipment.models import RolloutCampaign

    campaign = RolloutCampaign.objects.get()
    assert (campaign.name, campaign.target_date) == (
        "Mobile Arbeitsplätze 2023",
        dt.date(2023, 12, 31),
    )


def test_it_shows_an_employee_without_devices_a_plain_page(client, colleague, held):
    client.force_login(colleague)
    body = client.get(reverse("equipment:mine")).content.decode()
    assert "Sie haben zurzeit kein Gerät." in body and held.inventory_number not in body


def test_it_hands_over_through_the_service_only_once_even_in_a_race(
    notebook, employee, colleague, it
):
    # The status check runs under the row lock; the database constraint backs it up.
    services.assignment_hand_over(device=notebook, employee=person(employee), by=it)
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(
            device=notebook, employee=person(colleague), handed_over_at=timezone.now()
        )
