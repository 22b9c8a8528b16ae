"""„Meine Woche“: every employee's own view of the presence plan.

My days this week and next as I was last told (published cells only; a draft is
nobody's day yet), my room, who of my own unit is in the office on which day (names of
one's own unit only), my wishes up to the unit's deadline, swap requests for published
days, and the private calendar feed. Thin: the reads are selectors, the writes the
services (`services.wish_set`, `services.absence_add`/`absence_delete`,
`planning.swap_request`, `feeds.calendar_feed_*`).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rathausmobil.core.dates import german_date
from rathausmobil.core.errors import DomainError
from rathausmobil.organisation.models import Employee
from rathausmobil.organisation.scoping import scope_for
from rathausmobil.presence import feeds, planning, services
from rathausmobil.presence.forms import MyAbsenceForm
from rathausmobil.presence.models import (
    Absence,
    AbsenceSource,
    CellKind,
    PlanCell,
    PlanStatus,
    SwapStatus,
    WishKind,
    settings_for,
)
from rathausmobil.presence.selectors import (
    absences_visible_to,
    calendar_feed_of,
    office_names_of_unit,
    published_days_of,
    swaps_of,
    wishes_visible_to,
)

SWAPPABLE = (CellKind.OFFICE, CellKind.HOME)
REASON_MAX = 1000


def _me(request: HttpRequest) -> Employee | None:
    employee_id = scope_for(request.user).employee_id
    if not employee_id:
        return None
    return Employee.objects.select_related("unit").get(pk=employee_id)


def _me_or_404(request: HttpRequest) -> Employee:
    employee = _me(request)
    if employee is None:
        raise Http404
    return employee


def _back(anchor: str = "") -> HttpResponse:
    return redirect(reverse("presence:my_week") + (f"#{anchor}" if anchor else ""))


# -- reading --------------------------------------------------------------------------


def _wish_weeks(this_monday: dt.date, deadline_of, now: dt.datetime) -> list[dt.date]:
    """The weeks whose wishes the page shows: this week (its remaining days) and next
    week, and the week after once next week's deadline has passed, so that there is
    always a week still open for wishes."""
    weeks = [this_monday, this_monday + dt.timedelta(days=7)]
    if now >= deadline_of(weeks[-1]):
        weeks.append(this_monday + dt.timedelta(days=14))
    return weeks


def _wish_days(weeks: list[dt.date], today: dt.date) -> list[dt.date]:
    return [
        monday + dt.timedelta(days=i)
        for monday in weeks
        for i in range(5)
        if monday + dt.timedelta(days=i) >= today
    ]


def my_week_context(request: HttpRequest, employee: Employee) -> dict:
    """Everything „Meine Woche“ shows, in a fixed number of queries however large the
    unit (a test pins it)."""
    today = timezone.localdate()
    now = timezone.now()
    this_monday = planning.monday_of(today)
    next_monday = this_monday + dt.timedelta(days=7)
    plan_days = [
        monday + dt.timedelta(days=i) for monday in (this_monday, next_monday) for i in range(5)
    ]

    unit_settings = settings_for(employee.unit_id)
    wish_weeks = _wish_weeks(this_monday, unit_settings.wish_deadline, now)
    wish_days = _wish_days(wish_weeks, today)
    last_day = max(plan_days[-1], wish_days[-1] if wish_days else plan_days[-1])

    cells = published_days_of(employee.pk, start=this_monday, end=plan_days[-1])
    in_office = office_names_of_unit(
        employee.unit_id, start=this_monday, end=plan_days[-1], without=employee.pk
    )
    swaps = list(swaps_of(employee.pk, since=this_monday))
    open_swaps = {s.cell_id: s for s in swaps if s.status == SwapStatus.REQUESTED}
    wishes = dict(
        wishes_visible_to(request.user)
        .filter(date__range=(this_monday, last_day))
        .values_list("date", "kind")
    )
    absent = set()
    # One query for both: the days of these weeks someone is away, and the list of
    # one's own absences from today on (which may reach beyond these weeks).
    own_absences = list(
        absences_visible_to(request.user)
        .filter(employee_id=employee.pk, end__gte=this_monday)
        .order_by("start")
        .values("pk", "start", "end", "source")
    )
    for start, end in ((a["start"], a["end"]) for a in own_absences):
        if start > last_day:
            continue
        day = max(start, this_monday)
        while day <= min(end, last_day):
            absent.add(day)
            day += dt.timedelta(days=1)

    weeks = []
    for monday, title in ((this_monday, _("Diese Woche")), (next_monday, _("Nächste Woche"))):
        rows = []
        for day in plan_days:
            if not monday <= day < monday + dt.timedelta(days=7):
                continue
            cell = cells.get(day)
            swappable = (
                cell is not None
                and cell.published_kind in SWAPPABLE
                and cell.kind == cell.published_kind
                and cell.plan.status == PlanStatus.PUBLISHED
                and day >= today
            )
            other = None
            if cell is not None and cell.published_kind in SWAPPABLE:
                other = CellKind.HOME if cell.published_kind == CellKind.OFFICE else CellKind.OFFICE
            rows.append(
                {
                    "date": day,
                    "cell": cell,
                    "is_today": day == today,
                    "past": day < today,
                    "colleagues": in_office.get(day, []),
                    "open_swap": open_swaps.get(cell.pk) if cell else None,
                    "can_swap": swappable and cell.pk not in open_swaps,
                    "reworked": cell is not None and cell.plan.status != PlanStatus.PUBLISHED,
                    "other": other,
                    "other_label": CellKind(other).label if other else "",
                }
            )
        weeks.append(
            {
                "monday": monday,
                "friday": monday + dt.timedelta(days=4),
                "number": monday.isocalendar().week,
                "title": title,
                "published": any(row["cell"] for row in rows),
                "rows": rows,
            }
        )

    rooms = {}
    for cell in cells.values():
        if cell.published_kind == CellKind.OFFICE and cell.published_room_id:
            rooms[cell.published_room_id] = cell.published_room

    wish_sections = []
    for monday in wish_weeks:
        days = [d for d in wish_days if monday <= d < monday + dt.timedelta(days=7)]
        if not days:
            continue
        deadline = unit_settings.wish_deadline(monday)
        wish_sections.append(
            {
                "monday": monday,
                "number": monday.isocalendar().week,
                "deadline": deadline,
                "open": now < deadline,
                "days": [
                    {
                        "date": d,
                        "name": f"wish-{d:%Y-%m-%d}",
                        "kind": wishes.get(d, ""),
                        "label": WishKind(wishes[d]).label if d in wishes else "",
                        "absent": d in absent,
                    }
                    for d in days
                ],
            }
        )
    next_open = next((w for w in wish_sections if w["open"]), None)

    feed = calendar_feed_of(employee.pk)
    feed_url = ""
    if feed is not None:
        feed_url = request.build_absolute_uri(reverse("presence:calendar_feed", args=[feed.token]))
    return {
        "employee": employee,
        "today": today,
        "weeks": weeks,
        "rooms": sorted(rooms.values(), key=lambda room: room.code),
        "wish_sections": wish_sections,
        "wish_open": any(w["open"] for w in wish_sections),
        "next_open": next_open,
        "swaps": swaps,
        "feed": feed,
        "feed_url": feed_url,
        "webcal_url": "webcal://" + feed_url.split("://", 1)[1] if feed_url else "",
        "wish_choices": [("", _("kein Wunsch")), *WishKind.choices],
        "absences": [
            {
                **absence,
                "own": absence["source"] == AbsenceSource.SELF,
                "source_label": AbsenceSource(absence["source"]).label,
            }
            for absence in own_absences
            if absence["end"] >= today
        ],
        "absence_form": MyAbsenceForm(),
    }


@require_GET
def my_week(request: HttpRequest) -> HttpResponse:
    employee = _me(request)
    if employee is None:
        return render(request, "presence/my_week.html", {"employee": None})
    return render(request, "presence/my_week.html", my_week_context(request, employee))


# -- writing --------------------------------------------------------------------------


@require_POST
def my_wishes_save(request: HttpRequest) -> HttpResponse:
    """Save the wishes of the form, day by day, through `services.wish_set` (which keeps
    the deadline): what it refuses is named, the rest is saved."""
    employee = _me_or_404(request)
    today = timezone.localdate()
    this_monday = planning.monday_of(today)
    unit_settings = settings_for(employee.unit_id)
    days = _wish_days(_wish_weeks(this_monday, unit_settings.wish_deadline, timezone.now()), today)
    current = dict(
        wishes_visible_to(request.user).filter(date__in=days).values_list("date", "kind")
    )
    changed, refused = 0, []
    for day in days:
        name = f"wish-{day:%Y-%m-%d}"
        if name not in request.POST:
            continue
        kind = request.POST[name].strip() or None
        if kind == current.get(day):
            continue
        try:
            services.wish_set(employee=employee, date=day, kind=kind, by=request.user)
        except DomainError as exc:
            refused.append(exc.message)
        else:
            changed += 1
    for message in dict.fromkeys(refused):
        messages.error(request, message)
    if changed:
        messages.success(
            request,
            _(
                "%(n)d Wunsch/Wünsche gespeichert. Sie fließen in den nächsten Plan ein; "
                "bis zum Ende der Frist können Sie sie hier noch ändern."
            )
            % {"n": changed},
        )
    elif not refused:
        messages.info(request, _("Nichts geändert: Ihre Wünsche waren schon so gespeichert."))
    return _back("wuensche")


@require_POST
def my_swap_request(request: HttpRequest, pk: int) -> HttpResponse:
    employee = _me_or_404(request)
    cell = get_object_or_404(
        PlanCell.objects.select_related("plan__unit__head", "employee"),
        pk=pk,
        employee_id=employee.pk,
    )
    wanted = request.POST.get("wanted", "")
    reason = request.POST.get("reason", "").strip()[:REASON_MAX]
    try:
        planning.swap_request(cell=cell, wanted=wanted, reason=reason, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _(
                "Ihr Tauschwunsch für %(date)s ist beantragt. Die Leitung Ihrer Einheit "
                "entscheidet; Sie erhalten eine E-Mail und sehen die Entscheidung hier."
            )
            % {"date": german_date(cell.date)},
        )
    return _back("tausch")


@require_POST
def my_calendar_feed(request: HttpRequest) -> HttpResponse:
    """„Kalender-Abo einrichten“: the person's feed, created on first request."""
    employee = _me_or_404(request)
    feeds.calendar_feed_ensure(employee=employee, by=request.user)
    messages.success(
        request,
        _("Ihr Kalender-Abo ist eingerichtet. Kopieren Sie den Link in Ihr Kalenderprogramm."),
    )
    return _back("kalender")


