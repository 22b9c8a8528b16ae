"""List filters of the home-office workflow: one class per list, for its page and its API.

The overview page (`agreements:overview`) lists requests or agreements (`was`) with
`WorkRequestFilter` or `AgreementFilter`; the API's `/requests/`, `/offers/` and
`/agreements/` use the same classes. The page keeps its German parameter names
(`art`, `einheit`); the API knows them as `kind` and `unit`.
"""

from __future__ import annotations

from rathausmobil.agreements.models import Agreement, Offer, WorkRequest
from rathausmobil.core.filters import ListFilter
from rathausmobil.organisation.filters import UnitFilter


class _WorkflowFilter(ListFilter):
    # status and kind come from the model's choices (Meta.fields): an unknown value
    # answers 400 in the API and is left out on the page.
    unit = UnitFilter("employee__unit")

    page_names = {"art": "kind", "einheit": "unit"}


class WorkRequestFilter(_WorkflowFilter):
    class Meta:
        model = WorkRequest
        fields = ["status", "kind", "unit"]


class OfferFilter(_WorkflowFilter):
    class Meta:
        model = Offer
        fields = ["status", "kind", "unit"]


class AgreementFilter(_WorkflowFilter):
    class Meta:
        model = Agreement
        fields = ["status", "kind", "unit"]
