"""The head of a Bürgerbüro plans the unit's week in the browser: "Plan berechnen", a
shortfall on a day with many absences and its reason, a day locked by hand, planning
again, publishing; then an employee sees the week in "Meine Woche" and enters a wish.
axe-core on the week page, also at phone width (390 px).

The planning task: "Plan berechnen" queues the run through the real tasks API (the
database backend, as in production); no `db_worker` runs in the test, so the test
thread plays the worker and calls `planning.planning_run` for the queued run. The page
meanwhile shows "Planung läuft …" and polls its status with htmx every 2 s; when the
run is done the status answer makes htmx reload the page, which then shows the plan.
This exercises the polling as a person sees it (an ImmediateBackend would plan inside
the request and skip it).
"""

import datetime as dt

import pytest
from django.utils import timezone

from rathausmobil.agreements.models import Agreement, AgreementStatus, WorkKind
from rathausmobil.organisation.tests.factories import EmployeeFactory
from rathausmobil.presence import planning
from rathausmobil.presence.models import (
    Absence,
    Building,
    CoverageRule,
    OpeningHours,
    PlanCell,
    PlanningRun,
    PlanStatus,
    Room,
    RunState,
    Site,
    UnitRoom,
    WeekPlan,
    Wish,
)
from rathausmobil.presence.tests.conftest import person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MONDAY = planning.monday_of(timezone.localdate()) + dt.timedelta(days=7)  # next week
WEDNESDAY = MONDAY + dt.timedelta(days=2)
TUESDAY = MONDAY + dt.timedelta(days=1)


def agree(employee, weekdays):
    Agreement.objects.create(
        employee=employee,
        kind=WorkKind.ALTERNATING,
        pattern_type="weekdays",
        weekdays=list(weekdays),
        start_date=dt.date(2026, 1, 1),
        status=AgreementStatus.ACTIVE,
    )


@pytest.fixture
def buergerbuero(org, supervisor, employee, colleague):
    """A1 as a Bürgerbüro: seven people, two rooms, at least four at the counter on
    Wednesdays, and four of them away that Wednesday."""
    unit = org["A1"]
    unit.name = "Bürgerbüro"
    unit.save(update_fields=["name"])
    hall = Building.objects.create(
        site=Site.objects.create(code="MITTE", name="Innenstadt"), code="RH", name="Rathaus"
    )
    for code, desks in (("RH-104", 6), ("RH-105", 2)):
        room = Room.objects.create(building=hall, code=code, name=f"Büro {code}", desks=desks)
        UnitRoom.objects.create(unit=unit, room=room)
    agree(person(employee), (0, 1, 2, 3, 4))
    agree(person(colleague), (4,))
    away = [EmployeeFactory(unit=unit) for _ in range(4)]
    for index, other in enumerate(away):
        agree(other, (index % 5, (index + 2) % 5))
        Absence.objects.create(employee=other, start=WEDNESDAY, end=WEDNESDAY)
    CoverageRule.objects.create(unit=unit, weekday=2, min_people=4)
    OpeningHours.objects.create(unit=unit, weekday=2, opens=dt.time(8), closes=dt.time(12))
    return unit


def play_the_worker(page):
    """Wait until the page says the planning is under way, then run the queued run as
    `db_worker` would; the page reloads itself when its status poll sees the end."""
    page.get_by_text("Planung läuft").first.wait_for()
    run = PlanningRun.objects.get(state=RunState.QUEUED)
    assert planning.planning_run(run.pk) == RunState.DONE
    page.locator("#run-status").get_by_text("Letzte Planung am").wait_for(timeout=15_000)


