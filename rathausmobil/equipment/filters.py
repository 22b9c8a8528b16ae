"""List filters of equipment: one class per list, for its page and its API.

`DeviceFilter`: the stock page and `/api/v1/devices/`; `OrderFilter`: the orders page and
`/api/v1/device-orders/`; `HolderFilter`: the search of "Wer hat welches Gerät" (a page
only; its reference day and "auch stationäre" choose the list and go to the selector).
"""

import django_filters
from django.utils.translation import gettext_lazy as _

from rathausmobil.core.filters import ListFilter, SearchFilter
from rathausmobil.equipment.models import (
    Assignment,
    Device,
    DeviceKind,
    DeviceStatus,
    PurchaseOrder,
)


class DeviceFilter(ListFilter):
    q = SearchFilter(
        lookups=(
            "inventory_number__icontains",
            "serial__icontains",
            "model__name__icontains",
            "holder__last_name__icontains",
            "holder__first_name__icontains",
            "holder__personnel_number",
        ),
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


class OrderFilter(ListFilter):
    # status from the model's choices: unknown values answer 400 in the API and are
    # left out on the page.
    class Meta:
        model = PurchaseOrder
        fields = ["status"]


class HolderFilter(ListFilter):
    q = SearchFilter(
        lookups=(
            "employee__last_name__icontains",
            "employee__first_name__icontains",
            "employee__personnel_number",
            "device__inventory_number__icontains",
            "employee__unit__code",
        ),
        help_text=_("Name, Personalnummer, Inventarnummer oder Einheit (Kennung)"),
    )

    class Meta:
        model = Assignment
        fields = ["q"]
