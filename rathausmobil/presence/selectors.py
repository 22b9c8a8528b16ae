"""Reads of the presence records, scoped by who asks (organisation.scoping).

Who keeps what (docs/workflows/presence.md, "Wer darf was"):

- places (sites, buildings, rooms, which unit uses which room): HR and IT, who look
  after the buildings and workplaces (`manages_places`);
- coverage rules, opening hours, teams, profiles and qualifications of a unit: HR and
  the heads (and deputies) of the unit or a unit above it (`keeps_unit`);
- absences: the person themself, their heads and HR;
- wishes: only the person themself.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Prefetch, Q, QuerySet

from rathausmobil.organisation.models import Employee, OrgUnit, Role
from rathausmobil.organisation.scoping import scope_for
from rathausmobil.presence.models import (
    Absence,
    Building,
    CalendarFeed,
    CellKind,
    CoverageRule,
    OpeningHours,
    PlanCell,
    Room,
    Site,
    SwapRequest,
    Team,
    UnitRoom,
    WeekPlan,
    Wish,
)


def manages_places(user) -> bool:
    """HR and IT keep sites, buildings and rooms (there is no facility role of its own:
    in a town hall the IT or the personnel office looks after the workplaces)."""
    return scope_for(user).has(Role.HR, Role.IT)


def sees_all_places(user) -> bool:
    return scope_for(user).has(Role.HR, Role.IT, Role.LEADERSHIP)


def keeps_unit(user, unit: OrgUnit) -> bool:
    """HR, or a head or deputy of the unit or of a unit above it."""
    scope = scope_for(user)
    return scope.has(Role.HR) or scope.covers(unit.path)


def keeps_employee(user, employee: Employee) -> bool:
    scope = scope_for(user)
    return scope.has(Role.HR) or scope.covers(employee.unit.path)


def plannable_units(user) -> QuerySet[OrgUnit]:
    """The units whose presence the user plans and whose rules they keep: HR every
    unit, heads and deputies their units and all below, everybody else none."""
    scope = scope_for(user)
    units = OrgUnit.objects.select_related("parent", "head")
    if scope.user_id is None:
        return units.none()
    if scope.has(Role.HR):
        return units.all()
    return units.filter(scope.unit_filter(prefix=""))


def rooms_visible_to(user) -> QuerySet[Room]:
    """HR, IT and leadership see every room; heads the rooms of the units they plan;
    employees the rooms of their own unit."""
    scope = scope_for(user)
    base = Room.objects.select_related("building__site")
    if scope.user_id is None:
        return base.none()
    if sees_all_places(user):
        return base.all()
    query = Q(pk__in=[])
    if scope.is_supervisor:
        query |= Q(
            pk__in=UnitRoom.objects.filter(scope.unit_filter(prefix="unit__")).values("room_id")
        )
    if scope.employee_id:
        own_unit = Employee.objects.filter(pk=scope.employee_id).values("unit_id")
        query |= Q(pk__in=UnitRoom.objects.filter(unit_id__in=own_unit).values("room_id"))
    return base.filter(query)


def places_of(rooms: QuerySet[Room], *, every_building: bool = False) -> list[Site]:
    """The sites with their buildings and the given rooms, for the places page (three
    queries however many rooms): each site's `shown_buildings`, each building's
    `shown_rooms` (each with its `unit_codes`), `desks_total` and `pandemic_total`
    (rooms in use). `every_building`: also buildings without any of the rooms."""
    rooms = rooms.order_by("code").prefetch_related(
        Prefetch("units", queryset=OrgUnit.objects.only("code").order_by("code"))
    )
    by_building: dict[int, list[Room]] = {}
    for room in rooms:
        room.unit_codes = [unit.code for unit in room.units.all()]
        by_building.setdefault(room.building_id, []).append(room)
    buildings = Building.objects.select_related("site").order_by("site__name", "name")
    if not every_building:
        buildings = buildings.filter(pk__in=list(by_building))
    sites: dict[int, Site] = {}
    for building in buildings:
        building.shown_rooms = by_building.get(building.pk, [])
        in_use = [room for room in building.shown_rooms if room.is_active]
        building.desks_total = sum(room.desks for room in in_use)
        building.pandemic_total = sum(room.pandemic_desks for room in in_use)
        if building.site_id not in sites:
            sites[building.site_id] = building.site
            building.site.shown_buildings = []
        sites[building.site_id].shown_buildings.append(building)
    return list(sites.values())


def unit_rooms(unit: OrgUnit) -> QuerySet[Room]:
    return Room.objects.filter(unit_rooms__unit=unit).select_related("building").order_by("code")


def coverage_rules_of(unit: OrgUnit) -> QuerySet[CoverageRule]:
    return CoverageRule.objects.filter(unit=unit).select_related("qualification")


def opening_hours_of(unit: OrgUnit) -> QuerySet[OpeningHours]:
    return OpeningHours.objects.filter(unit=unit).order_by("weekday", "opens")


def teams_of(unit: OrgUnit) -> QuerySet[Team]:
    return (
        Team.objects.filter(unit=unit)
        .prefetch_related("days")
        .annotate(member_count=Count("members"))
        .order_by("code")
    )


def staff_of(unit: OrgUnit) -> QuerySet[Employee]:
    """The unit's active staff (not those of units below: they plan with their own unit)."""
    return Employee.objects.filter(unit=unit, is_active=True).order_by(
        "last_name", "first_name", "personnel_number"
    )


