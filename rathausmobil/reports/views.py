import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rathausmobil.organisation.models import Role
from rathausmobil.organisation.scoping import scope_for
from rathausmobil.reports.kpis import LABELS, compute_kpis, value_labels

SHARES = {
    "positions_eligible_share",
    "positions_assessed_share",
    "refusal_rate",
    "rollout_progress_share",
}
DATES = {"rollout_target_date", "rollout_projected_date"}
# Breakdowns about people's conduct: counts of 1 to 4 are shown as "< 5" to everyone
# but HR (DOMAIN.md: group figures under 5 persons are suppressed).
SMALL_GROUPS_SUPPRESSED = {"refusals_by_reason"}
MIN_GROUP = 5


def _suppressed(count):
    return "< 5" if isinstance(count, int) and 0 < count < MIN_GROUP else count


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not scope.sees_aggregates:
        raise PermissionDenied
    figures = []
    for key, value in compute_kpis().items():
        figure = {"key": key, "label": LABELS.get(key, key), "value": value}
        if isinstance(value, dict):
            labels = value_labels(key)
            suppress = key in SMALL_GROUPS_SUPPRESSED and not scope.has(Role.HR)
            figure["breakdown"] = [
                (labels.get(k, k), _suppressed(v) if suppress else v) for k, v in value.items()
            ]
            # A refusal can carry several codes: their sum is no count of refusals.
            figure["value"] = (
                None
                if key in SMALL_GROUPS_SUPPRESSED
                else sum(v for v in value.values() if isinstance(v, int | float))
            )
        elif key in SHARES:
            figure["percent"] = round(value * 100, 1)
        elif key in DATES:
            figure["value"] = dt.date.fromisoformat(value).strftime("%d.%m.%Y") if value else "–"
        figures.append(figure)
    return render(request, "reports/dashboard.html", {"figures": figures})
