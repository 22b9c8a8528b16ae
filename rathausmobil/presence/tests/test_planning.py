"""Planning a unit's week from the records, in the background, and publishing it.

The run is the task's body (`planning.planning_run`); one test lets the real
`db_worker` of django-tasks-db run it end to end.
"""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from rathausmobil.agreements.models import Agreement, AgreementStatus, WorkKind
from rathausmobil.core.errors import DomainError, NotAllowed
from rathausmobil.core.models import StatusChange
from rathausmobil.organisation.tests.factories import EmployeeFactory
from rathausmobil.presence import planning
from rathausmobil.presence.models import (
    Absence,
    CellKind,
    CoverageRule,
    PlanCell,
    PlanningRun,
    PlanStatus,
    RunState,
    SwapStatus,
    WeekPlan,
    Wish,
)
from rathausmobil.presence.tests.conftest import person

MONDAY = planning.monday_of(timezone.localdate()) + dt.timedelta(days=7)  # next week


def agree(employee, weekdays=(0, 1, 2, 3, 4)):
    return Agreement.objects.create(
        employee=employee,
        kind=WorkKind.ALTERNATING,
        pattern_type="weekdays",
        weekdays=list(weekdays),
        start_date=dt.date(2026, 1, 1),
        status=AgreementStatus.ACTIVE,
    )


@pytest.fixture
def unit(org, make_room, supervisor, employee, colleague):
    make_room("RH-1", desks=3, units=[org["A1"]])
    agree(person(employee))
    agree(person(colleague), weekdays=(4,))
    return org["A1"]


def plan_now(unit, by):
    run = planning.planning_request(unit=unit, week_start=MONDAY, by=by)
    assert run.state == RunState.QUEUED
    assert planning.planning_run(run.pk) == RunState.DONE
    run.refresh_from_db()
    return run, WeekPlan.objects.get(pk=run.plan_id)


def days_of(plan, user):
    return {
        c.date.weekday(): (c.kind, c.room.code if c.room else None)
        for c in plan.cells.filter(employee__user=user).select_related("room")
    }


def test_iso_weeks_are_read_and_refused_in_german():
    assert planning.parse_iso_week("2027-W10") == dt.date(2027, 3, 8)
    assert planning.iso_week(dt.date(2027, 3, 10)) == "2027-W10"
    with pytest.raises(ValueError, match="JJJJ-Www"):
        planning.parse_iso_week("März")
    with pytest.raises(ValueError, match="gibt es nicht"):
        planning.parse_iso_week("2027-W60")


def test_a_week_is_planned_from_the_records(unit, supervisor, employee, colleague):
    Absence.objects.create(employee=person(employee), start=MONDAY, end=MONDAY)
    run, plan = plan_now(unit, supervisor)
    assert plan.solver_status == "optimal"
    assert plan.status == PlanStatus.DRAFT
    assert days_of(plan, employee)[0] == ("absent", None)
    # The colleague may be at home on Fridays only: consent.
    colleague_days = days_of(plan, colleague)
    assert {d for d, (kind, _room) in colleague_days.items() if kind == "home"} <= {4}
    assert all(room == "RH-1" for kind, room in colleague_days.values() if kind == "office")
    assert "Plan berechnet" in run.message
    assert StatusChange.objects.filter(object_id=str(plan.pk), action="create").exists()


def test_only_the_head_or_hr_may_plan(unit, employee, outsider, hr):
    with pytest.raises(NotAllowed):
        planning.planning_request(unit=unit, week_start=MONDAY, by=employee)
    with pytest.raises(NotAllowed):
        planning.planning_request(unit=unit, week_start=MONDAY, by=outsider)
    assert planning.planning_request(unit=unit, week_start=MONDAY, by=hr).state == RunState.QUEUED