def test_the_head_plans_locks_and_publishes_and_the_employee_wishes(
    live_server, sign_in, supervisor, employee, buergerbuero, axe_check
):
    unit = buergerbuero
    boss = sign_in(supervisor)
    boss.locator("summary", has_text="Mobiles Arbeiten").click()
    boss.get_by_role("link", name="Wochenplanung", exact=True).click()
    boss.get_by_role("heading", name="Wochenplanung").wait_for()
    axe_check(boss)
    boss.get_by_role("link", name="Woche planen für A1, nächste Woche").click()
    boss.get_by_role("heading", name="Woche der Einheit A1 Bürgerbüro").wait_for()
    assert boss.get_by_text("Für diese Woche gibt es noch keinen Plan.").is_visible()
    axe_check(boss)

    # Plan berechnen: the run is queued, the page polls, then shows the plan.
    boss.get_by_role("button", name="Plan berechnen").click()
    play_the_worker(boss)
    assert boss.locator("#week-grid").get_by_text("RH-104").first.is_visible()

    # Wednesday: four of seven away, four needed at the counter: short, and why.
    wednesday = boss.locator(f"#day-{WEDNESDAY:%Y-%m-%d}")
    assert "unterschritten" in wednesday.inner_text()
    assert "08:00–12:00" in wednesday.inner_text()
    assert "4 von 7 Beschäftigten abwesend" in wednesday.inner_text()
    axe_check(boss)

    # Lock the employee's Tuesday in room RH-105 and plan again: the lock holds.
    cell = PlanCell.objects.get(plan__unit=unit, employee__user=employee, date=TUESDAY)
    box = boss.locator(f"#cell-{cell.pk}")
    box.locator("summary").click()
    box.get_by_label("Ort für").select_option(label="Büro RH-105")
    box.get_by_role("button", name="Festlegen").click()
    boss.get_by_text("gilt beim nächsten Planen als feste Regel").wait_for()
    assert "gesperrt" in boss.locator(f"#cell-{cell.pk}").inner_text()
    boss.get_by_role("button", name="Plan berechnen").click()
    play_the_worker(boss)
    locked = boss.locator(f"#cell-{cell.pk}").inner_text()
    assert "RH-105" in locked and "gesperrt" in locked
    cell.refresh_from_db()
    assert (cell.kind, cell.room.code, cell.locked) == ("office", "RH-105", True)

    # Publish: the message says how many people are told.
    boss.get_by_role("button", name="Veröffentlichen").click()
    boss.get_by_text("Der Plan ist veröffentlicht.").wait_for()
    assert "benachrichtigt" in boss.get_by_role("status").first.inner_text()
    assert WeekPlan.objects.get(unit=unit, week_start=MONDAY).status == PlanStatus.PUBLISHED
    axe_check(boss)

    # At phone width the page does not scroll sideways; the grid scrolls in its region.
    boss.set_viewport_size({"width": 390, "height": 844})
    boss.reload()
    overflowing = boss.evaluate(
        """() => [...document.querySelectorAll('main *')]
            .filter(el => !el.closest('.table-responsive') || el.matches('.table-responsive'))
            .filter(el => el.getBoundingClientRect().right > 390)
            .map(el => el.tagName + '.' + el.className)"""
    )
    assert overflowing == []
    grid = boss.get_by_role("region", name="Tabelle der Woche, seitlich scrollbar")
    assert grid.evaluate("el => el.scrollWidth > el.clientWidth")  # it scrolls, the page not
    assert boss.get_by_role("button", name="Plan berechnen").is_visible()
    axe_check(boss)

    # The employee sees the published week and enters a wish.
    page = sign_in(employee)
    page.locator("summary", has_text="Mobiles Arbeiten").click()
    page.get_by_role("link", name="Meine Woche", exact=True).click()
    page.get_by_role("heading", name="Meine Woche").first.wait_for()
    assert "RH-105" in page.locator("main").inner_text()  # the Tuesday set by hand
    open_day = page.locator("fieldset").filter(has=page.get_by_role("radio")).last
    open_day.get_by_label("zu Hause").check()
    page.get_by_role("button", name="Wünsche speichern").click()
    page.wait_for_load_state()
    assert Wish.objects.filter(employee__user=employee, kind="home").exists()
    axe_check(page)
