"""The filters of the grants list: the overview page (`/zugang/`) and `/api/v1/access-grants/`.

The page keeps its German parameter names (`art`, `einheit`); the API knows them as
`kind` and `unit`. `status=open` means requested or active.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from rathausmobil.access.models import OPEN_GRANT, AccessGrant, AccessKind, GrantStatus
from rathausmobil.core.filters import ListFilter, SearchFilter
from rathausmobil.organisation.filters import UnitFilter

OPEN = "open"
STATUS_CHOICES = [(OPEN, _("offen (beantragt oder aktiv)")), *GrantStatus.choices]


class AccessGrantFilter(ListFilter):
    kind = django_filters.ChoiceFilter(choices=AccessKind.choices, label=_("Art"))
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES,
        method="filter_status",
        label=_("Status"),
    )
    unit = UnitFilter("employee__unit")
    q = SearchFilter(
        lookups=(
            "employee__personnel_number",
            "employee__last_name__istartswith",
            "employee__first_name__istartswith",
        ),
        label=_("Name oder Personalnummer"),
        help_text=_("Personalnummer, oder Anfang des Vor- oder Nachnamens"),
    )

    page_names = {"art": "kind", "einheit": "unit"}

    class Meta:
        model = AccessGrant
        fields = ["kind", "status", "unit", "q"]

    def filter_status(self, queryset, name, value):
        if value == OPEN:
            return queryset.filter(status__in=OPEN_GRANT)
        return queryset.filter(status=value) if value else queryset
