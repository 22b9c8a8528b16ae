"""Belegung: occupancy per building, room and day against desks and the pandemic limit,
coverage per unit and day, who may see it, and the presence figures of `kpis`.

The plans are set up as records (a published week with cells, as `plan_publish`
leaves them); the expected figures are counted from the same generated cells, never
typed in."""

import datetime as dt
import json
import random
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from rathausmobil.agreements.models import PandemicPeriod
from rathausmobil.core.figures import hidden_label
from rathausmobil.organisation.tests.factories import EmployeeFactory
from rathausmobil.presence.models import (
    CoverageRule,
    EmployeeQualification,
    PlanCell,
    PlanStatus,
    WeekPlan,
)
from rathausmobil.presence.planning import iso_week, monday_of
from rathausmobil.presence.selectors_figures import kpis, week_coverage, week_occupancy

MONDAY = monday_of(timezone.localdate())
DAYS = [MONDAY + dt.timedelta(days=i) for i in range(5)]
KINDS = ["office", "office", "home", "absent", "field"]


def publish(unit, cells, *, week_start=MONDAY, published=True, shortfalls=()):
    """A unit's plan of the week with `cells` [(employee, date, kind, room)], published
    as plan_publish leaves it (what people were told = the cells) or a draft."""
    plan = WeekPlan.objects.create(
        unit=unit,
        week_start=week_start,
        status=PlanStatus.PUBLISHED if published else PlanStatus.DRAFT,
        published_at=timezone.now() if published else None,
        shortfalls=list(shortfalls),
    )
    PlanCell.objects.bulk_create(
        PlanCell(
            plan=plan,
            employee=employee,
            date=date,
            kind=kind,
            room=room,
            published_kind=kind if published else "",
            published_room=room if published else None,
        )
        for employee, date, kind, room in cells
    )
    return plan


def generated_week(unit, rooms, *, people, seed):
    """A random week of `people` new people of `unit` in `rooms` (deterministic)."""
    rng = random.Random(seed)
    cells = []
    for _ in range(people):
        employee = EmployeeFactory(unit=unit)
        for date in DAYS:
            kind = rng.choice(KINDS)
            cells.append((employee, date, kind, rng.choice(rooms) if kind == "office" else None))
    return cells


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


# --------------------------------------------------------------------------- who sees it


@pytest.mark.parametrize("who", ["hr", "it", "leadership"])
def test_facility_hr_and_leadership_see_the_occupancy(signed_in, request, who):
    response = signed_in(request.getfixturevalue(who)).get(reverse("presence:occupancy"))
    assert response.status_code == 200
    assert "Belegung" in response.content.decode()


@pytest.mark.parametrize("who", ["employee", "supervisor", "staff_council", "dpo"])
def test_everybody_else_gets_403(signed_in, request, who):
    response = signed_in(request.getfixturevalue(who)).get(reverse("presence:occupancy"))
    assert response.status_code == 403


def test_the_nav_leads_there_only_those_who_may_see_it(signed_in, leadership, supervisor):
    url = reverse("presence:occupancy")
    assert f'href="{url}"' in signed_in(leadership).get(reverse("home:index")).content.decode()
    assert f'href="{url}"' not in signed_in(supervisor).get(reverse("home:index")).content.decode()


# --------------------------------------------------------------------------- occupancy


def test_it_counts_office_days_per_room_and_day_from_published_plans_only(org, make_room):
    rooms = [make_room("RH-1", desks=6, units=[org["A1"]]), make_room("RH-2", 3, units=[org["A1"]])]
    cells = generated_week(org["A1"], rooms, people=9, seed=1)
    publish(org["A1"], cells)
    draft = generated_week(org["B1"], rooms, people=4, seed=2)
    publish(org["B1"], draft, published=False)  # a draft tells nobody anything yet

    expected = Counter((room.pk, date) for _e, date, kind, room in cells if kind == "office")
    occupancy = week_occupancy(MONDAY)
    (building,) = occupancy.buildings
    for row in building.rooms:
        assert [load.count for load in row.days] == [expected[(row.room.pk, d)] for d in DAYS]
        assert [load.limit for load in row.days] == [row.room.desks] * 5
    assert [load.count for load in building.days] == [
        sum(expected[(room.pk, d)] for room in rooms) for d in DAYS
    ]
    assert {load.limit for load in building.days} == {9}


def test_a_room_over_its_desks_is_marked(signed_in, it, org, make_room, employee, colleague):
    room = make_room("RH-7", desks=1, units=[org["A1"]])
    people = [person for person in org["A1"].employees.all()]
    publish(org["A1"], [(p, DAYS[2], "office", room) for p in people])  # then desks were cut

    body = signed_in(it).get(reverse("presence:occupancy")).content.decode()
    assert f"{len(people)} / 1" in body
    assert "überbelegt" in body and "1 Raum ist an mindestens einem Tag überbelegt." in body
    assert week_occupancy(MONDAY).over_rooms == 1


