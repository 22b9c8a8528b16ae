"""Migration 0003 fills the new day fields of rows written before it: from the per-second
counts they hold, and the people from the accounts seen (a person with two names once)."""

from __future__ import annotations

import datetime as dt
import zlib

import numpy as np
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from rathausmobil.access.models import VpnGateway
from rathausmobil.organisation.tests.factories import EmployeeFactory
from rathausmobil.usage.aggregates import bitmap_ids, day_shape
from rathausmobil.usage.models import pack_counts, unpack_counts

BEFORE = [("usage", "0002_session_unit_without_index")]
AFTER = [("usage", "0003_day_figures_for_the_pages")]


def _bitmap(ids) -> bytes:
    bits = np.zeros(max(ids) + 1, dtype=bool)
    bits[list(ids)] = True
    return zlib.compress(np.packbits(bits, bitorder="little").tobytes())


@pytest.mark.django_db(transaction=True)
def test_it_fills_the_day_rows_written_before():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Account = apps.get_model("usage", "VpnAccount")
    Day = apps.get_model("usage", "UsageDay")
    person = EmployeeFactory(email="a@stadt.example")
    one = Account.objects.create(name="a@stadt.example", employee_id=person.pk)
    two = Account.objects.create(name="a-alt", employee_id=person.pk)
    stranger = Account.objects.create(name="fremd")
    gateways = [VpnGateway.objects.create(name=n, product="other", capacity=5) for n in "PQ"]
    day, lo = dt.date(2026, 11, 2), 1_793_574_000
    rng = np.random.default_rng(1)
    series = [rng.integers(0, 4, 86400), rng.integers(0, 3, 86400)]
    for gateway, counts, seen in zip(
        gateways, series, [{one.pk, stranger.pk}, {two.pk}], strict=True
    ):
        Day.objects.create(
            gateway_id=gateway.pk,
            day=day,
            lo=lo,
            seconds=86400,
            counts=pack_counts(counts),
            sessions=3,
            peak=int(counts.max()),
            accounts=_bitmap(seen),
            users=len(seen),
        )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    Day = apps.get_model("usage", "UsageDay")
    Total = apps.get_model("usage", "TotalUsageDay")

    for row in Day.objects.all():
        shape = day_shape(unpack_counts(bytes(row.counts)), lo)
        assert row.hour_sums == shape["hour_sums"] and len(row.hour_sums) == 24
        assert bytes(row.hour_counts) == shape["hour_counts"]
    first = Day.objects.get(gateway_id=gateways[0].pk)
    assert set(bitmap_ids(first.persons)) == {2 * person.pk, 2 * stranger.pk + 1}
    total = Total.objects.get(day=day)
    assert total.sessions == 6
    assert set(bitmap_ids(total.persons)) == {2 * person.pk, 2 * stranger.pk + 1}
    assert total.hour_sums == day_shape(series[0] + series[1], lo)["hour_sums"]
    assert total.peak == int((series[0] + series[1]).max())
