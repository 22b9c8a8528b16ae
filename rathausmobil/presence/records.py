"""One week's planning problem from the records, in the exchange format
(`rathausmobil-presence/1`, ../shared/presence-format.md, docs/workflows/presence.md).

`week_instance(units=..., week_start=...)` reads, with a fixed number of queries
however many people there are, the people of the given units and everything that
shapes their week, and returns `(instance, problems)`: the instance as a dict with
exactly the format's keys, and the German sentences about what could not go into it
(a unit without rooms, rules of a unit nobody is planned for).

How the records become the format's words:

- `people`: the active employees of the units who are employed on at least one day of
  the week; `id` is the personnel number, `unit` the unit's code, `rooms` the codes of
  the unit's rooms in use (a unit without rooms: its people are left out, see problems).
- `absent`: the days the person does not work (part-time, `PresenceProfile.working_days`),
  is not yet or no longer employed, or has an absence.
- `field`: the profile's field days (Außendienst) the person works and is not absent.
- `home_days_max` and `office_days`, from the agreement in force (status active or
  ending, in force on at least one working day of the week; with two, the one in force
  on more days, then the later one):
  - pattern WEEKDAYS: the agreed weekdays are the home days allowed; `home_days_max`
    counts those the person works while the agreement is in force; every other working
    day is an office day;
  - pattern SHARE: `home_days_max` = floor(share % × working days in force / 100); days
    on which the agreement is not in force are office days;
  - no agreement: `home_days_max` 0 (consent: nobody is sent home without one);
  plus the profile's fixed presence days. Office days never include absent or field days.
- `wishes`: the person's wishes for days they work and are neither absent nor in the field.
- `qualifications`: codes; `team`: the team's code (qualified as `UNIT/CODE` only where two
  teams of the instance share a code); `cohort`: the profile's cohort in pandemic mode
  (a pandemic period covers a day of the week), else null.
- `coverage` and `team_days` from the units' rules and their teams' days, Monday to Friday.

`locked` (person id -> day -> cell as in a plan: `office:ROOM`, `office`, `home`,
`absent`, `field`) are cells the head set by hand. The builder writes them into the
format's own words where it has them: a locked absent or field day is one, a locked
office day is a fixed office day (its room goes first in the person's list), a locked
home day is no office day and the person's wish. The format has no word for "home on
this day" or "this room on this day": the planner keeps those locks itself.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db.models import F, Q

from rathausmobil.agreements.models import (
    Agreement,
    AgreementStatus,
    PandemicPeriod,
    PatternType,
)
from rathausmobil.organisation.models import Employee, OrgUnit
from rathausmobil.presence.models import (
    DAY_KEYS,
    Absence,
    CoverageRule,
    EmployeeQualification,
    PresenceProfile,
    Room,
    Team,
    TeamDay,
    UnitRoom,
    Wish,
    default_working_days,
)

FORMAT = "rathausmobil-presence/1"
PLANNED_DAYS = (0, 1, 2, 3, 4)  # Monday to Friday


@dataclass
class _Agreement:
    pattern: str
    weekdays: frozenset[int]
    share: int
    start: dt.date
    end: dt.date | None  # the last day in force, if known

    def in_force(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass
class _Person:
    id: str
    unit_id: int
    entry: dt.date
    exit: dt.date | None
    working: set[int] = field(default_factory=lambda: set(default_working_days()))
    office: set[int] = field(default_factory=set)
    field_days: set[int] = field(default_factory=set)
    cohort: str = ""
    team_id: int | None = None
    absences: list[tuple[dt.date, dt.date]] = field(default_factory=list)
    wishes: dict[int, str] = field(default_factory=dict)
    qualifications: list[str] = field(default_factory=list)
    agreements: list[_Agreement] = field(default_factory=list)


def week_instance(
    *,
    units: Iterable[OrgUnit | int],
    week_start: dt.date,
    locked: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[dict, list[str]]:
    """The planning problem of the week starting on Monday `week_start` for the people
    of `units` (those units only, not the ones below), and the problems found."""
    if week_start.weekday() != 0:
        raise ValueError(f"week_start {week_start} is not a Monday")
    unit_ids = sorted({getattr(unit, "pk", unit) for unit in units})
    dates = [week_start + dt.timedelta(days=day) for day in PLANNED_DAYS]
    monday, friday = dates[0], dates[-1]
    pandemic = (
        PandemicPeriod.objects.filter(start_date__lte=friday)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=monday))
        .exists()
    )
    named = list(OrgUnit.objects.filter(pk__in=unit_ids).values_list("pk", "code", "name"))
    unit_codes = {pk: code for pk, code, _name in named}
    unit_labels = {pk: f"{code} {name}" for pk, code, name in named}
    people = _people(unit_ids, monday, friday)
    rooms, rooms_of_unit = _rooms(unit_ids)
    teams, team_days = _teams(unit_ids)

    problems: list[str] = []
    instance_people = []
    without_rooms: dict[int, int] = defaultdict(int)
    for person in people.values():
        if not rooms_of_unit.get(person.unit_id):
            without_rooms[person.unit_id] += 1
            continue
        instance_people.append(
            _person_entry(
                person,
                dates=dates,
                unit_code=unit_codes[person.unit_id],
                rooms=rooms_of_unit[person.unit_id],
                team=teams.get(person.team_id) if person.team_id else None,
                pandemic=pandemic,
                locks=(locked or {}).get(person.id, {}),
            )
        )
    for unit_id, count in sorted(without_rooms.items(), key=lambda item: unit_codes[item[0]]):
        problems.append(
            f"Die Einheit „{unit_labels[unit_id]}“ hat keine Räume: "
            f"{count} Beschäftigte können nicht eingeplant werden. Bitte der Einheit Räume "
            "zuordnen (Orte und Räume)."
        )

    planned_units = {person["unit"] for person in instance_people}
    used_rooms = {code for person in instance_people for code in person["rooms"]}
    used_teams = {person["team"] for person in instance_people if person["team"]}
    coverage, unplanned = _coverage(unit_ids, unit_codes, planned_units)
    for unit_id in sorted(unplanned - set(without_rooms), key=unit_codes.get):
        problems.append(
            f"Für die Einheit „{unit_labels[unit_id]}“ gelten Besetzungsregeln, aber in dieser "
            "Woche ist niemand von ihr einzuplanen; die Regeln bleiben außen vor."
        )
    return (
        {
            "format": FORMAT,
            "week_start": monday.isoformat(),
            "mode": "pandemic" if pandemic else "normal",
            "days": [DAY_KEYS[day] for day in PLANNED_DAYS],
            "rooms": [room for code, room in sorted(rooms.items()) if code in used_rooms],
            "people": instance_people,
            "coverage": coverage,
            "team_days": [
                {"team": team, "day": DAY_KEYS[day]}
                for team, day in sorted(team_days)
                if team in used_teams
            ],
        },
        problems,
    )


# --------------------------------------------------------------------------- reading


def _people(unit_ids: list[int], monday: dt.date, friday: dt.date) -> dict[int, _Person]:
    """Everyone to plan, with their profile, absences, wishes, qualifications and
    agreements: one query each, whatever the number of people."""
    staff = (
        Employee.objects.filter(unit_id__in=unit_ids, is_active=True, entry_date__lte=friday)
        .filter(Q(exit_date__isnull=True) | Q(exit_date__gte=monday))
        .order_by("personnel_number")
        .values_list("pk", "personnel_number", "unit_id", "entry_date", "exit_date")
    )
    people = {
        pk: _Person(id=number, unit_id=unit_id, entry=entry, exit=exit_)
        for pk, number, unit_id, entry, exit_ in staff
    }
    of_units = Q(employee__unit_id__in=unit_ids, employee__is_active=True)
    for pk, working, office, field_days, cohort, team_id in PresenceProfile.objects.filter(
        of_units
    ).values_list("employee_id", "working_days", "office_days", "field_days", "cohort", "team_id"):
        if pk in people:
            person = people[pk]
            person.working, person.office = set(working or []), set(office or [])
            person.field_days, person.cohort, person.team_id = (
                set(field_days or []),
                cohort,
                team_id,
            )
    for pk, start, end in Absence.objects.filter(
        of_units, start__lte=friday, end__gte=monday
    ).values_list("employee_id", "start", "end"):
        if pk in people:
            people[pk].absences.append((start, end))
    for pk, date, kind in Wish.objects.filter(of_units, date__range=(monday, friday)).values_list(
        "employee_id", "date", "kind"
    ):
        if pk in people:
            people[pk].wishes[date.weekday()] = kind
    for pk, code in (
        EmployeeQualification.objects.filter(of_units)
        .order_by("qualification__code")
        .values_list("employee_id", "qualification__code")
    ):
        if pk in people:
            people[pk].qualifications.append(code)
    agreements = (
        Agreement.objects.filter(
            of_units,
            status__in=[AgreementStatus.ACTIVE, AgreementStatus.ENDING],
            start_date__lte=friday,
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=monday))
        .filter(Q(effective_end_date__isnull=True) | Q(effective_end_date__gte=monday))
        .values_list(
            "employee_id",
            "pattern_type",
            "weekdays",
            "share_percent",
            "start_date",
            "end_date",
            "effective_end_date",
        )
    )
    for pk, pattern, weekdays, share, start, end, effective_end in agreements:
        if pk in people:
            last = min((d for d in (end, effective_end) if d is not None), default=None)
            people[pk].agreements.append(
                _Agreement(pattern, frozenset(weekdays or []), share or 0, start, last)
            )
    return people


def _rooms(unit_ids: list[int]) -> tuple[dict[str, dict], dict[int, list[str]]]:
    """The rooms in use of the units, in the format's shape, and each unit's room codes."""
    rooms = {
        room.code: {
            "id": room.code,
            "building": room.building.name,
            "desks": room.desks,
            "pandemic_desks": room.pandemic_desks,
        }
        for room in Room.objects.filter(is_active=True, unit_rooms__unit_id__in=unit_ids)
        .select_related("building")
        .distinct()
    }
    of_unit: dict[int, list[str]] = defaultdict(list)
    for unit_id, code in (
        UnitRoom.objects.filter(unit_id__in=unit_ids, room__is_active=True)
        .order_by("room__code")
        .values_list("unit_id", "room__code")
    ):
        of_unit[unit_id].append(code)
    return rooms, of_unit


def _teams(unit_ids: list[int]) -> tuple[dict[int, str], set[tuple[str, int]]]:
    """The units' teams (pk -> id in the instance) and their days (team id, weekday)."""
    rows = list(Team.objects.filter(unit_id__in=unit_ids).values_list("pk", "code", "unit__code"))
    codes = defaultdict(int)
    for _pk, code, _unit in rows:
        codes[code] += 1
    teams = {pk: (code if codes[code] == 1 else f"{unit}/{code}") for pk, code, unit in rows}
    days = {
        (teams[team_id], weekday)
        for team_id, weekday in TeamDay.objects.filter(
            team__unit_id__in=unit_ids, weekday__in=PLANNED_DAYS
        ).values_list("team_id", "weekday")
    }
    return teams, days


