"""The planner against its contract (docs/workflows/presence.md): no database.

Every rule that always holds is broken on purpose in a hand-built plan and must be
caught; the planner's own plans break none; coverage is met whenever it can be; a short
rule names its reason; an impossible week names the conflicting rules.
"""

import copy
import json
from pathlib import Path

import pytest

from rathausmobil.presence.planner import (
    FORMAT,
    InvalidInstance,
    evaluate,
    parse,
    plan_week,
    violations,
)
from rathausmobil.presence.planner.solve import split
from rathausmobil.presence.planner.synthetic import week

CASES = Path(__file__).parent / "planner_cases"
DAYS = ["mon", "tue", "wed", "thu", "fri"]


def person(pid, **kw):
    base = {"id": pid, "unit": "BB", "rooms": ["R1"], "home_days_max": 2}
    base.update(kw)
    return base


def instance(people, *, rooms=None, coverage=(), team_days=(), mode="normal", days=DAYS):
    return {
        "format": FORMAT,
        "week_start": "2027-03-01",
        "mode": mode,
        "days": list(days),
        "rooms": rooms or [{"id": "R1", "building": "Rathaus", "desks": 10, "pandemic_desks": 5}],
        "people": people,
        "coverage": list(coverage),
        "team_days": list(team_days),
    }


@pytest.mark.parametrize("name", ["small-week.json", "small-pandemic-week.json"])
def test_the_samples_are_planned_optimally_without_breaking_a_rule(name):
    document = json.loads((CASES / name).read_text())
    answer = plan_week(document, time_limit=10)
    assert answer["format"] == FORMAT
    assert answer["status"] == "optimal"
    assert violations(parse(document), answer["plan"]) == []
    assert set(answer["plan"]) == {p["id"] for p in document["people"]}
    for days in answer["plan"].values():
        assert list(days) == document["days"]
    figures = evaluate(parse(document), answer["plan"])
    assert answer["stats"]["wishes_met"] == figures["wishes_met"]
    assert answer["stats"]["team_days_met"] == figures["team_days_met"]


# -- every rule that always holds, broken on purpose ------------------------------------


def _good():
    doc = instance(
        [
            person("A", office_days=["mon"], absent=["fri"], home_days_max=1, cohort="A"),
            person("B", field=["tue"], home_days_max=4, cohort="B"),
        ],
        rooms=[
            {"id": "R1", "building": "Rathaus", "desks": 1, "pandemic_desks": 1},
            {"id": "R2", "building": "Rathaus", "desks": 1, "pandemic_desks": 1},
        ],
        mode="pandemic",
    )
    doc["people"][1]["rooms"] = ["R2"]
    plan = {
        "A": {
            "mon": "office:R1",
            "tue": "office:R1",
            "wed": "office:R1",
            "thu": "home",
            "fri": "absent",
        },
        "B": {"mon": "home", "tue": "field", "wed": "home", "thu": "home", "fri": "office:R2"},
    }
    return doc, plan


def test_a_correct_hand_built_plan_has_no_violation():
    doc, plan = _good()
    assert violations(parse(doc), plan) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d, p: p["A"].update(fri="home"), "abwesend"),
        (lambda d, p: p["B"].update(tue="office:R2"), "Außendienst"),
        (lambda d, p: p["A"].update(wed="home"), "höchstens 1"),
        (lambda d, p: p["A"].update(mon="home", thu="office:R1"), "fester Präsenztag"),
        (lambda d, p: p["B"].update(mon="office:R1"), "nicht in seiner Liste"),
        (
            lambda d, p: d["people"][1]["rooms"].append("R1") or p["B"].update(mon="office:R1"),
            "Plätze",
        ),
        (lambda d, p: p["B"].update(wed="office:R2"), "Kohorten"),
        (lambda d, p: p.pop("B"), "fehlt im Plan"),
        (lambda d, p: p["A"].update(tue="garden"), "kein gültiger Eintrag"),
        (lambda d, p: p["A"].update(thu="field"), "ist es aber nicht"),
    ],
    ids=[
        "absent",
        "field",
        "home-max",
        "office-day",
        "room-list",
        "desks",
        "cohorts",
        "missing",
        "garbage",
        "invented-field",
    ],
)
def test_each_rule_broken_on_purpose_is_caught(change, expected):
    doc, plan = _good()
    change(doc, plan)
    found = violations(parse(doc), plan)
    assert any(expected in line for line in found), found


