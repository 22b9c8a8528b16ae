"""The audit log's filters (one `ListFilter`, for the page and its CSV export)."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rathausmobil.core.filters import ListFilter, SearchFilter
from rathausmobil.core.forms import DateInput
from rathausmobil.core.models import AuditEvent
from rathausmobil.privacy.selectors import object_type_choices


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class AuditEventFilter(ListFilter):
    page_names = {
        "von": "since",
        "bis": "until",
        "person": "actor",
        "aktion": "action",
        "art": "object_type",
    }

    since = django_filters.DateFilter(label=_("von"), method="filter_since", widget=DateInput)
    until = django_filters.DateFilter(label=_("bis"), method="filter_until", widget=DateInput)
    actor = SearchFilter(
        lookups=(
            "actor__username__iexact",
            "actor__last_name__icontains",
            "actor__first_name__icontains",
        ),
        label=_("durch"),
        help_text=_("Benutzername oder Name"),
    )
    action = django_filters.CharFilter(
        field_name="action", lookup_expr="icontains", label=_("Aktion")
    )
    object_type = django_filters.ChoiceFilter(
        field_name="object_type", label=_("Objekttyp"), choices=object_type_choices
    )
    q = SearchFilter(
        lookups=("object_label__icontains", "object_id__iexact"),
        help_text=_("Bezeichnung oder Nummer des Datensatzes"),
    )

    class Meta:
        model = AuditEvent
        fields = ()

    def filter_since(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        return queryset.filter(created_at__gte=_day_start(value))

    def filter_until(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        return queryset.filter(created_at__lt=_day_start(value + dt.timedelta(days=1)))
