import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rathausmobil.core.figures import Kept, kept_html
from rathausmobil.organisation.scoping import scope_for
from rathausmobil.reports.kpis import LABELS, figure_scope, kept_kpis, value_labels

SHARES = {
    "positions_eligible_share",
    "positions_assessed_share",
    "refusal_rate",
    "rollout_progress_share",
    "presence_coverage_met_share",
    "presence_office_share",
    "presence_peak_occupancy_share",
}
DATES = {"rollout_target_date", "rollout_projected_date"}
# A refusal can carry several codes: the sum of its breakdown is no count of refusals. (A
# breakdown with a suppressed part has no total either.)
NOT_SUMMED = {"refusals_by_reason"}


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not scope.sees_aggregates:
        raise PermissionDenied
    # Kept per scope, computed anew after a change (core/figures.py); the providers
    # suppress small groups for this viewer. The tiles are kept as rendered with them:
    # drawing 25 tiles cost more than reading the figures.
    figures = kept_kpis(viewer=request.user)
    tiles = kept_html(
        "kpis-tiles",
        f"{figure_scope(request.user)}:{figures.as_of.isoformat()}",
        "reports/dashboard.html#tiles",
        lambda: _tiles_context(figures),
    )
    context = {
        "tiles": tiles,
        "as_of": figures.as_of,
        "max_age": settings.FIGURES_MAX_AGE // 60,
    }
    return render(request, "reports/dashboard.html", context)


def _tiles_context(kept_figures: Kept[dict]) -> dict:
    figures = []
    for key, value in kept_figures.values.items():
        figure = {"key": key, "label": LABELS.get(key, key), "value": value}
        if isinstance(value, dict):
            labels = value_labels(key)
            figure["breakdown"] = [(labels.get(k, k), v) for k, v in value.items()]
            counts = list(value.values())
            summed = key not in NOT_SUMMED and all(isinstance(n, int) for n in counts)
            figure["value"] = sum(counts) if summed else None
        elif key in SHARES:
            # A share of nothing (no published plan yet) is no figure: None, not 0 %.
            figure["percent"] = round(value * 100, 1) if value is not None else None
        elif key in DATES:
            figure["value"] = dt.date.fromisoformat(value).strftime("%d.%m.%Y") if value else "–"
        figures.append(figure)
    return {"figures": figures}
