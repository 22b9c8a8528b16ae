"""Issue 12, devices: one source for "bestellt", the hand-over warning for a second
device of a kind, the employee's answer "nicht erhalten" / "falsches Gerät" that IT
clears, and the equipment tasks on Meine Aufgaben per role."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from rathausmobil.agreements.tests.conftest import (  # noqa: F401 (fixtures)
    checklist,
    make_agreement,
    make_request,
    sign,
)
from rathausmobil.core.errors import DomainError, NotAllowed
from rathausmobil.core.todos import Urgency, todos_for
from rathausmobil.equipment import services, todos
from rathausmobil.equipment.models import Assignment, DeviceStatus, ReceiptProblem
from rathausmobil.equipment.selectors import devices_on_order
from rathausmobil.equipment.tests.conftest import person
from rathausmobil.equipment.workflow import RECEIPT_WORKFLOW
from rathausmobil.organisation.models import Employee


def equipment_todos(user, today=None):
    # Asked of the apps for the day (the kept list is renewed on commit, which a test's
    # transaction never reaches).
    today = today or timezone.localdate()
    return [t for t in todos_for(user, today=today) if t.key.startswith("equipment.")]


# --------------------------------------------------------------------------- "bestellt"


def test_it_shows_the_orders_open_quantity_as_bestellt_on_stock_orders_and_dashboard(
    client, it, order, notebook_model, make_device
):
    services.order_deliver(
        order=order, by=it, line=order.lines.get(model=notebook_model), serials=["S1", "S2", "S3"]
    )
    make_device()  # a device in stock changes nothing on order
    open_quantity = 10 + 4 - 3
    assert devices_on_order() == open_quantity
    client.force_login(it)

    stock = client.get(reverse("equipment:device_list")).content.decode()
    orders = client.get(reverse("equipment:order_list")).content.decode()
    dashboard = client.get(reverse("reports:dashboard")).content.decode()

    assert f'<span data-figure="on-order">{open_quantity}</span>' in stock
    assert f"<strong>{open_quantity}</strong> Geräte" in orders
    assert f'data-kpi="devices_on_order">{open_quantity}<' in dashboard


def test_it_counts_nothing_of_a_cancelled_order_as_bestellt(order, it):
    services.order_cancel_rest(order=order, by=it, reason="Budget gestrichen")

    assert devices_on_order() == 0


def test_it_writes_a_thousand_devices_on_order_with_a_dot(client, it, notebook_model):
    services.order_create(
        by=it, supplier="Bechtle AG", ordered_on=dt.date.today(), lines=[(notebook_model, 1300)]
    )
    client.force_login(it)

    stock = client.get(reverse("equipment:device_list")).content.decode()

    assert '<span data-figure="on-order">1.300</span>' in stock


# --------------------------------------------------------------------------- hand-over warning


def confirm_url(device, user):
    return (
        f"{reverse('equipment:handover')}?inventarnummer={device.inventory_number}"
        f"&beschaeftigte={person(user).pk}"
    )


def test_it_warns_at_the_hand_over_when_the_person_holds_a_device_of_that_kind(
    client, it, employee, make_device, hand_over
):
    first = hand_over(make_device(), employee)
    second = make_device()
    client.force_login(it)

    html = client.get(confirm_url(second, employee)).content.decode()

    warning = re.search(
        r'<div class="alert alert-warning" id="same-kind-warning".*?</div>', html, re.S
    )
    assert warning, "no warning"
    assert first.device.inventory_number in warning.group(0)
    since = timezone.localtime(first.handed_over_at).strftime("%d.%m.%Y")
    assert f"ausgegeben seit {since}" in warning.group(0)
    assert 'name="second_of_kind"' in html


def test_it_shows_no_warning_for_a_device_of_another_kind(
    client, it, employee, make_device, hand_over, tablet_model
):
    hand_over(make_device(), employee)
    client.force_login(it)

    html = client.get(confirm_url(make_device(tablet_model), employee)).content.decode()

    assert "same-kind-warning" not in html
    assert 'name="second_of_kind"' not in html


def test_it_hands_over_a_second_device_of_a_kind_only_when_confirmed_deliberately(
    client, it, employee, make_device, hand_over
):
    first = hand_over(make_device(), employee)
    second = make_device()
    client.force_login(it)
    post = {"device": second.pk, "employee": person(employee).pk, "note": ""}

    refused = client.post(reverse("equipment:handover"), post)

    second.refresh_from_db()
    assert refused.status_code == 200
    assert second.status == DeviceStatus.IN_STOCK
    html = refused.content.decode()
    assert 'aria-invalid="true"' in html and "id_second_of_kind_errors" in html
    assert "Bitte bestätigen Sie" in html

    done = client.post(reverse("equipment:handover"), {**post, "second_of_kind": "on"})

    second.refresh_from_db()
    assert done.status_code == 302
    assert second.status == DeviceStatus.ASSIGNED and second.holder == person(employee)
    assignment = Assignment.objects.get(device=second)
    assert first.device.inventory_number in assignment.note
    assert "Bewusst als weiteres Gerät" in assignment.note


def test_it_keeps_the_person_chosen_from_a_task_through_the_scan(client, it, employee, notebook):
    client.force_login(it)
    url = f"{reverse('equipment:handover')}?beschaeftigte={person(employee).pk}"

    first = client.get(url).content.decode()
    then = client.get(url + f"&inventarnummer={notebook.inventory_number}").content.decode()

    assert 'id="handover-for"' in first
    assert 'name="beschaeftigte"' in first
    assert 'id="confirm-heading"' in then


# --------------------------------------------------------------------------- receipt answers


def test_it_records_the_employees_wrong_device_answer_in_the_history(
    client, employee, notebook, hand_over
):
    assignment = hand_over(notebook, employee)
    client.force_login(employee)

    response = client.post(
        reverse("equipment:assignment_report_problem", args=[assignment.pk]),
        {"problem": "wrong_device", "note": "Auf dem Gerät steht INV-9999"},
    )

    assignment.refresh_from_db()
    assert response.status_code == 302
    assert assignment.problem == ReceiptProblem.WRONG_DEVICE
    assert assignment.problem_note == "Auf dem Gerät steht INV-9999"
    change = RECEIPT_WORKFLOW.history(assignment).get()
    assert (change.action, change.from_status, change.to_status) == (
        "report_wrong_device",
        "",
        "wrong_device",
    )
    assert change.by == employee
    page = client.get(reverse("equipment:mine")).content.decode()
    assert "gemeldet: falsches Gerät" in page
    assert "Die IT klärt das" in page


def test_it_shows_the_answer_on_the_device_page_and_its_history(
    client, it, employee, notebook, hand_over
):
    assignment = hand_over(notebook, employee)
    services.assignment_report_problem(
        assignment=assignment, by=employee, problem="not_received", note="Nie angekommen"
    )
    client.force_login(it)

    html = client.get(reverse("equipment:device_detail", args=[notebook.pk])).content.decode()

    assert "nicht erhalten" in html and "Nie angekommen" in html
    assert "Empfang beanstandet: nicht erhalten" in html


def test_it_lets_only_the_holder_answer(client, colleague, it, employee, notebook, hand_over):
    assignment = hand_over(notebook, employee)

    with pytest.raises(NotAllowed):
        services.assignment_report_problem(
            assignment=assignment, by=colleague, problem="not_received"
        )
    client.force_login(colleague)
    response = client.post(
        reverse("equipment:assignment_report_problem", args=[assignment.pk]),
        {"problem": "not_received"},
    )

    assignment.refresh_from_db()
    assert response.status_code == 404
    assert assignment.problem == ""


def test_it_refuses_a_second_answer_and_not_received_after_the_receipt(
    employee, notebook, make_device, hand_over
):
    assignment = hand_over(notebook, employee)
    services.assignment_report_problem(assignment=assignment, by=employee, problem="wrong_device")
    with pytest.raises(DomainError) as again:
        services.assignment_report_problem(
            assignment=assignment, by=employee, problem="not_received"
        )
    assert again.value.code == "already_reported"

    other = hand_over(make_device(), employee)
    services.assignment_acknowledge(assignment=other, by=employee)
    with pytest.raises(DomainError) as after_receipt:
        services.assignment_report_problem(assignment=other, by=employee, problem="not_received")
    assert after_receipt.value.code == "already_acknowledged"


def test_it_resolves_a_not_received_answer_by_a_later_receipt(employee, notebook, hand_over):
    assignment = hand_over(notebook, employee)
    services.assignment_report_problem(assignment=assignment, by=employee, problem="not_received")

    services.assignment_acknowledge(assignment=assignment, by=employee)

    assignment.refresh_from_db()
    assert assignment.problem == ReceiptProblem.RESOLVED
    assert [c.action for c in RECEIPT_WORKFLOW.history(assignment)] == [
        "report_not_received",
        "received",
    ]


def test_it_lets_it_resolve_the_answer_and_take_the_device_back(
    client, it, employee, notebook, hand_over
):
    assignment = hand_over(notebook, employee)
    services.assignment_report_problem(assignment=assignment, by=employee, problem="wrong_device")
    client.force_login(it)
    url = reverse("equipment:assignment_resolve_problem", args=[assignment.pk])

    page = client.get(reverse("equipment:receipt_problems")).content.decode()
    assert f'id="problem-{assignment.pk}"' in page

    without_note = client.post(url, {f"a{assignment.pk}-note": ""})
    assert without_note.status_code == 200
    assert 'aria-invalid="true"' in without_note.content.decode()

    done = client.post(
        url,
        {f"a{assignment.pk}-note": "Gerät getauscht", f"a{assignment.pk}-take_back": "on"},
    )

    assignment.refresh_from_db()
    notebook.refresh_from_db()
    assert done.status_code == 302
    assert assignment.problem == ReceiptProblem.RESOLVED
    assert assignment.problem_resolution == "Gerät getauscht"
    assert assignment.returned_at is not None
    assert notebook.status == DeviceStatus.IN_STOCK and notebook.holder is None
    assert [c.action for c in RECEIPT_WORKFLOW.history(assignment)] == [
        "report_wrong_device",
        "resolve",
    ]
    assert not [t for t in equipment_todos(it) if t.key.startswith("equipment.problem")]


def test_it_refuses_the_clearing_to_anyone_but_it(client, hr, employee, notebook, hand_over):
    assignment = hand_over(notebook, employee)
    services.assignment_report_problem(assignment=assignment, by=employee, problem="wrong_device")

    with pytest.raises(NotAllowed):
        services.assignment_resolve_problem(assignment=assignment, by=hr, note="x")
    client.force_login(hr)
    assert client.get(reverse("equipment:receipt_problems")).status_code == 200
    response = client.post(
        reverse("equipment:assignment_resolve_problem", args=[assignment.pk]),
        {f"a{assignment.pk}-note": "x"},
    )
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["employee", "supervisor", "outsider"])
def test_it_keeps_the_answers_page_from_staff_and_heads(client, request, role):
    client.force_login(request.getfixturevalue(role))

    assert client.get(reverse("equipment:receipt_problems")).status_code == 403


# --------------------------------------------------------------------------- tasks per role


def test_it_gives_the_employee_exactly_the_receipts_to_confirm(
    employee, colleague, notebook, make_device, hand_over, it
):
    mine = hand_over(notebook, employee)
    reported = hand_over(make_device(), employee)
    services.assignment_report_problem(assignment=reported, by=employee, problem="wrong_device")
    acknowledged = hand_over(make_device(), employee)
    services.assignment_acknowledge(assignment=acknowledged, by=employee)
    hand_over(make_device(), colleague)
    # Held for years (e.g. taken over by the inventory import): no parcel to confirm.
    old = hand_over(make_device(), employee)
    old.__class__.objects.filter(pk=old.pk).update(
        handed_over_at=timezone.now() - dt.timedelta(days=2 * 365)
    )

    items = equipment_todos(employee)

    assert [t.key for t in items] == [f"equipment.acknowledge.{mine.pk}"]
    assert items[0].action == "Empfang bestätigen"
    assert items[0].url == f"{reverse('equipment:mine')}#assignment-{mine.pk}"
    assert items[0].urgency == Urgency.DUE


def test_it_gives_the_employee_a_return_to_confirm_and_devices_to_give_back_before_leaving(
    employee, notebook, make_device, hand_over, it
):
    returned = hand_over(notebook, employee)
    services.assignment_acknowledge(assignment=returned, by=employee)
    services.assignment_return(assignment=returned, by=it)
    kept = hand_over(make_device(), employee)
    services.assignment_acknowledge(assignment=kept, by=employee)
    today = timezone.localdate()
    Employee.objects.filter(user=employee).update(exit_date=today + dt.timedelta(days=10))

    keys = [t.key for t in equipment_todos(employee, today)]

    assert keys == ["equipment.give_back", f"equipment.confirm_return.{returned.pk}"]


def test_it_gives_it_the_answers_the_leavers_and_the_late_orders(
    it, employee, stranger, notebook, make_device, hand_over, order
):
    wrong = hand_over(notebook, employee)
    services.assignment_report_problem(assignment=wrong, by=employee, problem="wrong_device")
    leaving = hand_over(make_device(), stranger)
    Employee.objects.filter(user=stranger).update(
        exit_date=timezone.localdate() + dt.timedelta(days=5)
    )
    order.expected_on = timezone.localdate() - dt.timedelta(days=1)
    order.save(update_fields=["expected_on"])

    items = {t.key: t for t in equipment_todos(it)}

    assert set(items) == {
        f"equipment.problem.{wrong.pk}",
        f"equipment.return.{leaving.pk}",
        f"equipment.order.{order.pk}",
    }
    assert items[f"equipment.problem.{wrong.pk}"].action == "Klären"
    assert items[f"equipment.order.{order.pk}"].urgency == Urgency.OVERDUE


@pytest.mark.parametrize("role", ["outsider", "colleague", "supervisor", "hr", "stranger"])
def test_it_never_shows_an_employees_answer_to_anyone_but_it(
    request, role, employee, notebook, hand_over
):
    assignment = hand_over(notebook, employee)
    services.assignment_report_problem(assignment=assignment, by=employee, problem="wrong_device")

    keys = [t.key for t in equipment_todos(request.getfixturevalue(role))]

    assert not [k for k in keys if k.startswith("equipment.problem")]


def test_it_lists_five_answers_one_by_one_and_more_as_one_count(
    it, make_device, hand_over, django_assert_max_num_queries
):
    from rathausmobil.organisation.tests.factories import EmployeeFactory, UserFactory

    def report(n):
        for _ in range(n):
            user = UserFactory()
            EmployeeFactory(user=user)
            a = hand_over(make_device(), user)
            services.assignment_report_problem(assignment=a, by=user, problem="not_received")

    report(todos.SHOWN)
    assert len([t for t in equipment_todos(it) if t.key.startswith("equipment.problem.")]) == 5

    report(3)
    with django_assert_max_num_queries(12):
        items = todos.todos_for_user(it, timezone.localdate())
    lines = [t for t in items if t.key.startswith("equipment.problem")]
    assert [(t.key, t.count) for t in lines] == [("equipment.problem", 8)]
    assert lines[0].url == reverse("equipment:receipt_problems")


def test_it_gives_it_a_hand_over_for_a_consented_agreement_without_a_device(
    request, it, employee, colleague, make_device, hand_over
):
    from rathausmobil.access.models import AccessPolicy, DeviceRule, GatewayProduct, VpnGateway

    VpnGateway.objects.create(
        name="VPN", product=GatewayProduct.WIREGUARD, capacity=10, is_default=True
    )
    policy = AccessPolicy.current()
    policy.device_rule = DeviceRule.MOBILE_DEVICE
    policy.save()
    agree = request.getfixturevalue("make_agreement")
    agree("pending", user=colleague)  # not consented: nobody waits yet
    agree("agreed")  # the employee consented and waits for a notebook

    keys = [t.key for t in equipment_todos(it) if t.key.startswith("equipment.handover")]

    assert keys == [f"equipment.handover.{person(employee).pk}"]
    item = next(t for t in equipment_todos(it) if t.key == keys[0])
    assert item.url == f"{reverse('equipment:handover')}?beschaeftigte={person(employee).pk}"
    assert not [t for t in equipment_todos(employee) if t.key.startswith("equipment.handover")]

    hand_over(make_device(), employee)

    assert not [t for t in equipment_todos(it) if t.key.startswith("equipment.handover")]


@pytest.mark.django_db
def test_it_counts_nobody_waiting_for_a_device_before_access_is_managed():
    from rathausmobil.access.selectors import employees_waiting_for_device

    assert employees_waiting_for_device() is None
