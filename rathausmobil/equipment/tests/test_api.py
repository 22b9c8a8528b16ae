"""The equipment API under /api/v1/: scoping, hand-over, acknowledgement, deliveries."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from rathausmobil.equipment import selectors
from rathausmobil.equipment.models import Assignment
from rathausmobil.equipment.tests.conftest import delivery_footprint, person


def api(user) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def held(notebook, employee, hand_over):
    hand_over(notebook, employee)
    return notebook


@pytest.mark.parametrize(
    "viewer,status",
    [("it", 200), ("hr", 200), ("supervisor", 200), ("employee", 403), ("dpo", 403)],
)
def test_it_lists_devices_by_role(request, held, viewer, status):
    response = api(request.getfixturevalue(viewer)).get("/api/v1/devices/")
    assert response.status_code == status
    if status == 200:
        assert response.json()["results"][0]["inventory_number"] == held.inventory_number


def test_it_answers_a_device_outside_a_supervisors_scope_with_404(held, outsider):
    response = api(outsider).get(f"/api/v1/devices/{held.pk}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Nicht gefunden."}


def test_it_filters_devices_by_status_and_kind(it, held, make_device, desktop_model):
    make_device(desktop_model)
    client = api(it)
    assert client.get("/api/v1/devices/", {"kind": "desktop"}).json()["count"] == 1
    assert client.get("/api/v1/devices/", {"status": "assigned"}).json()["count"] == 1
    assert client.get("/api/v1/devices/", {"q": held.inventory_number}).json()["count"] == 1


def test_it_hands_over_and_refuses_the_second_hand_over_with_409(it, notebook, employee, colleague):
    client = api(it)
    response = client.post(
        "/api/v1/device-assignments/",
        {
            "inventory_number": notebook.inventory_number,
            "personnel_number": person(employee).personnel_number,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["state"] == "handed_over"

    again = client.post(
        "/api/v1/device-assignments/",
        {"device": notebook.pk, "employee": person(colleague).pk},
        format="json",
    )
    assert again.status_code == 409
    assert again.json()["code"] == "already_assigned"
    assert "ist bereits an Erika Employee" in again.json()["detail"]


def test_it_refuses_hand_overs_by_others_with_403(hr, notebook, employee):
    response = api(hr).post(
        "/api/v1/device-assignments/",
        {"device": notebook.pk, "employee": person(employee).pk},
        format="json",
    )
    assert response.status_code == 403
    assert "IT" in response.json()["detail"]


def test_it_wants_a_device_and_a_person(it):
    response = api(it).post("/api/v1/device-assignments/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"inventory_number", "personnel_number"}


def test_it_lets_only_the_holder_acknowledge(held, employee, colleague, supervisor):
    assignment = Assignment.objects.get(device=held)
    url = f"/api/v1/device-assignments/{assignment.pk}/acknowledge/"

    assert api(colleague).post(url).status_code == 404  # not even visible
    refused = api(supervisor).post(url)  # visible, but not theirs
    assert refused.status_code == 403
    assert "Person, die das Gerät erhalten hat" in refused.json()["detail"]

    first = api(employee).post(url)
    second = api(employee).post(url)
    assert first.status_code == second.status_code == 200
    assert first.json()["acknowledged_at"] == second.json()["acknowledged_at"]
    assert first.json()["state"] == "acknowledged"


def test_it_shows_my_devices_only_to_me(held, employee, colleague):
    mine = api(employee).get("/api/v1/my-devices/").json()
    assert [row["device"]["inventory_number"] for row in mine["results"]] == [held.inventory_number]
    assert api(colleague).get("/api/v1/my-devices/").json()["count"] == 0


def test_it_returns_and_confirms_through_the_api(held, it, employee):
    assignment = Assignment.objects.get(device=held)
    returned = api(it).post(
        f"/api/v1/device-assignments/{assignment.pk}/return/", {"defective": True}, format="json"
    )
    assert returned.status_code == 200 and returned.json()["state"] == "returned"
    again = api(it).post(f"/api/v1/device-assignments/{assignment.pk}/return/", {}, format="json")
    assert again.status_code == 409

    confirmed = api(employee).post(f"/api/v1/device-assignments/{assignment.pk}/confirm-return/")
    assert confirmed.json()["state"] == "closed"


def test_it_records_a_delivery_as_an_action_on_the_order(it, order, notebook_model):
    line = order.lines.get(model=notebook_model)
    client = api(it)

    response = client.post(
        f"/api/v1/device-orders/{order.pk}/deliveries/",
        {"line": line.pk, "serials": ["A-1", "A-2", "A-3"], "delivery_note": "LS-1"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "partial" and body["outstanding"] == 11
    assert [h["action"] for h in body["history"]] == ["create", "deliver"]
    assert selectors.devices_on_order() == 11
    delivered = delivery_footprint(order)

    too_many = client.post(
        f"/api/v1/device-orders/{order.pk}/deliveries/",
        {"line": line.pk, "serials": [f"B-{i}" for i in range(8)]},
        format="json",
    )
    assert too_many.status_code == 409
    assert too_many.json()["detail"].startswith("Offen sind nur noch 7")
    assert delivery_footprint(order) == delivered

    cancelled = client.post(
        f"/api/v1/device-orders/{order.pk}/cancel/", {"reason": "Budget"}, format="json"
    )
    assert cancelled.json()["status"] == "complete" and cancelled.json()["outstanding"] == 0


@pytest.mark.parametrize(
    "viewer,status", [("it", 200), ("hr", 200), ("employee", 403), ("supervisor", 403)]
)
def test_it_shows_orders_to_it_and_hr(request, order, viewer, status):
    assert api(request.getfixturevalue(viewer)).get("/api/v1/device-orders/").status_code == status


def test_it_refuses_deliveries_by_hr(hr, order, notebook_model):
    line = order.lines.get(model=notebook_model)
    before = delivery_footprint(order)
    response = api(hr).post(
        f"/api/v1/device-orders/{order.pk}/deliveries/",
        {"line": line.pk, "serials": ["X"]},
        format="json",
    )
    assert response.status_code == 403
    assert delivery_footprint(order) == before


def test_it_documents_the_endpoints_in_the_schema(client, it):
    client.force_login(it)
    schema = client.get("/api/schema/").content.decode()
    for path in (
        "/api/v1/devices/",
        "/api/v1/my-devices/",
        "/api/v1/device-orders/{id}/deliveries/",
        "/api/v1/device-assignments/{id}/acknowledge/",
    ):
        assert path in schema


def test_it_filters_orders_on_the_page_like_the_api(client, it, order):
    from django.urls import reverse

    client.force_login(it)

    def page(status):
        body = client.get(reverse("equipment:order_list"), {"status": status}).content.decode()
        return reverse("equipment:order_detail", args=[order.pk]) in body

    def listed(status):
        return api(it).get("/api/v1/device-orders/", {"status": status})

    assert page("open") and listed("open").json()["count"] == 1
    assert not page("complete") and listed("complete").json()["count"] == 0
    # A status that does not exist: the API says so, the page shows every order.
    assert page("irgendwas") and listed("irgendwas").status_code == 400
