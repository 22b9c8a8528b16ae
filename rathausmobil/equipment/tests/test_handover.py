"""Hand-over, acknowledgement, return and confirmation: who may, what is refused."""

import datetime as dt

import pytest
from django.utils import timezone

from rathausmobil.core.errors import DomainError
from rathausmobil.core.models import AuditEvent
from rathausmobil.equipment import selectors, services
from rathausmobil.equipment.models import Assignment, DeviceStatus
from rathausmobil.equipment.services import NotAllowed
from rathausmobil.equipment.tests.conftest import person


def test_it_hands_over_a_device_in_stock(notebook, employee, it, hand_over):
    assignment = hand_over(notebook, employee, note="mit Netzteil")

    notebook.refresh_from_db()
    assert notebook.status == DeviceStatus.ASSIGNED
    assert notebook.holder == person(employee)
    assert assignment.handed_over_by == it
    assert assignment.acknowledged_at is None
    assert assignment.state == "handed_over"
    assert AuditEvent.objects.filter(object_id=str(notebook.pk), action="ausgegeben").exists()


def test_it_refuses_a_double_hand_over(notebook, employee, colleague, hand_over):
    hand_over(notebook, employee)

    with pytest.raises(DomainError) as exc:
        hand_over(notebook, colleague)

    assert exc.value.code == "already_assigned"
    assert "bereits an" in exc.value.message and person(employee).full_name in exc.value.message
    assert Assignment.objects.filter(device=notebook).count() == 1
    notebook.refresh_from_db()
    assert notebook.holder == person(employee)


def test_it_refuses_the_hand_over_of_a_device_in_repair(make_device, employee, hand_over):
    device = make_device(status=DeviceStatus.REPAIR)

    with pytest.raises(DomainError) as exc:
        hand_over(device, employee)

    assert "in Reparatur" in exc.value.message
    assert not Assignment.objects.exists()


def test_it_refuses_a_hand_over_to_someone_who_has_left(notebook, employee, hand_over):
    me = person(employee)
    me.exit_date = dt.date.today() - dt.timedelta(days=1)
    me.is_active = False
    me.save()

    with pytest.raises(DomainError, match="ausgeschieden"):
        hand_over(notebook, employee)


@pytest.mark.parametrize("who", ["hr", "supervisor", "employee"])
def test_it_lets_only_it_hand_over(request, notebook, employee, who):
    with pytest.raises(NotAllowed):
        services.assignment_hand_over(
            device=notebook, employee=person(employee), by=request.getfixturevalue(who)
        )


def test_it_takes_back_the_desktop_when_a_notebook_replaces_it(
    make_device, desktop_model, employee, hand_over
):
    desktop = make_device(desktop_model)
    hand_over(desktop, employee)
    notebook = make_device()

    hand_over(notebook, employee, return_stationary=True)

    desktop.refresh_from_db()
    assert desktop.status == DeviceStatus.IN_STOCK and desktop.holder is None
    old = Assignment.objects.get(device=desktop)
    assert old.returned_at is not None
    assert old.return_note == f"Ersetzt durch {notebook.inventory_number}."
    assert selectors.holds_mobile_device(person(employee).pk)


def test_it_lets_only_the_holder_acknowledge(
    notebook, employee, colleague, supervisor, it, hand_over
):
    assignment = hand_over(notebook, employee)

    for other in (colleague, supervisor, it):
        with pytest.raises(NotAllowed):
            services.assignment_acknowledge(assignment=assignment, by=other)

    services.assignment_acknowledge(assignment=assignment, by=employee)
    assignment.refresh_from_db()
    assert assignment.acknowledged_at is not None
    assert assignment.state == "acknowledged"


def test_it_treats_a_second_acknowledgement_as_done(notebook, employee, hand_over):
    assignment = hand_over(notebook, employee)
    first = services.assignment_acknowledge(assignment=assignment, by=employee).acknowledged_at

    second = services.assignment_acknowledge(assignment=assignment, by=employee).acknowledged_at

    assert first == second
    assert AuditEvent.objects.filter(action="Empfang bestätigt").count() == 1


def test_it_records_a_return_and_lets_the_former_holder_confirm_it(
    notebook, employee, it, hand_over
):
    assignment = hand_over(notebook, employee)
    services.assignment_acknowledge(assignment=assignment, by=employee)

    services.assignment_return(assignment=assignment, by=it, note="Akku schwach")

    notebook.refresh_from_db()
    assignment.refresh_from_db()
    assert notebook.status == DeviceStatus.IN_STOCK and notebook.holder is None
    assert assignment.returned_by == it and assignment.state == "returned"
    with pytest.raises(DomainError, match="bereits erfasst"):
        services.assignment_return(assignment=assignment, by=it)

    services.assignment_confirm_return(assignment=assignment, by=employee)
    services.assignment_confirm_return(assignment=assignment, by=employee)  # no harm twice
    assignment.refresh_from_db()
    assert assignment.state == "closed"
    # The record stays: who had which device, and when, is still answerable.
    assert Assignment.objects.filter(device=notebook).count() == 1


def test_it_sends_a_defective_return_to_repair(notebook, employee, it, hand_over):
    assignment = hand_over(notebook, employee)

    services.assignment_return(assignment=assignment, by=it, defective=True)

    notebook.refresh_from_db()
    assert notebook.status == DeviceStatus.REPAIR


