from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from rathausmobil.agreements.selectors import overdue_by_office
from rathausmobil.core.figures import kept_html
from rathausmobil.organisation.models import UnitKind
from rathausmobil.organisation.scoping import scope_for
from rathausmobil.reports.dashboard import dashboard_themes
from rathausmobil.reports.forms import FiguresForm
from rathausmobil.reports.kpis import figure_scope, kept_kpis
from rathausmobil.reports.snapshots import monthly_trend


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not scope.sees_aggregates:
        raise PermissionDenied
    form = FiguresForm(request.GET or None)
    on = unit = None
    if form.is_bound and form.is_valid():
        on, unit = form.cleaned_data["stichtag"], form.cleaned_data["einheit"]
    # Kept per scope, day and unit, computed anew after a change (core/figures.py); the
    # providers suppress small groups for this reader. The themes are kept as rendered
    # with them: drawing the tiles and their trends cost more than reading the figures.
    figures = kept_kpis(viewer=request.user, on=on, unit=unit)
    # Trends are kept for the whole administration and each Dezernat (reports/snapshots.py).
    with_trend = unit is None or unit.kind == UnitKind.DEZERNAT
    key = ":".join(
        [
            figure_scope(request.user),
            "head" if scope.is_supervisor else "",  # the links follow what the reader may open
            on.isoformat() if on else "today",
            str(unit.pk) if unit else "all",
            figures.as_of.isoformat(),
        ]
    )
    themes = kept_html(
        "dashboard",
        key,
        "reports/dashboard.html#themes",
        lambda: {
            "themes": dashboard_themes(
                scope=scope,
                figures=figures.values,
                trends=monthly_trend(on=on, unit=unit) if with_trend else None,
            )
        },
    )
    context = {
        "form": form,
        "themes": themes,
        "as_of": figures.as_of,
        "on": on or timezone.localdate(),
        "past": on is not None,
        "unit": unit,
        "with_trend": with_trend,
        "max_age": settings.FIGURES_MAX_AGE // 60,
    }
    return render(request, "reports/dashboard.html", context)


@require_GET
def overdue(request: HttpRequest) -> HttpResponse:
    """Open and overdue requests per office (Amt), without a person: where decisions are
    late. For everyone who reads the dashboard; HR and heads follow on to the requests."""
    scope = scope_for(request.user)
    if not scope.sees_aggregates:
        raise PermissionDenied
    rows = overdue_by_office()
    context = {
        "rows": rows,
        "today": timezone.localdate(),
        "open_total": sum(row.open for row in rows),
        "overdue_total": sum(row.overdue for row in rows),
        "sees_requests": scope.is_supervisor or scope.sees_whole_administration,
    }
    return render(request, "reports/overdue.html", context)