def absences_visible_to(user) -> QuerySet[Absence]:
    """One's own absences; heads those of their units and below; HR everyone's."""
    scope = scope_for(user)
    base = Absence.objects.select_related("employee__unit", "created_by")
    if scope.user_id is None:
        return base.none()
    if scope.has(Role.HR):
        return base.all()
    query = scope.unit_filter(prefix="employee__unit__")
    if scope.employee_id:
        query |= Q(employee_id=scope.employee_id)
    return base.filter(query)


def absences_of_unit(user, unit: OrgUnit, *, since: dt.date) -> QuerySet[Absence]:
    """The absences of the unit's people that end on or after `since`, as the user may see them."""
    return (
        absences_visible_to(user)
        .filter(employee__unit=unit, end__gte=since)
        .order_by("start", "employee__last_name", "employee__first_name")
    )


def wishes_visible_to(user) -> QuerySet[Wish]:
    """Wishes are one's own: only the person sees them here (the plan shows them to
    the head as part of the week)."""
    scope = scope_for(user)
    if not scope.employee_id:
        return Wish.objects.none()
    return Wish.objects.filter(employee_id=scope.employee_id)


# --------------------------------------------------------------------------- my week
# What a person was last told: `PlanCell.published_kind/_room`, set when the head
# publishes. A cell that was never published (a draft) is nobody's day yet; a published
# week that the head reopened keeps what the people were told until it is published
# again (workflow.py, "reopen").


def published_days_of(employee_id: int, *, start: dt.date, end: dt.date) -> dict[dt.date, PlanCell]:
    """The person's published days from `start` to `end` (both included), by date; where
    two plans hold the same day (the person changed units), the later published wins."""
    cells = (
        PlanCell.objects.filter(employee_id=employee_id, date__range=(start, end))
        .exclude(published_kind="")
        .select_related("plan", "published_room__building")
        .order_by("date", "plan__published_at")
    )
    return {cell.date: cell for cell in cells}


def office_names_of_unit(
    unit_id: int, *, start: dt.date, end: dt.date, without: int | None = None
) -> dict[dt.date, list[str]]:
    """Who of the unit is in the office on which day, by the published plans: names only,
    and only ever of one unit (the person's own). One query however large the unit."""
    rows = (
        PlanCell.objects.filter(
            employee__unit_id=unit_id,
            employee__is_active=True,
            date__range=(start, end),
            published_kind=CellKind.OFFICE,
        )
        .exclude(employee_id=without)
        .order_by("date", "employee__last_name", "employee__first_name")
        .values_list("date", "employee__first_name", "employee__last_name")
        .distinct()
    )
    names: dict[dt.date, list[str]] = {}
    for date, first, last in rows:
        names.setdefault(date, []).append(f"{first} {last}".strip())
    return names


def swaps_of(employee_id: int, *, since: dt.date) -> QuerySet[SwapRequest]:
    """The person's swap requests for days from `since` on."""
    return (
        SwapRequest.objects.filter(cell__employee_id=employee_id, cell__date__gte=since)
        .select_related("cell")
        .order_by("cell__date", "-requested_at")
    )


def calendar_feed_of(employee_id: int) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(employee_id=employee_id).first()


def week_plans_visible_to(user) -> QuerySet[WeekPlan]:
    """The week plans of the units the user plans (`plannable_units`); others' plans do
    not exist for them (a guessed id answers 404)."""
    return WeekPlan.objects.filter(unit__in=plannable_units(user).values("pk")).select_related(
        "unit"
    )
