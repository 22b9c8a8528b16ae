"""The one status machinery (core/workflow.py), on real tables: devices and orders
of the equipment app and access grants (a test may set up records of any app).

What a person notices: a second click or a second desk never moves a record twice;
a refused move leaves nothing behind; every move leaves one history row and one
audit event; side effects (mail, provisioning) happen only once the move is
committed.
"""

import datetime as dt
import threading
import time
from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from rathausmobil.access.models import AccessGrant, AccessKind, GrantStatus, VpnGateway
from rathausmobil.access.workflow import GRANT_WORKFLOW
from rathausmobil.core.audit import history_of
from rathausmobil.core.models import AuditEvent, StatusChange
from rathausmobil.core.workflow import IllegalTransition, Workflow
from rathausmobil.equipment.models import (
    Device,
    DeviceKind,
    DeviceModel,
    DeviceStatus,
    OrderStatus,
    PurchaseOrder,
)
from rathausmobil.equipment.workflow import DEVICE_WORKFLOW, ORDER_WORKFLOW
from rathausmobil.organisation.models import Employee

D = DeviceStatus


@pytest.fixture
def make_device(db):
    model = DeviceModel.objects.create(name="Lenovo ThinkPad T14", kind=DeviceKind.NOTEBOOK)
    counter = iter(range(1, 1000))

    def make(status: str = D.IN_STOCK) -> Device:
        return Device.objects.create(
            inventory_number=f"W-{next(counter):04d}", model=model, status=status
        )

    return make


def footprint() -> tuple[int, int]:
    return StatusChange.objects.count(), AuditEvent.objects.count()


# --------------------------------------------------------------------------- the table


def test_it_reads_the_table():
    assert DEVICE_WORKFLOW.allows(D.IN_STOCK, D.REPAIR, "repair")
    assert not DEVICE_WORKFLOW.allows(D.ASSIGNED, D.REPAIR, "repair")
    assert DEVICE_WORKFLOW.target("return", D.ASSIGNED) is None  # to stock or to repair
    assert DEVICE_WORKFLOW.target("retire", D.REPAIR) == D.RETIRED
    assert DEVICE_WORKFLOW.actions_from(D.IN_STOCK, among=("receive", "repair", "retire")) == [
        "repair",
        "retire",
    ]
    assert ORDER_WORKFLOW.actions_from(OrderStatus.PARTIAL) == ["deliver", "cancel"]


# --------------------------------------------------------------------------- a move


def test_it_writes_the_status_one_history_row_and_the_audit_event(make_device, it):
    device = make_device(D.IN_STOCK)
    device.notes = "Display flackert"

    change = DEVICE_WORKFLOW.transition(
        device,
        D.REPAIR,
        action="repair",
        by=it,
        reason="Display flackert",
        fields=["notes"],
        source="Werkstatt",
    )

    device.refresh_from_db()
    assert (device.status, device.notes) == (D.REPAIR, "Display flackert")
    row = StatusChange.objects.get()
    assert row == change and row.record == device
    assert (row.action, row.from_status, row.to_status, row.by, row.reason) == (
        "repair",
        D.IN_STOCK,
        D.REPAIR,
        it,
        "Display flackert",
    )
    assert (row.action_label, row.from_status_label, row.to_status_label) == (
        "in Reparatur gegeben",
        "auf Lager",
        "in Reparatur",
    )
    assert list(device.history.all()) == [row] == list(DEVICE_WORKFLOW.history(device))
    event = history_of(device).get()
    assert (event.action, event.actor, event.reason, event.source) == (
        "in Reparatur gegeben",
        it,
        "Display flackert",
        "Werkstatt",
    )
    assert event.changes == {"Status": ["auf Lager", "in Reparatur"]}