def _coverage(
    unit_ids: list[int], unit_codes: dict[int, str], planned_units: set[str]
) -> tuple[list[dict], set[int]]:
    """The units' coverage rules for the planned days, and the units whose rules are
    left out because nobody of them is planned."""
    rules = (
        CoverageRule.objects.filter(unit_id__in=unit_ids, weekday__in=PLANNED_DAYS)
        .order_by("unit__code", "weekday", F("qualification__code").asc(nulls_first=True))
        .values_list("unit_id", "weekday", "min_people", "qualification__code")
    )
    coverage, left_out = [], set()
    for unit_id, weekday, minimum, qualification in rules:
        code = unit_codes[unit_id]
        if code not in planned_units:
            left_out.add(unit_id)
            continue
        coverage.append(
            {"unit": code, "day": DAY_KEYS[weekday], "min": minimum, "qualification": qualification}
        )
    return coverage, left_out


# --------------------------------------------------------------------------- one person


def _agreement_for(person: _Person, working: set[int], dates: list[dt.date]) -> _Agreement | None:
    """The agreement in force on most of the person's working days, then the later one."""
    best, best_key = None, None
    for agreement in person.agreements:
        days = sum(1 for day in working if agreement.in_force(dates[day]))
        key = (days, agreement.start)
        if days and (best_key is None or key > best_key):
            best, best_key = agreement, key
    return best


