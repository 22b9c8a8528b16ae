"""Figures of the published week plans: occupancy per building, room and day against the
desks and the pandemic limit, coverage per unit and day against the rules, and the
headline figures for `kpis` (collected by reports/kpis.py).

Everything counts what the people were told: the cells of plans that have been
published (`published_kind`, `published_room`), so a plan reopened by a change by hand
still counts as published until it is published again. Every reader aggregates in the
database with a fixed number of queries, however many people and rooms there are.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from rathausmobil.agreements.models import PandemicPeriod
from rathausmobil.core.figures import hidden_label, min_group_size, rebuilt_since
from rathausmobil.organisation.models import OrgUnit
from rathausmobil.presence.models import (
    DAY_KEYS,
    Building,
    CellKind,
    CoverageRule,
    PlanCell,
    Room,
    WeekPlan,
)

PLANNED_DAYS = range(5)  # Monday to Friday, as the plans


def week_days(week_start: dt.date) -> list[dt.date]:
    return [week_start + dt.timedelta(days=day) for day in PLANNED_DAYS]


def pandemic_in_week(week_start: dt.date) -> bool:
    """Pandemic limits apply if a pandemic period covers a day of the week (as the
    planning problem decides it, records.week_instance)."""
    friday = week_start + dt.timedelta(days=4)
    return (
        PandemicPeriod.objects.filter(start_date__lte=friday)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=week_start))
        .exists()
    )


def published_cells(week_start: dt.date) -> QuerySet[PlanCell]:
    """The cells of the week's published plans (also those reopened since)."""
    return PlanCell.objects.filter(
        plan__week_start=week_start, plan__published_at__isnull=False
    ).order_by()


# --------------------------------------------------------------------------- occupancy


@dataclass
class Load:
    """How many sit somewhere on a day, against its desks and the limit that applies."""

    count: int
    desks: int
    limit: int

    @property
    def over(self) -> bool:
        return self.count > self.limit

    @property
    def free(self) -> int:
        return self.limit - self.count

    @property
    def percent(self) -> int | None:
        return round(100 * self.count / self.limit) if self.limit else None


@dataclass
class RoomLoad:
    room: Room
    limit: int
    days: list[Load]

    @property
    def any_over(self) -> bool:
        return any(load.over for load in self.days)


@dataclass
class BuildingLoad:
    building: Building
    rooms: list[RoomLoad] = field(default_factory=list)
    days: list[Load] = field(default_factory=list)

    @property
    def over_rooms(self) -> int:
        return sum(1 for room in self.rooms if room.any_over)

    @property
    def any_over(self) -> bool:
        return bool(self.over_rooms) or any(load.over for load in self.days)


@dataclass
class Occupancy:
    week_start: dt.date
    pandemic: bool
    buildings: list[BuildingLoad]
    days: list[dt.date]

    @property
    def over_rooms(self) -> int:
        return sum(building.over_rooms for building in self.buildings)


def week_occupancy(week_start: dt.date) -> Occupancy:
    """Per building, room and day: the people the published plans put there, against the
    desks, or in a pandemic week the pandemic limit (three queries)."""
    pandemic = pandemic_in_week(week_start)
    counts: dict[tuple[int, dt.date], int] = {
        (row["published_room_id"], row["date"]): row["n"]
        for row in published_cells(week_start)
        .filter(published_kind=CellKind.OFFICE, published_room__isnull=False)
        .values("published_room_id", "date")
        .annotate(n=Count("pk"))
    }
    used = {room_id for room_id, _date in counts}
    rooms = (
        Room.objects.filter(Q(is_active=True) | Q(pk__in=used))
        .select_related("building__site")
        .order_by("building__site__name", "building__name", "code")
    )
    days = week_days(week_start)
    buildings: dict[int, BuildingLoad] = {}
    for room in rooms:
        # A room out of use counts no desks; whoever the plan still puts there is over.
        desks = room.desks if room.is_active else 0
        limit = (room.pandemic_desks if pandemic else room.desks) if room.is_active else 0
        block = buildings.get(room.building_id)
        if block is None:
            block = buildings[room.building_id] = BuildingLoad(
                building=room.building, days=[Load(0, 0, 0) for _day in days]
            )
        loads = [Load(counts.get((room.pk, day), 0), desks, limit) for day in days]
        block.rooms.append(RoomLoad(room=room, limit=limit, days=loads))
        for total, load in zip(block.days, loads, strict=True):
            total.count += load.count
            total.desks += load.desks
            total.limit += load.limit
    return Occupancy(
        week_start=week_start, pandemic=pandemic, buildings=list(buildings.values()), days=days
    )


