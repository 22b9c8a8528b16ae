"""Purchase orders: partial deliveries, cancellation of the rest, the on-order figure."""

import datetime as dt

import pytest

from rathausmobil.core.dates import add_months
from rathausmobil.core.errors import DomainError
from rathausmobil.equipment import selectors, services
from rathausmobil.equipment.models import Device, DeviceStatus, OrderStatus
from rathausmobil.equipment.services import NotAllowed
from rathausmobil.equipment.tests.conftest import delivery_footprint

TODAY = dt.date.today()


def serials(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i:04d}" for i in range(n)]


def line_of(order, model):
    return order.lines.get(model=model)


def test_it_counts_an_open_order_as_on_order(order):
    assert order.status == OrderStatus.OPEN
    assert selectors.devices_on_order() == 14
    assert [(h.action, h.to_status) for h in order.history.all()] == [("create", "open")]


def test_it_records_partial_deliveries_and_keeps_the_rest_on_order(order, it, notebook_model):
    line = line_of(order, notebook_model)

    delivery = services.order_deliver(
        order=order, by=it, line=line, serials=serials("PF3A", 6), delivery_note="LS-4711"
    )

    order.refresh_from_db()
    line.refresh_from_db()
    assert order.status == OrderStatus.PARTIAL
    assert (line.delivered, line.outstanding) == (6, 4)
    assert selectors.devices_on_order() == 8
    devices = Device.objects.filter(delivery=delivery)
    assert devices.count() == 6
    assert {d.status for d in devices} == {DeviceStatus.IN_STOCK}
    numbers = sorted(d.inventory_number for d in devices)
    assert numbers[0] == f"INV-{TODAY.year}-00001" and len(set(numbers)) == 6
    assert devices.first().warranty_until == add_months(TODAY, 36)
    last = order.history.last()
    assert (last.action, last.from_status, last.to_status) == ("deliver", "open", "partial")
    assert (
        "LS-4711" in last.reason
        and "noch offen: 4 × Lenovo ThinkPad T14, 4 × Microsoft" in last.reason
    )


