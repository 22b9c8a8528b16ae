"""From the records to one week's planning problem in the exchange format: agreement
patterns, part-time, absences, field days, wishes, qualifications, teams, cohorts,
coverage, units without rooms, locks; few queries whatever the number of people."""

import datetime as dt

import pytest

from rathausmobil.agreements.models import Agreement, AgreementStatus, PandemicPeriod, WorkKind
from rathausmobil.organisation.tests.factories import EmployeeFactory
from rathausmobil.presence.models import (
    Absence,
    CoverageRule,
    EmployeeQualification,
    PresenceProfile,
    Team,
    TeamDay,
    Wish,
)
from rathausmobil.presence.records import week_instance

MONDAY = dt.date(2027, 3, 8)
FRIDAY = MONDAY + dt.timedelta(days=4)
KEYS = {
    "format",
    "week_start",
    "mode",
    "days",
    "rooms",
    "people",
    "coverage",
    "team_days",
}
PERSON_KEYS = {
    "id",
    "unit",
    "rooms",
    "home_days_max",
    "office_days",
    "absent",
    "field",
    "wishes",
    "qualifications",
    "cohort",
    "team",
}


def agree(employee, *, weekdays=(), share=None, start=dt.date(2026, 1, 1), **fields):
    return Agreement.objects.create(
        employee=employee,
        kind=WorkKind.ALTERNATING,
        pattern_type="share" if share is not None else "weekdays",
        weekdays=list(weekdays),
        share_percent=share,
        start_date=start,
        status=fields.pop("status", AgreementStatus.ACTIVE),
        **fields,
    )


@pytest.fixture
def unit(org, make_room):
    make_room("RH-104", desks=6, area="45", units=[org["A1"]])
    make_room("RH-105", desks=4, units=[org["A1"]])
    make_room("SH-1", desks=2, units=[org["B1"]])
    return org["A1"]


def person(instance, employee) -> dict:
    return next(p for p in instance["people"] if p["id"] == employee.personnel_number)


def build(*units, **kwargs):
    return week_instance(units=units, week_start=MONDAY, **kwargs)


def test_it_writes_exactly_the_formats_keys(unit):
    anna = EmployeeFactory(unit=unit)

    instance, problems = build(unit)

    assert set(instance) == KEYS and problems == []
    assert instance["format"] == "rathausmobil-presence/1"
    assert (instance["week_start"], instance["mode"]) == ("2027-03-08", "normal")
    assert instance["days"] == ["mon", "tue", "wed", "thu", "fri"]
    assert instance["rooms"] == [
        {"id": "RH-104", "building": "Rathaus", "desks": 6, "pandemic_desks": 4},
        {"id": "RH-105", "building": "Rathaus", "desks": 4, "pandemic_desks": 4},
    ]
    assert person(instance, anna) == {
        "id": anna.personnel_number,
        "unit": "A1",
        "rooms": ["RH-104", "RH-105"],
        "home_days_max": 0,  # no agreement, no home day
        "office_days": [],
        "absent": [],
        "field": [],
        "wishes": {},
        "qualifications": [],
        "cohort": None,
        "team": None,
    }
    assert set(instance["people"][0]) == PERSON_KEYS


def test_agreed_weekdays_are_the_home_days_and_the_other_working_days_office_days(unit):
    anna = EmployeeFactory(unit=unit)
    agree(anna, weekdays=[0, 4])

    p = person(build(unit)[0], anna)

    assert (p["home_days_max"], p["office_days"]) == (2, ["tue", "wed", "thu"])


def test_a_share_of_the_weekly_hours_gives_home_days_of_the_working_days(unit):
    full, part = EmployeeFactory(unit=unit), EmployeeFactory(unit=unit)
    agree(full, share=40)
    agree(part, share=50)
    PresenceProfile.objects.create(employee=part, working_days=[0, 1, 2])

    instance = build(unit)[0]

    assert (person(instance, full)["home_days_max"], person(instance, full)["office_days"]) == (
        2,
        [],
    )
    p = person(instance, part)
    assert (p["home_days_max"], p["absent"]) == (1, ["thu", "fri"])  # floor(50 % of 3)


def test_part_time_days_off_are_absent_and_agreed_days_count_only_if_worked(unit):
    anna = EmployeeFactory(unit=unit)
    PresenceProfile.objects.create(
        employee=anna, working_days=[0, 1, 2, 3], office_days=[1], field_days=[3]
    )
    agree(anna, weekdays=[0, 4])

    p = person(build(unit)[0], anna)

    assert p["home_days_max"] == 1  # Friday is agreed but not a working day
    assert (p["absent"], p["field"], p["office_days"]) == (["fri"], ["thu"], ["tue", "wed"])


