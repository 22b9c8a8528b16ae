"""Reads of the organisation, scoped by who asks."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from rathausmobil.organisation.models import Employee, OrgUnit, Position, Role
from rathausmobil.organisation.scoping import scope_for


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


def kpis(*, viewer=None) -> dict[str, int]:
    """Head counts: not suppressed below 5 (docs/roles.md), the same for every viewer."""
    return {
        "staff_total": Employee.objects.filter(is_active=True).count(),
        "org_units_total": OrgUnit.objects.count(),
    }
