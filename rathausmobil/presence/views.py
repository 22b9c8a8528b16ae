"""Pages of the presence plan's records: places (sites, buildings, rooms), and per unit
its coverage rules with opening hours, its people's qualifications and absences.

Thin: parse, call a service or selector, render. A page outside one's role answers
403; a unit, room or absence outside one's scope 404 (all fetched through selectors).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rathausmobil.core.errors import DomainError
from rathausmobil.organisation.models import Role
from rathausmobil.organisation.scoping import scope_for
from rathausmobil.presence import services
from rathausmobil.presence.forms import (
    AbsenceForm,
    CoverageRuleForm,
    OpeningHoursForm,
    RoomForm,
    UnitRoomsForm,
)
from rathausmobil.presence.models import (
    CoverageRule,
    EmployeeQualification,
    Qualification,
    Weekday,
)
from rathausmobil.presence.selectors import (
    absences_of_unit,
    absences_visible_to,
    coverage_rules_of,
    keeps_unit,
    manages_places,
    opening_hours_of,
    places_of,
    plannable_units,
    rooms_visible_to,
    sees_all_places,
    staff_of,
    unit_rooms,
)

PAGE_SIZE = 50


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _sees_places(user) -> bool:
    return sees_all_places(user) or scope_for(user).is_supervisor


# --------------------------------------------------------------------------- start


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Where heads and HR start: the units they plan, the places, the imports."""
    units = plannable_units(request.user).order_by("path")
    sees_places = _sees_places(request.user)
    _require(sees_places or units.exists())
    page = Paginator(units, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "presence/index.html",
        {
            "page": page,
            "sees_places": sees_places,
            "manages_places": manages_places(request.user),
            "imports_absences": scope_for(request.user).has(Role.HR),
        },
    )


# --------------------------------------------------------------------------- places


