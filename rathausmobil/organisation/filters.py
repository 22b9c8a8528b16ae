"""One filter set serves the employee list page, its CSV export and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rathausmobil.organisation.models import Employee, OrgUnit


class EmployeeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_search", label=_("Suche"), help_text=_("Name, Personalnummer oder E-Mail")
    )
    unit = django_filters.ModelChoiceFilter(
        queryset=OrgUnit.objects.all(),
        method="filter_unit",
        label=_("Organisationseinheit (mit allen darunter)"),
        to_field_name="code",
    )
    is_active = django_filters.BooleanFilter(label=_("aktiv"))

    class Meta:
        model = Employee
        fields = ["q", "unit", "is_active"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        query = Q()
        for term in value.split():
            query &= (
                Q(last_name__icontains=term)
                | Q(first_name__icontains=term)
                | Q(personnel_number__iexact=term)
                | Q(email__icontains=term)
            )
        return queryset.filter(query)

    def filter_unit(self, queryset, name, value):
        return queryset.filter(unit__path__startswith=value.path) if value else queryset