def _home_days(person: _Person, working: set[int], dates: list[dt.date]) -> tuple[int, set[int]]:
    """(home_days_max, the working days that must be office days) from the agreement."""
    agreement = _agreement_for(person, working, dates)
    if agreement is None:
        return 0, set()
    in_force = {day for day in working if agreement.in_force(dates[day])}
    if agreement.pattern == PatternType.WEEKDAYS:
        allowed = in_force & set(agreement.weekdays)
        return len(allowed), working - allowed
    return agreement.share * len(in_force) // 100, working - in_force


def _person_entry(
    person: _Person,
    *,
    dates: list[dt.date],
    unit_code: str,
    rooms: list[str],
    team: str | None,
    pandemic: bool,
    locks: Mapping[str, str],
) -> dict:
    employed = {
        day
        for day in PLANNED_DAYS
        if person.entry <= dates[day] and (person.exit is None or dates[day] <= person.exit)
    }
    away = {
        day
        for day in PLANNED_DAYS
        if any(start <= dates[day] <= end for start, end in person.absences)
    }
    working = (person.working & employed) - away
    absent = set(PLANNED_DAYS) - working
    field_days = person.field_days & working
    home_max, must_be_office = _home_days(person, person.working & employed, dates)
    office = ((person.office & working) | must_be_office) - absent - field_days
    free = working - field_days
    wishes = {day: kind for day, kind in person.wishes.items() if day in free}
    rooms = list(rooms)
    for key, cell in locks.items():
        if key not in DAY_KEYS[:5]:
            continue
        day = DAY_KEYS.index(key)
        absent.discard(day)
        field_days.discard(day)
        office.discard(day)
        wishes.pop(day, None)
        if cell == "absent":
            absent.add(day)
        elif cell == "field":
            field_days.add(day)
        elif cell == "home":
            wishes[day] = "home"
        elif cell.startswith("office"):
            office.add(day)
            room = cell.partition(":")[2]
            if room in rooms:
                rooms.remove(room)
                rooms.insert(0, room)

    def keys(days: set[int]) -> list[str]:
        return [DAY_KEYS[day] for day in sorted(days)]

    return {
        "id": person.id,
        "unit": unit_code,
        "rooms": rooms,
        "home_days_max": home_max,
        "office_days": keys(office),
        "absent": keys(absent),
        "field": keys(field_days),
        "wishes": {DAY_KEYS[day]: wishes[day] for day in sorted(wishes)},
        "qualifications": sorted(set(person.qualifications)),
        "cohort": (person.cohort or None) if pandemic else None,
        "team": team,
    }