@require_GET
def places(request: HttpRequest) -> HttpResponse:
    _require(_sees_places(request.user))
    every = sees_all_places(request.user)
    return render(
        request,
        "presence/places.html",
        {
            "sites": places_of(rooms_visible_to(request.user), every_building=every),
            "manages": manages_places(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def room_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require(manages_places(request.user))
    room = get_object_or_404(rooms_visible_to(request.user), pk=pk) if pk else None
    initial = {}
    if room is not None:
        initial = {
            "building": room.building,
            "code": room.code,
            "name": room.name,
            "desks": room.desks,
            "area_m2": room.area_m2,
            "pandemic_desks_override": room.pandemic_desks_override,
            "units": list(room.units.all()),
        }
    form = RoomForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            room = services.room_save(
                by=request.user,
                room=room,
                building=data["building"],
                code=data["code"],
                name=data["name"],
                desks=data["desks"],
                area_m2=data["area_m2"],
                pandemic_desks_override=data["pandemic_desks_override"],
                units=data["units"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _(
                    "Der Raum %(code)s ist gespeichert: %(desks)s Arbeitsplätze, in "
                    "Pandemiezeiten %(pandemic)s. Er gilt für die nächsten Pläne."
                )
                % {"code": room.code, "desks": room.desks, "pandemic": room.pandemic_desks},
            )
            return redirect("presence:places")
    return render(request, "presence/room_form.html", {"form": form, "room": room})


@require_POST
def room_active(request: HttpRequest, pk: int) -> HttpResponse:
    _require(manages_places(request.user))
    room = get_object_or_404(rooms_visible_to(request.user), pk=pk)
    if request.POST.get("active") == "1":
        services.room_reactivate(room=room, by=request.user)
        messages.success(
            request, _("Der Raum %(code)s ist wieder in Nutzung.") % {"code": room.code}
        )
    else:
        services.room_deactivate(room=room, by=request.user)
        messages.success(
            request,
            _("Der Raum %(code)s ist außer Nutzung; neue Pläne setzen niemanden mehr hinein.")
            % {"code": room.code},
        )
    return redirect("presence:room_edit", pk=room.pk)


# --------------------------------------------------------------------------- a unit's rules


def _unit(request: HttpRequest, pk: int):
    return get_object_or_404(plannable_units(request.user), pk=pk)


def _hours_by_day(unit) -> dict[int, list]:
    hours: dict[int, list] = {}
    for row in opening_hours_of(unit):
        hours.setdefault(row.weekday, []).append((row.opens, row.closes))
    return hours


def _unit_page(request, unit, *, rule_form=None, hours_form=None, rooms_form=None, status=200):
    hours = _hours_by_day(unit)
    rules = list(coverage_rules_of(unit))
    days = [
        {
            "value": value,
            "label": label,
            "hours": hours.get(value, []),
            "rules": [rule for rule in rules if rule.weekday == value],
        }
        for value, label in Weekday.choices
    ]
    places = manages_places(request.user)
    return render(
        request,
        "presence/unit.html",
        {
            "unit": unit,
            "days": days,
            "has_hours": bool(hours),
            "rooms": unit_rooms(unit),
            "staff_count": staff_of(unit).count(),
            "rule_form": rule_form or CoverageRuleForm(),
            "hours_form": hours_form or OpeningHoursForm(hours=hours),
            "rooms_form": rooms_form
            or (UnitRoomsForm(initial={"rooms": list(unit_rooms(unit))}) if places else None),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Coverage rules per weekday with the opening hours beside them; a new rule."""
    unit = _unit(request, pk)
    if request.method != "POST":
        return _unit_page(request, unit)
    form = CoverageRuleForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            rule = services.coverage_rule_save(
                unit=unit,
                weekday=data["weekday"],
                min_people=data["min_people"],
                qualification=data["qualification"],
                by=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Regel gespeichert (%(day)s). Sie gilt für den nächsten Plan der Einheit.")
                % {"day": rule.get_weekday_display()},
            )
            return redirect("presence:unit", pk=unit.pk)
    return _unit_page(request, unit, rule_form=form)


@require_POST
def coverage_rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(
        CoverageRule.objects.select_related("unit", "qualification").filter(
            unit__in=plannable_units(request.user)
        ),
        pk=pk,
    )
    services.coverage_rule_delete(rule=rule, by=request.user)
    messages.success(request, _("Die Regel ist gelöscht."))
    return redirect("presence:unit", pk=rule.unit_id)


@require_POST
def opening_hours(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit(request, pk)
    form = OpeningHoursForm(request.POST)
    if form.is_valid():
        try:
            services.opening_hours_set(unit=unit, hours=form.hours, by=request.user)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Die Öffnungszeiten sind gespeichert."))
            return redirect("presence:unit", pk=unit.pk)
    return _unit_page(request, unit, hours_form=form)


@require_POST
def unit_rooms_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require(manages_places(request.user))
    unit = _unit(request, pk)
    form = UnitRoomsForm(request.POST)
    if form.is_valid():
        services.unit_rooms_set(unit=unit, rooms=form.cleaned_data["rooms"], by=request.user)
        messages.success(
            request,
            _("Die Räume der Einheit sind gespeichert; ihre Beschäftigten werden dort eingeplant."),
        )
        return redirect("presence:unit", pk=unit.pk)
    return _unit_page(request, unit, rooms_form=form)


# --------------------------------------------------------------------------- qualifications


@require_http_methods(["GET", "POST"])
def qualifications(request: HttpRequest, pk: int) -> HttpResponse:
    """Who of the unit holds which qualification: one checkbox per person and label."""
    unit = _unit(request, pk)
    catalogue = list(Qualification.objects.order_by("name"))
    staff = list(staff_of(unit))
    held = set(
        EmployeeQualification.objects.filter(employee__in=staff).values_list(
            "employee_id", "qualification_id"
        )
    )
    if request.method == "POST":
        wanted = set()
        for value in request.POST.getlist("held"):
            employee_id, _sep, qualification_id = value.partition(":")
            if employee_id.isdigit() and qualification_id.isdigit():
                wanted.add((int(employee_id), int(qualification_id)))
        people = {e.pk: e for e in staff}
        labels = {q.pk: q for q in catalogue}
        wanted = {(e, q) for e, q in wanted if e in people and q in labels}
        with transaction.atomic():
            for employee_id, qualification_id in sorted(wanted - held):
                services.qualification_grant(
                    employee=people[employee_id],
                    qualification=labels[qualification_id],
                    by=request.user,
                )
            for employee_id, qualification_id in sorted(held - wanted):
                services.qualification_revoke(
                    employee=people[employee_id],
                    qualification=labels[qualification_id],
                    by=request.user,
                )
        messages.success(
            request,
            _("Gespeichert: %(granted)s erteilt, %(revoked)s entzogen.")
            % {"granted": len(wanted - held), "revoked": len(held - wanted)},
        )
        return redirect("presence:qualifications", pk=unit.pk)
    rows = [
        {
            "employee": employee,
            "cells": [{"qualification": q, "held": (employee.pk, q.pk) in held} for q in catalogue],
        }
        for employee in staff
    ]
    return render(
        request,
        "presence/qualifications.html",
        {"unit": unit, "catalogue": catalogue, "rows": rows},
    )


# --------------------------------------------------------------------------- absences


@require_http_methods(["GET", "POST"])
def absences(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit's absences from today on (only dates, never a reason); add one."""
    unit = _unit(request, pk)
    form = AbsenceForm(request.POST or None, staff=staff_of(unit))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.absence_add(
                employee=data["employee"],
                start=data["start"],
                end=data["end"],
                by=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _(
                    "Abwesenheit eingetragen. Der nächste Plan der Einheit plant "
                    "%(name)s an diesen Tagen nicht ein."
                )
                % {"name": data["employee"].full_name},
            )
            return redirect("presence:absences", pk=unit.pk)
    today = timezone.localdate()
    page = Paginator(absences_of_unit(request.user, unit, since=today), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "presence/absences.html",
        {"unit": unit, "form": form, "page": page, "today": today},
    )


@require_POST
def absence_delete(request: HttpRequest, pk: int) -> HttpResponse:
    absence = get_object_or_404(absences_visible_to(request.user), pk=pk)
    unit_id = absence.employee.unit_id
    try:
        services.absence_delete(absence=absence, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Die Abwesenheit ist gelöscht."))
    if keeps_unit(request.user, absence.employee.unit):
        return redirect("presence:absences", pk=unit_id)
    return redirect("presence:index")