def test_absences_are_absent_days_and_never_office_days(unit):
    anna = EmployeeFactory(unit=unit)
    agree(anna, weekdays=[1])
    Absence.objects.create(employee=anna, start=MONDAY - dt.timedelta(days=3), end=MONDAY)
    Absence.objects.create(employee=anna, start=FRIDAY, end=FRIDAY + dt.timedelta(days=10))

    p = person(build(unit)[0], anna)

    assert p["absent"] == ["mon", "fri"]
    assert p["office_days"] == ["wed", "thu"]
    assert p["home_days_max"] == 1


def test_no_agreement_in_force_means_no_home_day(unit):
    anna, bert, cleo = (EmployeeFactory(unit=unit) for _ in range(3))
    agree(anna, weekdays=[0, 1], status=AgreementStatus.PENDING)
    agree(bert, weekdays=[0, 1], status=AgreementStatus.ENDED)
    agree(cleo, weekdays=[0, 1], start=FRIDAY + dt.timedelta(days=3))

    instance = build(unit)[0]

    assert [person(instance, e)["home_days_max"] for e in (anna, bert, cleo)] == [0, 0, 0]


def test_an_agreement_ending_in_the_week_counts_only_until_its_end(unit):
    anna, bert = EmployeeFactory(unit=unit), EmployeeFactory(unit=unit)
    agree(
        anna,
        weekdays=[0, 3],
        status=AgreementStatus.ENDING,
        effective_end_date=MONDAY + dt.timedelta(days=1),
    )
    agree(bert, share=60, end_date=MONDAY + dt.timedelta(days=2))

    instance = build(unit)[0]

    assert (person(instance, anna)["home_days_max"], person(instance, anna)["office_days"]) == (
        1,
        ["tue", "wed", "thu", "fri"],
    )
    assert person(instance, bert)["home_days_max"] == 1  # floor(60 % of Mon–Wed)
    assert person(instance, bert)["office_days"] == ["thu", "fri"]


def test_people_are_planned_only_while_employed(unit):
    joins = EmployeeFactory(unit=unit, entry_date=MONDAY + dt.timedelta(days=2))
    leaves = EmployeeFactory(unit=unit, exit_date=MONDAY)
    gone = EmployeeFactory(unit=unit, exit_date=MONDAY - dt.timedelta(days=1))
    inactive = EmployeeFactory(unit=unit, is_active=False)

    instance = build(unit)[0]

    ids = {p["id"] for p in instance["people"]}
    assert ids == {joins.personnel_number, leaves.personnel_number}
    assert gone.personnel_number not in ids and inactive.personnel_number not in ids
    assert person(instance, joins)["absent"] == ["mon", "tue"]
    assert person(instance, leaves)["absent"] == ["tue", "wed", "thu", "fri"]


def test_wishes_qualifications_teams_and_coverage(unit, ausweis):
    anna, bert = EmployeeFactory(unit=unit), EmployeeFactory(unit=unit)
    team = Team.objects.create(unit=unit, code="A1-1", name="Pässe")
    TeamDay.objects.create(team=team, weekday=1)
    TeamDay.objects.create(team=team, weekday=6)  # Sunday: not planned
    PresenceProfile.objects.create(employee=anna, team=team, cohort="A", field_days=[3])
    EmployeeQualification.objects.create(employee=anna, qualification=ausweis)
    Absence.objects.create(employee=anna, start=MONDAY, end=MONDAY)
    for day, kind in ((0, "home"), (1, "office"), (3, "home"), (4, "home")):
        Wish.objects.create(employee=anna, date=MONDAY + dt.timedelta(days=day), kind=kind)
    Wish.objects.create(employee=anna, date=MONDAY + dt.timedelta(days=7), kind="home")
    CoverageRule.objects.create(unit=unit, weekday=0, min_people=2)
    CoverageRule.objects.create(unit=unit, weekday=0, min_people=1, qualification=ausweis)
    CoverageRule.objects.create(unit=unit, weekday=5, min_people=1)  # Saturday: not planned

    instance = build(unit)[0]

    p = person(instance, anna)
    assert p["wishes"] == {"tue": "office", "fri": "home"}  # not on absent or field days
    assert (p["qualifications"], p["team"], p["cohort"]) == (["ausweis"], "A1-1", None)
    assert person(instance, bert)["team"] is None
    assert instance["team_days"] == [{"team": "A1-1", "day": "tue"}]
    assert instance["coverage"] == [
        {"unit": "A1", "day": "mon", "min": 2, "qualification": None},
        {"unit": "A1", "day": "mon", "min": 1, "qualification": "ausweis"},
    ]