def test_in_a_pandemic_week_the_pandemic_limit_applies(signed_in, it, org, make_room):
    room = make_room("RH-9", desks=4, area="25", units=[org["A1"]])  # 2 at 10 m² a person
    people = [EmployeeFactory(unit=org["A1"]) for _ in range(3)]
    publish(org["A1"], [(p, DAYS[0], "office", room) for p in people])
    assert week_occupancy(MONDAY).over_rooms == 0  # 3 of 4 desks

    PandemicPeriod.objects.create(start_date=DAYS[4], end_date=None)  # covers Friday
    occupancy = week_occupancy(MONDAY)
    assert occupancy.pandemic and occupancy.over_rooms == 1
    assert occupancy.buildings[0].rooms[0].days[0].limit == room.pandemic_desks == 2
    body = signed_in(it).get(reverse("presence:occupancy")).content.decode()
    assert "Pandemiemodus:" in body and "3 / 2" in body


def test_another_week_is_chosen_by_its_iso_name(signed_in, hr, org, make_room, employee):
    room = make_room("RH-3", desks=2, units=[org["A1"]])
    next_week = MONDAY + dt.timedelta(days=7)
    publish(
        org["A1"], [(org["A1"].employees.first(), next_week, "office", room)], week_start=next_week
    )
    client = signed_in(hr)
    assert week_occupancy(next_week).buildings[0].days[0].count == 1
    body = client.get(
        reverse("presence:occupancy"), {"woche": iso_week(next_week)}
    ).content.decode()
    assert f"KW {iso_week(next_week)}" in body and "1 / 2" in body
    wrong = client.get(reverse("presence:occupancy"), {"woche": "2027-W99"}).content.decode()
    assert "Die Kalenderwoche 2027-W99 gibt es nicht." in wrong
    assert f"KW {iso_week(MONDAY)}" in wrong  # and shows this week


def test_the_page_does_not_grow_in_queries(
    signed_in, leadership, org, make_room, ausweis, django_assert_max_num_queries
):
    client = signed_in(leadership)

    def grow(n, seed):
        rooms = [make_room(f"R{seed}-{i}", desks=4, units=[org["A1"]]) for i in range(n)]
        cells = generated_week(org["A1"], rooms, people=n, seed=seed)
        for unit in (org["A1"], org["B1"]):
            for day in range(5):
                CoverageRule.objects.get_or_create(
                    unit=unit, weekday=day, qualification=None, defaults={"min_people": 1}
                )
        return cells

    publish(org["A1"], grow(2, 1))
    CoverageRule.objects.create(unit=org["A1"], weekday=0, min_people=1, qualification=ausweis)
    with django_assert_max_num_queries(14) as small:
        assert client.get(reverse("presence:occupancy")).status_code == 200
    WeekPlan.objects.all().delete()
    publish(org["A1"], grow(25, 2))
    publish(org["B1"], [])
    CoverageRule.objects.create(unit=org["A1"], weekday=1, min_people=1, qualification=ausweis)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse("presence:occupancy")).status_code == 200


# --------------------------------------------------------------------------- coverage


def test_coverage_per_unit_and_day_says_met_or_short_with_the_planners_reason(
    signed_in, leadership, org, make_room, ausweis
):
    room = make_room("BB-1", desks=20, units=[org["A1"]])
    cells = generated_week(org["A1"], [room], people=8, seed=3)
    holders = sorted({e for e, *_rest in cells}, key=lambda e: e.pk)[:3]
    for holder in holders:
        EmployeeQualification.objects.create(employee=holder, qualification=ausweis)
    on_site = Counter(date for _e, date, kind, _r in cells if kind == "office")
    qualified = Counter(date for e, date, kind, _r in cells if kind == "office" and e in holders)
    # One rule each day just met, one just short; a qualification rule on Monday.
    for day, date in enumerate(DAYS):
        CoverageRule.objects.create(
            unit=org["A1"], weekday=day, min_people=max(1, on_site[date] + day % 2)
        )
    CoverageRule.objects.create(
        unit=org["A1"], weekday=0, min_people=qualified[DAYS[0]] + 1, qualification=ausweis
    )
    CoverageRule.objects.create(unit=org["B1"], weekday=4, min_people=2)  # no plan yet
    reason = "3 von 8 Beschäftigten abwesend"
    publish(
        org["A1"],
        cells,
        shortfalls=[
            {
                "rule": "coverage",
                "unit": "A1",
                "day": "tue",
                "qualification": None,
                "required": on_site[DAYS[1]] + 1,
                "planned": on_site[DAYS[1]],
                "reason": reason,
            }
        ],
    )

    coverage = week_coverage(MONDAY)
    a1, b1 = coverage.units
    assert (a1.unit, b1.unit, b1.published) == (org["A1"], org["B1"], False)
    checks = {(c.date, c.rule.qualification_id): c for c in a1.checks}
    for day, date in enumerate(DAYS):
        check = checks[(date, None)]
        assert check.planned == on_site[date]
        assert check.met == (on_site[date] >= max(1, on_site[date] + day % 2))
    assert checks[(DAYS[0], ausweis.pk)].planned == qualified[DAYS[0]]
    assert not checks[(DAYS[0], ausweis.pk)].met
    assert checks[(DAYS[1], None)].reason == reason
    assert coverage.rules_checked == 6 and coverage.rules_met == sum(c.met for c in a1.checks)

    body = signed_in(leadership).get(reverse("presence:occupancy")).content.decode()
    assert reason in body and "unterschritten" in body and "erfüllt" in body
    assert (
        f"{qualified[DAYS[0]]} von mind. {qualified[DAYS[0]] + 1} mit „Ausweise ausgeben“" in body
    )
    assert "Kein veröffentlichter Plan für diese Woche" in body
    assert f"{coverage.rules_met} von {coverage.rules_checked} Besetzungsregeln erfüllt." in body


