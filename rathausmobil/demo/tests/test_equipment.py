"""The Offenbach demo tells the rollout over time from generated records: 330 devices in
use and 300 on order on the article's day (DOMAIN.md), late but nearly done by today.

Loading the scenario takes over a minute, so these checks run inside the one test that
loads the whole Offenbach story (test_seed_demo.py). They hold whether or not the other
capabilities' demos ran before (seed_demo wires them in).
"""

import datetime as dt

from django.contrib.auth import get_user_model
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


def check_the_rollout_of_offenbach():
    """After seed_demo --scenario offenbach: the rollout over time and the 2022 target."""
    demo.seed("offenbach")  # no-op once seed_demo ran it

    # The article's day: 330 in use, 300 on order.
    article = selectors.kpis(on=dt.date(2021, 1, 20))
    assert article["devices_mobile_in_use"] == 330
    assert article["devices_on_order"] == 300
    assert article["rollout_target_date"] == "2022-12-31"
    assert 0.2 < article["rollout_progress_share"] < 0.35
    # ... and on track then: the hand-overs of the last eight weeks reach the target.
    then = dt.date(2021, 1, 20)
    assert selectors.rollout_projection(then, selectors.campaign_on(then), past=True).status == (
        "on_track"
    )

    # Today: late, but nearly done, with the last order partly delivered.
    figures = selectors.kpis()
    assert 900 < figures["devices_mobile_in_use"] < 1100
    assert figures["devices_on_order"] == 80
    assert figures["rollout_target_date"] == "2022-12-31"
    assert 0.75 < figures["rollout_progress_share"] < 0.95
    projection = selectors.rollout_projection()
    assert projection.status == "late" and "Zieltermin 31.12.2022 ist verstrichen" in (
        projection.verdict
    )
    assert (
        projection.pace > 2 and figures["rollout_projected_date"] > timezone.localdate().isoformat()
    )

    # The first order shows partial deliveries and the cancelled rest.
    older = PurchaseOrder.objects.get(ordered_on=dt.date(2020, 5, 18))
    assert older.status == OrderStatus.COMPLETE
    assert [h.action for h in older.history.all()] == [
        "create",
        "deliver",
        "deliver",
        "deliver",
        "deliver",
        "deliver",
        "cancel",
    ]
    assert PurchaseOrder.objects.get(status=OrderStatus.PARTIAL).lines.get().quantity == 120
    # Each history row dates from its day of the story.
    assert [timezone.localdate(h.at) for h in older.history.all()][::3] == [
        dt.date(2020, 5, 18),
        dt.date(2020, 9, 21),
        dt.date(2020, 12, 14),
    ]

    # Hand-overs from July 2020 on, after each delivery; most acknowledged.
    mobile = Assignment.objects.filter(
        returned_at__isnull=True, device__model__kind__in=[DeviceKind.NOTEBOOK, DeviceKind.TABLET]
    )
    oldest = timezone.localdate(min(a.handed_over_at for a in mobile))
    assert dt.date(2020, 7, 8) <= oldest <= dt.date(2020, 7, 10)
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
