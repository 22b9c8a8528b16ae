"""Fixtures of access: a default VPN gateway, a terminal-server farm with a
specialist application for Amt A (and so A1), the access policy, and devices
handed over through equipment's own service, as IT does it.

Agreements are built through the workflow's services with the fixtures of the
agreements app (imported below): `make_agreement("active")` consents and pledges,
which runs the access hooks.
"""

import itertools

import pytest

from rathausmobil.access.models import (
    AccessPolicy,
    DeviceRule,
    GatewayProduct,
    SpecialistApplication,
    TerminalServerFarm,
    VpnGateway,
)
from rathausmobil.agreements.tests.conftest import (  # noqa: F401 (fixtures)
    TODAY,
    checklist,
    make_agreement,
    make_person,
    make_request,
    sign,
)
from rathausmobil.organisation.models import Employee

_numbers = itertools.count(1)


@pytest.fixture
def gateway(db) -> VpnGateway:
    """The default VPN gateway: from now on the product manages access."""
    return VpnGateway.objects.create(
        name="VPN-Gateway Rathaus", product=GatewayProduct.WIREGUARD, capacity=3, is_default=True
    )


@pytest.fixture
def farm(db) -> TerminalServerFarm:
    return TerminalServerFarm.objects.create(name="TS-Farm Fachverfahren", session_capacity=2)


@pytest.fixture
def application(org, farm) -> SpecialistApplication:
    """Used by Amt A and every unit below it (A1)."""
    app = SpecialistApplication.objects.create(name="Finanzwesen SAP", farm=farm)
    app.units.set([org["A"]])
    return app


@pytest.fixture
def set_policy(db):
    def do_set(*, auto_grant: bool = True, device_rule: str = DeviceRule.ANY_OFFICIAL_DEVICE):
        policy = AccessPolicy.current()
        policy.auto_grant, policy.device_rule = auto_grant, device_rule
        policy.save()
        return policy

    return do_set


def person(user) -> Employee:
    return Employee.objects.select_related("unit").get(user=user)


@pytest.fixture
def hand_over(it):
    """Hand a device of `kind` to the person (a user), through equipment's service."""
    from rathausmobil.equipment.models import Device, DeviceModel
    from rathausmobil.equipment.services import assignment_hand_over

    def do_hand_over(user, kind: str = "notebook"):
        model, _created = DeviceModel.objects.get_or_create(
            name=f"Testmodell {kind}", defaults={"kind": kind, "is_mobile": kind != "desktop"}
        )
        device = Device.objects.create(inventory_number=f"INV-{next(_numbers):05d}", model=model)
        return assignment_hand_over(device=device, employee=person(user), by=it)

    return do_hand_over