# --------------------------------------------------------------------------- coverage


@dataclass
class RuleCheck:
    """One coverage rule on its day of the week: planned on site against required."""

    rule: CoverageRule
    date: dt.date
    planned: int | None  # None: the unit has no published plan this week
    reason: str = ""

    @property
    def published(self) -> bool:
        return self.planned is not None

    @property
    def met(self) -> bool:
        return self.planned is not None and self.planned >= self.rule.min_people


@dataclass
class UnitCoverage:
    unit: OrgUnit
    published: bool
    people: int  # people in the unit's published plan
    days: list[list[RuleCheck]]  # per planned day, the rules of that day

    @property
    def checks(self) -> list[RuleCheck]:
        return [check for day in self.days for check in day]

    @property
    def met(self) -> int:
        return sum(1 for check in self.checks if check.met)

    @property
    def short(self) -> int:
        return sum(1 for check in self.checks if check.published and not check.met)


@dataclass
class Coverage:
    week_start: dt.date
    units: list[UnitCoverage]
    days: list[dt.date]

    @property
    def rules_checked(self) -> int:
        return sum(len(unit.checks) for unit in self.units if unit.published)

    @property
    def rules_met(self) -> int:
        return sum(unit.met for unit in self.units)

    @property
    def unpublished(self) -> list[UnitCoverage]:
        return [unit for unit in self.units if not unit.published]


def week_coverage(week_start: dt.date) -> Coverage:
    """Every unit's coverage rules for Monday to Friday against the people the unit's
    published plan has on site (in the office) that day; the planner's reason where a
    rule stays short as planned. Six queries, however many units and people."""
    rules = list(
        CoverageRule.objects.filter(weekday__in=list(PLANNED_DAYS))
        .select_related("unit", "qualification")
        .order_by("unit__path", "unit__code", "weekday", "qualification__code")
    )
    days = week_days(week_start)
    unit_ids = {rule.unit_id for rule in rules}
    plans = {
        unit_id: shortfalls
        for unit_id, shortfalls in WeekPlan.objects.filter(
            week_start=week_start, published_at__isnull=False, unit_id__in=unit_ids
        ).values_list("unit_id", "shortfalls")
    }
    cells = published_cells(week_start).filter(plan__unit_id__in=unit_ids)
    people = dict(
        cells.values("plan__unit_id")
        .annotate(n=Count("employee_id", distinct=True))
        .values_list("plan__unit_id", "n")
    )
    office = cells.filter(published_kind=CellKind.OFFICE)
    on_site = {
        (row["plan__unit_id"], row["date"]): row["n"]
        for row in office.values("plan__unit_id", "date").annotate(n=Count("pk"))
    }
    qualification_ids = {rule.qualification_id for rule in rules if rule.qualification_id}
    qualified: dict[tuple[int, dt.date, int], int] = {}
    if qualification_ids:
        qualified = {
            (row["plan__unit_id"], row["date"], row["q"]): row["n"]
            for row in office.filter(
                employee__presence_qualifications__qualification_id__in=qualification_ids
            )
            .values(
                "plan__unit_id", "date", q=F("employee__presence_qualifications__qualification_id")
            )
            .annotate(n=Count("pk"))
        }

    by_unit: dict[int, UnitCoverage] = {}
    for rule in rules:
        unit = by_unit.get(rule.unit_id)
        if unit is None:
            unit = by_unit[rule.unit_id] = UnitCoverage(
                unit=rule.unit,
                published=rule.unit_id in plans,
                people=people.get(rule.unit_id, 0),
                days=[[] for _day in days],
            )
        date = days[rule.weekday]
        planned = None
        if unit.published:
            if rule.qualification_id:
                planned = qualified.get((rule.unit_id, date, rule.qualification_id), 0)
            else:
                planned = on_site.get((rule.unit_id, date), 0)
        check = RuleCheck(rule=rule, date=date, planned=planned)
        if unit.published and not check.met:
            check.reason = _reason(plans[rule.unit_id], rule, planned)
        unit.days[rule.weekday].append(check)
    return Coverage(week_start=week_start, units=list(by_unit.values()), days=days)


