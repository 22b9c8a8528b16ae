"""Reading one week's planning problem in the exchange format (`rathausmobil-presence/1`).

The format is the planner's contract (docs/workflows/presence.md, "Das Austauschformat").
`parse()` checks the whole document before anything is planned and lists every problem
with its place (`people[17].rooms[0]: unbekannter Raum "RH-999"`), so a broken file is
refused whole and never answered with a traceback.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass

FORMAT = "rathausmobil-presence/1"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = {
    "mon": "Montag",
    "tue": "Dienstag",
    "wed": "Mittwoch",
    "thu": "Donnerstag",
    "fri": "Freitag",
    "sat": "Samstag",
    "sun": "Sonntag",
}
MODES = ("normal", "pandemic")
WISH_KINDS = ("home", "office")

TOP_KEYS = {"format", "week_start", "mode", "days", "rooms", "people", "coverage", "team_days"}
TOP_REQUIRED = {"format", "days", "rooms", "people"}
ROOM_KEYS = {"id", "building", "desks", "pandemic_desks"}
ROOM_REQUIRED = {"id", "desks"}
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
PERSON_REQUIRED = {"id", "unit", "rooms", "home_days_max"}
COVERAGE_KEYS = {"unit", "day", "min", "qualification"}
COVERAGE_REQUIRED = {"unit", "day", "min"}
TEAM_DAY_KEYS = {"team", "day"}


class InvalidInstance(ValueError):
    """The document is not a valid instance; `problems` lists every place that is wrong."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Room:
    id: str
    building: str
    desks: int
    pandemic_desks: int


@dataclass
class Person:
    id: str
    unit: str
    rooms: tuple[str, ...]
    home_days_max: int
    office_days: frozenset[str] = frozenset()
    absent: frozenset[str] = frozenset()
    field: frozenset[str] = frozenset()
    wishes: dict[str, str] = dataclasses.field(default_factory=dict)
    qualifications: frozenset[str] = frozenset()
    cohort: str | None = None
    team: str | None = None

    def free_days(self, days) -> list[str]:
        """The planned days on which the person is neither absent nor in the field."""
        return [d for d in days if d not in self.absent and d not in self.field]


@dataclass(frozen=True)
class Coverage:
    unit: str
    day: str
    min: int
    qualification: str | None


@dataclass(frozen=True)
class TeamDay:
    team: str
    day: str


@dataclass
class Instance:
    week_start: str | None
    mode: str
    days: tuple[str, ...]
    rooms: dict[str, Room]
    people: list[Person]
    coverage: list[Coverage]
    team_days: list[TeamDay]

    @property
    def pandemic(self) -> bool:
        return self.mode == "pandemic"

    # Desks taken by people planned elsewhere (another unit's plan of the same week in a
    # shared room): (room, day) → seats. Not part of the exchange format; set by the
    # database planner only.
    occupied: dict[tuple[str, str], int] = dataclasses.field(default_factory=dict)

    def capacity(self, room_id: str, day: str | None = None) -> int:
        room = self.rooms[room_id]
        desks = room.pandemic_desks if self.pandemic else room.desks
        return max(0, desks - self.occupied.get((room_id, day), 0)) if day else desks

    def members(self, team: str) -> list[Person]:
        return [p for p in self.people if p.team == team]


class _Reader:
    """Collects every problem instead of stopping at the first."""

    def __init__(self):
        self.problems: list[str] = []

    def error(self, place: str, text: str) -> None:
        self.problems.append(f"{place}: {text}" if place else text)

    def keys(self, place: str, obj, allowed: set[str], required: set[str]) -> bool:
        if not isinstance(obj, dict):
            self.error(place, "ein Objekt {…} erwartet")
            return False
        for key in sorted(set(obj) - allowed, key=str):
            self.error(f"{place}.{key}" if place else str(key), f'unbekannter Schlüssel "{key}"')
        for key in sorted(required - set(obj)):
            self.error(f"{place}.{key}" if place else key, "Pflichtangabe fehlt")
        return True

    def string(self, place: str, value, *, null: bool = False) -> str | None:
        if value is None and null:
            return None
        if not isinstance(value, str) or not value.strip():
            self.error(place, "eine nicht leere Zeichenkette erwartet")
            return None
        return value

    def integer(self, place: str, value, *, minimum: int = 0) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(place, "eine ganze Zahl erwartet")
            return None
        if value < minimum:
            self.error(place, f"mindestens {minimum} erwartet, nicht {value}")
            return None
        return value

    def day_list(self, place: str, value, days: set[str]) -> frozenset[str]:
        if value is None:
            return frozenset()
        if not isinstance(value, list):
            self.error(place, "eine Liste von Wochentagen erwartet")
            return frozenset()
        found = set()
        for i, day in enumerate(value):
            if self.day(f"{place}[{i}]", day, days):
                found.add(day)
        return frozenset(found)

    def day(self, place: str, value, days: set[str]) -> bool:
        if not isinstance(value, str):
            self.error(place, "ein Wochentag (mon … sun) erwartet")
            return False
        if value not in days:
            if value in WEEKDAYS:
                self.error(place, f'Tag "{value}" wird in dieser Woche nicht geplant (days)')
            else:
                self.error(place, f'unbekannter Tag "{value}"')
            return False
        return True