def test_a_double_click_finds_the_run_already_queued(unit, supervisor):
    planning.planning_request(unit=unit, week_start=MONDAY, by=supervisor)
    with pytest.raises(DomainError, match="bereits geplant"):
        planning.planning_request(unit=unit, week_start=MONDAY, by=supervisor)
    assert PlanningRun.objects.count() == 1


def test_a_locked_cell_is_a_rule_for_the_next_planning(unit, supervisor, employee):
    _run, plan = plan_now(unit, supervisor)
    cell = plan.cells.get(employee__user=employee, date=MONDAY + dt.timedelta(days=2))
    room = plan.unit.unit_rooms.first().room
    planning.cell_set(cell=cell, kind=CellKind.OFFICE, room=room, by=supervisor)
    Wish.objects.create(employee=person(employee), date=cell.date, kind="home")
    _run, plan = plan_now(unit, supervisor)
    cell.refresh_from_db()
    assert (cell.kind, cell.room.code, cell.locked) == ("office", "RH-1", True)


def test_an_impossible_week_keeps_the_previous_plan_and_says_why(unit, supervisor, employee):
    _run, plan = plan_now(unit, supervisor)
    before = list(plan.cells.values_list("employee_id", "date", "kind", "room_id"))
    # Three more people without home days and three desks: the rules cannot all hold.
    for _ in range(3):
        EmployeeFactory(unit=unit)
    run, plan = plan_now(unit, supervisor)
    assert plan.solver_status == "infeasible"
    assert "bisherige Plan bleibt unverändert" in run.message
    assert {s["rule"] for s in plan.shortfalls} >= {"room_capacity", "home_days_max"}
    assert list(plan.cells.values_list("employee_id", "date", "kind", "room_id")) == before


def test_a_failed_run_leaves_the_previous_plan_as_it_was(unit, supervisor, monkeypatch):
    _run, plan = plan_now(unit, supervisor)
    before = list(plan.cells.values_list("employee_id", "date", "kind", "room_id"))

    def broken(*args, **kwargs):
        raise RuntimeError("solver crashed")

    monkeypatch.setattr(planning, "plan_week", broken)
    run = planning.planning_request(unit=unit, week_start=MONDAY, by=supervisor)
    assert planning.planning_run(run.pk) == RunState.FAILED
    run.refresh_from_db()
    assert "fehlgeschlagen" in run.message and "RuntimeError" in run.message
    assert list(plan.cells.values_list("employee_id", "date", "kind", "room_id")) == before
    # The run is closed, so the head can plan again.
    assert planning.planning_request(unit=unit, week_start=MONDAY, by=supervisor)


def test_a_run_is_claimed_once(unit, supervisor):
    run = planning.planning_request(unit=unit, week_start=MONDAY, by=supervisor)
    assert planning.planning_run(run.pk) == RunState.DONE
    assert planning.planning_run(run.pk) == RunState.DONE  # a second delivery does nothing
    assert PlanCell.objects.count() == 15


def test_coverage_shortfall_is_stored_with_its_reason(unit, supervisor, employee, colleague):
    CoverageRule.objects.create(unit=unit, weekday=0, min_people=3)
    Absence.objects.create(employee=person(employee), start=MONDAY, end=MONDAY)
    _run, plan = plan_now(unit, supervisor)
    [short] = plan.shortfalls
    assert (short["day"], short["required"], short["planned"]) == ("mon", 3, 2)
    assert "1 von 3 Beschäftigten abwesend" in short["reason"]


def test_publishing_notifies_only_the_people_whose_days_changed(unit, supervisor, employee):
    _run, plan = plan_now(unit, supervisor)
    mail.outbox.clear()
    changed = planning.plan_publish(plan=plan, by=supervisor)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED and len(changed) == 3
    assert all(c.published_kind == c.kind for c in plan.cells.all())
    cell = plan.cells.get(employee__user=employee, date=MONDAY + dt.timedelta(days=1))
    target = CellKind.HOME if cell.kind == CellKind.OFFICE else CellKind.OFFICE
    planning.cell_set(cell=cell, kind=target, by=supervisor)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT  # a change by hand reopens the week
    assert planning.plan_publish(plan=plan, by=supervisor) == [person(employee).pk]


