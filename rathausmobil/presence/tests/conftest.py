"""Fixtures of the presence app: a town hall with rooms, a qualification.

The people come from the root conftest: `employee` and `colleague` (A1), `supervisor`
(head of A1), `amt_head` (head of A, above A1), `outsider` (head of B1), `stranger`
(B1), `hr`, `it`.
"""

from decimal import Decimal
from pathlib import Path

import pytest

from rathausmobil.organisation.models import Employee
from rathausmobil.presence.models import Building, Qualification, Room, Site, UnitRoom

FILES = Path(__file__).parent / "files"


def person(user) -> Employee:
    return Employee.objects.select_related("unit").get(user=user)


@pytest.fixture
def read_file():
    def read(name: str) -> bytes:
        return (FILES / name).read_bytes()

    return read


@pytest.fixture
def town_hall(db):
    site = Site.objects.create(code="MITTE", name="Innenstadt")
    return Building.objects.create(site=site, code="RH", name="Rathaus", address="Marktplatz 1")


@pytest.fixture
def make_room(town_hall):
    def make(code, desks=4, *, units=(), area=None, override=None, building=None, active=True):
        room = Room.objects.create(
            building=building or town_hall,
            code=code,
            name=f"Büro {code}",
            desks=desks,
            area_m2=Decimal(area) if area is not None else None,
            pandemic_desks_override=override,
            is_active=active,
        )
        for unit in units:
            UnitRoom.objects.create(unit=unit, room=room)
        return room

    return make


@pytest.fixture
def ausweis(db):
    return Qualification.objects.create(code="ausweis", name="Ausweise ausgeben")