# --------------------------------------------------------------------------- figures


def kpis_json() -> dict:
    out = StringIO()
    call_command("kpis", "--json", stdout=out)
    return json.loads(out.getvalue())


def test_without_a_published_plan_the_figures_are_null(org, make_room):
    room = make_room("R-1", units=[org["A1"]])
    publish(org["A1"], generated_week(org["A1"], [room], people=3, seed=4), published=False)
    CoverageRule.objects.create(unit=org["A1"], weekday=0, min_people=1)
    figures = kpis_json()
    assert figures["presence_coverage_met_share"] is None
    assert figures["presence_office_share"] is None
    assert figures["presence_peak_occupancy_share"] is None
    assert figures["presence_coverage_by_unit"] == {}


def test_the_figures_come_from_the_published_cells(org, make_room, town_hall):
    from rathausmobil.presence.models import Building

    annex = Building.objects.create(site=town_hall.site, code="AN", name="Anbau")
    a_rooms = [make_room("RH-1", 5, units=[org["A1"]]), make_room("AN-1", 3, building=annex)]
    make_room("AN-2", 4, building=annex, active=False)  # out of use: no desks
    a_cells = generated_week(org["A1"], a_rooms, people=7, seed=5)
    b_cells = generated_week(org["B1"], a_rooms, people=3, seed=6)
    publish(org["A1"], a_cells)
    publish(org["B1"], b_cells)
    publish(org["A"], generated_week(org["A"], a_rooms, people=4, seed=7), published=False)
    on_site = Counter((e.unit_id, d) for e, d, kind, _r in a_cells + b_cells if kind == "office")
    for unit in (org["A1"], org["B1"]):
        for day, date in enumerate(DAYS[:3]):
            CoverageRule.objects.create(
                unit=unit, weekday=day, min_people=max(1, on_site[(unit.pk, date)] + day % 2)
            )
    CoverageRule.objects.create(unit=org["A"], weekday=0, min_people=1)  # only a draft

    cells = a_cells + b_cells
    kinds = Counter(kind for *_x, kind, _r in cells)
    desks = {town_hall.pk: 5, annex.pk: 3}
    per_building_day = Counter((r.building_id, d) for _e, d, kind, r in cells if kind == "office")
    rules = CoverageRule.objects.exclude(unit=org["A"])
    met = {
        unit.pk: sum(
            on_site[(unit.pk, DAYS[r.weekday])] >= r.min_people for r in rules.filter(unit=unit)
        )
        for unit in (org["A1"], org["B1"])
    }

    figures = kpis_json()
    assert figures["presence_office_share"] == round(
        kinds["office"] / (kinds["office"] + kinds["home"]), 3
    )
    assert figures["presence_peak_occupancy_share"] == round(
        max(n / desks[building] for (building, _d), n in per_building_day.items()), 3
    )
    assert figures["presence_coverage_met_share"] == round(sum(met.values()) / rules.count(), 3)
    # Rule of 5: A1 has 7 people in its plan (shown), B1 only 3.
    assert figures["presence_coverage_by_unit"] == {
        "A1": round(met[org["A1"].pk] / 3, 3),
        "B1": hidden_label(),
    }
    mine = kpis(viewer=None)
    assert mine == {key: figures[key] for key in mine}  # the command prints the provider's


def test_the_dashboard_shows_the_shares_as_percent(signed_in, leadership, org, make_room):
    room = make_room("R-1", units=[org["A1"]])
    cells = generated_week(org["A1"], [room], people=6, seed=8)
    publish(org["A1"], cells)
    share = kpis()["presence_office_share"]
    body = signed_in(leadership).get(reverse("reports:dashboard")).content.decode()
    assert f'data-kpi="presence_office_share">{round(share * 100, 1)} %'.replace(".", ",") in body


def test_the_week_is_drawn_per_building_against_the_limit(signed_in, it, org, make_room):
    room = make_room("RH-8", desks=2, units=[org["A1"]])
    people = [EmployeeFactory(unit=org["A1"]) for _ in range(3)]
    publish(org["A1"], [(p, DAYS[1], "office", room) for p in people])
    body = signed_in(it).get(reverse("presence:occupancy")).content.decode()
    assert 'id="occupancy-chart-title"' in body
    # The building's Tuesday: 3 people on 2 desks, 150 %, above the line of the limit.
    assert "Auslastung der Gebäude je Tag" in body
    assert "150 %" in body