def test_it_names_the_audit_event_as_the_app_says(db, it, employee):
    gateway = VpnGateway.objects.create(
        name="VPN", product="wireguard", capacity=10, is_default=True
    )
    grant = AccessGrant.objects.create(
        employee=Employee.objects.get(user=employee), kind=AccessKind.VPN, gateway=gateway
    )

    GRANT_WORKFLOW.start(grant, action="request", by=it, reason="Rufbereitschaft")
    GRANT_WORKFLOW.transition(grant, GrantStatus.ACTIVE, action="activate", by=None)

    assert [e.action for e in history_of(grant).order_by("pk")] == [
        "Zugang beantragt",
        "Zugang erteilt",
    ]
    assert [(h.from_status, h.to_status, h.by) for h in grant.history.all()] == [
        ("", GrantStatus.REQUESTED, it),
        (GrantStatus.REQUESTED, GrantStatus.ACTIVE, None),  # the system
    ]


def test_it_records_a_same_status_event_only_where_the_table_lists_it(db, it, employee):
    gateway = VpnGateway.objects.create(
        name="VPN", product="wireguard", capacity=10, is_default=True
    )
    grant = AccessGrant.objects.create(
        employee=Employee.objects.get(user=employee), kind=AccessKind.VPN, gateway=gateway
    )

    GRANT_WORKFLOW.record(
        grant, action="move", by=None, reason="weiter", changes={"Vereinbarung": ["1", "2"]}
    )
    with pytest.raises(IllegalTransition):
        GRANT_WORKFLOW.record(grant, action="activate", by=it)

    row = grant.history.get()
    assert (row.action, row.from_status, row.to_status) == ("move", "requested", "requested")
    assert history_of(grant).get().changes == {"Vereinbarung": ["1", "2"]}


def test_it_starts_many_records_with_one_row_and_one_event_each(
    make_device, it, django_assert_max_num_queries
):
    devices = [make_device(D.IN_STOCK) for _ in range(30)]

    with django_assert_max_num_queries(3):
        DEVICE_WORKFLOW.start_many(devices, action="create", by=it, source="Lieferung B-1")

    for device in devices:
        row = device.history.get()
        assert (row.action, row.from_status, row.to_status, row.by) == (
            "create",
            "",
            D.IN_STOCK,
            it,
        )
        event = history_of(device).get()
        assert (event.action, event.source) == ("angelegt", "Lieferung B-1")


def test_it_refuses_to_start_a_record_in_a_status_the_table_does_not_create(make_device, it):
    devices = [make_device(D.IN_STOCK), make_device(D.REPAIR)]

    with pytest.raises(IllegalTransition, match="W-0002 ist „–“ und kann nicht angelegt werden"):
        DEVICE_WORKFLOW.start_many(devices, action="create", by=it)

    assert footprint() == (0, 0)


# --------------------------------------------------------------------------- refusals


def test_it_refuses_a_move_the_table_lacks_in_the_apps_words(make_device, it):
    device = make_device(D.RETIRED)

    with pytest.raises(IllegalTransition) as error:
        DEVICE_WORKFLOW.transition(device, D.REPAIR, action="repair", by=it)

    assert error.value.status_code == 409 and error.value.code == "illegal_transition"
    assert error.value.message == (
        "Das Gerät W-0001 ist „ausgemustert“ und kann nicht in Reparatur gegeben werden."
    )


def test_a_refusal_writes_nothing_and_leaves_the_callers_transaction_usable(make_device, it):
    device = make_device(D.RETIRED)
    other = make_device(D.IN_STOCK)

    with transaction.atomic():
        with pytest.raises(IllegalTransition):
            DEVICE_WORKFLOW.transition(device, D.IN_STOCK, action="repaired", by=it)
        assert footprint() == (0, 0)
        # The caller goes on in the same transaction (on PostgreSQL an error inside the
        # database would have aborted it).
        DEVICE_WORKFLOW.transition(other, D.REPAIR, action="repair", by=it)

    assert Device.objects.get(pk=device.pk).status == D.RETIRED
    assert Device.objects.get(pk=other.pk).status == D.REPAIR
    assert footprint() == (1, 1)


