from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rathausmobil.core.scoping import scope_for
from rathausmobil.reports.kpis import LABELS, compute_kpis, value_labels

SHARES = {"positions_eligible_share", "positions_assessed_share", "refusal_rate"}


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    if not scope_for(request.user).sees_aggregates:
        raise PermissionDenied
    figures = []
    for key, value in compute_kpis().items():
        figure = {"key": key, "label": LABELS.get(key, key), "value": value}
        if isinstance(value, dict):
            labels = value_labels(key)
            figure["breakdown"] = [(labels.get(k, k), v) for k, v in value.items()]
            figure["value"] = sum(v for v in value.values() if isinstance(v, int | float))
        elif key in SHARES:
            figure["percent"] = round(value * 100, 1)
        figures.append(figure)
    return render(request, "reports/dashboard.html", {"figures": figures})
