"""„Personen und Teams“ of a unit: each person's presence profile (working days,
fixed presence days, field days, cohort, team) and the unit's teams with their team
days, kept by the unit's heads and HR (`selectors.keeps_unit`).

Thin: the unit comes from `plannable_units` and the person from `staff_of(unit)`, so
a guessed id outside one's scope answers 404; the writes are `services.profile_save`,
`services.team_save` and `services.team_day_set`, whose refusals become messages.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rathausmobil.agreements.selectors import active_pandemic_period
from rathausmobil.core.errors import DomainError
from rathausmobil.presence import services
from rathausmobil.presence.forms import ProfileForm, TeamForm
from rathausmobil.presence.models import Cohort, PresenceProfile, Team, Weekday
from rathausmobil.presence.selectors import plannable_units, staff_of, teams_of

PAGE_SIZE = 50
WEEKEND = {Weekday.SATURDAY, Weekday.SUNDAY}


def _unit(request: HttpRequest, unit_pk: int):
    return get_object_or_404(plannable_units(request.user), pk=unit_pk)


def _day_names(days) -> str:
    return ", ".join(str(Weekday(day).label) for day in sorted(days or [])) or "–"


def _short_days(days) -> str:
    return ", ".join(str(Weekday(day).label)[:2] for day in sorted(days or [])) or "–"


def _profiles_page(request, unit, *, team_form=None, status=200) -> HttpResponse:
    people = staff_of(unit).select_related("presence_profile__team")
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for employee in page:
        profile = getattr(employee, "presence_profile", None) or PresenceProfile(employee=employee)
        rows.append(
            {
                "employee": employee,
                "saved": profile.pk is not None,
                "working": _short_days(profile.working_days),
                "working_full": _day_names(profile.working_days),
                "office": _short_days(profile.office_days),
                "field": _short_days(profile.field_days),
                "cohort": Cohort(profile.cohort).label if profile.cohort else "",
                "team": profile.team if profile.team_id else None,
            }
        )
    teams = [
        {"team": team, "days": _day_names(day.weekday for day in team.days.all())}
        for team in teams_of(unit)
    ]
    return render(
        request,
        "presence/profiles.html",
        {
            "unit": unit,
            "page": page,
            "rows": rows,
            "teams": teams,
            "team_form": team_form or TeamForm(prefix="team"),
            "pandemic": active_pandemic_period(),
        },
        status=status,
    )


@require_http_methods(["GET"])
def profiles(request: HttpRequest, unit_pk: int) -> HttpResponse:
    """The unit's people with their profiles, and its teams; a new team."""
    return _profiles_page(request, _unit(request, unit_pk))


@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest, unit_pk: int, employee_pk: int) -> HttpResponse:
    unit = _unit(request, unit_pk)
    employee = get_object_or_404(
        staff_of(unit).select_related("unit", "presence_profile__team"), pk=employee_pk
    )
    profile = getattr(employee, "presence_profile", None) or PresenceProfile(employee=employee)
    # The plan runs Monday to Friday and the form shows those days; weekend days a
    # profile holds from elsewhere are kept as they are.
    weekend = {
        name: [day for day in getattr(profile, name) or [] if day in WEEKEND]
        for name in ("working_days", "office_days", "field_days")
    }
    teams = Team.objects.filter(unit=unit).order_by("code")
    form = ProfileForm(
        request.POST or None,
        teams=teams,
        initial={
            "working_days": [d for d in profile.working_days or [] if d not in WEEKEND],
            "office_days": [d for d in profile.office_days or [] if d not in WEEKEND],
            "field_days": [d for d in profile.field_days or [] if d not in WEEKEND],
            "cohort": profile.cohort,
            "team": profile.team_id,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.profile_save(
                employee=employee,
                by=request.user,
                working_days=[*data["working_days"], *weekend["working_days"]],
                office_days=[*data["office_days"], *weekend["office_days"]],
                field_days=[*data["field_days"], *weekend["field_days"]],
                cohort=data["cohort"] or "",
                team=data["team"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _(
                    "Das Profil von %(name)s ist gespeichert. Es gilt ab dem nächsten Plan der "
                    "Einheit; schon veröffentlichte Wochen bleiben, wie sie sind."
                )
                % {"name": employee.full_name},
            )
            return redirect(reverse("presence:profiles", args=[unit.pk]) + f"#person-{employee.pk}")
    return render(
        request,
        "presence/profiles_edit.html",
        {
            "unit": unit,
            "employee": employee,
            "form": form,
            "weekend_days": _day_names(weekend["working_days"]) if weekend["working_days"] else "",
            "has_teams": teams.exists(),
            "pandemic": active_pandemic_period(),
        },
    )


def _team_write(*, unit, form, by, team: Team | None = None) -> Team:
    """Create or rename the team and set its days, in one transaction (a refused day
    leaves no half-made team behind)."""
    data = form.cleaned_data
    with transaction.atomic():
        team = services.team_save(unit=unit, code=data["code"], name=data["name"], by=by, team=team)
        services.team_day_set(team=team, weekdays=data["days"], by=by)
    return team


@require_POST
def team_new(request: HttpRequest, unit_pk: int) -> HttpResponse:
    unit = _unit(request, unit_pk)
    form = TeamForm(request.POST, prefix="team")
    if form.is_valid():
        try:
            team = _team_write(unit=unit, form=form, by=request.user)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _(
                    "Das Team „%(code)s“ ist angelegt. Ordnen Sie ihm nun in den Profilen "
                    "seine Mitglieder zu; seine Teamtage gelten ab dem nächsten Plan."
                )
                % {"code": team.code},
            )
            return redirect(reverse("presence:profiles", args=[unit.pk]) + f"#team-{team.pk}")
    return _profiles_page(request, unit, team_form=form)


@require_http_methods(["GET", "POST"])
def team_edit(request: HttpRequest, unit_pk: int, team_pk: int) -> HttpResponse:
    unit = _unit(request, unit_pk)
    team = get_object_or_404(Team.objects.filter(unit=unit).select_related("unit"), pk=team_pk)
    days = sorted(team.days.values_list("weekday", flat=True))
    form = TeamForm(
        request.POST or None, initial={"code": team.code, "name": team.name, "days": days}
    )
    if request.method == "POST" and form.is_valid():
        try:
            _team_write(unit=unit, form=form, by=request.user, team=team)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _(
                    "Das Team „%(code)s“ ist gespeichert; seine Teamtage gelten ab dem nächsten Plan."
                )
                % {"code": team.code},
            )
            return redirect(reverse("presence:profiles", args=[unit.pk]) + f"#team-{team.pk}")
    return render(
        request,
        "presence/team_form.html",
        {"unit": unit, "team": team, "form": form, "members": team.members.count()},
    )
