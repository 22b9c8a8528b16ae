"""List filters of equipment: one class per list, for its page and its API.

`DeviceFilter`: the stock page and `/api/v1/devices/`; `OrderFilter`: the orders page and
`/api/v1/device-orders/`; `HolderFilter`: the search of "Wer hat welches Gerät" (a page
only; its reference day and "auch stationäre" choose the list and go to the selector).
"""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rathausmobil.core.filters import ListFilter
from rathausmobil.equipment.models import (
    Assignment,
    Device,
    DeviceKind,
    DeviceStatus,
    PurchaseOrder,
)


class DeviceFilter(ListFilter):
    q = django_filters.CharFilter(
        method="filter_search",
        label=_("Suche"),
        help_text=_("Inventarnummer, Seriennummer, Modell, Name oder Personalnummer"),
    )
    status = django_filters.ChoiceFilter(
        choices=DeviceStatus.choices, label=_("Status"), empty_label=_("alle")
    )
    kind = django_filters.ChoiceFilter(
        field_name="model__kind", choices=DeviceKind.choices, label=_("Art"), empty_label=_("alle")
    )

    class Meta:
        model = Device
        fields = ["q", "status", "kind"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        query = Q()
        for term in value.split():
            query &= (
                Q(inventory_number__icontains=term)
                | Q(serial__icontains=term)
                | Q(model__name__icontains=term)
                | Q(holder__last_name__icontains=term)
                | Q(holder__first_name__icontains=term)
                | Q(holder__personnel_number=term)
            )
        return queryset.filter(query)


class OrderFilter(ListFilter):
    # status from the model's choices: unknown values answer 400 in the API and are
    # left out on the page.
    class Meta:
        model = PurchaseOrder
        fields = ["status"]


class HolderFilter(ListFilter):
    q = django_filters.CharFilter(
        method="filter_search",
        label=_("Suche"),
        help_text=_("Name, Personalnummer, Inventarnummer oder Einheit (Kennung)"),
    )

    class Meta:
        model = Assignment
        fields = ["q"]

    def filter_search(self, queryset, name, value):
        for term in value.split():
            queryset = queryset.filter(
                Q(employee__last_name__icontains=term)
                | Q(employee__first_name__icontains=term)
                | Q(employee__personnel_number=term)
                | Q(device__inventory_number__icontains=term)
                | Q(employee__unit__code=term)
            )
        return queryset
