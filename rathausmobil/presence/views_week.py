"""The unit's week ("Woche der Einheit"): people × days, coverage per day as a traffic
light with the planner's reasons, and the head's actions: plan, set days by hand (a
locked day is a rule for the next planning), publish, decide on swap requests.

Thin: parse, call a service in planning.py, render. A unit, cell or swap outside the
user's plannable units answers 404 (fetched through `selectors.plannable_units`), so a
guessed id does not even confirm that it exists. Every action is a POST that redirects
back to the week (PRG); the only htmx is the planning status, which polls while a run
is under way and works as a plain link without JavaScript.

The page reads a fixed number of queries however many people the unit has (a test pins
it): cells, wishes and qualifications of the week are fetched in bulk.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from rathausmobil.core.errors import DomainError
from rathausmobil.core.forms import BootstrapForm
from rathausmobil.core.htmx import is_fragment
from rathausmobil.organisation.models import OrgUnit
from rathausmobil.presence import planning
from rathausmobil.presence.models import (
    DAY_KEYS,
    CellKind,
    EmployeeQualification,
    PlanCell,
    RunState,
    SwapRequest,
    SwapStatus,
    Weekday,
    WeekPlan,
    Wish,
)
from rathausmobil.presence.selectors import (
    coverage_rules_of,
    opening_hours_of,
    plannable_units,
    staff_of,
    unit_rooms,
)

PAGE_SIZE = 50
OPEN_RUN = (RunState.QUEUED, RunState.RUNNING)
SHORT_DAYS = (
    gettext_lazy("Mo"),
    gettext_lazy("Di"),
    gettext_lazy("Mi"),
    gettext_lazy("Do"),
    gettext_lazy("Fr"),
)


# --------------------------------------------------------------------------- forms


class CellForm(BootstrapForm):
    """One day set by hand: "home" or "office:<room id>" of the unit's rooms in use."""

    place = forms.ChoiceField(label=gettext_lazy("Ort"))

    def __init__(self, *args, rooms=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.rooms = {str(room.pk): room for room in rooms}
        self.fields["place"].choices = [
            *((f"office:{room.pk}", _("Büro %(room)s") % {"room": room.code}) for room in rooms),
            ("home", _("zu Hause")),
        ]

    def kind_and_room(self):
        kind, _sep, room_id = self.cleaned_data["place"].partition(":")
        return kind, self.rooms.get(room_id)


class SwapDecisionForm(BootstrapForm):
    decision = forms.ChoiceField(
        label=gettext_lazy("Entscheidung"),
        choices=[("accept", gettext_lazy("annehmen")), ("refuse", gettext_lazy("ablehnen"))],
    )
    reason = forms.CharField(label=gettext_lazy("Begründung"), required=False, max_length=2000)


# --------------------------------------------------------------------------- lookups


def _unit(request: HttpRequest, unit_pk: int) -> OrgUnit:
    return get_object_or_404(plannable_units(request.user), pk=unit_pk)


def _week_start(text: str) -> dt.date:
    try:
        return planning.parse_iso_week(text)
    except ValueError:
        raise Http404(_("Diese Kalenderwoche gibt es nicht.")) from None


def _week_url(unit_id: int, week_start: dt.date, anchor: str = "") -> str:
    url = reverse("presence:unit_week", args=[unit_id, planning.iso_week(week_start)])
    return f"{url}#{anchor}" if anchor else url


def _cell(request: HttpRequest, pk: int) -> PlanCell:
    cells = PlanCell.objects.select_related("plan__unit", "employee", "room").filter(
        plan__unit__in=plannable_units(request.user)
    )
    return get_object_or_404(cells, pk=pk)


# --------------------------------------------------------------------------- pages


@require_GET
def planning_index(request: HttpRequest) -> HttpResponse:
    """The units the user plans, each with this week and the next."""
    units = plannable_units(request.user).order_by("path")
    if not units.exists():
        raise PermissionDenied
    this_monday = planning.monday_of(timezone.localdate())
    next_monday = this_monday + dt.timedelta(days=7)
    page = Paginator(units, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "presence/week_planning.html",
        {
            "page": page,
            "this_week": planning.iso_week(this_monday),
            "next_week": planning.iso_week(next_monday),
            "this_monday": this_monday,
            "next_monday": next_monday,
        },
    )


@require_GET
def unit_week_current(request: HttpRequest, unit_pk: int) -> HttpResponse:
    unit = _unit(request, unit_pk)
    return redirect(_week_url(unit.pk, planning.monday_of(timezone.localdate())))


@require_GET
def unit_week(request: HttpRequest, unit_pk: int, week: str) -> HttpResponse:
    unit = _unit(request, unit_pk)
    week_start = _week_start(week)
    plan = WeekPlan.objects.filter(unit=unit, week_start=week_start).first()
    return render(request, "presence/week_unit.html", _week_context(unit, week_start, plan))


@require_GET
def unit_week_status(request: HttpRequest, unit_pk: int, week: str) -> HttpResponse:
    """The planning status fragment: polls itself while a run is open; once the run has
    ended it tells htmx to reload the page. Without htmx: back to the week."""
    unit = _unit(request, unit_pk)
    week_start = _week_start(week)
    if not is_fragment(request):
        return redirect(_week_url(unit.pk, week_start))
    plan = WeekPlan.objects.filter(unit=unit, week_start=week_start).first()
    run = plan.runs.order_by("-requested_at").first() if plan else None
    context = {
        "unit": unit,
        "week": planning.iso_week(week_start),
        "week_url": _week_url(unit.pk, week_start),
        "run": run,
        "run_open": bool(run and run.state in OPEN_RUN),
    }
    response = render(request, "presence/week_unit.html#run_status", context)
    if not context["run_open"]:
        response["HX-Refresh"] = "true"
    return response


# --------------------------------------------------------------------------- actions


@require_POST
def unit_week_plan(request: HttpRequest, unit_pk: int, week: str) -> HttpResponse:
    unit = _unit(request, unit_pk)
    week_start = _week_start(week)
    try:
        planning.planning_request(unit=unit, week_start=week_start, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.info(
            request,
            _(
                "Die Planung ist gestartet. Sie läuft im Hintergrund; das Ergebnis erscheint "
                "auf dieser Seite, sobald es fertig ist."
            ),
        )
    return redirect(_week_url(unit.pk, week_start))


@require_POST
def unit_week_publish(request: HttpRequest, unit_pk: int, week: str) -> HttpResponse:
    unit = _unit(request, unit_pk)
    week_start = _week_start(week)
    plan = get_object_or_404(WeekPlan, unit=unit, week_start=week_start)
    try:
        notified = planning.plan_publish(plan=plan, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            ngettext(
                "Der Plan ist veröffentlicht. %(n)d Person wird benachrichtigt, weil sich "
                "ihre Tage geändert haben.",
                "Der Plan ist veröffentlicht. %(n)d Personen werden benachrichtigt, weil "
                "sich ihre Tage geändert haben.",
                len(notified),
            )
            % {"n": len(notified)},
        )
    return redirect(_week_url(unit.pk, week_start))


@require_POST
def cell_set(request: HttpRequest, pk: int) -> HttpResponse:
    cell = _cell(request, pk)
    plan = cell.plan
    form = CellForm(request.POST, rooms=unit_rooms(plan.unit).filter(is_active=True))
    if not form.is_valid():
        messages.error(request, _("Bitte Büro mit einem Raum der Einheit oder zu Hause wählen."))
    else:
        kind, room = form.kind_and_room()
        try:
            planning.cell_set(cell=cell, kind=kind, room=room, by=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _(
                    "%(name)s am %(date)s: %(place)s, von Hand festgelegt. Der Tag gilt beim "
                    "nächsten Planen als feste Regel."
                )
                % {
                    "name": cell.employee.full_name,
                    "date": f"{cell.date:%d.%m.%Y}",
                    "place": _place_text(cell),
                },
            )
    return redirect(_week_url(plan.unit_id, plan.week_start, f"cell-{cell.pk}"))


@require_POST
def cell_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    cell = _cell(request, pk)
    try:
        planning.cell_unlock(cell=cell, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(name)s am %(date)s ist freigegeben: das nächste Planen darf den Tag ändern.")
            % {"name": cell.employee.full_name, "date": f"{cell.date:%d.%m.%Y}"},
        )
    return redirect(_week_url(cell.plan.unit_id, cell.plan.week_start, f"cell-{cell.pk}"))


@require_POST
def swap_decide(request: HttpRequest, pk: int) -> HttpResponse:
    swaps = SwapRequest.objects.select_related(
        "cell__plan__unit", "cell__employee", "requested_by"
    ).filter(cell__plan__unit__in=plannable_units(request.user))
    swap = get_object_or_404(swaps, pk=pk)
    plan = swap.cell.plan
    form = SwapDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Bitte annehmen oder ablehnen wählen."))
    else:
        accept = form.cleaned_data["decision"] == "accept"
        try:
            planning.swap_decide(
                swap=swap, accept=accept, reason=form.cleaned_data["reason"], by=request.user
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            text = (
                _("Der Tausch ist angenommen: %(name)s arbeitet am %(date)s %(wanted)s.")
                if accept
                else _("Der Tauschwunsch von %(name)s für den %(date)s ist abgelehnt.")
            )
            messages.success(
                request,
                text
                % {
                    "name": swap.cell.employee.full_name,
                    "date": f"{swap.cell.date:%d.%m.%Y}",
                    "wanted": CellKind(swap.wanted).label,
                }
                + " "
                + _("Die Person wird benachrichtigt."),
            )
    return redirect(_week_url(plan.unit_id, plan.week_start, "swaps"))


# --------------------------------------------------------------------------- the week


def _place_text(cell: PlanCell) -> str:
    if cell.kind == CellKind.OFFICE:
        return _("Büro %(room)s") % {"room": cell.room.code} if cell.room else _("Büro")
    return str(CellKind(cell.kind).label)


def _light(planned: int, required: int) -> tuple[str, str]:
    """Traffic light of one rule: above the minimum, exactly at it, below it."""
    if planned < required:
        return "short", _("unterschritten")
    if planned == required:
        return "tight", _("knapp")
    return "met", _("erfüllt")


def _week_context(unit: OrgUnit, week_start: dt.date, plan: WeekPlan | None) -> dict:
    dates = [week_start + dt.timedelta(days=i) for i in range(5)]
    people = list(staff_of(unit).select_related("user"))
    cells = list(plan.cells.select_related("employee", "room").order_by("date")) if plan else []
    # People planned this week who left the unit since stay visible with their cells.
    known = {person.pk for person in people}
    for cell in cells:
        if cell.employee_id not in known:
            known.add(cell.employee_id)
            people.append(cell.employee)
    ids = [person.pk for person in people]
    by_person: dict[int, dict[dt.date, PlanCell]] = defaultdict(dict)
    for cell in cells:
        by_person[cell.employee_id][cell.date] = cell
    wishes = {
        (employee_id, date): kind
        for employee_id, date, kind in Wish.objects.filter(
            employee_id__in=ids, date__gte=dates[0], date__lte=dates[-1]
        ).values_list("employee_id", "date", "kind")
    }
    holds: dict[int, set[int]] = defaultdict(set)
    for employee_id, qualification_id in EmployeeQualification.objects.filter(
        employee_id__in=ids
    ).values_list("employee_id", "qualification_id"):
        holds[employee_id].add(qualification_id)

    rows = []
    for person in people:
        row = []
        for date in dates:
            cell = by_person[person.pk].get(date)
            wish = wishes.get((person.pk, date))
            met = None
            if wish and cell and cell.kind in (CellKind.OFFICE, CellKind.HOME):
                met = cell.kind == wish
            place = ""
            if cell is not None:
                place = f"office:{cell.room_id}" if cell.kind == CellKind.OFFICE else cell.kind
            row.append(
                {
                    "date": date,
                    "short": SHORT_DAYS[date.weekday()],
                    "cell": cell,
                    "place": place,
                    "wish": wish,
                    "wish_label": _("zu Hause") if wish == "home" else _("im Büro"),
                    "wish_met": met,
                    "editable": bool(cell and cell.kind in (CellKind.OFFICE, CellKind.HOME)),
                }
            )
        rows.append({"person": person, "days": row})

    office = Counter()
    qualified = Counter()
    for cell in cells:
        if cell.kind == CellKind.OFFICE:
            office[cell.date] += 1
            for qualification_id in holds[cell.employee_id]:
                qualified[(cell.date, qualification_id)] += 1

    rules_by_day = defaultdict(list)
    for rule in coverage_rules_of(unit).order_by("weekday", "qualification__code"):
        rules_by_day[rule.weekday].append(rule)
    hours_by_day = defaultdict(list)
    for hours in opening_hours_of(unit):
        hours_by_day[hours.weekday].append(hours)
    infeasible = bool(plan and plan.solver_status == "infeasible")
    shortfalls_by_day = defaultdict(list)
    conflicts = []
    for item in plan.shortfalls if plan else []:
        if item.get("rule") == "coverage" and item.get("day") in DAY_KEYS and not infeasible:
            shortfalls_by_day[DAY_KEYS.index(item["day"])].append(item)
        else:
            conflicts.append(item)

    days = []
    for index, date in enumerate(dates):
        rules = []
        for rule in rules_by_day[index]:
            planned = (
                qualified[(date, rule.qualification_id)] if rule.qualification_id else office[date]
            )
            light, light_label = _light(planned, rule.min_people)
            rules.append(
                {
                    "rule": rule,
                    "planned": planned,
                    "light": light,
                    "light_label": light_label,
                }
            )
        days.append(
            {
                "date": date,
                "short": SHORT_DAYS[index],
                "label": Weekday(index).label,
                "rules": rules,
                "hours": hours_by_day[index],
                "shortfalls": shortfalls_by_day[index],
                "office": office[date],
            }
        )

    runs = list(plan.runs.order_by("-requested_at")[:1]) if plan else []
    run = runs[0] if runs else None
    swaps = (
        list(
            SwapRequest.objects.filter(cell__plan=plan, status=SwapStatus.REQUESTED)
            .select_related("cell__employee", "cell__room")
            .order_by("cell__date", "requested_at")
        )
        if plan
        else []
    )
    stats = plan.stats if plan else {}
    rooms = list(unit_rooms(unit).filter(is_active=True))
    return {
        "unit": unit,
        "plan": plan,
        "week": planning.iso_week(week_start),
        "week_start": week_start,
        "week_end": dates[-1],
        "week_number": week_start.isocalendar().week,
        "week_year": week_start.isocalendar().year,
        "week_url": _week_url(unit.pk, week_start),
        "previous_week": planning.iso_week(week_start - dt.timedelta(days=7)),
        "next_week": planning.iso_week(week_start + dt.timedelta(days=7)),
        "days": days,
        "rows": rows,
        "has_cells": bool(cells),
        "rooms": rooms,
        "place_choices": CellForm(rooms=rooms).fields["place"].choices,
        "run": run,
        "run_open": bool(run and run.state in OPEN_RUN),
        "infeasible": infeasible,
        "conflicts": conflicts,
        "problems": stats.get("problems") or [],
        "stats": stats,
        "swaps": swaps,
    }