def test_cohorts_do_not_apply_in_normal_mode():
    doc, plan = _good()
    doc["mode"] = "normal"
    plan["B"]["wed"] = "office:R2"
    assert violations(parse(doc), plan) == []


# -- what the planner promises ------------------------------------------------------------


def test_nobody_without_an_agreement_is_planned_at_home():
    doc = instance([person(f"P{i}", home_days_max=0, wishes={"mon": "home"}) for i in range(4)])
    answer = plan_week(doc, time_limit=5)
    assert all(v.startswith("office") for days in answer["plan"].values() for v in days.values())


def test_coverage_is_met_whenever_it_can_be_even_against_every_wish():
    people = [
        person(f"P{i}", home_days_max=5, wishes=dict.fromkeys(DAYS, "home")) for i in range(6)
    ]
    coverage = [{"unit": "BB", "day": d, "min": 3, "qualification": None} for d in DAYS]
    answer = plan_week(instance(people, coverage=coverage), time_limit=5)
    assert answer["status"] == "optimal"
    assert answer["shortfalls"] == []
    for day in DAYS:
        in_office = sum(1 for days in answer["plan"].values() if days[day].startswith("office"))
        assert in_office == 3  # the rule, and not one person more against their wish


def test_a_short_rule_names_the_absences_with_the_right_figures():
    people = [person(f"P{i}", home_days_max=5) for i in range(6)]
    for p in people[:2]:
        p["absent"] = ["wed"]
    for p in people[2:4]:
        p["field"] = ["wed"]
    coverage = [{"unit": "BB", "day": "wed", "min": 4, "qualification": None}]
    answer = plan_week(instance(people, coverage=coverage), time_limit=5)
    assert answer["status"] == "optimal"
    [short] = answer["shortfalls"]
    assert short == {
        "rule": "coverage",
        "unit": "BB",
        "day": "wed",
        "qualification": None,
        "required": 4,
        "planned": 2,
        "reason": "2 von 6 Beschäftigten abwesend, 2 im Außendienst",
    }


def test_a_short_qualification_rule_names_the_missing_qualification():
    people = [person("P1", qualifications=["ausweis"], absent=["fri"]), person("P2")]
    coverage = [
        {"unit": "BB", "day": "fri", "min": 1, "qualification": "ausweis"},
        {"unit": "BB", "day": "mon", "min": 1, "qualification": "trauung"},
    ]
    answer = plan_week(instance(people, coverage=coverage), time_limit=5)
    reasons = {s["qualification"]: s["reason"] for s in answer["shortfalls"]}
    assert reasons["ausweis"] == "1 von 1 Beschäftigten mit „ausweis“ abwesend"
    assert reasons["trauung"] == "niemand in der Einheit hat die Qualifikation „trauung“"


def test_too_few_desks_is_the_reason_when_nobody_is_away():
    people = [person(f"P{i}", home_days_max=5) for i in range(5)]
    rooms = [{"id": "R1", "building": "Rathaus", "desks": 2, "pandemic_desks": 1}]
    coverage = [{"unit": "BB", "day": "mon", "min": 4, "qualification": None}]
    answer = plan_week(instance(people, rooms=rooms, coverage=coverage), time_limit=5)
    [short] = answer["shortfalls"]
    assert short["planned"] == 2
    assert "nur 2 Plätze" in short["reason"]