def parse(document) -> Instance:
    """Check a decoded JSON document and return the instance, or raise InvalidInstance."""
    r = _Reader()
    if not r.keys("", document, TOP_KEYS, TOP_REQUIRED):
        raise InvalidInstance(r.problems)
    if "format" in document and document["format"] != FORMAT:
        r.error("format", f'"{FORMAT}" erwartet, nicht {document["format"]!r}')

    week_start = document.get("week_start")
    if week_start is not None:
        try:
            datetime.date.fromisoformat(week_start)
        except (TypeError, ValueError):
            r.error("week_start", f"ein Datum JJJJ-MM-TT erwartet, nicht {week_start!r}")
    mode = document.get("mode", "normal")
    if mode not in MODES:
        r.error("mode", f'"normal" oder "pandemic" erwartet, nicht {mode!r}')
        mode = "normal"

    days: list[str] = []
    raw_days = document.get("days", [])
    if not isinstance(raw_days, list) or not raw_days:
        r.error("days", "eine nicht leere Liste von Wochentagen erwartet")
    else:
        for i, day in enumerate(raw_days):
            if day not in WEEKDAYS:
                r.error(f"days[{i}]", f'unbekannter Tag "{day}" (mon … sun)')
            elif day in days:
                r.error(f"days[{i}]", f'Tag "{day}" doppelt')
            else:
                days.append(day)
    days.sort(key=WEEKDAYS.index)
    day_set = set(days)

    rooms: dict[str, Room] = {}
    raw_rooms = document.get("rooms", [])
    if not isinstance(raw_rooms, list):
        r.error("rooms", "eine Liste erwartet")
        raw_rooms = []
    for i, raw in enumerate(raw_rooms):
        place = f"rooms[{i}]"
        if not r.keys(place, raw, ROOM_KEYS, ROOM_REQUIRED):
            continue
        room_id = r.string(f"{place}.id", raw.get("id"))
        building = raw.get("building") or ""
        if not isinstance(building, str):
            r.error(f"{place}.building", "eine Zeichenkette erwartet")
            building = ""
        desks = r.integer(f"{place}.desks", raw.get("desks"))
        pandemic = raw.get("pandemic_desks", desks)
        pandemic = r.integer(f"{place}.pandemic_desks", pandemic) if pandemic is not None else None
        if room_id is None or desks is None:
            continue
        if room_id in rooms:
            r.error(f"{place}.id", f'Raum "{room_id}" doppelt')
            continue
        rooms[room_id] = Room(room_id, building, desks, desks if pandemic is None else pandemic)

    people: list[Person] = []
    units: set[str] = set()
    teams: set[str] = set()
    seen_people: set[str] = set()
    raw_people = document.get("people", [])
    if not isinstance(raw_people, list):
        r.error("people", "eine Liste erwartet")
        raw_people = []
    for i, raw in enumerate(raw_people):
        place = f"people[{i}]"
        if not r.keys(place, raw, PERSON_KEYS, PERSON_REQUIRED):
            continue
        person_id = r.string(f"{place}.id", raw.get("id"))
        if person_id is not None:
            if person_id in seen_people:
                r.error(f"{place}.id", f'Person "{person_id}" doppelt')
            seen_people.add(person_id)
        unit = r.string(f"{place}.unit", raw.get("unit"))
        person_rooms: list[str] = []
        raw_person_rooms = raw.get("rooms")
        if not isinstance(raw_person_rooms, list) or not raw_person_rooms:
            r.error(f"{place}.rooms", "mindestens ein Raum erwartet")
        else:
            for j, room_id in enumerate(raw_person_rooms):
                if not isinstance(room_id, str):
                    r.error(f"{place}.rooms[{j}]", "eine Raumkennung (Zeichenkette) erwartet")
                elif room_id not in rooms:
                    r.error(f"{place}.rooms[{j}]", f'unbekannter Raum "{room_id}"')
                elif room_id not in person_rooms:
                    person_rooms.append(room_id)
        home_max = r.integer(f"{place}.home_days_max", raw.get("home_days_max"))
        office_days = r.day_list(f"{place}.office_days", raw.get("office_days"), day_set)
        absent = r.day_list(f"{place}.absent", raw.get("absent"), day_set)
        field_days = r.day_list(f"{place}.field", raw.get("field"), day_set)
        for day in sorted(absent & field_days, key=WEEKDAYS.index):
            r.error(f"{place}.field", f'Tag "{day}" ist zugleich als abwesend angegeben')
        wishes: dict[str, str] = {}
        raw_wishes = raw.get("wishes") or {}
        if not isinstance(raw_wishes, dict):
            r.error(f"{place}.wishes", 'ein Objekt {"Tag": "home"|"office"} erwartet')
        else:
            for day, kind in raw_wishes.items():
                if not r.day(f"{place}.wishes.{day}", day, day_set):
                    continue
                if kind not in WISH_KINDS:
                    r.error(
                        f"{place}.wishes.{day}", f'"home" oder "office" erwartet, nicht {kind!r}'
                    )
                    continue
                wishes[day] = kind
        qualifications: set[str] = set()
        raw_quals = raw.get("qualifications") or []
        if not isinstance(raw_quals, list):
            r.error(f"{place}.qualifications", "eine Liste erwartet")
        else:
            for j, label in enumerate(raw_quals):
                if r.string(f"{place}.qualifications[{j}]", label) is not None:
                    qualifications.add(label)
        cohort = r.string(f"{place}.cohort", raw.get("cohort"), null=True)
        team = r.string(f"{place}.team", raw.get("team"), null=True)
        if None in (person_id, unit, home_max) or not person_rooms:
            continue
        units.add(unit)
        if team:
            teams.add(team)
        people.append(
            Person(
                id=person_id,
                unit=unit,
                rooms=tuple(person_rooms),
                home_days_max=home_max,
                office_days=office_days,
                absent=absent,
                field=field_days,
                wishes=wishes,
                qualifications=frozenset(qualifications),
                cohort=cohort,
                team=team,
            )
        )

    coverage: list[Coverage] = []
    raw_coverage = document.get("coverage", [])
    if not isinstance(raw_coverage, list):
        r.error("coverage", "eine Liste erwartet")
        raw_coverage = []
    seen_rules: set[tuple] = set()
    for i, raw in enumerate(raw_coverage):
        place = f"coverage[{i}]"
        if not r.keys(place, raw, COVERAGE_KEYS, COVERAGE_REQUIRED):
            continue
        unit = r.string(f"{place}.unit", raw.get("unit"))
        if unit is not None and unit not in units:
            r.error(
                f"{place}.unit", f'unbekannte Einheit "{unit}" (niemand in "people" gehört dazu)'
            )
            unit = None
        day_ok = r.day(f"{place}.day", raw.get("day"), day_set)
        minimum = r.integer(f"{place}.min", raw.get("min"))
        qualification = r.string(f"{place}.qualification", raw.get("qualification"), null=True)
        if unit is None or not day_ok or minimum is None:
            continue
        key = (unit, raw["day"], qualification)
        if key in seen_rules:
            r.error(place, "dieselbe Regel (Einheit, Tag, Qualifikation) steht doppelt")
            continue
        seen_rules.add(key)
        coverage.append(Coverage(unit, raw["day"], minimum, qualification))

    team_days: list[TeamDay] = []
    raw_team_days = document.get("team_days", [])
    if not isinstance(raw_team_days, list):
        r.error("team_days", "eine Liste erwartet")
        raw_team_days = []
    seen_team_days: set[tuple] = set()
    for i, raw in enumerate(raw_team_days):
        place = f"team_days[{i}]"
        if not r.keys(place, raw, TEAM_DAY_KEYS, TEAM_DAY_KEYS):
            continue
        team = r.string(f"{place}.team", raw.get("team"))
        if team is not None and team not in teams:
            r.error(f"{place}.team", f'unbekanntes Team "{team}"')
            team = None
        day_ok = r.day(f"{place}.day", raw.get("day"), day_set)
        if team is None or not day_ok:
            continue
        if (team, raw["day"]) in seen_team_days:
            continue  # the same meeting twice means it once
        seen_team_days.add((team, raw["day"]))
        team_days.append(TeamDay(team, raw["day"]))

    if r.problems:
        raise InvalidInstance(r.problems)
    return Instance(
        week_start=week_start,
        mode=mode,
        days=tuple(days),
        rooms=rooms,
        people=people,
        coverage=coverage,
        team_days=team_days,
    )
