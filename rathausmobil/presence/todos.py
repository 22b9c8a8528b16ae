"""What waits for people in the presence plan, for Meine Aufgaben (core.todos).

- Employees with a running agreement in a unit that plans its weeks: enter wishes for
  the next week still open for wishes, before the unit's deadline, while they have
  entered none for it (two queries).
- Heads: next week's plan of the units they head or deputise, once the wish deadline
  has passed and until it is published (one query), and the swap requests of their
  units to decide (one query, one more for the count beyond `SHOWN`, through
  `core.todos.each_or_count`).

A unit "plans its weeks" when it has rooms or a week plan; other units are not asked.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rathausmobil.agreements.models import Agreement, AgreementStatus
from rathausmobil.core.dates import german_date
from rathausmobil.core.numbers import format_number
from rathausmobil.core.todos import GROUP_WORK, Todo, Urgency, each_or_count
from rathausmobil.organisation.models import Employee, OrgUnit
from rathausmobil.organisation.scoping import scope_for
from rathausmobil.presence import planning
from rathausmobil.presence.models import (
    PlanStatus,
    SwapRequest,
    SwapStatus,
    UnitPresenceSettings,
    UnitRoom,
    WeekPlan,
)
from rathausmobil.presence.selectors import wishes_visible_to

# Agreements that give home days: running, given notice, or agreed and starting later
# ("agreed", helper A's status for a consented agreement before its start date).
HOME_STATUSES = [AgreementStatus.ACTIVE, AgreementStatus.ENDING, "agreed"]
DEFAULT_DAYS_BEFORE = UnitPresenceSettings._meta.get_field("wish_deadline_days_before").default


def todos_for_user(user, today: dt.date) -> list[Todo]:
    scope = scope_for(user)
    todos: list[Todo] = []
    if scope.employee_id:
        todos += _wishes(user, scope.employee_id, today)
    if scope.direct_unit_ids:
        todos += _plans(scope, today)
    if scope.is_supervisor:
        todos += _swaps(scope, today)
    return todos


def _days_before(outer: str) -> Subquery:
    return Subquery(
        UnitPresenceSettings.objects.filter(unit=OuterRef(outer)).values(
            "wish_deadline_days_before"
        )[:1]
    )


def _deadline(monday: dt.date, days_before: int | None) -> dt.datetime:
    days = DEFAULT_DAYS_BEFORE if days_before is None else days_before
    return UnitPresenceSettings(wish_deadline_days_before=days).wish_deadline(monday)


def _now(today: dt.date) -> dt.datetime:
    """The moment deadlines are compared with: now, or the start of `today` when the
    caller asks for another day (tests, a preview)."""
    if today == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(dt.datetime.combine(today, dt.time.min))


def _plans_weeks(outer: str):
    return Exists(UnitRoom.objects.filter(unit=OuterRef(outer))) | Exists(
        WeekPlan.objects.filter(unit=OuterRef(outer))
    )


def _wishes(user, employee_id: int, today: dt.date) -> list[Todo]:
    me = (
        Employee.objects.filter(pk=employee_id)
        .annotate(
            plans=_plans_weeks("unit"),
            days_before=_days_before("unit"),
            # The first day of a running agreement, or of one agreed to start later.
            home_from=Subquery(
                Agreement.objects.filter(employee=OuterRef("pk"), status__in=HOME_STATUSES)
                .order_by("start_date")
                .values("start_date")[:1]
            ),
        )
        .values("plans", "days_before", "home_from")
        .first()
    )
    if not me or not me["plans"] or me["home_from"] is None:
        return []
    now = _now(today)
    monday = planning.monday_of(today) + dt.timedelta(days=7)
    deadline = _deadline(monday, me["days_before"])
    if now >= deadline:
        monday += dt.timedelta(days=7)
        deadline = _deadline(monday, me["days_before"])
    friday = monday + dt.timedelta(days=4)
    if me["home_from"] > friday:
        return []  # no home days in that week yet
    if wishes_visible_to(user).filter(date__range=(monday, friday)).exists():
        return []
    local = timezone.localtime(deadline)
    return [
        Todo(
            key=f"presence.wishes.{planning.iso_week(monday)}",
            title=_("Wünsche für KW %(week)s eintragen") % {"week": monday.isocalendar().week},
            detail=_(
                "Bis %(date)s, %(time)s Uhr können Sie angeben, an welchen Tagen vom "
                "%(start)s bis %(end)s Sie lieber zu Hause oder im Büro arbeiten."
            )
            % {
                "date": german_date(local.date()),
                "time": local.strftime("%H:%M"),
                "start": monday.strftime("%d.%m."),
                "end": german_date(friday),
            },
            url=reverse("presence:my_week") + "#wuensche",
            action=_("Wünsche eintragen"),
            group=str(GROUP_WORK),
            urgency=Urgency.OPEN,
            due=local.date(),
        )
    ]


def _plans(scope, today: dt.date) -> list[Todo]:
    """The units the user heads or deputises whose next week is not published."""
    monday = planning.monday_of(today) + dt.timedelta(days=7)
    friday_before = monday - dt.timedelta(days=3)
    week_plans = WeekPlan.objects.filter(unit=OuterRef("pk"), week_start=monday)
    units = (
        OrgUnit.objects.filter(pk__in=scope.direct_unit_ids)
        .filter(Exists(Employee.objects.filter(unit=OuterRef("pk"), is_active=True)))
        .filter(_plans_weeks("pk"))
        .exclude(Exists(week_plans.filter(status=PlanStatus.PUBLISHED)))
        .annotate(days_before=_days_before("pk"), drafted=Exists(week_plans))
        .order_by("path")
    )
    now = _now(today)
    todos = []
    for unit in units:
        if now < _deadline(monday, unit.days_before):
            continue  # wishes are still coming in
        week = planning.iso_week(monday)
        todos.append(
            Todo(
                key=f"presence.plan.{unit.pk}.{week}",
                title=_("Wochenplan KW %(week)s für %(unit)s veröffentlichen")
                % {"week": monday.isocalendar().week, "unit": unit.code},
                detail=(
                    _("Der Entwurf liegt vor; erst veröffentlicht erfahren alle ihre Tage.")
                    if unit.drafted
                    else _("Die Wünsche sind da: Plan berechnen, prüfen und veröffentlichen.")
                ),
                url=reverse("presence:unit_week", args=[unit.pk, week]),
                action=_("Plan veröffentlichen") if unit.drafted else _("Plan berechnen"),
                group=str(GROUP_WORK),
                urgency=Urgency.OVERDUE if today > friday_before else Urgency.DUE,
                due=friday_before,
            )
        )
    return todos


def _swaps(scope, today: dt.date) -> list[Todo]:
    swaps = (
        SwapRequest.objects.filter(status=SwapStatus.REQUESTED, cell__date__gte=today)
        .filter(scope.unit_filter(prefix="cell__plan__unit__"))
        .exclude(cell__employee_id=scope.employee_id)
        .select_related("cell__employee", "cell__plan")
        .order_by("cell__date", "requested_at")
    )
    return each_or_count(
        swaps,
        each=lambda swap: Todo(
            key=f"presence.swap.{swap.pk}",
            title=_("Tauschwunsch von %(name)s entscheiden")
            % {"name": swap.cell.employee.full_name},
            detail=_("Am %(date)s %(wanted)s statt wie geplant.")
            % {"date": german_date(swap.cell.date), "wanted": swap.get_wanted_display()},
            url=reverse(
                "presence:unit_week",
                args=[swap.cell.plan.unit_id, planning.iso_week(swap.cell.plan.week_start)],
            )
            + f"#swap-{swap.pk}",
            action=_("Entscheiden"),
            group=str(GROUP_WORK),
            urgency=Urgency.DUE,
            due=swap.cell.date,
        ),
        together=lambda count, first: Todo(
            key="presence.swaps",
            title=ngettext(
                "%(count)s Tauschwunsch zu entscheiden",
                "%(count)s Tauschwünsche zu entscheiden",
                count,
            )
            % {"count": format_number(count)},
            detail=_("Beschäftigte möchten einen veröffentlichten Tag tauschen."),
            url=reverse("presence:planning"),
            action=_("Entscheiden"),
            group=str(GROUP_WORK),
            urgency=Urgency.DUE,
            due=first[0].cell.date,
            count=count,
        ),
    )
