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
from django.views.decorators.http import require_GET

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
            "occupancy": week_occupancy(week_start),
            "coverage": week_coverage(week_start),
        },
    )
