from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rathausmobil.core.scoping import scope_for
from rathausmobil.reports.kpis import LABELS, compute_kpis


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    if not scope_for(request.user).sees_aggregates:
        raise PermissionDenied
    figures = [
        {"key": key, "label": LABELS.get(key, key), "value": value}
        for key, value in compute_kpis().items()
    ]
    return render(request, "reports/dashboard.html", {"figures": figures})