@require_POST
def my_calendar_feed_renew(request: HttpRequest) -> HttpResponse:
    employee = _me_or_404(request)
    feeds.calendar_feed_renew(employee=employee, by=request.user)
    messages.success(
        request,
        _(
            "Der Link ist erneuert; der bisherige funktioniert ab sofort nicht mehr. "
            "Bitte tragen Sie den neuen Link in Ihren Kalenderprogrammen ein."
        ),
    )
    return _back("kalender")


@require_POST
def my_absence_add(request: HttpRequest) -> HttpResponse:
    """Enter one's own absence: from and to, never why (`services.absence_add`, source
    self). A form with errors is shown again on the page, with status 200."""
    employee = _me_or_404(request)
    form = MyAbsenceForm(request.POST)
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        try:
            services.absence_add(
                employee=employee, start=start, end=end, by=request.user, source=AbsenceSource.SELF
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _(
                    "Ihre Abwesenheit vom %(start)s bis %(end)s ist eingetragen. Der nächste Plan "
                    "Ihrer Einheit plant Sie an diesen Tagen nicht ein; ist die Woche schon "
                    "veröffentlicht, sagen Sie bitte auch Ihrer Leitung Bescheid."
                )
                % {"start": german_date(start), "end": german_date(end)},
            )
            return _back("abwesenheiten")
    context = my_week_context(request, employee)
    context["absence_form"] = form
    return render(request, "presence/my_week.html", context)


@require_POST
def my_absence_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete one's own absence; the service lets a person delete only what they
    entered themself (the rest the head or HR)."""
    employee = _me_or_404(request)
    absence = get_object_or_404(
        Absence.objects.select_related("employee__unit"), pk=pk, employee_id=employee.pk
    )
    try:
        services.absence_delete(absence=absence, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _(
                "Ihre Abwesenheit vom %(start)s bis %(end)s ist gelöscht; der nächste Plan "
                "rechnet wieder mit Ihnen."
            )
            % {"start": german_date(absence.start), "end": german_date(absence.end)},
        )
    return _back("abwesenheiten")
