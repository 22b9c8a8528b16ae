"""Fixtures of the equipment app: models, devices in stock, orders, hand-overs.

The people come from the root conftest: `employee` and `colleague` (A1),
`supervisor` (head of A1), `outsider` (head of B1), `stranger` (B1), `it`, `hr`.
"""

from pathlib import Path

import pytest

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
    import datetime as dt

    return services.order_create(
        by=it,
        supplier="Bechtle AG",
        ordered_on=dt.date.today() - dt.timedelta(days=30),
        expected_on=dt.date.today() + dt.timedelta(days=14),
        lines=[(notebook_model, 10), (tablet_model, 4)],
    )
