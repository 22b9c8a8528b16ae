""" "Belegung": how full the buildings, rooms and days of a week are under the published
plans, against the desks and (in a pandemic week) the pandemic limit; and the coverage
of every unit's rules per day across the administration, the mayor's figure.

For those who see every place (HR, IT who look after the workplaces, leadership);
everybody else 403. Reads through selectors_figures, a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from rathausmobil.core import charts
from rathausmobil.presence.planning import iso_week, monday_of, parse_iso_week
from rathausmobil.presence.selectors import sees_all_places
from rathausmobil.presence.selectors_figures import week_coverage, week_occupancy


@require_GET
def occupancy(request: HttpRequest) -> HttpResponse:
    if not sees_all_places(request.user):
        raise PermissionDenied
    this_week = monday_of(timezone.localdate())
    week_start = this_week
    asked = request.GET.get("woche", "").strip()
    if asked:
        try:
            week_start = parse_iso_week(asked)
        except ValueError as exc:
            messages.error(request, str(exc))
    one_week = dt.timedelta(days=7)
    occupancy = week_occupancy(week_start)
    return render(
        request,
        "presence/occupancy.html",
        {
            "week": iso_week(week_start),
            "week_start": week_start,
            "week_end": week_start + dt.timedelta(days=4),
            "is_this_week": week_start == this_week,
            "this_week": iso_week(this_week),
            "previous_week": iso_week(week_start - one_week),
            "next_week": iso_week(week_start + one_week),
            "occupancy": occupancy,
            "chart": occupancy_chart(occupancy),
            "coverage": week_coverage(week_start),
        },
    )


STYLES = [
    (charts.BLUE, charts.SOLID),
    (charts.GREEN, charts.DASHED),
    (charts.GREY, charts.DOTTED),
    (charts.BLUE, charts.LONG_DASHED),
    (charts.GREEN, charts.DOTTED),
    (charts.GREY, charts.SOLID),
]


def occupancy_chart(occupancy) -> charts.Chart | None:
    """Each building's day as a share of its places, against the limit (100 %): the
    week at a glance above the tables (core/charts.py, one line per building)."""
    if not occupancy.buildings:
        return None
    series = []
    for n, block in enumerate(occupancy.buildings):
        colour, dash = STYLES[n % len(STYLES)]
        points = [(day, load.percent) for day, load in zip(occupancy.days, block.days, strict=True)]
        series.append(charts.Series(block.building.name, points, colour=colour, dash=dash))
    highest = max((v for s in series for _d, v in s.points if v is not None), default=0)
    return charts.line_chart(
        series,
        title=_("Auslastung der Gebäude je Tag"),
        ident="occupancy-chart",
        target=100,
        target_label=_("Grenze (alle Plätze belegt)"),
        y_max=max(100, highest),
        y_suffix=" %",
        x_header=_("Tag"),
        caption=_("Personen im Büro in Prozent der Plätze der Räume in Nutzung, je Gebäude"),
    )
