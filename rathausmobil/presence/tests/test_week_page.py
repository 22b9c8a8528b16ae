"""The unit's week ("Woche der Einheit"): who may open it (a guessed unit, cell or swap
of another unit answers 404), the grid with coverage lights and reasons, the actions
(plan, lock, unlock, publish, decide on a swap) through the planning services, the
polling status while a run is under way, and a query count that does not grow with
the number of people."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from rathausmobil.agreements.models import Agreement, AgreementStatus, WorkKind
from rathausmobil.organisation.tests.factories import EmployeeFactory
from rathausmobil.presence import planning
from rathausmobil.presence.models import (
    Absence,
    CellKind,
    CoverageRule,
    EmployeeQualification,
    OpeningHours,
    PlanCell,
    PlanningRun,
    PlanStatus,
    Room,
    RunState,
    SwapStatus,
    WeekPlan,
    Wish,
)
from rathausmobil.presence.tests.conftest import person

MONDAY = planning.monday_of(timezone.localdate()) + dt.timedelta(days=7)  # next week
WEEK = planning.iso_week(MONDAY)


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
    make_room("RH-104", desks=4, units=[org["A1"]])
    make_room("RH-105", desks=2, units=[org["A1"]])
    agree(person(employee))
    agree(person(colleague), weekdays=(4,))
    return org["A1"]


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


def week_url(unit, name="presence:unit_week", week=WEEK):
    return reverse(name, args=[unit.pk, week])


def plan_now(unit, by):
    run = planning.planning_request(unit=unit, week_start=MONDAY, by=by)
    assert planning.planning_run(run.pk) == RunState.DONE
    return WeekPlan.objects.get(unit=unit, week_start=MONDAY)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --------------------------------------------------------------------------- who may open it


@pytest.mark.parametrize("who", ["supervisor", "amt_head", "hr"])
def test_heads_above_and_hr_open_the_week(signed_in, request, unit, who):
    page = signed_in(request.getfixturevalue(who)).get(week_url(unit))

    assert page.status_code == 200
    assert "Plan berechnen" in page.content.decode()


@pytest.mark.parametrize("who", ["outsider", "employee", "it", "leadership"])
def test_others_get_404_for_the_week_and_every_action(signed_in, request, unit, supervisor, who):
    plan = plan_now(unit, supervisor)
    cell = plan.cells.first()
    client = signed_in(request.getfixturevalue(who))

    assert client.get(week_url(unit)).status_code == 404
    assert client.get(reverse("presence:unit_week_current", args=[unit.pk])).status_code == 404
    assert client.get(week_url(unit, "presence:unit_week_status")).status_code == 404
    assert client.post(week_url(unit, "presence:unit_week_plan")).status_code == 404
    assert client.post(week_url(unit, "presence:unit_week_publish")).status_code == 404
    set_url = reverse("presence:cell_set", args=[cell.pk])
    assert client.post(set_url, {"place": "home"}).status_code == 404
    assert client.post(reverse("presence:cell_unlock", args=[cell.pk])).status_code == 404
    assert PlanningRun.objects.count() == 1


def test_an_unknown_week_answers_404(signed_in, supervisor, unit):
    client = signed_in(supervisor)
    assert client.get(week_url(unit, week="2027-W60")).status_code == 404
    assert client.get(week_url(unit, week="März")).status_code == 404


def test_the_unit_without_a_week_leads_to_this_week(signed_in, supervisor, unit):
    response = signed_in(supervisor).get(reverse("presence:unit_week_current", args=[unit.pk]))

    this_week = planning.iso_week(timezone.localdate())
    assert response.status_code == 302
    assert response["Location"] == week_url(unit, week=this_week)


def test_the_planning_index_lists_the_units_one_plans(signed_in, supervisor, unit, org):
    html = signed_in(supervisor).get(reverse("presence:planning")).content.decode()

    this_week = planning.iso_week(timezone.localdate())
    assert week_url(unit, week=this_week) in html
    assert week_url(unit, week=WEEK) in html
    assert reverse("presence:unit_week", args=[org["B1"].pk, WEEK]) not in html


def test_the_planning_index_is_closed_to_those_who_plan_nothing(signed_in, employee):
    assert signed_in(employee).get(reverse("presence:planning")).status_code == 403


def test_the_home_page_leads_heads_and_hr_to_the_planning(signed_in, supervisor, hr, employee):
    for user in (supervisor, hr):
        assert reverse("presence:planning") in signed_in(user).get("/").content.decode()
    assert reverse("presence:planning") not in signed_in(employee).get("/").content.decode()


# --------------------------------------------------------------------------- planning


def test_plan_berechnen_queues_a_run_and_a_double_click_is_told(signed_in, supervisor, unit):
    client = signed_in(supervisor)

    first = client.post(week_url(unit, "presence:unit_week_plan"), follow=True)
    second = client.post(week_url(unit, "presence:unit_week_plan"), follow=True)

    run = PlanningRun.objects.get()
    assert (run.state, run.requested_by, run.plan.week_start) == ("queued", supervisor, MONDAY)
    assert any("Planung ist gestartet" in m for m in messages_of(first))
    assert any("bereits geplant" in m for m in messages_of(second))
    html = second.content.decode()
    assert "Planung läuft" in html
    assert 'hx-trigger="every 2s"' in html
    assert week_url(unit, "presence:unit_week_status") in html


def test_the_status_polls_while_the_run_is_open_and_reloads_when_it_is_done(
    signed_in, supervisor, unit
):
    client = signed_in(supervisor)
    run = planning.planning_request(unit=unit, week_start=MONDAY, by=supervisor)
    status_url = week_url(unit, "presence:unit_week_status")

    polling = client.get(status_url, headers={"HX-Request": "true"})
    assert polling.status_code == 200
    assert "Planung läuft" in polling.content.decode()
    assert 'hx-trigger="every 2s"' in polling.content.decode()
    assert "HX-Refresh" not in polling
    assert "<html" not in polling.content.decode()  # the fragment only

    planning.planning_run(run.pk)
    done = client.get(status_url, headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true"
    assert "every 2s" not in done.content.decode()
    # Without JavaScript the status link leads back to the week.
    assert client.get(status_url)["Location"] == week_url(unit)


def test_a_planned_week_shows_the_cells_the_lights_and_the_figures(
    signed_in, supervisor, employee, colleague, unit, ausweis
):
    CoverageRule.objects.create(unit=unit, weekday=0, min_people=2)
    CoverageRule.objects.create(unit=unit, weekday=0, min_people=1, qualification=ausweis)
    OpeningHours.objects.create(unit=unit, weekday=0, opens=dt.time(8), closes=dt.time(12))
    EmployeeQualification.objects.create(employee=person(colleague), qualification=ausweis)
    Wish.objects.create(employee=person(employee), date=MONDAY, kind="home")
    plan_now(unit, supervisor)

    html = signed_in(supervisor).get(week_url(unit)).content.decode()

    cells = PlanCell.objects.filter(plan__unit=unit)
    assert cells.count() == 15
    assert "RH-104" in html
    assert "Entwurf" in html
    assert "08:00–12:00" in html
    assert "mind. 2 vor Ort" in html and "mit „Ausweise ausgeben“" in html
    # Monday: the supervisor and the colleague have no home day on Mondays (no agreement /
    # Fridays only), the employee wished to be at home: exactly two in the office.
    assert "knapp" in html
    assert "Wunsch:" in html and "zu Hause" in html
    assert "Wünsche erfüllt" in html and "1 von 1" in html
    assert "optimal" in html
    assert "Plan berechnet" in html  # the last run's message


def test_a_day_with_many_absences_is_short_and_says_why(signed_in, supervisor, employee, unit):
    CoverageRule.objects.create(unit=unit, weekday=2, min_people=3)
    wednesday = MONDAY + dt.timedelta(days=2)
    Absence.objects.create(employee=person(employee), start=wednesday, end=wednesday)
    plan_now(unit, supervisor)

    html = signed_in(supervisor).get(week_url(unit)).content.decode()

    assert "unterschritten" in html
    assert "1 von 3 Beschäftigten abwesend" in html
    assert "abwesend" in html


def test_a_failed_run_is_shown_and_the_previous_plan_stays(
    signed_in, supervisor, unit, monkeypatch
):
    plan = plan_now(unit, supervisor)
    before = list(plan.cells.values_list("employee_id", "date", "kind"))

    def broken(*args, **kwargs):
        raise RuntimeError("solver crashed")

    monkeypatch.setattr(planning, "plan_week", broken)
    run = planning.planning_request(unit=unit, week_start=MONDAY, by=supervisor)
    planning.planning_run(run.pk)

    html = signed_in(supervisor).get(week_url(unit)).content.decode()
    assert "Die Planung ist fehlgeschlagen" in html
    assert "alert-danger" in html
    assert list(plan.cells.values_list("employee_id", "date", "kind")) == before
    assert "RH-10" in html


def test_an_impossible_week_names_the_conflicts_above_the_previous_cells(
    signed_in, supervisor, unit
):
    plan_now(unit, supervisor)
    for _ in range(5):  # five more without home days, six desks: impossible
        EmployeeFactory(unit=unit)
    plan_now(unit, supervisor)

    html = signed_in(supervisor).get(week_url(unit)).content.decode()

    assert "Kein neuer Plan" in html
    assert "Unten steht weiter der bisherige Plan" in html
    assert html.index("Kein neuer Plan") < html.index('id="week-grid"')
    assert "RH-10" in html  # the previous cells


# --------------------------------------------------------------------------- by hand


def test_a_day_set_by_hand_is_locked_and_can_be_freed(signed_in, supervisor, employee, unit):
    plan = plan_now(unit, supervisor)
    cell = plan.cells.get(employee__user=employee, date=MONDAY + dt.timedelta(days=1))
    room = unit.unit_rooms.get(room__code="RH-105").room
    client = signed_in(supervisor)

    response = client.post(
        reverse("presence:cell_set", args=[cell.pk]), {"place": f"office:{room.pk}"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{week_url(unit)}#cell-{cell.pk}"
    cell.refresh_from_db()
    assert (cell.kind, cell.room, cell.locked) == ("office", room, True)
    page = client.get(week_url(unit))
    assert any("feste Regel" in m for m in messages_of(page))
    assert "gesperrt" in page.content.decode()
    assert reverse("presence:cell_unlock", args=[cell.pk]) in page.content.decode()

    client.post(reverse("presence:cell_unlock", args=[cell.pk]))
    cell.refresh_from_db()
    assert not cell.locked


def test_a_room_of_another_unit_or_an_absent_day_is_refused(
    signed_in, supervisor, employee, unit, make_room, org
):
    foreign = make_room("SH-1", units=[org["B1"]])
    Absence.objects.create(employee=person(employee), start=MONDAY, end=MONDAY)
    plan = plan_now(unit, supervisor)
    client = signed_in(supervisor)
    tuesday = plan.cells.get(employee__user=employee, date=MONDAY + dt.timedelta(days=1))
    monday = plan.cells.get(employee__user=employee, date=MONDAY)

    wrong_room = client.post(
        reverse("presence:cell_set", args=[tuesday.pk]),
        {"place": f"office:{foreign.pk}"},
        follow=True,
    )
    absent = client.post(
        reverse("presence:cell_set", args=[monday.pk]), {"place": "home"}, follow=True
    )

    assert any("Büro mit einem Raum der Einheit" in m for m in messages_of(wrong_room))
    assert any("Abwesenheit und Außendienst" in m for m in messages_of(absent))
    tuesday.refresh_from_db()
    monday.refresh_from_db()
    assert not tuesday.locked and (monday.kind, monday.locked) == ("absent", False)


# --------------------------------------------------------------------------- publishing


def _my_week_exists() -> bool:
    try:
        reverse("presence:my_week")
    except NoReverseMatch:
        return False
    return True


def test_publishing_says_how_many_people_are_told(
    signed_in, supervisor, unit, django_capture_on_commit_callbacks
):
    plan_now(unit, supervisor)
    client = signed_in(supervisor)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=_my_week_exists()):
        response = client.post(week_url(unit, "presence:unit_week_publish"), follow=True)

    plan = WeekPlan.objects.get(unit=unit, week_start=MONDAY)
    assert plan.status == PlanStatus.PUBLISHED
    assert any("3 Personen werden benachrichtigt" in m for m in messages_of(response))
    assert "veröffentlicht" in response.content.decode()
    if _my_week_exists():
        assert len(mail.outbox) == 3


def test_publishing_an_empty_week_is_refused_in_german(signed_in, supervisor, unit):
    planning.plan_for(unit=unit, week_start=MONDAY, by=supervisor)

    response = signed_in(supervisor).post(week_url(unit, "presence:unit_week_publish"), follow=True)

    assert any("Erst planen, dann veröffentlichen" in m for m in messages_of(response))


# --------------------------------------------------------------------------- swaps


@pytest.fixture
def swap(unit, supervisor, employee):
    plan = plan_now(unit, supervisor)
    planning.plan_publish(plan=plan, by=supervisor)
    cell = plan.cells.get(employee__user=employee, date=MONDAY + dt.timedelta(days=3))
    wanted = CellKind.HOME if cell.kind == CellKind.OFFICE else CellKind.OFFICE
    return planning.swap_request(cell=cell, wanted=wanted, reason="Handwerker", by=employee)


def test_open_swaps_are_listed_and_accepted(signed_in, supervisor, swap):
    client = signed_in(supervisor)
    html = client.get(week_url(swap.cell.plan.unit)).content.decode()
    assert "Offene Tauschwünsche" in html and "Handwerker" in html
    assert reverse("presence:swap_decide", args=[swap.pk]) in html

    response = client.post(
        reverse("presence:swap_decide", args=[swap.pk]), {"decision": "accept"}, follow=True
    )

    swap.refresh_from_db()
    swap.cell.refresh_from_db()
    assert swap.status == SwapStatus.ACCEPTED
    assert swap.cell.kind == swap.wanted and swap.cell.locked
    assert any("Der Tausch ist angenommen" in m for m in messages_of(response))


def test_a_refusal_needs_a_reason(signed_in, supervisor, swap):
    client = signed_in(supervisor)
    url = reverse("presence:swap_decide", args=[swap.pk])

    without = client.post(url, {"decision": "refuse", "reason": " "}, follow=True)
    swap.refresh_from_db()
    assert swap.status == SwapStatus.REQUESTED
    assert any("Bitte die Ablehnung begründen" in m for m in messages_of(without))

    client.post(url, {"decision": "refuse", "reason": "Schalter unterbesetzt"})
    swap.refresh_from_db()
    assert (swap.status, swap.decision_reason) == (SwapStatus.REFUSED, "Schalter unterbesetzt")


def test_an_outsider_cannot_decide_a_swap(signed_in, outsider, swap):
    url = reverse("presence:swap_decide", args=[swap.pk])
    assert signed_in(outsider).post(url, {"decision": "accept"}).status_code == 404
    swap.refresh_from_db()
    assert swap.status == SwapStatus.REQUESTED


# --------------------------------------------------------------------------- queries


@pytest.mark.parametrize("extra", [5, 30])
def test_the_week_reads_the_same_number_of_queries_for_5_or_30_people(
    signed_in, supervisor, unit, extra, django_assert_max_num_queries, ausweis
):
    CoverageRule.objects.create(unit=unit, weekday=0, min_people=2)
    CoverageRule.objects.create(unit=unit, weekday=1, min_people=1, qualification=ausweis)
    for index in range(extra):
        employee = EmployeeFactory(unit=unit)
        agree(employee, weekdays=(index % 5,))
        EmployeeQualification.objects.create(employee=employee, qualification=ausweis)
        Wish.objects.create(employee=employee, date=MONDAY, kind="home")
    Room.objects.filter(code="RH-104").update(desks=40)
    plan_now(unit, supervisor)
    client = signed_in(supervisor)
    client.get(week_url(unit))  # warm the session

    # session, user, scope (3), unit, plan, people, cells, wishes, qualifications, rules,
    # opening hours, last run, swaps, rooms: 16 whatever the number of people
    with django_assert_max_num_queries(16):
        response = client.get(week_url(unit))

    assert response.status_code == 200
    assert PlanCell.objects.filter(plan__unit=unit).count() == (3 + extra) * 5
