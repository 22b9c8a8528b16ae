"""Why a plan falls short, in German: the reasons of the exchange format's `shortfalls`.

A coverage rule is short for one of few reasons, checked in this order and all named
when several hold: people absent or in the field, nobody (or too few) holding the
qualification, too few desks in the unit's rooms (the pandemic limit), the cohorts (only
one may be in the office), and finally desks or cohorts needed by other rules of the
same day. An infeasible week names each conflicting rule that always holds.
"""

from __future__ import annotations

from .instance import DAY_NAMES, Instance, Person


def _persons(count: int) -> str:
    return "1 Person" if count == 1 else f"{count} Personen"


def _places(count: int) -> str:
    return "1 Platz" if count == 1 else f"{count} Plätze"


def coverage_reason(instance: Instance, rule, planned: int) -> str:
    day = rule.day
    members = [p for p in instance.people if p.unit == rule.unit]
    holders = [
        p for p in members if rule.qualification is None or rule.qualification in p.qualifications
    ]
    if rule.qualification and not holders:
        return f"niemand in der Einheit hat die Qualifikation „{rule.qualification}“"
    absent = sum(1 for p in holders if day in p.absent)
    field = sum(1 for p in holders if day in p.field)
    available = [p for p in holders if day not in p.absent and day not in p.field]
    who = (
        f"{len(holders)} Beschäftigten mit „{rule.qualification}“"
        if rule.qualification
        else f"{len(holders)} Beschäftigten"
    )
    parts = []
    if absent or field or len(available) < rule.min:
        text = f"{absent} von {who} abwesend"
        if field:
            text += f", {field} im Außendienst"
        parts.append(text)
    if len(available) < rule.min:
        if rule.qualification and len(holders) < rule.min:
            parts.append(f"nur {_persons(len(holders))} mit „{rule.qualification}“ in der Einheit")
        return "; ".join(parts)
    desks = _desks(instance, available, day)
    if desks < rule.min:
        limit = " (Pandemiegrenze)" if instance.pandemic else ""
        parts.append(f"die Räume der Einheit haben am {DAY_NAMES[day]} nur {_places(desks)}{limit}")
    if instance.pandemic:
        largest = _largest_cohort(available)
        if largest < rule.min:
            parts.append(
                f"Kohorten dürfen sich nicht begegnen: höchstens {largest} aus einer Kohorte verfügbar"
            )
    if len(parts) == (1 if (absent or field) else 0):
        parts.append(
            f"die Plätze der Räume werden am {DAY_NAMES[day]} auch für feste Präsenztage "
            "und andere Besetzungsregeln gebraucht"
        )
    return "; ".join(parts)


def _desks(instance: Instance, people: list[Person], day: str) -> int:
    rooms = {r for p in people for r in p.rooms}
    return sum(instance.capacity(r, day) for r in rooms)


def _largest_cohort(people: list[Person]) -> int:
    free = sum(1 for p in people if not p.cohort)
    counts: dict[str, int] = {}
    for p in people:
        if p.cohort:
            counts[p.cohort] = counts.get(p.cohort, 0) + 1
    return free + max(counts.values(), default=0)


def _must_be_in(p: Person, day: str, locked: dict) -> bool:
    if day in p.absent or day in p.field:
        return False
    cell = locked.get(p.id, {}).get(day, "")
    return day in p.office_days or p.home_days_max == 0 or cell.startswith("office")


def _names(people: list[Person], limit: int = 6) -> str:
    ids = [p.id for p in people]
    shown = ", ".join(ids[:limit])
    return shown + (f" und {len(ids) - limit} weitere" if len(ids) > limit else "")


def conflict(instance: Instance, kind: str, key, locked: dict | None = None) -> dict:
    """One rule that always holds and is part of the conflict, as a `shortfalls` entry."""
    locked = locked or {}
    people = {p.id: p for p in instance.people}
    if kind == "room":
        room, day = key
        capacity = instance.capacity(room, day)
        bound = [p for p in instance.people if room in p.rooms and _must_be_in(p, day, locked)]
        limit = "Pandemiegrenze" if instance.pandemic else "Arbeitsplätze"
        reason = (
            f"Raum {room} hat am {DAY_NAMES[day]} {_places(capacity)} ({limit}); "
            f"{_persons(len(bound))} ohne Homeoffice an diesem Tag können nur dort oder in "
            f"ebenso vollen Räumen sitzen"
        )
        if bound:
            reason += f" ({_names(bound)})"
        return {
            "rule": "room_capacity",
            "room": room,
            "day": day,
            "desks": capacity,
            "reason": reason,
        }
    if kind == "home_days_max":
        p = people[key]
        if p.home_days_max == 0:
            why = "hat keine Vereinbarung über Homeoffice, darf also keinen Tag zu Hause arbeiten"
        else:
            days = "1 Tag" if p.home_days_max == 1 else f"{p.home_days_max} Tagen"
            why = f"darf laut Vereinbarung an höchstens {days} zu Hause arbeiten"
        return {
            "rule": "home_days_max",
            "person": p.id,
            "home_days_max": p.home_days_max,
            "reason": f"{p.id} {why}",
        }
    if kind == "office_day":
        person_id, day = key
        return {
            "rule": "office_days",
            "person": person_id,
            "day": day,
            "reason": f"{person_id} hat am {DAY_NAMES[day]} einen festen Präsenztag",
        }
    if kind == "cohorts":
        unit, day = key
        bound = [
            p
            for p in instance.people
            if p.unit == unit and p.cohort and _must_be_in(p, day, locked)
        ]
        cohorts = sorted({p.cohort for p in bound})
        return {
            "rule": "cohorts",
            "unit": unit,
            "day": day,
            "reason": (
                f"Einheit {unit} am {DAY_NAMES[day]}: die Kohorten "
                f"{' und '.join(cohorts) or 'A und B'} dürfen sich nicht begegnen, aber "
                f"{_names(bound)} müssen ins Büro"
            ),
        }
    person_id, day = key
    return {
        "rule": "locked",
        "person": person_id,
        "day": day,
        "reason": (
            f"{person_id} ist am {DAY_NAMES[day]} von Hand festgelegt "
            f"({locked.get(person_id, {}).get(day, '')})"
        ),
    }