def test_it_refuses_to_confirm_a_return_that_was_not_recorded(
    notebook, employee, colleague, hand_over
):
    assignment = hand_over(notebook, employee)

    with pytest.raises(DomainError, match="noch nicht erfasst"):
        services.assignment_confirm_return(assignment=assignment, by=employee)
    with pytest.raises(NotAllowed):
        services.assignment_confirm_return(assignment=assignment, by=colleague)


def test_it_refuses_to_acknowledge_after_the_return(notebook, employee, it, hand_over):
    assignment = hand_over(notebook, employee)
    services.assignment_return(assignment=assignment, by=it)

    with pytest.raises(DomainError, match="bereits zurückgegeben"):
        services.assignment_acknowledge(assignment=assignment, by=employee)


def test_it_hands_the_returned_device_to_the_next_person(
    notebook, employee, colleague, it, hand_over
):
    first = hand_over(notebook, employee)
    services.assignment_return(assignment=first, by=it)

    hand_over(notebook, colleague)

    notebook.refresh_from_db()
    assert notebook.holder == person(colleague)
    assert [a.employee for a in Assignment.objects.filter(device=notebook).order_by("pk")] == [
        person(employee),
        person(colleague),
    ]


@pytest.mark.parametrize(
    "action,start,end",
    [
        ("repair", DeviceStatus.IN_STOCK, DeviceStatus.REPAIR),
        ("repaired", DeviceStatus.REPAIR, DeviceStatus.IN_STOCK),
        ("retire", DeviceStatus.IN_STOCK, DeviceStatus.RETIRED),
        ("retire", DeviceStatus.REPAIR, DeviceStatus.RETIRED),
        ("receive", DeviceStatus.ORDERED, DeviceStatus.IN_STOCK),
    ],
)
def test_it_changes_device_statuses_by_the_table(make_device, it, action, start, end):
    device = make_device(status=start)

    services.device_set_status(device=device, by=it, action=action)

    device.refresh_from_db()
    assert device.status == end


@pytest.mark.parametrize(
    "action,start",
    [
        ("repair", DeviceStatus.RETIRED),
        ("repaired", DeviceStatus.IN_STOCK),
        ("retire", DeviceStatus.RETIRED),
        ("receive", DeviceStatus.IN_STOCK),
        ("hand_over", DeviceStatus.IN_STOCK),
    ],
)
def test_it_refuses_device_transitions_outside_the_table(make_device, it, action, start):
    device = make_device(status=start)

    with pytest.raises(DomainError):
        services.device_set_status(device=device, by=it, action=action)

    device.refresh_from_db()
    assert device.status == start


def test_it_refuses_to_retire_a_device_someone_holds(notebook, employee, it, hand_over):
    hand_over(notebook, employee)

    with pytest.raises(DomainError, match="ausgegeben"):
        services.device_set_status(device=notebook, by=it, action="retire")


def test_it_lists_leavers_with_devices_earliest_exit_first(
    make_device, employee, colleague, stranger, supervisor, hand_over
):
    today = timezone.localdate()
    for user in (employee, colleague, stranger, supervisor):
        hand_over(make_device(), user)
    soon, later, gone = person(employee), person(colleague), person(stranger)
    soon.exit_date = today + dt.timedelta(days=10)
    soon.save()
    later.exit_date = today + dt.timedelta(days=45)  # too far away
    later.save()
    gone.exit_date = today - dt.timedelta(days=20)
    gone.is_active = False
    gone.save()

    rows = list(selectors.leaver_return_list(today=today))

    assert [a.employee for a in rows] == [gone, soon]


def test_it_answers_who_held_a_mobile_device_on_a_past_day(notebook, employee, colleague, it):
    then = timezone.now() - dt.timedelta(days=40)
    first = services.assignment_hand_over(
        device=notebook, employee=person(employee), by=it, at=then
    )
    services.assignment_return(assignment=first, by=it, at=then + dt.timedelta(days=10))
    services.assignment_hand_over(
        device=notebook, employee=person(colleague), by=it, at=then + dt.timedelta(days=20)
    )

    def holder_on(days_after):
        day = timezone.localdate(then + dt.timedelta(days=days_after))
        return [a.employee for a in selectors.holders_on(day)]

    assert holder_on(1) == [person(employee)]
    assert holder_on(15) == []
    assert holder_on(25) == [person(colleague)]


def test_it_deletes_hand_over_records_a_year_after_the_return_and_logs_it(notebook, employee, it):
    long_ago = timezone.now() - dt.timedelta(days=500)
    old = services.assignment_hand_over(
        device=notebook, employee=person(employee), by=it, at=long_ago
    )
    services.assignment_return(assignment=old, by=it, at=long_ago + dt.timedelta(days=100))
    current = services.assignment_hand_over(device=notebook, employee=person(employee), by=it)

    assert services.assignments_delete_expired() == 1
    assert services.assignments_delete_expired() == 0

    assert list(Assignment.objects.all()) == [current]
    logged = AuditEvent.objects.get(action="Ausgabe gelöscht (Aufbewahrungsfrist)")
    assert logged.object_id == str(notebook.pk)


def test_it_tells_other_capabilities_after_the_commit(
    notebook, employee, hand_over, listen, django_capture_on_commit_callbacks
):
    from rathausmobil.equipment import hooks

    calls = listen(hooks.device_handed_over)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        hand_over(notebook, employee)
    assert calls == []  # nothing before the commit
    for callback in callbacks:
        callback()

    assert calls == [(person(employee).pk, notebook.pk)]
