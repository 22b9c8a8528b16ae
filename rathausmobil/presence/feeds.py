"""The private calendar feed: one iCal file per person with their published office,
home and field days, at a secret link (`anwesenheit/kalender/<token>.ics`).

The link is the only key (calendar programs cannot log in), so it is long
(`secrets.token_urlsafe(32)`), shown only to the person, and renewing it replaces the
token: the old link answers 404 at once. Absences never appear: why and even that
someone is away is nobody's business in a calendar that may be shared.

This module is the one writer of `CalendarFeed` (`calendar_feed_ensure`,
`calendar_feed_renew`, each with its audit entry) and builds the file with the
`icalendar` library. See docs/workflows/presence.md, "Kalender-Abo".
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.contrib.auth.decorators import login_not_required
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from icalendar import Calendar, Event, vDuration

from rathausmobil.core.audit import audit_event
from rathausmobil.organisation.models import Employee
from rathausmobil.presence.models import CalendarFeed, CellKind, PlanCell
from rathausmobil.presence.selectors import calendar_feed_of

# What the feed covers, counted in weeks from the Monday of the current week.
WEEKS_BACK = 4
WEEKS_AHEAD = 8
# How often calendar programs should fetch the feed again (Outlook reads X-PUBLISHED-TTL).
REFRESH = dt.timedelta(hours=4)
SHOWN_KINDS = (CellKind.OFFICE, CellKind.HOME, CellKind.FIELD)


def _new_token() -> str:
    return secrets.token_urlsafe(32)


# -- writes ---------------------------------------------------------------------------


def calendar_feed_ensure(*, employee: Employee, by) -> CalendarFeed:
    """The person's feed, created with a fresh secret the first time."""
    feed = calendar_feed_of(employee.pk)
    if feed is not None:
        return feed
    try:
        with transaction.atomic():
            feed = CalendarFeed.objects.create(employee=employee, token=_new_token())
            audit_event(actor=by, action="Kalender-Abo eingerichtet", obj=employee)
    except IntegrityError:  # a double click created it a moment ago
        feed = CalendarFeed.objects.get(employee=employee)
    return feed


def calendar_feed_renew(*, employee: Employee, by) -> CalendarFeed:
    """A new secret for the person's feed; the old link stops working at once. The
    audit entry says that it happened, never the token."""
    with transaction.atomic():
        feed = CalendarFeed.objects.select_for_update().filter(employee=employee).first()
        if feed is None:
            feed = CalendarFeed.objects.create(employee=employee, token=_new_token())
            audit_event(actor=by, action="Kalender-Abo eingerichtet", obj=employee)
            return feed
        feed.token = _new_token()
        feed.save(update_fields=["token", "created_at"])
        audit_event(
            actor=by,
            action="Kalender-Abo-Link erneuert",
            obj=employee,
            reason="Der bisherige Link ist ungültig.",
        )
    return feed


# -- the file -------------------------------------------------------------------------


def feed_window(today: dt.date) -> tuple[dt.date, dt.date]:
    monday = today - dt.timedelta(days=today.weekday())
    return (
        monday - dt.timedelta(weeks=WEEKS_BACK),
        monday + dt.timedelta(weeks=WEEKS_AHEAD + 1, days=-1),
    )


def _summary(cell: PlanCell) -> str:
    if cell.published_kind == CellKind.OFFICE:
        room = cell.published_room
        return _("Büro %(room)s") % {"room": room.code} if room else _("Büro")
    if cell.published_kind == CellKind.HOME:
        return _("Homeoffice")
    return _("Außendienst")


def _location(cell: PlanCell) -> str:
    room = cell.published_room
    if cell.published_kind != CellKind.OFFICE or room is None:
        return ""
    building = room.building
    parts = [f"{room.code} {room.name}".strip(), building.name, building.address]
    return ", ".join(part for part in parts if part)


def feed_calendar(
    employee: Employee, *, today: dt.date | None = None, my_week_url: str = ""
) -> Calendar:
    """The person's published office, home and field days from WEEKS_BACK weeks before
    to WEEKS_AHEAD weeks after the current week, one all-day event each. Absent days are
    left out altogether, and so are days never published (drafts)."""
    start, end = feed_window(today or timezone.localdate())
    cells = (
        PlanCell.objects.filter(
            employee=employee, date__range=(start, end), published_kind__in=SHOWN_KINDS
        )
        .select_related("plan", "published_room__building")
        .order_by("date", "plan__published_at")
    )
    by_date = {cell.date: cell for cell in cells}  # the later published plan wins

    calendar = Calendar()
    calendar.add("prodid", "-//Rathaus Mobil//Anwesenheit//DE")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("Anwesenheit – %(name)s") % {"name": employee.full_name})
    calendar.add(
        "x-wr-caldesc",
        _("Ihre veröffentlichten Büro-, Homeoffice- und Außendiensttage (Rathaus Mobil)."),
    )
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH).to_ical().decode())

    stamp = timezone.now()
    for date, cell in sorted(by_date.items()):
        event = Event()
        event.add("uid", f"presence-{employee.pk}-{date:%Y%m%d}@rathausmobil")
        event.add("dtstamp", cell.plan.published_at or stamp)
        event.add("dtstart", date)
        event.add("dtend", date + dt.timedelta(days=1))
        event.add("summary", _summary(cell))
        location = _location(cell)
        if location:
            event.add("location", location)
        description = _("Laut veröffentlichtem Anwesenheitsplan.")
        if my_week_url:
            description += " " + _("Änderungen und Tausch: %(url)s") % {"url": my_week_url}
        event.add("description", description)
        event.add("transp", "TRANSPARENT")  # a place to work, not a busy appointment
        event.add("class", "PRIVATE")
        calendar.add_component(event)
    return calendar


# -- the link -------------------------------------------------------------------------


@login_not_required  # the token is the key; core/middleware.py honours this mark
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    feed = (
        CalendarFeed.objects.select_related("employee")
        .filter(token=token, employee__is_active=True)
        .first()
    )
    if feed is None:  # unknown, renewed, or the person has left
        raise Http404
    calendar = feed_calendar(
        feed.employee, my_week_url=request.build_absolute_uri(reverse("presence:my_week"))
    )
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="anwesenheit.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response
