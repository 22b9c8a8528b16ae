"""The staff council's page: refused requests (co-determination), with the legend of the
reason codes, the full justification, filters by period, unit and reason, and the CSV
export of the same list. HR sees the same page. Thin: the scoped selector reads, the
one filter set (`RefusalFilter`) filters the page and the export alike."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from rathausmobil.agreements.exports import refusals_csv
from rathausmobil.agreements.filters import RefusalFilter
from rathausmobil.agreements.models import TEMPORARY_REASONS, ReasonCode, RequestStatus
from rathausmobil.agreements.selectors import requests_visible_to
from rathausmobil.core.htmx import query_without, render_page
from rathausmobil.core.todos import mark_seen
from rathausmobil.organisation.models import OrgUnit, Role
from rathausmobil.organisation.scoping import scope_for

SEEN_KEY = "agreements.refusals"
PAGE_SIZE = 50


def _refusals(request: HttpRequest) -> RefusalFilter:
    if not scope_for(request.user).has(Role.STAFF_COUNCIL, Role.HR):
        raise PermissionDenied
    rows = requests_visible_to(request.user).filter(status=RequestStatus.REJECTED)
    return RefusalFilter.for_page(request, rows)


def reason_legend() -> list[dict]:
    """R1 … R8 with their labels from the model's choices; temporary ones marked."""
    temporary = f" ({gettext('vorübergehend')})"
    return [
        {
            "code": code,
            # the code stands in its own column and "vorübergehend" is a badge
            "label": str(label).removeprefix(f"{code} ").removesuffix(temporary),
            "temporary": code in TEMPORARY_REASONS,
        }
        for code, label in ReasonCode.choices
    ]


@require_GET
def refusals(request: HttpRequest) -> HttpResponse:
    filterset = _refusals(request)
    rows = filterset.qs.order_by("-decided_at", "-pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = dict(ReasonCode.choices)
    for row in page:
        row.reasons = [(code, labels.get(code, code)) for code in row.reason_codes]
    mark_seen(request.user, SEEN_KEY)  # the start page counts new refusals from here
    unit_code = filterset.chosen("unit")
    units = list(OrgUnit.objects.order_by("code").values_list("code", "name"))
    context = {
        "page": page,
        "legend": reason_legend(),
        "temporary_codes": ", ".join(sorted(TEMPORARY_REASONS)),
        "units": units,
        "unit": unit_code,
        "unit_name": dict(units).get(unit_code, ""),
        "decided_from": filterset.chosen("decided_from"),
        "decided_to": filterset.chosen("decided_to"),
        "reason": filterset.chosen("reason"),
        "reasons": ReasonCode.choices,
        "query": query_without(request, "page"),
        "filtered": any(
            filterset.chosen(name) for name in ("decided_from", "decided_to", "unit", "reason")
        ),
    }
    return render_page(request, "agreements/refusals.html", context, partial="results")


@require_GET
def refusals_export(request: HttpRequest) -> HttpResponse:
    """The refusals the page lists under the same filters, as CSV for Excel."""
    filterset = _refusals(request)
    rows = filterset.qs.order_by("-decided_at", "-pk")
    return refusals_csv(rows, filename=f"ablehnungen-{timezone.localdate():%Y-%m-%d}.csv")
