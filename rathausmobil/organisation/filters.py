"""List filters of the organisation, and the unit filter every list uses.

`EmployeeFilter` serves the employee list page, its CSV export and the API;
`OrgUnitFilter` the API's org units (the org chart page shows the whole tree);
`RoleAssignmentFilter` and `UnitHeadFilter` the page "Rollen und Leitungen". `UnitFilter`
is the one filter "Organisationseinheit (mit allen darunter)": a unit's code, matching
records of that unit and every unit below it by the materialised path.
"""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from rathausmobil.core.filters import ListFilter, SearchFilter
from rathausmobil.organisation.models import (
    Employee,
    OrgUnit,
    Role,
    RoleAssignment,
    UnitKind,
    in_subtree,
)


def within_unit(queryset: QuerySet, unit: OrgUnit | str | None, *, field: str = "unit"):
    """Rows of `queryset` whose unit (reached by `field`) is `unit` or lies below it.

    `unit` is a unit or its code; an empty value leaves the rows as they are, a code no
    unit has matches nothing (one query to read the unit's path)."""
    if unit is None or unit == "":
        return queryset
    if isinstance(unit, OrgUnit):
        path = unit.path
    else:
        path = OrgUnit.objects.filter(code=unit.strip()).values_list("path", flat=True).first()
    return queryset.filter(in_subtree(path, field)) if path else queryset.none()


class UnitFilter(django_filters.CharFilter):
    """A unit's code; matches that unit and every unit below it.

    `field_name` leads from the listed model to its unit (`"employee__unit"`). Pages that
    offer a choice of units render it from the units the user may see; the filter itself
    takes any code, and a code no unit has lists nothing (also in the API: no 400)."""

    def __init__(self, field_name: str = "unit", **kwargs):
        kwargs.setdefault("label", _("Organisationseinheit (Kennung, mit allen darunter)"))
        super().__init__(field_name=field_name, **kwargs)

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        return within_unit(qs, value, field=self.field_name)


class EmployeeFilter(ListFilter):
    q = SearchFilter(
        lookups=(
            "last_name__icontains",
            "first_name__icontains",
            "personnel_number__iexact",
            "email__icontains",
        ),
        help_text=_("Name, Personalnummer oder E-Mail"),
    )
    unit = UnitFilter(label=_("Organisationseinheit (mit allen darunter)"))
    is_active = django_filters.BooleanFilter(label=_("aktiv"))

    class Meta:
        model = Employee
        fields = ["q", "unit", "is_active"]


class OrgUnitFilter(ListFilter):
    kind = django_filters.ChoiceFilter(choices=UnitKind.choices, label=_("Ebene"))

    class Meta:
        model = OrgUnit
        fields = ["kind"]


class RoleAssignmentFilter(ListFilter):
    """Who holds which role: by person (name, login, personnel number), role and unit."""

    page_names = {"rolle": "role", "einheit": "unit"}

    q = SearchFilter(
        lookups=(
            "user__last_name__icontains",
            "user__first_name__icontains",
            "user__username__iexact",
            "user__employee__personnel_number__iexact",
        ),
        help_text=_("Name, Benutzername oder Personalnummer"),
    )
    role = django_filters.ChoiceFilter(choices=Role.choices, label=_("Rolle"))
    unit = UnitFilter(label=_("Einheit der Vertretung (mit allen darunter)"))

    class Meta:
        model = RoleAssignment
        fields = ["q", "role", "unit"]


class UnitHeadFilter(ListFilter):
    """The units and their heads: by code or name of the unit, or the head's name."""

    page_names = {"ohne_leitung": "without_head"}

    q = SearchFilter(
        lookups=(
            "code__istartswith",
            "name__icontains",
            "head__last_name__icontains",
            "head__personnel_number__iexact",
        ),
        help_text=_("Kennung oder Bezeichnung der Einheit, Name der Leitung"),
    )
    without_head = django_filters.BooleanFilter(
        field_name="head", lookup_expr="isnull", label=_("ohne Leitung")
    )

    class Meta:
        model = OrgUnit
        fields = ["q", "without_head"]
