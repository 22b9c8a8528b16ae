"""One German number format on the VPN pages: a capacity of 1300 reads "1.300" on the
overview, in its chart and on the access capacity page, as on the dashboard."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from rathausmobil.access.models import GatewayProduct, VpnGateway
from rathausmobil.organisation.tests.factories import EmployeeFactory
from rathausmobil.usage.importing import import_lines

MON = dt.date(2026, 11, 2)
PERIOD = {"von": "2026-11-02", "bis": "2026-11-08"}


def test_it_writes_figures_of_a_thousand_and_more_with_a_dot_on_the_vpn_pages(client, it, org):
    gateway = VpnGateway.objects.create(
        name="VPN Rathaus", product=GatewayProduct.OPENVPN, capacity=1300, is_default=True
    )
    people = [
        EmployeeFactory(unit=org["A1"], email=f"p{i}@stadt.example", last_name=f"P{i}")
        for i in range(6)
    ]
    import_lines(
        [f"{p.email};{MON}T08:00:00;{MON}T12:00:00\n" for p in people],
        name="t.csv",
        fmt="csv",
        gateway=gateway,
        tz="Europe/Berlin",
    )
    client.force_login(it)

    overview = client.get(reverse("usage:overview"), PERIOD).content.decode()
    capacity = client.get(reverse("access:capacity")).content.decode()

    assert 'data-figure="capacity">1.300<' in overview
    assert "Kapazität: 1.300" in overview  # the chart's label
    assert "1300" not in overview.replace('capacity="1300"', "")
    assert '">1.300</td>' in capacity  # the capacity column
