"""Synthetic weeks in the exchange format, for the benchmark and the planner's tests.

A town hall of `staff` people in units of 6 to 40, several units to a building, rooms
of 2 to 6 desks (about 0.7 desks per person, the pandemic limit about half of that),
some rooms shared by two neighbouring units. About 70 % have an agreement with 1 to 3
home days, one in ten a fixed presence day, about 8 % of person-days absent, field days
in the patrol units, wishes from most people, teams with a team day, and coverage rules
(with an ID-card qualification) in the service units. Seeded: the same arguments give the
same week.
"""

from __future__ import annotations

import random

from .instance import FORMAT

DAYS = ["mon", "tue", "wed", "thu", "fri"]


def week(
    *, staff: int, mode: str = "normal", seed: int = 1, week_start: str = "2027-03-01"
) -> dict:
    rng = random.Random(seed)
    rooms: list[dict] = []
    people: list[dict] = []
    coverage: list[dict] = []
    team_days: list[dict] = []
    unit_no = 0
    building_no = 0
    previous_rooms: list[str] = []
    while len(people) < staff:
        if unit_no % 12 == 0:
            building_no += 1
            previous_rooms = []
        size = min(rng.randint(6, 40), staff - len(people))
        unit = f"U{unit_no:04d}"
        kind = rng.random()
        service = kind < 0.15
        patrol = 0.15 <= kind < 0.22
        shared = previous_rooms[:1] if previous_rooms and rng.random() < 0.3 else []
        teams = [f"{unit}-T{i + 1}" for i in range(max(1, size // 8))]
        for i in range(size):
            pid = f"P{len(people) + 1:06d}"
            home_max = rng.choice([0, 1, 2, 2, 3, 3]) if rng.random() < 0.7 else 0
            if service:
                home_max = min(home_max, 2)
            if mode == "pandemic":  # the pandemic offer: cohorts need home days on both sides
                home_max = 3 if service else rng.choice([3, 4, 5, 5, 5])
            absent = sorted(rng.sample(DAYS, rng.choice([0] * 17 + [1, 2, 5])), key=DAYS.index)
            free = [d for d in DAYS if d not in absent]
            field = rng.sample(free, min(len(free), rng.randint(1, 2))) if patrol and free else []
            free = [d for d in free if d not in field]
            fixed = mode == "normal" and free and rng.random() < 0.1
            office_days = rng.sample(free, 1) if fixed else []
            wishes = {}
            if rng.random() < 0.75:
                for day in rng.sample(DAYS, rng.randint(1, 3)):
                    wishes[day] = "home" if rng.random() < 0.65 else "office"
            qualifications = ["ausweis"] if service and rng.random() < 0.4 else []
            team = rng.choice(teams) if rng.random() < 0.45 else None
            people.append(
                {
                    "id": pid,
                    "unit": unit,
                    "rooms": [],
                    "home_days_max": home_max,
                    "office_days": office_days,
                    "absent": absent,
                    "field": field,
                    "wishes": wishes,
                    "qualifications": qualifications,
                    "cohort": "AB"[i % 2] if mode == "pandemic" else None,
                    "team": team,
                }
            )
        staff_of_unit = people[-size:]
        unit_rooms = _rooms(rng, rooms, staff_of_unit, unit, building_no, mode)
        for person in staff_of_unit:  # the unit's rooms, as the records give them
            person["rooms"] = unit_rooms + shared
        members = {p["team"] for p in staff_of_unit if p["team"]}
        for team in sorted(members):
            team_days.append({"team": team, "day": rng.choice(DAYS)})
        if service:
            for day in DAYS:
                coverage.append(
                    {"unit": unit, "day": day, "min": max(2, size // 3), "qualification": None}
                )
                coverage.append({"unit": unit, "day": day, "min": 1, "qualification": "ausweis"})
        previous_rooms = unit_rooms
        unit_no += 1
    return {
        "format": FORMAT,
        "week_start": week_start,
        "mode": mode,
        "days": DAYS,
        "rooms": rooms,
        "people": people,
        "coverage": coverage,
        "team_days": team_days,
    }


def _rooms(rng, rooms, staff_of_unit, unit, building_no, mode) -> list[str]:
    """Rooms for a unit: enough desks for those who must come in, plus some slack."""
    office_days = sum(
        max(0, 5 - len(p["absent"]) - len(p["field"]) - p["home_days_max"]) for p in staff_of_unit
    )
    bound = sum(1 for p in staff_of_unit if p["home_days_max"] == 0)
    needed = max(2, bound + 1, round(office_days / 5 * rng.uniform(1.15, 1.5)))
    key = "pandemic_desks" if mode == "pandemic" else "desks"
    if mode == "pandemic":  # one cohort in the office at a time: about half the unit
        needed = max(needed, round(len(staff_of_unit) * 0.6) + 1)
    unit_rooms = []
    while needed > 0:
        size = rng.randint(2, 6)
        room = {
            "id": f"B{building_no}-{unit}-{len(unit_rooms) + 1:02d}",
            "building": f"Gebäude {building_no}",
            "desks": size,
            "pandemic_desks": max(1, size // 2),
        }
        if mode == "pandemic":
            room["desks"] = max(size, room["pandemic_desks"] * 2)
        rooms.append(room)
        unit_rooms.append(room["id"])
        needed -= room[key]
    return unit_rooms