def test_cohorts_never_meet_in_pandemic_mode():
    people = [
        person(f"P{i}", home_days_max=5, cohort="AB"[i % 2], wishes=dict.fromkeys(DAYS, "office"))
        for i in range(8)
    ]
    answer = plan_week(instance(people, mode="pandemic"), time_limit=5)
    plan = answer["plan"]
    for day in DAYS:
        cohorts = {people[i]["cohort"] for i in range(8) if plan[f"P{i}"][day].startswith("office")}
        assert len(cohorts) <= 1
    assert violations(parse(instance(people, mode="pandemic")), plan) == []


def test_a_team_day_is_met_when_every_present_member_is_in():
    people = [
        person("P1", team="T", home_days_max=5),
        person("P2", team="T", home_days_max=5, wishes={"mon": "home"}),
        person("P3", team="T", absent=["tue"]),
    ]
    answer = plan_week(instance(people, team_days=[{"team": "T", "day": "tue"}]), time_limit=5)
    assert answer["stats"]["team_days_met"] == 1
    assert answer["plan"]["P1"]["tue"].startswith("office")
    assert answer["plan"]["P2"]["tue"].startswith("office")
    assert answer["plan"]["P3"]["tue"] == "absent"


def test_locked_cells_are_kept():
    people = [person("P1", home_days_max=5, wishes={"mon": "home"})]
    doc = instance(people)
    answer = plan_week(doc, time_limit=5, locked={"P1": {"mon": "office:R1", "tue": "home"}})
    assert answer["plan"]["P1"]["mon"] == "office:R1"
    assert answer["plan"]["P1"]["tue"] == "home"


def test_a_locked_cell_that_breaks_a_rule_is_named():
    doc = instance([person("P1", home_days_max=0)])
    answer = plan_week(doc, time_limit=5, locked={"P1": {"mon": "home"}})
    assert answer["status"] == "infeasible"
    assert {s["rule"] for s in answer["shortfalls"]} == {"locked", "home_days_max"}


def test_the_previous_plan_is_a_hint_that_keeps_rooms():
    people = [person("P1", rooms=["R1", "R2"], home_days_max=0)]
    rooms = [
        {"id": "R1", "building": "Rathaus", "desks": 3, "pandemic_desks": 1},
        {"id": "R2", "building": "Rathaus", "desks": 3, "pandemic_desks": 1},
    ]
    previous = {"P1": dict.fromkeys(DAYS, "office:R2")}
    answer = plan_week(instance(people, rooms=rooms), time_limit=5, previous=previous)
    assert set(answer["plan"]["P1"].values()) == {"office:R2"}


def test_an_impossible_week_names_the_conflicting_rules():
    people = [person(f"P{i}", home_days_max=0) for i in range(3)]
    rooms = [{"id": "R1", "building": "Rathaus", "desks": 2, "pandemic_desks": 1}]
    answer = plan_week(instance(people, rooms=rooms, days=["mon"]), time_limit=5)
    assert answer["status"] == "infeasible"
    assert answer["plan"] == {}
    rules = sorted(s["rule"] for s in answer["shortfalls"])
    assert rules == ["home_days_max"] * 3 + ["room_capacity"]
    room = next(s for s in answer["shortfalls"] if s["rule"] == "room_capacity")
    assert room["room"] == "R1" and room["day"] == "mon" and "2 Plätze" in room["reason"]


def test_cohorts_that_must_both_come_in_are_named():
    people = [person("P1", home_days_max=0, cohort="A"), person("P2", home_days_max=0, cohort="B")]
    answer = plan_week(instance(people, mode="pandemic", days=["mon"]), time_limit=5)
    assert answer["status"] == "infeasible"
    assert "cohorts" in {s["rule"] for s in answer["shortfalls"]}


def test_independent_units_are_split_and_shared_rooms_join_them():
    doc = week(staff=300, seed=3)
    parts = split(parse(doc))
    assert len(parts) > 3
    people = {p["id"]: p for p in doc["people"]}
    rooms_of = [{r for p in part.people for r in people[p.id]["rooms"]} for part in parts]
    for i, a in enumerate(rooms_of):
        for b in rooms_of[i + 1 :]:
            assert not a & b  # no room in two parts
    units_of = [{p.unit for p in part.people} for part in parts]
    covered = {c["unit"] for c in doc["coverage"]}
    for i, a in enumerate(units_of):
        for b in units_of[i + 1 :]:
            assert not (a & b & covered)


