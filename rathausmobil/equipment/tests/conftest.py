"""Fixtures of the equipment app: models, devices in stock, orders, hand-overs.

The people come from the root conftest: `employee` and `colleague` (A1),
`supervisor` (head of A1), `outsider` (head of B1), `stranger` (B1), `it`, `hr`.
"""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from rathausmobil.equipment import services
from rathausmobil.equipment.models import Device, DeviceKind, DeviceModel, DeviceStatus
from rathausmobil.organisation.models import Employee

FILES = Path(__file__).parent / "files"


@pytest.fixture
def read_file():
    def read(name: str) -> bytes:
        return (FILES / name).read_bytes()

    return read


@pytest.fixture
def file_path():
    def path(name: str) -> str:
        return str(FILES / name)

    return path


@pytest.fixture
def notebook_model(db):
    return DeviceModel.objects.create(
        name="Lenovo ThinkPad T14", manufacturer="Lenovo", kind=DeviceKind.NOTEBOOK
    )


@pytest.fixture
def tablet_model(db):
    return DeviceModel.objects.create(
        name="Microsoft Surface Pro", manufacturer="Microsoft", kind=DeviceKind.TABLET
    )


@pytest.fixture
def desktop_model(db):
    return DeviceModel.objects.create(
        name="Fujitsu Esprimo", manufacturer="Fujitsu", kind=DeviceKind.DESKTOP, is_mobile=False
    )


@pytest.fixture
def make_device(notebook_model):
    counter = {"n": 0}

    def make(model=None, *, status=DeviceStatus.IN_STOCK, number=None, serial=None) -> Device:
        counter["n"] += 1
        return Device.objects.create(
            inventory_number=number or f"T-{counter['n']:04d}",
            serial=serial or f"SN{counter['n']:06d}",
            model=model or notebook_model,
            status=status,
        )

    return make


@pytest.fixture
def notebook(make_device):
    return make_device()


def person(user) -> Employee:
    return Employee.objects.get(user=user)


@pytest.fixture
def hand_over(it):
    """Hand a device to the person of `user` (as IT)."""

    def do(device, user, **kwargs):
        return services.assignment_hand_over(device=device, employee=person(user), by=it, **kwargs)

    return do


@pytest.fixture
def order(it, notebook_model, tablet_model):
    """An open order: 10 notebooks and 4 tablets."""
    return services.order_create(
        by=it,
        supplier="Bechtle AG",
        ordered_on=dt.date.today() - dt.timedelta(days=30),
        expected_on=dt.date.today() + dt.timedelta(days=14),
        lines=[(notebook_model, 10), (tablet_model, 4)],
    )


@pytest.fixture
def fleet(make_device, desktop_model, employee, colleague, stranger, supervisor, it):
    """Four people with desktops since long ago; two got notebooks in the last weeks,
    one a notebook ten weeks ago (outside the pace window)."""
    now = timezone.now()
    long_ago = now - dt.timedelta(days=800)
    for user in (employee, colleague, stranger, supervisor):
        services.assignment_hand_over(
            device=make_device(desktop_model), employee=person(user), by=it, at=long_ago
        )
    for user, days in ((employee, 3), (colleague, 20), (stranger, 70)):
        services.assignment_hand_over(
            device=make_device(),
            employee=person(user),
            by=it,
            at=now - dt.timedelta(days=days),
            return_stationary=True,
        )


def delivery_footprint(order) -> tuple:
    """Everything a delivery changes: devices, delivery records, the lines' counts, the
    order's status and history, the audit trail, the figure "on order"."""
    from rathausmobil.core.models import AuditEvent
    from rathausmobil.equipment.models import Delivery, PurchaseOrder
    from rathausmobil.equipment.selectors import devices_on_order

    order = PurchaseOrder.objects.get(pk=order.pk)
    return (
        Device.objects.count(),
        Delivery.objects.count(),
        [(x.delivered, x.cancelled) for x in order.lines.order_by("pk")],
        order.status,
        order.history.count(),
        AuditEvent.objects.count(),
        devices_on_order(),
    )