def test_publishing_refuses_a_plan_that_breaks_a_rule(unit, supervisor, colleague):
    _run, plan = plan_now(unit, supervisor)
    cell = plan.cells.get(employee__user=colleague, date=MONDAY)  # no home day on Mondays
    planning.cell_set(cell=cell, kind=CellKind.HOME, by=supervisor)
    with pytest.raises(DomainError, match="verletzt feste Regeln"):
        planning.plan_publish(plan=plan, by=supervisor)
    assert WeekPlan.objects.get(pk=plan.pk).status == PlanStatus.DRAFT


def test_a_swap_is_asked_by_the_person_and_decided_by_the_head(
    unit, supervisor, employee, colleague
):
    _run, plan = plan_now(unit, supervisor)
    planning.plan_publish(plan=plan, by=supervisor)
    cell = plan.cells.get(employee__user=employee, date=MONDAY + dt.timedelta(days=3))
    wanted = CellKind.HOME if cell.kind == CellKind.OFFICE else CellKind.OFFICE
    with pytest.raises(NotAllowed):
        planning.swap_request(cell=cell, wanted=wanted, by=colleague)
    swap = planning.swap_request(cell=cell, wanted=wanted, reason="Handwerker", by=employee)
    with pytest.raises(DomainError, match="schon ein Tauschwunsch"):
        planning.swap_request(cell=cell, wanted=wanted, by=employee)
    with pytest.raises(NotAllowed):
        planning.swap_decide(swap=swap, accept=True, by=employee)
    planning.swap_decide(swap=swap, accept=True, by=supervisor)
    cell.refresh_from_db()
    swap.refresh_from_db()
    assert swap.status == SwapStatus.ACCEPTED
    assert (cell.kind, cell.published_kind, cell.locked) == (wanted, wanted, True)


def test_a_refusal_needs_a_reason(unit, supervisor, employee):
    _run, plan = plan_now(unit, supervisor)
    planning.plan_publish(plan=plan, by=supervisor)
    cell = plan.cells.get(employee__user=employee, date=MONDAY + dt.timedelta(days=3))
    wanted = CellKind.HOME if cell.kind == CellKind.OFFICE else CellKind.OFFICE
    swap = planning.swap_request(cell=cell, wanted=wanted, by=employee)
    with pytest.raises(DomainError, match="begründen"):
        planning.swap_decide(swap=swap, accept=False, by=supervisor)
    planning.swap_decide(swap=swap, accept=False, reason="Besetzung", by=supervisor)
    assert cell.__class__.objects.get(pk=cell.pk).kind == cell.kind


def test_the_command_plans_and_publishes_a_week(unit, capsys):
    week = planning.iso_week(MONDAY)
    call_command("plan_presence", "--week", week, "--unit", "A1", "--publish")
    out = capsys.readouterr().out
    assert "A1" in out and "veröffentlicht" in out
    assert WeekPlan.objects.get(unit=unit, week_start=MONDAY).status == PlanStatus.PUBLISHED


def test_the_command_refuses_an_unknown_week_or_unit(unit):
    with pytest.raises(SystemExit) as exit_:
        call_command("plan_presence", "--week", "März")
    assert exit_.value.code == 2
    with pytest.raises(SystemExit) as exit_:
        call_command("plan_presence", "--week", "2027-W10", "--unit", "NOPE")
    assert exit_.value.code == 2


@pytest.mark.django_db(transaction=True)
def test_the_real_db_worker_runs_a_planning_task_end_to_end(unit, supervisor, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    run = planning.planning_request(unit=unit, week_start=MONDAY, by=supervisor)
    run.refresh_from_db()
    assert run.task_id  # enqueued after the commit
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    run.refresh_from_db()
    assert run.state == RunState.DONE
    assert PlanCell.objects.filter(plan=run.plan).count() == 15
