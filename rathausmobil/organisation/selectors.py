"""Reads of the organisation, scoped by who asks."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, Count, Min, Q, QuerySet, When
from django.utils import timezone

from rathausmobil.core.figures import NotRebuilt, rebuilt_since
from rathausmobil.organisation.models import (
    Employee,
    OrgUnit,
    Position,
    Role,
    RoleAssignment,
    in_subtree,
)
from rathausmobil.organisation.scoping import role_keeper, scope_for


def employees_visible_to(user) -> QuerySet[Employee]:
    """Employees whose master data the user may see.

    HR and IT (who hand out devices and access) see everyone; supervisors their
    units and the units below; everyone sees their own record. Staff council,
    data-protection officer and leadership work with aggregates, not lists.
    """
    scope = scope_for(user)
    base = Employee.objects.select_related("unit", "position")
    if scope.user_id is None:
        return base.none()
    if scope.has(Role.HR, Role.IT):
        return base.all()
    query = scope.unit_filter()
    if scope.employee_id:
        query |= Q(pk=scope.employee_id)
    return base.filter(query)


def supervisor_of(employee: Employee) -> Employee | None:
    """The person's supervisor: the active head of their unit, or, for the head of the
    unit themself, the head of the nearest unit above that has one (issue 12, item 10).
    A deputy's supervisor is the head they stand in for, who also decides their
    requests (as `agreements` finds the deciding unit). One query however deep the tree."""
    ids = [int(part) for part in (employee.unit.path or "").split("/") if part]
    units = {unit.pk: unit for unit in OrgUnit.objects.filter(pk__in=ids).select_related("head")}
    for unit_id in reversed(ids):
        unit = units.get(unit_id)
        if unit is None or unit.head_id is None or unit.head_id == employee.pk:
            continue
        if unit.head.is_active:
            return unit.head
    return None


def org_units_visible_to(user) -> QuerySet[OrgUnit]:
    """The org chart (codes, names, heads) is internal public knowledge: every
    signed-in user may see it, as on the intranet's organigram."""
    if scope_for(user).user_id is None:
        return OrgUnit.objects.none()
    return OrgUnit.objects.select_related("parent", "head")


#: how many units the unit filter suggests while one types
UNIT_SUGGESTIONS = 20


def org_units_to_filter_by(user) -> QuerySet[OrgUnit]:
    """The units a person may pick in a list's unit filter: the whole administration for
    the roles that see all of it (HR, IT, and the roles that read figures of every
    unit), their own subtrees for supervisors, none for everyone else. A code outside
    these is not suggested (the lists themselves are scoped by their selectors anyway)."""
    scope = scope_for(user)
    units = OrgUnit.objects.only("code", "name", "path")
    if scope.user_id is None:
        return units.none()
    if scope.sees_aggregates:
        return units.all()
    return units.filter(scope.unit_filter(prefix=""))


def org_units_matching(user, text: str, *, limit: int = UNIT_SUGGESTIONS) -> list[OrgUnit]:
    """At most `limit` units the user may filter by whose code starts with, or whose name
    contains, every word of `text` (by code; a code typed in full comes first). Without a
    word: the topmost units the user may pick, to start from."""
    units = org_units_to_filter_by(user)
    words = text.split()
    if not words:
        return list(units.order_by("depth", "code")[:limit])
    for word in words:
        units = units.filter(Q(code__istartswith=word) | Q(name__icontains=word))
    typed_in_full = Case(When(code__iexact=text.strip(), then=0), default=1)
    return list(units.order_by(typed_in_full, "code")[:limit])


def org_units_with_staff_counts(user) -> QuerySet[OrgUnit]:
    """Units with their number of active staff, for those who may see figures."""
    scope = scope_for(user)
    units = org_units_visible_to(user)
    if scope.sees_aggregates or scope.is_supervisor:
        units = units.annotate(staff_count=Count("employees", filter=Q(employees__is_active=True)))
    return units


def positions_visible_to(user) -> QuerySet[Position]:
    scope = scope_for(user)
    base = Position.objects.select_related("unit")
    if scope.user_id is None:
        return base.none()
    if scope.has(Role.HR, Role.IT):
        return base.all()
    return base.filter(scope.unit_filter())


def role_assignments_visible_to(user) -> QuerySet[RoleAssignment]:
    """Who holds which role: for HR and the system administration (`role_keeper`), who
    keep them; nobody else lists them (a person sees their own roles under Meine Daten)."""
    if not role_keeper(scope_for(user)):
        return RoleAssignment.objects.none()
    return RoleAssignment.objects.select_related("user", "user__employee", "unit")


def unit_heads_visible_to(user) -> QuerySet[OrgUnit]:
    """The units with their heads, to change them: for HR and the system administration."""
    if not role_keeper(scope_for(user)):
        return OrgUnit.objects.none()
    return OrgUnit.objects.select_related("head")


def staff_in(unit: OrgUnit | None):
    """Everyone in `unit` and below (None: the whole administration), for figures."""
    if unit is None:
        return Employee.objects.all()
    return Employee.objects.filter(in_subtree(unit.path))


def records_began() -> dt.date | None:
    """The first day the application holds staff records (the first HR import): figures
    for an earlier day cannot be rebuilt (`core.figures.NotRebuilt`)."""
    first = Employee.objects.aggregate(first=Min("created_at"))["first"]
    return timezone.localtime(first).date() if first else None


def kpis(
    *, viewer=None, on: dt.date | None = None, unit: OrgUnit | None = None
) -> dict[str, int | NotRebuilt]:
    """Head counts: not suppressed below 5 (docs/roles.md), the same for every viewer.
    `on`: as of that day (default today), from entry and exit dates; `unit`: that unit
    and every unit below it."""
    today = timezone.localdate()
    day = on or today
    if day < today and (missing := rebuilt_since(day, records_began())):
        return {"staff_total": missing, "org_units_total": missing}
    return {
        "staff_total": staff_in(unit).employed_on(day).count(),
        # The tree keeps no history of its own: no count for a past day.
        "org_units_total": (
            OrgUnit.objects.filter(in_subtree(unit.path, "") if unit else Q()).count()
            if day >= today
            else NotRebuilt()
        ),
    }