def _reason(shortfalls: list[dict], rule: CoverageRule, planned: int | None) -> str:
    """The planner's German reason for the rule's shortfall, if the published plan still
    has exactly the figures it explained (a swap since may have changed them)."""
    code = rule.qualification.code if rule.qualification_id else None
    for item in shortfalls or []:
        if (
            item.get("rule") == "coverage"
            and item.get("day") == DAY_KEYS[rule.weekday]
            and item.get("qualification") == code
            and item.get("planned") == planned
        ):
            return item.get("reason") or ""
    return ""


# --------------------------------------------------------------------------- kpis


def kpis(
    today: dt.date | None = None,
    *,
    viewer=None,
    on: dt.date | None = None,
    unit: OrgUnit | None = None,
) -> dict:
    """The presence figures of the current week's published plans (None while there is
    none). The coverage figure per unit follows the rule of 5: a unit with fewer than
    MIN_GROUP_SIZE people in its plan shows "< 5", for every viewer (who is on site in
    a small unit is nearly a statement about a person). `on`: the plans of that day's
    week, as published (a week before the first published plan: `NotRebuilt`). `unit`:
    the plans of that unit and the units below it (a building's occupancy is no unit's:
    None)."""
    now = timezone.localdate()
    past = on is not None and on < now
    today = on or today or now
    week_start = today - dt.timedelta(days=today.weekday())
    if past:
        first = (
            WeekPlan.objects.filter(published_at__isnull=False)
            .order_by("week_start")
            .values_list("week_start", flat=True)
            .first()
        )
        # No plan ever published: no figures, as today (None), rather than "not rebuilt".
        if first is not None and (missing := rebuilt_since(week_start, first)) is not None:
            return dict.fromkeys(PRESENCE_FIGURES, missing)
    coverage = week_coverage(week_start)
    by_unit: dict[str, float | str] = {}
    checked = met = 0
    for row in coverage.units:
        if not row.published or not row.checks:
            continue
        if unit is not None and not row.unit.path.startswith(unit.path):
            continue
        checked += len(row.checks)
        met += row.met
        if row.people < min_group_size():
            by_unit[row.unit.code] = hidden_label()
        else:
            by_unit[row.unit.code] = round(row.met / len(row.checks), 3)
    if unit is None:
        checked, met = coverage.rules_checked, coverage.rules_met

    kinds = dict(
        published_cells(week_start)
        .filter(published_kind__in=[CellKind.OFFICE, CellKind.HOME])
        .filter(Q() if unit is None else Q(plan__unit__path__startswith=unit.path))
        .values("published_kind")
        .annotate(n=Count("pk"))
        .values_list("published_kind", "n")
    )
    office, home = kinds.get(CellKind.OFFICE, 0), kinds.get(CellKind.HOME, 0)
    return {
        "presence_coverage_met_share": round(met / checked, 3) if checked else None,
        "presence_coverage_by_unit": by_unit,
        "presence_office_share": round(office / (office + home), 3) if office + home else None,
        "presence_peak_occupancy_share": None if unit else peak_occupancy_share(week_start),
    }


def peak_occupancy_share(week_start: dt.date) -> float | None:
    """The fullest building-day of the week's published plans: people in the office
    against the desks of the building's rooms in use (two queries)."""
    desks = dict(
        Room.objects.filter(is_active=True)
        .values("building_id")
        .annotate(n=Sum("desks"))
        .values_list("building_id", "n")
    )
    peak = None
    for building_id, _date, count in (
        published_cells(week_start)
        .filter(published_kind=CellKind.OFFICE, published_room__isnull=False)
        .values("published_room__building_id", "date")
        .annotate(n=Count("pk"))
        .values_list("published_room__building_id", "date", "n")
    ):
        if desks.get(building_id):
            share = count / desks[building_id]
            peak = share if peak is None else max(peak, share)
    return round(peak, 3) if peak is not None else None


PRESENCE_FIGURES = (
    "presence_coverage_met_share",
    "presence_coverage_by_unit",
    "presence_office_share",
    "presence_peak_occupancy_share",
)