def test_cohorts_only_in_a_pandemic(unit):
    anna = EmployeeFactory(unit=unit)
    PresenceProfile.objects.create(employee=anna, cohort="B")
    PandemicPeriod.objects.create(start_date=FRIDAY, end_date=FRIDAY + dt.timedelta(days=30))

    instance = build(unit)[0]

    assert instance["mode"] == "pandemic"
    assert person(instance, anna)["cohort"] == "B"


def test_a_unit_without_rooms_is_left_out_and_named(org, unit):
    EmployeeFactory(unit=unit)
    EmployeeFactory(unit=org["A"])
    EmployeeFactory(unit=org["A"])
    CoverageRule.objects.create(unit=org["A"], weekday=2, min_people=1)
    CoverageRule.objects.create(unit=org["B1"], weekday=2, min_people=1)

    instance, problems = build(unit, org["A"], org["B1"])

    assert {p["unit"] for p in instance["people"]} == {"A1"}
    assert instance["coverage"] == []
    assert [r["id"] for r in instance["rooms"]] == ["RH-104", "RH-105"]
    assert problems == [
        "Die Einheit „A Amt A“ hat keine Räume: 2 Beschäftigte können nicht eingeplant "
        "werden. Bitte der Einheit Räume zuordnen (Orte und Räume).",
        "Für die Einheit „B1 Abteilung B1“ gelten Besetzungsregeln, aber in dieser Woche ist "
        "niemand von ihr einzuplanen; die Regeln bleiben außen vor.",
    ]


def test_teams_of_two_units_with_one_code_are_told_apart(org, unit, make_room):
    make_room("A-1", units=[org["A"]])
    anna, bert = EmployeeFactory(unit=unit), EmployeeFactory(unit=org["A"])
    for employee, u in ((anna, unit), (bert, org["A"])):
        team = Team.objects.create(unit=u, code="T1", name="Team")
        PresenceProfile.objects.create(employee=employee, team=team)

    instance = build(unit, org["A"])[0]

    assert (person(instance, anna)["team"], person(instance, bert)["team"]) == ("A1/T1", "A/T1")


def test_locked_cells_become_the_formats_words(unit):
    anna = EmployeeFactory(unit=unit)
    agree(anna, weekdays=[0, 1])
    Absence.objects.create(
        employee=anna, start=MONDAY + dt.timedelta(days=3), end=MONDAY + dt.timedelta(days=3)
    )
    locks = {
        anna.personnel_number: {
            "mon": "office:RH-105",
            "tue": "home",
            "wed": "field",
            "thu": "office",  # the head knows the absence was cancelled
            "fri": "absent",
        }
    }

    p = person(build(unit, locked=locks)[0], anna)

    assert p["rooms"] == ["RH-105", "RH-104"]
    assert (p["office_days"], p["field"], p["absent"]) == (["mon", "thu"], ["wed"], ["fri"])
    assert p["wishes"] == {"tue": "home"}
    assert p["home_days_max"] == 2  # a lock never widens the agreement


def test_it_makes_an_instance_the_planner_accepts(unit, ausweis):
    planner = pytest.importorskip("rathausmobil.presence.planner.instance")
    for _ in range(5):
        employee = EmployeeFactory(unit=unit)
        agree(employee, weekdays=[2])
        Absence.objects.create(employee=employee, start=MONDAY, end=MONDAY)
    CoverageRule.objects.create(unit=unit, weekday=1, min_people=2, qualification=ausweis)

    planner.parse(build(unit)[0])


def test_it_asks_the_same_number_of_queries_for_many_people(
    org, unit, ausweis, django_assert_max_num_queries
):
    def staff(n):
        for i in range(n):
            employee = EmployeeFactory(unit=unit if i % 2 else org["B1"])
            agree(employee, weekdays=[i % 5])
            PresenceProfile.objects.create(employee=employee, working_days=[0, 1, 2, 3])
            Absence.objects.create(employee=employee, start=MONDAY, end=MONDAY)
            Wish.objects.create(employee=employee, date=FRIDAY, kind="home")
            EmployeeQualification.objects.create(employee=employee, qualification=ausweis)

    staff(4)
    with django_assert_max_num_queries(13) as few:
        build(unit, org["B1"])
    staff(40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        instance = build(unit, org["B1"])[0]
    assert len(instance["people"]) == 44


def test_the_week_starts_on_a_monday(unit):
    with pytest.raises(ValueError, match="not a Monday"):
        week_instance(units=[unit], week_start=MONDAY + dt.timedelta(days=1))
