"""The Offenbach demo reproduces DOMAIN.md's device figures from generated records.

One test only: loading the scenario takes about 40 seconds. It holds whether or
not the other capabilities' demos ran before (seed_demo wires them in).
"""

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from rathausmobil.core.models import AuditEvent
from rathausmobil.core.todos import todos_for
from rathausmobil.demo import equipment as demo
from rathausmobil.equipment import selectors
from rathausmobil.equipment.models import (
    Assignment,
    Device,
    DeviceKind,
    DeviceStatus,
    OrderStatus,
    PurchaseOrder,
)


def test_it_seeds_offenbach_with_330_in_use_300_on_order_and_the_2022_target(db):
    call_command("seed_demo", "--scenario", "offenbach", "--quiet")
    demo.seed("offenbach")  # no-op if seed_demo already ran it

    figures = selectors.kpis()
    assert figures["devices_mobile_in_use"] == 330
    assert figures["devices_on_order"] == 300
    assert figures["rollout_target_date"] == "2022-12-31"
    assert 0.2 < figures["rollout_progress_share"] < 0.35
    projection = selectors.rollout_projection()
    assert projection.status == "late" and "Zieltermin 31.12.2022 ist verstrichen" in (
        projection.verdict
    )
    assert (
        projection.pace > 10
        and figures["rollout_projected_date"] > timezone.localdate().isoformat()
    )

    # An older order shows partial deliveries and the cancelled rest.
    older = PurchaseOrder.objects.get(status=OrderStatus.COMPLETE)
    assert [h.action for h in older.history.all()] == [
        "create",
        "deliver",
        "deliver",
        "deliver",
        "deliver",
        "deliver",
        "cancel",
    ]
    assert PurchaseOrder.objects.get(status=OrderStatus.OPEN).lines.get().quantity == 300

    # Hand-overs over the last ~20 weeks, most acknowledged.
    mobile = Assignment.objects.filter(
        returned_at__isnull=True, device__model__kind__in=[DeviceKind.NOTEBOOK, DeviceKind.TABLET]
    )
    oldest = timezone.localdate() - timezone.localdate(min(a.handed_over_at for a in mobile))
    assert 130 <= oldest.days <= 145
    assert mobile.filter(acknowledged_at__isnull=True).count() < 20

    # Each went through the hand-over: its audit row, and the desktop PC taken back with it.
    handed_over = AuditEvent.objects.filter(
        object_type="equipment.device", action="ausgegeben"
    ).values_list("object_id", flat=True)
    assert not mobile.exclude(device_id__in=[int(pk) for pk in handed_over]).exists()
    assert Assignment.objects.filter(return_note__startswith="Ersetzt durch").count() > 300

    # The demo employee's notebook waits for the acknowledgement; the desktop went back.
    mine = mobile.get(employee__user__username="beschaeftigte")
    assert mine.acknowledged_at is None and mine.device.model.kind == DeviceKind.NOTEBOOK
    assert not selectors.stationary_held_by(mine.employee_id).exists()

    # One holder answered an accessory's hand-over with "falsches Gerät": IT's task.
    answer = Assignment.objects.get(problem="wrong_device")
    assert answer.history.get().action == "report_wrong_device"
    it_user = get_user_model().objects.get(username="it")
    assert f"equipment.problem.{answer.pk}" in [t.key for t in todos_for(it_user)]

    # Leavers still hold devices (the return list), some stock in every status.
    assert selectors.leaver_return_list().count() >= 3
    statuses = set(Device.objects.values_list("status", flat=True))
    assert {DeviceStatus.IN_STOCK, DeviceStatus.REPAIR, DeviceStatus.RETIRED} <= statuses

    # Idempotent: a second run changes nothing.
    count = Device.objects.count()
    demo.seed("offenbach")
    assert Device.objects.count() == count
