"""Deterministic generation of a demo administration.

The organisation and its staff are produced as the CSV files an HR system
exports and loaded through the real import, so the demo exercises the same
path as a city's data and stays idempotent (upsert by key).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import unicodedata
from dataclasses import dataclass

from rathausmobil.core.dates import add_months
from rathausmobil.demo import story
from rathausmobil.demo.names import FIRST_NAMES, LAST_NAMES
from rathausmobil.demo.scenarios import DOMAINS, SCENARIOS, TARGET_ACTIVE_STAFF, UnitSpec
from rathausmobil.organisation.importing import EMPLOYEE_COLUMNS

HEAD_TITLES = {0: "Dezernent/in", 1: "Amtsleitung", 2: "Abteilungsleitung", 3: "Sachgebietsleitung"}
PART_TIME_HOURS = ("19.5", "20", "25", "29.25", "30", "32")
FULL_TIME_HOURS = "39"
LEAVERS = {"offenbach": 14, "halver": 3}
# After the article people leave at the end of a month and their successor starts on the
# 1st of the next (same position): every `n` months one such change.
TURNOVER_EVERY_MONTHS = {"offenbach": 1, "halver": 4}
# The demo logins' units: nobody there leaves, so the logins stay who they are.
LOGIN_UNITS = {"I", "11", "11.1", "12", "12.1", "12.2", "12.3", "15", "16", "20", "20.1", "33.1"}
LOGIN_UNITS |= {"BM", "1.1", "1.2", "1.3", "2.1", "2.4"}


@dataclass
class Person:
    personnel_number: str
    last_name: str
    first_name: str
    email: str
    unit: str
    position_number: str
    position_title: str
    weekly_hours: str
    entry: dt.date
    exit: dt.date | None = None


def _ascii(text: str) -> str:
    text = text.replace("ß", "ss")
    for src, dst in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue")):
        text = text.replace(src, dst)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def flatten(units: list[UnitSpec], parent: str = "", depth: int = 0):
    for unit in units:
        yield unit, parent, depth
        yield from flatten(unit.children, unit.code, depth + 1)


class Generator:
    def __init__(self, scenario: str, *, until: dt.date | None = None):
        """`until`: the last day the story may reach (default: the real today); the
        people who leave after the article are drawn up to it, whatever the demo's today,
        so that the story before any day is the same for every `--today`."""
        self.scenario = scenario
        self.until = until or dt.date.today()
        self.rng = random.Random(f"rathausmobil-{scenario}")
        self.units = list(flatten(SCENARIOS[scenario]))
        self.domain = DOMAINS[scenario]
        self.next_number = 100001 if scenario == "offenbach" else 5001
        self.emails: set[str] = set()
        self.people: list[Person] = []
        self.heads: dict[str, str] = {}

    # -- people
    def _person(self, unit: UnitSpec, title: str, position_number: str, *, head=False) -> Person:
        rng = self.rng
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        local = f"{_ascii(first)}.{_ascii(last)}"
        email, n = f"{local}@{self.domain}", 2
        while email in self.emails:
            email, n = f"{local}{n}@{self.domain}", n + 1
        self.emails.add(email)
        part_time = not head and rng.random() < unit.part_time_share
        # Most staff joined long ago; a few are new (induction period matters later).
        if rng.random() < 0.06:
            entry = dt.date(2021, 1, 1) - dt.timedelta(days=rng.randint(10, 170))
        else:
            entry = dt.date(rng.randint(1986, 2019), rng.randint(1, 12), 1)
        person = Person(
            personnel_number=str(self.next_number),
            last_name=last,
            first_name=first,
            email=email,
            unit=unit.code,
            position_number=position_number,
            position_title=title,
            weekly_hours=rng.choice(PART_TIME_HOURS) if part_time else FULL_TIME_HOURS,
            entry=entry,
        )
        self.next_number += 1
        self.people.append(person)
        return person

    def generate(self) -> None:
        extra = self._extra_staff()
        for unit, _parent, depth in self.units:
            head = self._person(
                unit,
                f"{HEAD_TITLES.get(depth, 'Leitung')} {unit.name}",
                f"{unit.code}-L",
                head=True,
            )
            self.heads[unit.code] = head.personnel_number
            shared_open: Person | None = None
            for index in range(unit.staff + extra.get(unit.code, 0)):
                title = unit.titles[index % len(unit.titles)]
                person = self._person(unit, title, f"{unit.code}-{index + 1:03d}")
                if person.weekly_hours == FULL_TIME_HOURS:
                    continue
                # Now and then two part-timers share one position (job sharing).
                if shared_open and shared_open.position_title == title and self.rng.random() < 0.5:
                    person.position_number = shared_open.position_number
                    shared_open = None
                else:
                    shared_open = person
        leaf_units = [u for u, _p, _d in self.units if not u.children and u.staff >= 8]
        for _ in range(LEAVERS[self.scenario]):
            unit = self.rng.choice(leaf_units)
            person = self._person(unit, unit.titles[0], f"{unit.code}-X{self.next_number}")
            person.exit = dt.date(2020, 1, 1) + dt.timedelta(days=self.rng.randint(0, 364))
        self._turnover()

    def _turnover(self) -> None:
        """After the article: at the end of every n-th month one person leaves and a
        successor starts on their position the next day, so the head count stays."""
        rng = random.Random(f"turnover-{self.scenario}")
        specs = {u.code: u for u, _p, _d in self.units}
        base = [
            p
            for p in self.people
            if p.exit is None
            and p.entry <= story.CAMPAIGN_START
            and p.unit not in LOGIN_UNITS
            and not p.position_number.endswith("-L")
            and specs[p.unit].staff >= 8
        ]
        rng.shuffle(base)
        self.leaving: set[str] = set()
        month_end = story.TURNOVER_FROM
        every = TURNOVER_EVERY_MONTHS[self.scenario]
        while month_end < self.until and base:
            person = base.pop()
            person.exit = month_end
            self.leaving.add(person.personnel_number)
            successor = self._person(
                specs[person.unit], person.position_title, person.position_number
            )
            successor.entry = month_end + dt.timedelta(days=1)
            month_end = add_months(successor.entry, every) - dt.timedelta(days=1)

    # -- the HR system's files over time
    def people_known_on(self, day: dt.date) -> list[Person]:
        """Everyone the HR system exports on `day`: entered by then (exit dates that
        have passed by then)."""
        return [p for p in self.people if p.entry <= day]

    def changes_between(self, after: dt.date, day: dt.date) -> list[Person]:
        """The people whose entry or exit lies in (after, day]: the HR change file of `day`."""
        return [
            p
            for p in self.people
            if after < p.entry <= day or (p.exit is not None and after <= p.exit < day)
        ]

    def _extra_staff(self) -> dict[str, int]:
        """Spread the gap to the target head count over the units in proportion to their size."""
        base = sum(unit.staff + 1 for unit, _p, _d in self.units)
        gap = TARGET_ACTIVE_STAFF[self.scenario] - base
        if gap <= 0:
            return {}
        sized = [(unit.code, unit.staff) for unit, _p, _d in self.units if unit.staff >= 8]
        total = sum(staff for _code, staff in sized)
        extra = {code: gap * staff // total for code, staff in sized}
        for code, _staff in sorted(sized, key=lambda item: -item[1])[: gap - sum(extra.values())]:
            extra[code] += 1
        return extra

    # -- files as the HR system exports them
    def org_units_csv(self) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(["Kennung", "Bezeichnung", "Übergeordnet", "Leitung"])
        for unit, parent, _depth in self.units:
            writer.writerow([unit.code, unit.name, parent, self.heads.get(unit.code, "")])
        return out.getvalue().encode("cp1252")

    def employees_csv(
        self, people: list[Person] | None = None, *, on: dt.date | None = None
    ) -> bytes:
        """The staff file (default: everyone, as the story ends); `on`: as HR exports it
        that day (an exit date only once it has passed)."""
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow([column.label for column in EMPLOYEE_COLUMNS])
        for p in self.people if people is None else people:
            exit_ = p.exit if p.exit is not None and (on is None or p.exit < on) else None
            writer.writerow(
                [
                    p.personnel_number,
                    p.last_name,
                    p.first_name,
                    p.email,
                    p.unit,
                    p.position_number,
                    p.position_title,
                    p.weekly_hours.replace(".", ","),
                    p.entry.strftime("%d.%m.%Y"),
                    exit_.strftime("%d.%m.%Y") if exit_ else "",
                    "",  # Qualifikationen: the presence demo grants them through its page's service
                ]
            )
        return out.getvalue().encode("utf-8-sig")