def test_it_completes_the_order_with_the_last_delivery(order, it, notebook_model, tablet_model):
    services.order_deliver(
        order=order, by=it, line=line_of(order, notebook_model), serials=serials("N", 10)
    )
    services.order_deliver(
        order=order, by=it, line=line_of(order, tablet_model), serials=serials("T", 3)
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIAL

    services.order_deliver(order=order, by=it, line=line_of(order, tablet_model), serials=["T9999"])

    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETE
    assert selectors.devices_on_order() == 0
    assert [h.to_status for h in order.history.all()] == ["open", "partial", "partial", "complete"]
    # Inventory numbers keep counting across deliveries.
    assert Device.objects.count() == 14
    assert Device.objects.filter(inventory_number=f"INV-{TODAY.year}-00014").exists()


def test_it_refuses_more_serials_than_are_on_order(order, it, tablet_model):
    with pytest.raises(DomainError, match="Offen sind nur noch 4"):
        services.order_deliver(
            order=order, by=it, line=line_of(order, tablet_model), serials=serials("T", 5)
        )
    assert not Device.objects.exists()
    assert selectors.devices_on_order() == 14


def test_it_refuses_duplicate_and_known_serials(order, it, notebook_model):
    line = line_of(order, notebook_model)
    with pytest.raises(DomainError, match="doppelt"):
        services.order_deliver(order=order, by=it, line=line, serials=["A1", "A1"])
    services.order_deliver(order=order, by=it, line=line, serials=["A1"])

    with pytest.raises(DomainError, match="Schon als Gerät erfasst: A1"):
        services.order_deliver(order=order, by=it, line=line, serials=["A2", "A1"])

    assert Device.objects.count() == 1


def test_it_refuses_an_empty_delivery_and_a_future_date(order, it, notebook_model):
    line = line_of(order, notebook_model)
    with pytest.raises(DomainError, match="eine pro Zeile"):
        services.order_deliver(order=order, by=it, line=line, serials=["  ", ""])
    with pytest.raises(DomainError, match="Zukunft"):
        services.order_deliver(
            order=order, by=it, line=line, serials=["X"], delivered_on=TODAY + dt.timedelta(days=1)
        )


REFUSED_DELIVERIES = {
    "more than open": ("tablet", {"serials": serials("T", 5)}, "Offen sind nur noch 4"),
    "more than still open": ("notebook", {"serials": serials("N", 10)}, "Offen sind nur noch 9"),
    "a serial twice": ("notebook", {"serials": ["A1", "A1"]}, "doppelt"),
    "a known serial": ("notebook", {"serials": ["A2", "FIRST"]}, "Schon als Gerät erfasst: FIRST"),
    "no serial": ("notebook", {"serials": ["  ", ""]}, "eine pro Zeile"),
    "a future date": (
        "notebook",
        {"serials": ["X"], "delivered_on": TODAY + dt.timedelta(days=1)},
        "Zukunft",
    ),
}


@pytest.mark.parametrize("case", REFUSED_DELIVERIES)
def test_it_leaves_nothing_delivered_when_it_refuses_a_delivery(
    order, it, notebook_model, tablet_model, case
):
    services.order_deliver(
        order=order, by=it, line=line_of(order, notebook_model), serials=["FIRST"]
    )
    before = delivery_footprint(order)
    assert before[2:4] == ([(1, 0), (0, 0)], OrderStatus.PARTIAL)
    which, arguments, message = REFUSED_DELIVERIES[case]
    line = line_of(order, notebook_model if which == "notebook" else tablet_model)

    with pytest.raises(DomainError, match=message):
        services.order_deliver(order=order, by=it, line=line, **arguments)

    assert delivery_footprint(order) == before
    assert list(Device.objects.values_list("serial", flat=True)) == ["FIRST"]


def test_it_leaves_nothing_delivered_when_someone_else_than_it_delivers(order, hr, notebook_model):
    before = delivery_footprint(order)
    with pytest.raises(NotAllowed):
        services.order_deliver(
            order=order, by=hr, line=line_of(order, notebook_model), serials=["X"]
        )
    assert delivery_footprint(order) == before
    assert before[0:4] == (0, 0, [(0, 0), (0, 0)], OrderStatus.OPEN)


def test_it_skips_inventory_numbers_an_import_already_took(order, it, notebook_model, make_device):
    make_device(number=f"INV-{TODAY.year}-00001")

    services.order_deliver(order=order, by=it, line=line_of(order, notebook_model), serials=["S1"])

    assert Device.objects.filter(serial="S1").get().inventory_number == f"INV-{TODAY.year}-00002"


def test_it_cancels_the_rest_of_a_partly_delivered_order(order, it, notebook_model):
    services.order_deliver(
        order=order, by=it, line=line_of(order, notebook_model), serials=serials("N", 4)
    )

    services.order_cancel_rest(order=order, by=it, reason="Modell abgekündigt")

    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETE
    assert [(x.delivered, x.cancelled, x.outstanding) for x in order.lines.order_by("pk")] == [
        (4, 6, 0),
        (0, 4, 0),
    ]
    assert selectors.devices_on_order() == 0
    last = order.history.last()
    assert (last.action, last.from_status, last.to_status) == ("cancel", "partial", "complete")
    assert "Modell abgekündigt" in last.reason


def test_it_cancels_an_order_nothing_of_which_arrived(order, it):
    services.order_cancel_rest(order=order, by=it, reason="Haushaltssperre")

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert selectors.devices_on_order() == 0


def test_it_refuses_to_deliver_or_cancel_a_closed_order(order, it, notebook_model):
    services.order_cancel_rest(order=order, by=it, reason="Haushaltssperre")

    with pytest.raises(DomainError, match="storniert"):
        services.order_deliver(
            order=order, by=it, line=line_of(order, notebook_model), serials=["X"]
        )
    with pytest.raises(DomainError, match="nichts mehr offen"):
        services.order_cancel_rest(order=order, by=it, reason="nochmal")


def test_it_needs_a_reason_to_cancel(order, it):
    with pytest.raises(DomainError, match="warum"):
        services.order_cancel_rest(order=order, by=it, reason="  ")


def test_it_validates_a_new_order(it, notebook_model):
    with pytest.raises(DomainError) as exc:
        services.order_create(
            by=it,
            supplier="",
            ordered_on=TODAY,
            expected_on=TODAY - dt.timedelta(days=1),
            lines=[(notebook_model, 2), (notebook_model, 3)],
        )
    message = exc.value.message
    assert "Lieferanten" in message and "nur in einer Position" in message and "vor dem" in message


def test_it_numbers_orders_per_year(it, notebook_model):
    first = services.order_create(
        by=it, supplier="A", ordered_on=TODAY, lines=[(notebook_model, 1)]
    )
    second = services.order_create(
        by=it, supplier="B", ordered_on=TODAY, lines=[(notebook_model, 1)]
    )
    assert (first.number, second.number) == (f"B-{TODAY.year}-0001", f"B-{TODAY.year}-0002")


@pytest.mark.parametrize("who", ["hr", "employee", "supervisor"])
def test_it_lets_only_it_order_and_receive(request, order, notebook_model, who):
    user = request.getfixturevalue(who)
    with pytest.raises(NotAllowed):
        services.order_create(by=user, supplier="X", ordered_on=TODAY, lines=[(notebook_model, 1)])
    with pytest.raises(NotAllowed):
        services.order_deliver(
            order=order, by=user, line=line_of(order, notebook_model), serials=["X"]
        )
    with pytest.raises(NotAllowed):
        services.order_cancel_rest(order=order, by=user, reason="weil")