def test_it_judges_a_stale_object_by_the_status_the_database_holds(make_device, it):
    device = make_device(D.IN_STOCK)
    stale = Device.objects.get(pk=device.pk)
    DEVICE_WORKFLOW.transition(device, D.REPAIR, action="repair", by=it)  # someone else

    # The stale copy still says "in stock": a second "repair" is refused all the same ...
    with pytest.raises(IllegalTransition, match="ist „in Reparatur“"):
        DEVICE_WORKFLOW.transition(stale, D.REPAIR, action="repair", by=it)
    assert stale.status == D.REPAIR  # ... and the copy is brought in step

    # ... while a move allowed from the held status goes through from a stale copy.
    stale_again = Device(pk=device.pk, status=D.IN_STOCK)
    change = DEVICE_WORKFLOW.transition(stale_again, D.IN_STOCK, action="repaired", by=it)
    assert (change.from_status, change.to_status) == (D.REPAIR, D.IN_STOCK)
    assert [h.action for h in device.history.all()] == ["repair", "repaired"]


# --------------------------------------------------------------------------- side effects


def test_side_effects_run_only_once_the_move_is_committed(
    make_device, it, django_capture_on_commit_callbacks
):
    device = make_device(D.IN_STOCK)
    calls = []

    with django_capture_on_commit_callbacks(execute=True):
        DEVICE_WORKFLOW.transition(
            device, D.REPAIR, action="repair", by=it, after_commit=[lambda: calls.append("sent")]
        )
        assert calls == []  # not before the commit
    assert calls == ["sent"]

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        DEVICE_WORKFLOW.transition(
            device,
            D.IN_STOCK,
            action="repaired",
            by=it,
            after_commit=[lambda: calls.append("rolled back")],
        )
        raise RuntimeError("the service fails after the move")
    assert calls == ["sent"]
    assert Device.objects.get(pk=device.pk).status == D.REPAIR


def test_a_refused_move_schedules_no_side_effect(
    make_device, it, django_capture_on_commit_callbacks
):
    device = make_device(D.RETIRED)

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(IllegalTransition),
    ):
        DEVICE_WORKFLOW.transition(
            device, D.REPAIR, action="repair", by=it, after_commit=[lambda: None]
        )

    assert callbacks == []


# --------------------------------------------------------------------------- two at once


def _race(work, arguments):
    """Run `work(argument)` in one thread per argument, started together; returns what
    each returned or raised (the pattern of access/tests/test_services.py)."""
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite's in-memory test database uses shared-cache table locks, which fail at once "
            "instead of waiting; the race is meaningful only with PostgreSQL's row locks."
        )
    barrier = threading.Barrier(len(arguments))
    results = []

    def run(argument):
        try:
            barrier.wait(timeout=10)
            results.append(work(argument))
        except Exception as exc:  # the test inspects it
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(a,)) for a in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_desks_moving_one_record_at_once_move_it_once(org, it, hr):
    model = DeviceModel.objects.create(name="Lenovo ThinkPad T14", kind=DeviceKind.NOTEBOOK)
    device = Device.objects.create(inventory_number="W-0001", model=model, status=D.IN_STOCK)
    # Each desk read the device in stock before either clicked.
    copies = {user.pk: Device.objects.get(pk=device.pk) for user in (it, hr)}
    check = Workflow.check

    def slow_check(*args, **kwargs):
        time.sleep(0.3)  # hold the row lock, so that the other desk surely waits
        return check(*args, **kwargs)

    with mock.patch.object(Workflow, "check", slow_check):
        results = _race(
            lambda user: DEVICE_WORKFLOW.transition(
                copies[user.pk], D.REPAIR, action="repair", by=user
            ),
            [it, hr],
        )

    moved = [r for r in results if isinstance(r, StatusChange)]
    refused = [r for r in results if isinstance(r, IllegalTransition)]
    assert (len(moved), len(refused)) == (1, 1), results
    assert "ist „in Reparatur“" in refused[0].message
    assert device.history.count() == 1
    assert AuditEvent.objects.filter(object_type="equipment.device").count() == 1


# --------------------------------------------------------------------------- labels


def test_a_history_row_names_its_action_and_statuses_in_german(db, it):
    order = PurchaseOrder.objects.create(
        number="B-1", supplier="Bechtle", ordered_on=dt.date(2026, 1, 5), status=OrderStatus.OPEN
    )

    row = ORDER_WORKFLOW.start(order, action="create", by=it, reason="10 × T14")

    assert row.content_type == ContentType.objects.get_for_model(PurchaseOrder)
    assert (row.action_label, row.from_status_label, row.to_status_label) == (
        "bestellt",
        "",
        "bestellt",
    )
