"""Judging a plan against its instance, independently of how it was found.

`violations()` lists every rule that always holds and that the plan breaks: a plan with
one is wrong, not worse. `evaluate()` counts what the plan achieves (coverage planned per
rule, wishes and team days met). The solver's statistics come from here, so the figures
a person reads are those of the plan they get, not of the solver's internals.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from .instance import DAY_NAMES, Instance


def parse_cell(value) -> tuple[str, str | None]:
    """`"office:RH-104"` → `("office", "RH-104")`; `"home"` → `("home", None)`."""
    if not isinstance(value, str):
        return ("", None)
    kind, _, room = value.partition(":")
    return (kind, room or None) if kind == "office" else (value, None)


def violations(instance: Instance, plan: dict) -> list[str]:
    """Every broken rule that always holds, in German; empty for a correct plan."""
    problems: list[str] = []
    people = {p.id: p for p in instance.people}
    for person_id in sorted(set(plan) - set(people)):
        problems.append(f"{person_id}: unbekannte Person im Plan")
    occupancy: Counter = Counter()
    in_office: dict[tuple[str, str], set[str]] = defaultdict(set)  # (unit, day) → cohorts
    for person in instance.people:
        days = plan.get(person.id)
        if not isinstance(days, dict):
            problems.append(f"{person.id}: fehlt im Plan")
            continue
        for day in sorted(set(days) - set(instance.days)):
            problems.append(f'{person.id}: Tag "{day}" wird nicht geplant')
        home_days = 0
        for day in instance.days:
            name = DAY_NAMES[day]
            kind, room = parse_cell(days.get(day))
            if day in person.absent:
                if kind != "absent":
                    problems.append(
                        f"{person.id}, {name}: abwesend, aber als {kind or '–'} geplant"
                    )
                continue
            if day in person.field:
                if kind != "field":
                    problems.append(
                        f"{person.id}, {name}: Außendienst, aber als {kind or '–'} geplant"
                    )
                continue
            if kind == "home":
                home_days += 1
                if day in person.office_days:
                    problems.append(
                        f"{person.id}, {name}: fester Präsenztag, aber zu Hause geplant"
                    )
            elif kind == "office":
                if room not in person.rooms:
                    problems.append(
                        f'{person.id}, {name}: Raum "{room}" steht nicht in seiner Liste'
                    )
                else:
                    occupancy[(room, day)] += 1
                    if instance.pandemic and person.cohort:
                        in_office[(person.unit, day)].add(person.cohort)
            elif kind in ("absent", "field"):
                problems.append(f"{person.id}, {name}: als {kind} geplant, ist es aber nicht")
            else:
                problems.append(f"{person.id}, {name}: kein gültiger Eintrag ({days.get(day)!r})")
        if home_days > person.home_days_max:
            problems.append(
                f"{person.id}: {home_days} Tage zu Hause, die Vereinbarung erlaubt "
                f"höchstens {person.home_days_max}"
            )
    for (room, day), count in sorted(occupancy.items()):
        capacity = instance.capacity(room, day)
        if count > capacity:
            problems.append(
                f"Raum {room}, {DAY_NAMES[day]}: {count} Personen, aber nur {capacity} Plätze"
            )
    for (unit, day), cohorts in sorted(in_office.items()):
        if len(cohorts) > 1:
            problems.append(
                f"Einheit {unit}, {DAY_NAMES[day]}: Kohorten {', '.join(sorted(cohorts))} "
                "zugleich im Büro"
            )
    return problems


def coverage_planned(instance: Instance, plan: dict) -> list[int]:
    """How many of each coverage rule's people the plan puts in the office."""
    office: dict[tuple[str, str], list] = defaultdict(list)  # (unit, day) → people in office
    for person in instance.people:
        for day, value in (plan.get(person.id) or {}).items():
            if parse_cell(value)[0] == "office":
                office[(person.unit, day)].append(person)
    return [
        sum(
            1
            for person in office[(rule.unit, rule.day)]
            if rule.qualification is None or rule.qualification in person.qualifications
        )
        for rule in instance.coverage
    ]


def evaluate(instance: Instance, plan: dict) -> dict:
    """Coverage shortfall, wishes and team days met by the plan."""
    wishes_total = wishes_met = 0
    for person in instance.people:
        days = plan.get(person.id) or {}
        for day, wish in person.wishes.items():
            wishes_total += 1
            if parse_cell(days.get(day))[0] == wish:
                wishes_met += 1
    team_days_met = 0
    members: dict[str, list] = defaultdict(list)
    for person in instance.people:
        if person.team:
            members[person.team].append(person)
    for meeting in instance.team_days:
        if all(
            parse_cell((plan.get(p.id) or {}).get(meeting.day))[0] == "office"
            for p in members[meeting.team]
            if meeting.day not in p.absent and meeting.day not in p.field
        ):
            team_days_met += 1
    planned = coverage_planned(instance, plan)
    return {
        "coverage_planned": planned,
        "coverage_shortfall": sum(
            max(0, rule.min - got) for rule, got in zip(instance.coverage, planned, strict=True)
        ),
        "wishes_total": wishes_total,
        "wishes_met": wishes_met,
        "team_days_total": len(instance.team_days),
        "team_days_met": team_days_met,
    }
