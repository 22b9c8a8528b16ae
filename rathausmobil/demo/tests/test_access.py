"""The offenbach demo reproduces the published figure: 1,100 of 1,200 staff have VPN.

Loading the scenario takes over a minute, so these checks run inside the one test that
loads the whole Offenbach story (test_seed_demo.py)."""

import datetime as dt

from django.utils import timezone

from rathausmobil.access import selectors
from rathausmobil.access.models import (
    AccessGrant,
    GatewayProduct,
    GrantStatus,
    VpnGateway,
    WireGuardPeer,
)
from rathausmobil.core.models import AuditEvent
from rathausmobil.demo import access as demo


def check_the_vpn_access_of_offenbach():
    """After seed_demo --scenario offenbach: 1,100 with VPN, today and on the article's day."""
    from rathausmobil.demo import equipment as equipment_demo

    # In seed_demo's order (equipment, then access); no-ops once seed_demo runs them.
    equipment_demo.seed("offenbach")
    demo.seed("offenbach")

    figures = selectors.kpis()
    assert figures["staff_with_vpn_access"] == 1100
    assert selectors.kpis(on=dt.date(2021, 1, 20))["staff_with_vpn_access"] == 1100
    assert figures["terminal_server_capacity"] == 150
    assert 0 < figures["terminal_server_grants"] <= 150
    gateway = selectors.capacity()[0]
    assert (gateway.name, gateway.capacity, gateway.active) == ("VPN-Gateway Rathaus", 1200, 1100)
    # The gateway whose logs the usage demo reads is a Cisco ASA: no WireGuard peers.
    assert VpnGateway.objects.get(name=gateway.name).product == GatewayProduct.CISCO_ASA
    assert not WireGuardPeer.objects.exists()
    assert not gateway.warning
    assert AccessGrant.objects.filter(status=GrantStatus.REQUESTED).exists()  # IT's queue
    # Every grant has its history: requested, and granted or revoked.
    assert not AccessGrant.objects.exclude(history__from_status="").exists()
    granted = AccessGrant.objects.filter(status=GrantStatus.ACTIVE)
    assert not granted.exclude(history__to_status=GrantStatus.ACTIVE).exists()
    # The grants date from the agreement they came with, not from the day of the demo.
    assert granted.filter(granted_at__date__lt=timezone.localdate()).count() > 1000

    before = (AccessGrant.objects.count(), AuditEvent.objects.count())
    demo.seed("offenbach")
    assert (AccessGrant.objects.count(), AuditEvent.objects.count()) == before
