"""Demo records of the weekly presence plan: deterministic and idempotent.

Offenbach: the Rathaus, the Stadthaus, the Technisches Rathaus, the Bürgerbüro building,
the Stadtpolizei's station and the five Kitas, with rooms for every unit that has staff
(everyone has a desk; in a pandemic the rooms' area sets fewer places); coverage rules
for the Bürgerbüro (counter staff, `ausweis`), the Kfz-Zulassung, the Ausländeramt
(`eat`), the Standesamt (`trauung` on Fridays) and the Stadtpolizei (`wache`), with
their opening hours; teams with team days, part-time weeks and patrol days; absences,
among them a day in the Bürgerbüro when most of the counter staff are away, so that the
plan shows a shortfall and its reason; wishes of many people. Halver: the town hall with
hybrid weeks (Tuesday in the house for everyone, team days on Thursdays).

This week's plan of every unit is computed and published; next week's is computed and
left as a draft for the heads to look at.

Everything goes through the front door, as the people would do it:

- IT imports the facility management's room list (`rooms_import`), the file IT would
  upload; the sites and the qualifications are set up as in Django's admin (they have
  no page of their own), and so are the units' presence settings (the wish deadline).
- HR grants qualifications, saves profiles, teams and team days; the heads of the units
  keep their coverage rules and opening hours (`coverage_rule_save`,
  `opening_hours_set`); HR and the people themselves enter absences (`absence_add`); the
  people enter their own wishes (`wish_set`, with the moment they did so: the week
  before).
- The weeks are planned in this process as the command line does (`plan_for`, a
  `PlanningRun`, `planning_run`): seed_demo is a command, not a web request. HR
  publishes this week (`plan_publish`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import random
import time
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from rathausmobil.core.errors import DomainError
from rathausmobil.organisation.models import Employee, OrgUnit
from rathausmobil.presence import planning, services
from rathausmobil.presence.importing import rooms_import
from rathausmobil.presence.models import (
    PlanningRun,
    Qualification,
    Room,
    Site,
    UnitPresenceSettings,
    WeekPlan,
)

ROOM_FILE = "Raumliste-Gebaeudemanagement.csv"
DESKS_PER_ROOM = 4
# Wishes for a week close at 12:00 on the Saturday before it: on every working day of
# the demo, the people can still wish for next week.
WISH_DEADLINE_DAYS_BEFORE = 2
PLAN_TIME_LIMIT_SECONDS = 10
MON, TUE, WED, THU, FRI = range(5)
WORKING_WEEK = [MON, TUE, WED, THU, FRI]

QUALIFICATIONS = {
    "ausweis": "Ausweise und Pässe ausgeben",
    "trauung": "Trauungen",
    "eat": "Elektronische Aufenthaltstitel ausgeben",
    "wache": "Wachdienst (Funk und Notruf)",
}


def hours(*spans: str) -> list[tuple[dt.time, dt.time]]:
    """`"08:00-12:00"` → [(08:00, 12:00)]"""
    result = []
    for span in spans:
        start, end = span.split("-")
        result.append((dt.time.fromisoformat(start), dt.time.fromisoformat(end)))
    return result


MORNINGS = hours("08:00-12:00")

PLAN = {
    "offenbach": {
        "sites": {"MITTE": "Innenstadt", "KITA": "Kindertagesstätten"},
        # building code: (site, name, the units housed there with all below them)
        "buildings": {
            "RH": ("MITTE", "Rathaus", ["I", "II", "III", "34"]),
            "BB": ("MITTE", "Bürgerbüro Stadthof", ["33", "35"]),
            "SH": ("MITTE", "Stadthaus", ["32", "IV", "40", "50", "51", "52"]),
            "TR": ("MITTE", "Technisches Rathaus", ["V"]),
            "SPW": ("MITTE", "Stadtpolizei-Wache", ["37"]),
            "KNO": ("KITA", "Kita Nordend", ["52.1"]),
            "KLA": ("KITA", "Kita Lauterborn", ["52.2"]),
            "KBI": ("KITA", "Kita Bieber", ["52.3"]),
            "KBU": ("KITA", "Kita Bürgel", ["52.4"]),
            "KRU": ("KITA", "Kita Rumpenheim", ["52.5"]),
        },
        # A room several units share: (building, code, name, desks, area, units)
        "shared": [("BB", "BB-0.01", "Schalterhalle", 16, 190, ["33.1", "33.2"])],
        "qualified": {"33.1": ("ausweis", 8), "34.1": ("trauung", 4), "35.1": ("eat", 5)}
        | {"37.3": ("wache", 4), "33.2": ("ausweis", 4)},
        # unit: [(weekdays, at least, qualification)]
        "coverage": {
            "33.1": [(WORKING_WEEK, 12, None), ([THU], 16, None), (WORKING_WEEK, 3, "ausweis")],
            "33.2": [(WORKING_WEEK, 8, None), (WORKING_WEEK, 1, "ausweis")],
            "35.1": [
                ([MON, TUE, THU], 8, None),
                ([WED, FRI], 4, None),
                ([MON, TUE, THU], 2, "eat"),
            ],
            "34.1": [(WORKING_WEEK, 2, None), ([FRI], 2, "trauung")],
            "37.1": [(WORKING_WEEK, 4, None)],
            "37.3": [(WORKING_WEEK, 3, None), (WORKING_WEEK, 1, "wache")],
        },
        "opening_hours": {
            "33.1": {
                d: MORNINGS + (hours("14:00-18:00") if d in (MON, THU) else [])
                for d in WORKING_WEEK
            },
            "33.2": {
                d: hours("07:30-12:30") + (hours("14:00-17:30") if d == THU else [])
                for d in WORKING_WEEK
            },
            "35.1": {MON: MORNINGS, TUE: MORNINGS, THU: hours("08:00-12:00", "13:30-17:30")},
            "34.1": {d: MORNINGS for d in WORKING_WEEK},
            "37.3": {d: hours("07:00-19:00") for d in WORKING_WEEK},
        },
        # unit: [(team code, name, team days, share of the unit's staff)]
        "teams": {
            "20.1": [
                ("HPL", "Haushaltsplanung", [TUE], 0.5),
                ("JAB", "Jahresabschluss", [THU], 0.5),
            ],
            "11.1": [("PV", "Personalverwaltung", [MON], 1.0)],
            "12.1": [("NETZ", "Netze und Server", [WED], 0.6)],
            "50.1": [
                ("GS1", "Grundsicherung Team 1", [TUE], 0.5),
                ("GS2", "Grundsicherung Team 2", [WED], 0.5),
            ],
            "60.1": [("BPL", "Bebauungspläne", [THU], 0.7)],
        },
        # unit: field days a week per person (Außendienst), spread over the week
        "field": {"37.1": 3, "37.2": 2, "63.2": 2, "32.1": 1},
        "fixed_office": {},
        # (unit, week offset, weekday, people left there): a day most of the counter is
        # away, so even the plain rule falls short; next week only the ID-card staff.
        "waves": [("33.1", 0, WED, 10), ("33.1", 1, TUE, 24)],
        "absent_share": 0.06,
        "wish_share": 0.35,
    },
    "halver": {
        "sites": {"HV": "Halver"},
        "buildings": {
            "RH": ("HV", "Rathaus Halver", ["BM"]),
            "KOB": ("HV", "Kita Oberbrügge", ["2.5"]),
            "BH": ("HV", "Bauhof", ["3.3"]),
        },
        "shared": [("RH", "RH-0.01", "Bürgerbüro Schalter", 4, 48, ["2.1"])],
        "qualified": {"2.1": ("ausweis", 3), "2.3": ("trauung", 2)},
        "coverage": {
            "2.1": [(WORKING_WEEK, 2, None), (WORKING_WEEK, 1, "ausweis")],
            "2.3": [([FRI], 1, "trauung")],
        },
        "opening_hours": {
            "2.1": {d: MORNINGS + (hours("14:00-18:00") if d == THU else []) for d in WORKING_WEEK},
            "2.3": {d: MORNINGS for d in WORKING_WEEK},
        },
        "teams": {
            "1.3": [("FIN", "Finanzen", [THU], 1.0)],
            "3.1": [("BAU", "Planung und Bauordnung", [THU], 1.0)],
            "2.4": [("SOZ", "Soziales", [THU], 1.0)],
        },
        "field": {"2.2": 2},
        # Hybrid weeks: Tuesday is the day everybody of the town hall is in.
        "fixed_office": {"BM": [TUE]},
        "waves": [("2.1", 0, THU, 1)],
        "absent_share": 0.05,
        "wish_share": 0.6,
    },
}


def seed(scenario: str) -> dict:
    """Load the scenario's presence records; returns what it did (seconds, plans)."""
    if Room.objects.exists():
        return {}  # already loaded: the demo is idempotent
    with transaction.atomic():
        return _Seeder(scenario).run()


