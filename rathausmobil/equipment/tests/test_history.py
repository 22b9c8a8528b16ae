"""Every status change of a device leaves exactly one history row (core.StatusChange):
by hand, by hand-over and return, and by a delivery that brings devices into stock.
A refused change leaves none."""

import pytest

from rathausmobil.core.errors import DomainError
from rathausmobil.core.models import StatusChange
from rathausmobil.equipment import services
from rathausmobil.equipment.models import Device, DeviceStatus

D = DeviceStatus


def moves(device) -> list[tuple[str, str, str]]:
    return [(h.action, h.from_status, h.to_status) for h in device.history.all()]


@pytest.mark.parametrize(
    "status,action,to_status",
    [
        (D.ORDERED, "receive", D.IN_STOCK),
        (D.IN_STOCK, "repair", D.REPAIR),
        (D.REPAIR, "repaired", D.IN_STOCK),
        (D.ORDERED, "retire", D.RETIRED),
        (D.IN_STOCK, "retire", D.RETIRED),
        (D.REPAIR, "retire", D.RETIRED),
    ],
)
def test_each_move_by_hand_writes_one_row(make_device, it, status, action, to_status):
    device = make_device(status=status)

    services.device_set_status(device=device, by=it, action=action, note="Inventur")

    assert moves(device) == [(action, status, to_status)]
    row = device.history.get()
    assert (row.by, row.reason) == (it, "Inventur")


def test_hand_over_and_return_write_one_row_each(notebook, hand_over, employee, it):
    assignment = hand_over(notebook, employee, note="mit Tasche")
    services.assignment_return(assignment=assignment, by=it, defective=True, note="Akku defekt")

    assert moves(notebook) == [
        ("hand_over", D.IN_STOCK, D.ASSIGNED),
        ("return", D.ASSIGNED, D.REPAIR),
    ]
    assert [h.reason for h in notebook.history.all()] == ["mit Tasche", "Akku defekt"]


def test_a_hand_over_that_replaces_a_desktop_writes_a_row_for_each_device(
    make_device, desktop_model, hand_over, employee
):
    desktop = make_device(desktop_model)
    hand_over(desktop, employee)
    notebook = make_device()

    hand_over(notebook, employee, return_stationary=True)

    assert moves(notebook) == [("hand_over", D.IN_STOCK, D.ASSIGNED)]
    assert moves(desktop) == [
        ("hand_over", D.IN_STOCK, D.ASSIGNED),
        ("return", D.ASSIGNED, D.IN_STOCK),
    ]
    assert desktop.history.last().reason == f"Ersetzt durch {notebook.inventory_number}."


def test_a_delivery_creates_each_device_with_one_row(order, it, notebook_model):
    delivery = services.order_deliver(
        order=order, by=it, line=order.lines.get(model=notebook_model), serials=["S1", "S2", "S3"]
    )

    devices = list(Device.objects.filter(delivery=delivery))
    assert len(devices) == 3
    for device in devices:
        assert moves(device) == [("create", "", D.IN_STOCK)]
        assert device.history.get().by == it


@pytest.mark.parametrize(
    "status,action",
    [(D.ASSIGNED, "repair"), (D.RETIRED, "repaired"), (D.IN_STOCK, "receive")],
)
def test_a_refused_move_writes_no_row(make_device, employee, hand_over, it, status, action):
    device = make_device()
    if status == D.ASSIGNED:
        hand_over(device, employee)
    elif status == D.RETIRED:
        services.device_set_status(device=device, by=it, action="retire")
    before = StatusChange.objects.count()

    with pytest.raises(DomainError, match="kann nicht"):
        services.device_set_status(device=device, by=it, action=action)

    assert StatusChange.objects.count() == before
    assert Device.objects.get(pk=device.pk).status == status


def test_a_second_hand_over_is_refused_without_a_row(notebook, hand_over, employee, colleague):
    hand_over(notebook, employee)

    with pytest.raises(DomainError, match="bereits an .* ausgegeben seit"):
        hand_over(notebook, colleague)

    assert moves(notebook) == [("hand_over", D.IN_STOCK, D.ASSIGNED)]