@pytest.mark.parametrize("mode", ["normal", "pandemic"])
def test_a_town_hall_is_planned_without_breaking_a_rule(mode):
    doc = week(staff=600, mode=mode, seed=7)
    answer = plan_week(doc, time_limit=20)
    assert answer["status"] in ("optimal", "feasible")
    assert violations(parse(doc), answer["plan"]) == []
    figures = evaluate(parse(doc), answer["plan"])
    assert answer["stats"]["coverage_shortfall"] == figures["coverage_shortfall"]
    assert len(answer["shortfalls"]) == sum(
        1
        for rule, got in zip(parse(doc).coverage, figures["coverage_planned"], strict=True)
        if got < rule.min
    )


# -- invalid instances ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["people"][0]["rooms"].__setitem__(0, "RH-999"),
            'people[0].rooms[0]: unbekannter Raum "RH-999"',
        ),
        (lambda d: d.update(colour="blue"), 'colour: unbekannter Schlüssel "colour"'),
        (
            lambda d: d["people"][0].update(absent=["sun"]),
            'people[0].absent[0]: Tag "sun" wird in dieser Woche nicht geplant',
        ),
        (
            lambda d: d["people"][0].update(home_days_max="2"),
            "people[0].home_days_max: eine ganze Zahl erwartet",
        ),
        (
            lambda d: d.update(coverage=[{"unit": "XX", "day": "mon", "min": 1}]),
            'coverage[0].unit: unbekannte Einheit "XX"',
        ),
        (
            lambda d: d.update(team_days=[{"team": "T9", "day": "mon"}]),
            'team_days[0].team: unbekanntes Team "T9"',
        ),
        (lambda d: d.update(format="other/2"), "format:"),
        (
            lambda d: d["people"][0].update(rooms=[]),
            "people[0].rooms: mindestens ein Raum erwartet",
        ),
        (lambda d: d["people"].append(copy.deepcopy(d["people"][0])), 'Person "P1" doppelt'),
        (lambda d: d["people"][0].update(wishes={"mon": "beach"}), "people[0].wishes.mon"),
        (lambda d: d["people"][0].update(absent=["mon"], field=["mon"]), "zugleich als abwesend"),
    ],
)
def test_an_invalid_instance_names_the_place(change, expected):
    doc = instance([person("P1")])
    change(doc)
    with pytest.raises(InvalidInstance) as caught:
        plan_week(doc)
    assert any(expected in line for line in caught.value.problems), caught.value.problems


def test_every_problem_is_listed_not_only_the_first():
    doc = instance([person("P1", rooms=["X"], home_days_max=-1), person("P2", unit=7)])
    with pytest.raises(InvalidInstance) as caught:
        plan_week(doc)
    assert len(caught.value.problems) >= 3


def test_a_large_part_without_an_exact_split_starts_from_its_units_planned_alone():
    doc = week(staff=600, seed=11)
    doc["rooms"].append({"id": "POOL", "building": "Rathaus", "desks": 4, "pandemic_desks": 2})
    for p in doc["people"]:
        p["rooms"].append("POOL")  # one room everyone may use: no exact split
    assert len(split(parse(doc))) == 1
    answer = plan_week(doc, time_limit=8)
    assert answer["status"] in ("optimal", "feasible")
    assert violations(parse(doc), answer["plan"]) == []
    alone = plan_week(week(staff=600, seed=11), time_limit=8)
    # The shared room can only help: at least as much as the units planned apart.
    assert answer["stats"]["coverage_shortfall"] <= alone["stats"]["coverage_shortfall"]
    met = answer["stats"]["wishes_met"] + answer["stats"]["team_days_met"]
    assert met >= alone["stats"]["wishes_met"] + alone["stats"]["team_days_met"]
