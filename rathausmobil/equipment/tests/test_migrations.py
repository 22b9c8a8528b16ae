"""equipment/0002_history_in_core moves an order's history (OrderEvent) into
core.StatusChange: the same steps, people, reasons and times."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from rathausmobil.equipment.models import PurchaseOrder

BEFORE = [("equipment", "0001_initial")]


def _migrate_to_latest():
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_it_moves_the_order_history_into_the_one_history_of_statuses(it):
    created = timezone.make_aware(dt.datetime(2025, 3, 3, 9, 15))
    delivered = timezone.make_aware(dt.datetime(2025, 3, 20, 14, 0))
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        Order = old.get_model("equipment", "PurchaseOrder")
        OrderEvent = old.get_model("equipment", "OrderEvent")
        order = Order.objects.create(
            number="B-2025-0001", supplier="Bechtle", ordered_on=created.date(), status="partial"
        )
        OrderEvent.objects.create(
            order=order, action="create", to_status="open", by_id=it.pk, note="10 × T14"
        )
        OrderEvent.objects.create(
            order=order,
            action="deliver",
            from_status="open",
            to_status="partial",
            note="6 × T14 geliefert; noch offen: 4 × T14.",
        )
        OrderEvent.objects.filter(action="create").update(at=created)
        OrderEvent.objects.filter(action="deliver").update(at=delivered)
    finally:
        _migrate_to_latest()

    order = PurchaseOrder.objects.get(number="B-2025-0001")
    assert [
        (h.action, h.from_status, h.to_status, h.by, h.at, h.reason) for h in order.history.all()
    ] == [
        ("create", "", "open", it, created, "10 × T14"),
        ("deliver", "open", "partial", None, delivered, "6 × T14 geliefert; noch offen: 4 × T14."),
    ]
    assert [h.action_label for h in order.history.all()] == ["bestellt", "Lieferung erfasst"]
