"""List filters of the home-office workflow: one class per list, for its page and its API.

The overview page (`agreements:overview`) lists requests or agreements (`was`) with
`WorkRequestFilter` or `AgreementFilter`; the API's `/requests/`, `/offers/` and
`/agreements/` use the same classes. The page keeps its German parameter names
(`art`, `einheit`); the API knows them as `kind` and `unit`. The staff council's
refusals (`agreements:refusals`) and their export use `RefusalFilter`.
"""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rathausmobil.agreements.models import Agreement, Offer, ReasonCode, WorkRequest
from rathausmobil.core.filters import ListFilter
from rathausmobil.organisation.filters import UnitFilter


class _WorkflowFilter(ListFilter):
    # status and kind come from the model's choices (Meta.fields): an unknown value
    # answers 400 in the API and is left out on the page.
    unit = UnitFilter("employee__unit")

    page_names = {"art": "kind", "einheit": "unit"}


class WorkRequestFilter(_WorkflowFilter):
    # Waiting past the decision deadline (the dashboard's "Überfällige Anträge").
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("überfällig"))

    page_names = {**_WorkflowFilter.page_names, "ueberfaellig": "overdue"}

    class Meta:
        model = WorkRequest
        fields = ["status", "kind", "unit", "overdue"]

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if not value:
            return queryset
        return queryset.filter(status="submitted", due_date__lt=timezone.localdate())


class OfferFilter(_WorkflowFilter):
    class Meta:
        model = Offer
        fields = ["status", "kind", "unit"]


class AgreementFilter(_WorkflowFilter):
    class Meta:
        model = Agreement
        fields = ["status", "kind", "unit"]


class ReasonCodeFilter(django_filters.ChoiceFilter):
    """Refusals that name this reason code (among others). `reason_codes` is a JSON list;
    its text holds each code in quotes on PostgreSQL and SQLite alike."""

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        if not value:
            return qs
        return qs.annotate(reason_codes_text=Cast("reason_codes", TextField())).filter(
            reason_codes_text__contains=f'"{value}"'
        )


class RefusalFilter(ListFilter):
    """The staff council's refusals (`agreements:refusals` and its CSV export): decided
    from/to (days, inclusive), unit with every unit below, reason code. The page names
    them `von`, `bis`, `einheit`, `grund`."""

    decided_from = django_filters.DateFilter(
        field_name="decided_at", lookup_expr="date__gte", label=_("entschieden ab")
    )
    decided_to = django_filters.DateFilter(
        field_name="decided_at", lookup_expr="date__lte", label=_("entschieden bis")
    )
    unit = UnitFilter("employee__unit")
    reason = ReasonCodeFilter(choices=ReasonCode.choices, label=_("Grund"))

    page_names = {"von": "decided_from", "bis": "decided_to", "einheit": "unit", "grund": "reason"}

    class Meta:
        model = WorkRequest
        fields = ["decided_from", "decided_to", "unit", "reason"]
