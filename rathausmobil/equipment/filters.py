"""One filter set serves the device list page and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rathausmobil.equipment.models import Device, DeviceKind, DeviceStatus


class DeviceFilter(django_filters.FilterSet):
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