class _Seeder:
    def __init__(self, scenario: str):
        self.scenario = scenario
        self.plan = PLAN[scenario]
        self.rng = random.Random(f"presence-{scenario}")
        self.today = timezone.localdate()
        self.this_week = planning.monday_of(self.today)
        self.weeks = [self.this_week, self.this_week + dt.timedelta(days=7)]
        User = get_user_model()
        self.it = User.objects.get(username="it")
        self.hr = User.objects.get(username="personalamt")
        units = list(OrgUnit.objects.select_related("head__user").order_by("path"))
        self.units = {unit.code: unit for unit in units}
        self.parent = {unit.pk: unit.parent_id for unit in units}
        self.by_pk = {unit.pk: unit for unit in units}
        self.staff: dict[str, list[Employee]] = defaultdict(list)
        for employee in (
            Employee.objects.filter(is_active=True)
            .select_related("user", "unit")
            .order_by("personnel_number")
        ):
            self.staff[employee.unit.code].append(employee)
        self.away: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
        self.report: dict = {}

    def keeper(self, unit: OrgUnit):
        """Who keeps a unit's rules: its head (with an account), else HR."""
        head = unit.head
        return head.user if head is not None and head.user_id else self.hr

    def run(self) -> dict:
        started = time.monotonic()
        self._sites_and_qualifications()
        self._rooms()
        self._settings()
        self._rules()
        self._people()
        self._absences()
        self._wishes()
        self.report["records_seconds"] = round(time.monotonic() - started, 2)
        self._plans()
        self.report["seconds"] = round(time.monotonic() - started, 2)
        return self.report

    # ------------------------------------------------------------------ places
    def _sites_and_qualifications(self) -> None:
        """As in Django's admin: the sites by name (the import would name a new site by
        its code) and the qualifications the rules ask for."""
        for code, name in self.plan["sites"].items():
            Site.objects.get_or_create(code=code, defaults={"name": name})
        self.qualifications = {}
        for code, name in QUALIFICATIONS.items():
            self.qualifications[code], _created = Qualification.objects.get_or_create(
                code=code, defaults={"name": name}
            )

    def building_of(self, unit: OrgUnit) -> str | None:
        homes = {
            code: building
            for building, (_s, _n, codes) in self.plan["buildings"].items()
            for code in codes
        }
        pk = unit.pk
        while pk is not None:
            code = self.by_pk[pk].code
            if code in homes:
                return homes[code]
            pk = self.parent[pk]
        return None

    def _rooms(self) -> None:
        """The room list of the facility management, imported by IT: every unit with
        staff gets rooms with a desk for each of its people and some to spare; the area
        sets the pandemic limit (one person per PRESENCE_M2_PER_PERSON m²), which in most
        rooms is below the desks, but never below what the unit needs in total."""
        per_person = Decimal(str(settings.PRESENCE_M2_PER_PERSON))
        buildings = self.plan["buildings"]
        numbers: dict[str, int] = defaultdict(int)
        rows = []

        def row(building, code, name, desks, area, units):
            site, building_name, _codes = buildings[building]
            rows.append(
                [
                    site,
                    building,
                    building_name,
                    code,
                    name,
                    desks,
                    f"{area:.2f}".replace(".", ","),
                    "",
                    "|".join(units),
                ]
            )

        for building, code, name, desks, area, units in self.plan["shared"]:
            row(building, code, name, desks, Decimal(area), units)
        for code, unit in self.units.items():
            people = len(self.staff.get(code, []))
            building = self.building_of(unit)
            if not people or building is None:
                continue
            desks_total = max(2, math.ceil(people * 1.15))
            sizes = [DESKS_PER_ROOM] * (desks_total // DESKS_PER_ROOM)
            if desks_total % DESKS_PER_ROOM:
                sizes.append(desks_total % DESKS_PER_ROOM)
            # Most rooms are a little tight for a pandemic; the unit as a whole is not.
            areas = [Decimal(self.rng.choice([26, 30, 34, 38, 44])) * desks / 4 for desks in sizes]

            def pandemic(desks, area):
                return min(desks, int(area // per_person))

            while sum(pandemic(d, a) for d, a in zip(sizes, areas, strict=True)) < people:
                i = min(range(len(sizes)), key=lambda i: pandemic(sizes[i], areas[i]) - sizes[i])
                areas[i] += per_person
            for desks, area in zip(sizes, areas, strict=True):
                numbers[building] += 1
                n = numbers[building]
                room_code = f"{building}-{1 + n // 25}.{n % 25 + 1:02d}"
                row(building, room_code, unit.name[:200], desks, area, [code])
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(
            [
                "Standort",
                "Gebäude",
                "Gebäudename",
                "Raum",
                "Bezeichnung",
                "Arbeitsplätze",
                "Fläche m²",
                "Pandemiegrenze",
                "Einheiten",
            ]
        )
        writer.writerows(rows)
        result = rooms_import(data=out.getvalue().encode("utf-8"), filename=ROOM_FILE, by=self.it)
        if not result.ok:
            raise RuntimeError("; ".join(str(p) for p in result.problems))
        self.report["rooms"] = len(rows)

    def _settings(self) -> None:
        """As in Django's admin: the units' wish deadline and planning time."""
        UnitPresenceSettings.objects.bulk_create(
            [
                UnitPresenceSettings(
                    unit=unit,
                    wish_deadline_days_before=WISH_DEADLINE_DAYS_BEFORE,
                    plan_time_limit_seconds=PLAN_TIME_LIMIT_SECONDS,
                )
                for code, unit in self.units.items()
                if self.staff.get(code)
            ]
        )

    # ------------------------------------------------------------------ rules
    def _rules(self) -> None:
        """Qualifications granted by HR; the heads keep their rules and hours."""
        self.holders: dict[str, list[Employee]] = {}
        for code, (qualification, count) in self.plan["qualified"].items():
            staff = self.staff[code]
            holders = self.rng.sample(staff, min(count, len(staff)))
            self.holders[code] = holders
            for employee in holders:
                services.qualification_grant(
                    employee=employee, qualification=self.qualifications[qualification], by=self.hr
                )
        for code, rules in self.plan["coverage"].items():
            unit = self.units[code]
            by = self.keeper(unit)
            for weekdays, at_least, qualification in rules:
                for weekday in weekdays:
                    services.coverage_rule_save(
                        unit=unit,
                        weekday=weekday,
                        min_people=at_least,
                        qualification=self.qualifications[qualification] if qualification else None,
                        by=by,
                    )
        for code, week in self.plan["opening_hours"].items():
            unit = self.units[code]
            services.opening_hours_set(unit=unit, hours=week, by=self.keeper(unit))

    # ------------------------------------------------------------------ people
    def _people(self) -> None:
        """Teams and team days; profiles: part-time weeks, patrol days, fixed days."""
        teams: dict[int, object] = {}
        for code, specs in self.plan["teams"].items():
            unit = self.units[code]
            staff = list(self.staff[code])
            self.rng.shuffle(staff)
            start = 0
            for team_code, name, days, share in specs:
                team = services.team_save(unit=unit, code=team_code, name=name, by=self.hr)
                services.team_day_set(team=team, weekdays=days, by=self.hr)
                members = staff[start : start + math.ceil(len(staff) * share)]
                start += len(members)
                for employee in members:
                    teams[employee.pk] = team
        fixed_units = {
            self.units[code].pk: days for code, days in self.plan["fixed_office"].items()
        }
        field_per_week = self.plan["field"]
        self.working: dict[int, list[int]] = {}
        for code, staff in self.staff.items():
            fixed = self._fixed_office(self.units[code], fixed_units)
            for index, employee in enumerate(staff):
                working = self.working[employee.pk] = self._working_days(employee, index)
                field = []
                if code in field_per_week and employee.pk != getattr(
                    self.units[code].head, "pk", None
                ):
                    # Patrols rotate: each person's field days start on another weekday.
                    field = [
                        working[(index + i) % len(working)] for i in range(field_per_week[code])
                    ]
                    field = sorted(set(field))
                office = [day for day in fixed if day in working and day not in field]
                team = teams.get(employee.pk)
                if working == WORKING_WEEK and not field and not office and team is None:
                    continue  # the defaults: no profile needed
                services.profile_save(
                    employee=employee,
                    by=self.hr,
                    working_days=working,
                    office_days=office,
                    field_days=field,
                    team=team,
                )

    def _fixed_office(self, unit: OrgUnit, fixed_units: dict[int, list[int]]) -> list[int]:
        pk = unit.pk
        while pk is not None:
            if pk in fixed_units:
                return fixed_units[pk]
            pk = self.parent[pk]
        return []

    @staticmethod
    def _working_days(employee: Employee, index: int) -> list[int]:
        """Part-time on fewer days in a row: up to 24 hours on three, up to 32 on four."""
        hours = employee.weekly_hours or Decimal("39")
        if hours > 32:
            return list(WORKING_WEEK)
        days = 3 if hours <= 24 else 4
        start = index % (len(WORKING_WEEK) - days + 1)
        return WORKING_WEEK[start : start + days]

    # ------------------------------------------------------------------ absences and wishes
    def _add_absence(self, employee: Employee, start: dt.date, end: dt.date, by) -> bool:
        if any(a <= end and start <= b for a, b in self.away[employee.pk]):
            return False
        services.absence_add(employee=employee, start=start, end=end, by=by)
        self.away[employee.pk].append((start, end))
        return True

    def _absences(self) -> None:
        """A day most of a counter is away (training, leave and illness together; only
        the dates are stored); leave and sick days spread over everybody else, entered
        by HR or by the people themselves."""
        count = 0
        for code, offset, weekday, left in self.plan["waves"]:
            day = self.weeks[offset] + dt.timedelta(days=weekday)
            staff = self.staff[code]
            holders = [e for e in self.holders.get(code, []) if e in staff]
            # Most of the qualified staff are among them, so that rule falls short too.
            chosen = holders[: max(0, len(holders) - 2)]
            others = [e for e in staff if e not in chosen]
            away = max(0, len(staff) - left - len(chosen))
            chosen += self.rng.sample(others, min(len(others), away))
            for employee in chosen:
                count += self._add_absence(employee, day, day, self.hr)
        share = self.plan["absent_share"]
        for staff in self.staff.values():
            for employee in staff:
                if self.rng.random() >= share:
                    continue
                week = self.rng.choice(self.weeks)
                first = self.rng.randrange(5)
                length = self.rng.choice([1, 1, 2, 3, 5])
                start = week + dt.timedelta(days=first)
                end = week + dt.timedelta(days=min(4, first + length - 1))
                by = employee.user if employee.user_id and self.rng.random() < 0.4 else self.hr
                count += self._add_absence(employee, start, end, by)
        self.report["absences"] = count

    def _wishes(self) -> None:
        """Many people wish for some days at home or in the office, in the week before
        (this week's wishes before its deadline, next week's last weekend)."""
        count = 0
        share = self.plan["wish_share"]
        moments = [
            timezone.make_aware(
                dt.datetime.combine(
                    week - dt.timedelta(days=WISH_DEADLINE_DAYS_BEFORE + 2), dt.time(10)
                )
            )
            for week in self.weeks
        ]
        for staff in self.staff.values():
            for employee in staff:
                if not employee.user_id or self.rng.random() >= share:
                    continue
                profile_days = self.working[employee.pk]
                for week, moment in zip(self.weeks, moments, strict=True):
                    days = self.rng.sample(range(5), self.rng.choice([1, 2, 2]))
                    for weekday in sorted(days):
                        date = week + dt.timedelta(days=weekday)
                        if weekday not in profile_days or any(
                            a <= date <= b for a, b in self.away[employee.pk]
                        ):
                            continue
                        kind = "home" if self.rng.random() < 0.7 else "office"
                        try:
                            services.wish_set(
                                employee=employee,
                                date=date,
                                kind=kind,
                                by=employee.user,
                                now=moment,
                            )
                        except DomainError:
                            continue
                        count += 1
        self.report["wishes"] = count

    # ------------------------------------------------------------------ plans
    def _plans(self) -> None:
        """Plan every unit's week in this process, one unit after another (a unit planned
        later sees the desks the earlier ones took in shared rooms); publish this week."""
        started = time.monotonic()
        units = [
            self.units[code]
            for code in sorted(self.staff)
            if self.staff[code] and self.units[code].unit_rooms.exists()
        ]
        problems = []
        for week in self.weeks:
            for unit in units:
                plan = planning.plan_for(unit=unit, week_start=week, by=self.hr)
                run = PlanningRun.objects.create(plan=plan, requested_by=self.hr)
                planning.planning_run(run.pk)
                if week != self.this_week:
                    continue  # next week stays a draft for the heads
                plan.refresh_from_db()
                try:
                    planning.plan_publish(plan=plan, by=self.hr)
                except DomainError as exc:
                    problems.append(f"{unit.code}: {exc.message}")
        failed = PlanningRun.objects.exclude(state="done").values_list(
            "plan__unit__code", "message"
        )
        problems += [f"{code}: {message}" for code, message in failed]
        self.report["plans"] = WeekPlan.objects.count()
        self.report["planning_seconds"] = round(time.monotonic() - started, 2)
        self.report["problems"] = problems
