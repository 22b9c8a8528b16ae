"""What waits in equipment, for Meine Aufgaben (core.todos).

- The employee: hand-overs whose receipt to confirm ("Empfang bestätigen"), returns IT
  recorded that they confirm, and, before leaving, the devices to give back. One query.
- IT: the employees' answers "nicht erhalten" / "falsches Gerät" ("Klären"), people
  whose consented agreement waits for a device (asked through the hook
  `hooks.device_recipients_wanted`, which access answers), leavers' devices to take back,
  and orders whose expected delivery date has passed. At most two queries each.

A single item links straight to it; `core.todos.each_or_count` lists up to `SHOWN` one
by one (one query with a LIMIT of `SHOWN + 1`), beyond that one line with the count
links to the list.
HR reads these lists but acts on none of them, so it gets no equipment tasks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rathausmobil.core.dates import german_date
from rathausmobil.core.numbers import format_number
from rathausmobil.core.todos import GROUP_DEVICES, SHOWN, Todo, Urgency, each_or_count
from rathausmobil.equipment import hooks
from rathausmobil.equipment.models import OPEN_RECEIPT_PROBLEMS, Assignment, OrderStatus
from rathausmobil.equipment.selectors import (
    LEAVER_DAYS,
    leaver_return_list,
    manages_equipment,
    orders_visible_to,
    receipt_problems_visible_to,
)
from rathausmobil.organisation.scoping import scope_for

RECEIPT_DAYS = 90  # how long after a hand-over Meine Aufgaben asks to confirm the receipt


def todos_for_user(user, today: dt.date) -> list[Todo]:
    todos = _employee_todos(user, today)
    if manages_equipment(user):
        todos += _receipt_problems(user)
        todos += _handovers_to_do(today)
        todos += _returns_to_take_in(today)
        todos += _overdue_deliveries(user, today)
    return todos


# --------------------------------------------------------------------------- employee


def _employee_todos(user, today: dt.date) -> list[Todo]:
    employee_id = scope_for(user).employee_id
    if not employee_id:
        return []
    rows: Sequence[Assignment] = list(
        Assignment.objects.filter(employee_id=employee_id)
        .filter(Q(returned_at__isnull=True) | Q(return_confirmed_at__isnull=True))
        .select_related("device__model", "employee")
        .order_by("handed_over_at", "pk")
    )
    mine = reverse("equipment:mine")
    todos = []
    # A receipt is asked for a hand-over of the last RECEIPT_DAYS: what the inventory
    # import took over years ago (or a hand-over long past) is a holding, not a parcel
    # to confirm; Meine Geräte still offers the confirmation for it.
    recent = timezone.now() - dt.timedelta(days=RECEIPT_DAYS)
    to_acknowledge = [
        a
        for a in rows
        if a.returned_at is None
        and a.acknowledged_at is None
        and not a.has_open_problem
        and a.handed_over_at >= recent
    ]
    todos += each_or_count(
        to_acknowledge,
        each=lambda a: Todo(
            key=f"equipment.acknowledge.{a.pk}",
            title=_("Empfang bestätigen: %(model)s %(device)s")
            % {"model": a.device.model.name, "device": a.device.inventory_number},
            detail=_(
                "Ausgegeben am %(date)s. Nicht erhalten oder ein anderes Gerät? "
                "Das können Sie dort melden."
            )
            % {"date": german_date(a.handed_over_at)},
            url=f"{mine}#assignment-{a.pk}",
            action=_("Empfang bestätigen"),
            group=str(GROUP_DEVICES),
            urgency=Urgency.DUE,
            due=timezone.localdate(a.handed_over_at),
        ),
        together=lambda count, first: Todo(
            key="equipment.acknowledge",
            title=ngettext(
                "Empfang von %(count)s Gerät bestätigen",
                "Empfang von %(count)s Geräten bestätigen",
                count,
            )
            % {"count": format_number(count)},
            detail=_("Die IT hat Ihnen Geräte übergeben; bitte bestätigen Sie den Empfang."),
            url=mine,
            action=_("Empfang bestätigen"),
            group=str(GROUP_DEVICES),
            urgency=Urgency.DUE,
            count=count,
        ),
    )
    todos += [
        Todo(
            key=f"equipment.confirm_return.{a.pk}",
            title=_("Rückgabe bestätigen: %(model)s %(device)s")
            % {"model": a.device.model.name, "device": a.device.inventory_number},
            detail=_("Die IT hat die Rückgabe am %(date)s erfasst.")
            % {"date": german_date(a.returned_at)},
            url=mine,
            action=_("Rückgabe bestätigen"),
            group=str(GROUP_DEVICES),
            urgency=Urgency.OPEN,
        )
        for a in rows
        if a.returned_at is not None and a.return_confirmed_at is None
    ][:SHOWN]
    held = [a for a in rows if a.returned_at is None]
    exit_date = held[0].employee.exit_date if held else None
    if exit_date and exit_date <= today + dt.timedelta(days=LEAVER_DAYS):
        todos.append(
            Todo(
                key="equipment.give_back",
                title=ngettext(
                    "%(count)s Gerät vor dem Austritt zurückgeben",
                    "%(count)s Geräte vor dem Austritt zurückgeben",
                    len(held),
                )
                % {"count": format_number(len(held))},
                detail=_(
                    "Ihr letzter Arbeitstag ist der %(date)s. Bitte bringen Sie %(devices)s "
                    "vorher zur IT."
                )
                % {
                    "date": german_date(exit_date),
                    "devices": ", ".join(a.device.inventory_number for a in held),
                },
                url=mine,
                action=_("Geräte ansehen"),
                group=str(GROUP_DEVICES),
                urgency=Urgency.OVERDUE if exit_date < today else Urgency.DUE,
                due=exit_date,
                count=len(held),
            )
        )
    return todos


# --------------------------------------------------------------------------- IT


def _receipt_problems(user) -> list[Todo]:
    page = reverse("equipment:receipt_problems")
    return each_or_count(
        receipt_problems_visible_to(user).filter(problem__in=OPEN_RECEIPT_PROBLEMS),
        each=lambda a: Todo(
            key=f"equipment.problem.{a.pk}",
            title=_("Klären: %(name)s meldet „%(problem)s“")
            % {"name": a.employee.full_name, "problem": a.get_problem_display()},
            detail=_("%(device)s, ausgegeben am %(date)s%(note)s")
            % {
                "device": f"{a.device.inventory_number} {a.device.model.name}",
                "date": german_date(a.handed_over_at),
                "note": f"; Hinweis: {a.problem_note}" if a.problem_note else "",
            },
            url=f"{page}#problem-{a.pk}",
            action=_("Klären"),
            group=str(GROUP_DEVICES),
            urgency=Urgency.DUE,
            due=timezone.localdate(a.problem_reported_at) if a.problem_reported_at else None,
        ),
        together=lambda count, first: Todo(
            key="equipment.problem",
            title=ngettext(
                "%(count)s Rückmeldung zum Empfang klären",
                "%(count)s Rückmeldungen zum Empfang klären",
                count,
            )
            % {"count": format_number(count)},
            detail=_("Beschäftigte melden „nicht erhalten“ oder „falsches Gerät“."),
            url=page,
            action=_("Klären"),
            group=str(GROUP_DEVICES),
            urgency=Urgency.DUE,
            count=count,
        ),
    )


def _handovers_to_do(today: dt.date) -> list[Todo]:
    """People who wait for a device, as the apps that know why tell (access: a consented
    agreement whose device rule is not met)."""
    handover = reverse("equipment:handover")
    todos = []
    for waiting in hooks.device_recipients_wanted.collect(today):
        if waiting is None:
            continue
        people = waiting.select_related("unit").order_by("last_name", "first_name", "pk")
        todos += each_or_count(
            people,
            each=lambda e: Todo(
                key=f"equipment.handover.{e.pk}",
                title=_("Gerät ausgeben an %(name)s") % {"name": e.full_name},
                detail=_(
                    "%(unit)s, Personalnummer %(number)s: Der Vereinbarung ist zugestimmt; sie "
                    "wartet auf ein dienstliches Gerät."
                )
                % {"unit": e.unit.code, "number": e.personnel_number},
                url=f"{handover}?{urlencode({'beschaeftigte': e.pk})}",
                action=_("Gerät ausgeben"),
                group=str(GROUP_DEVICES),
                urgency=Urgency.DUE,
            ),
            together=lambda count, first: Todo(
                key="equipment.handover",
                title=ngettext(
                    "%(count)s Person wartet auf ein Gerät",
                    "%(count)s Personen warten auf ein Gerät",
                    count,
                )
                % {"count": format_number(count)},
                detail=_(
                    "Ihren Vereinbarungen ist zugestimmt; sie warten auf ein dienstliches Gerät."
                ),
                url=handover,
                action=_("Geräte ausgeben"),
                group=str(GROUP_DEVICES),
                urgency=Urgency.DUE,
                count=count,
            ),
        )
    return todos


def _returns_to_take_in(today: dt.date) -> list[Todo]:
    returns = reverse("equipment:returns")

    def single(a: Assignment) -> Todo:
        exit_date = a.employee.exit_date
        gone = not a.employee.is_active or (exit_date is not None and exit_date < today)
        return Todo(
            key=f"equipment.return.{a.pk}",
            title=_("Rücknahme: %(device)s von %(name)s")
            % {"device": a.device.inventory_number, "name": a.employee.full_name},
            detail=(
                _("Ausgeschieden; %(model)s ist noch nicht zurückgegeben.")
                if gone
                else _("Austritt am %(date)s; %(model)s ist noch ausgegeben.")
            )
            % {"model": a.device.model.name, "date": german_date(exit_date)},
            url=f"{returns}?{urlencode({'inventarnummer': a.device.inventory_number})}",
            action=_("Rücknahme erfassen"),
            group=str(GROUP_DEVICES),
            urgency=Urgency.OVERDUE if gone else Urgency.DUE,
            due=exit_date,
        )

    return each_or_count(
        leaver_return_list(today=today),
        each=single,
        together=lambda count, first: Todo(
            key="equipment.return",
            title=ngettext(
                "%(count)s Gerät ausscheidender Beschäftigter zurücknehmen",
                "%(count)s Geräte ausscheidender Beschäftigter zurücknehmen",
                count,
            )
            % {"count": format_number(count)},
            detail=_("Ausgeschieden oder Austritt in den nächsten %(days)s Tagen.")
            % {"days": LEAVER_DAYS},
            url=returns,
            action=_("Rücknahme"),
            group=str(GROUP_DEVICES),
            urgency=Urgency.DUE,
            count=count,
        ),
    )


def _overdue_deliveries(user, today: dt.date) -> list[Todo]:
    late = (
        orders_visible_to(user)
        .filter(
            status__in=(OrderStatus.OPEN, OrderStatus.PARTIAL),
            expected_on__lt=today,
        )
        .order_by("expected_on", "pk")
    )
    return each_or_count(
        late,
        each=lambda order: Todo(
            key=f"equipment.order.{order.pk}",
            title=_("Lieferung überfällig: %(number)s (%(supplier)s)")
            % {"number": order.number, "supplier": order.supplier},
            detail=_(
                "Erwartet am %(date)s. Beim Lieferanten nachfragen, die Lieferung erfassen "
                "oder den Rest stornieren."
            )
            % {"date": german_date(order.expected_on)},
            url=reverse("equipment:order_detail", args=[order.pk]),
            action=_("Bestellung ansehen"),
            group=str(GROUP_DEVICES),
            urgency=Urgency.OVERDUE,
            due=order.expected_on,
        ),
        together=lambda count, first: Todo(
            key="equipment.order",
            title=ngettext(
                "%(count)s Lieferung überfällig", "%(count)s Lieferungen überfällig", count
            )
            % {"count": format_number(count)},
            detail=_("Der erwartete Liefertermin ist verstrichen."),
            url=reverse("equipment:order_list"),
            action=_("Bestellungen ansehen"),
            group=str(GROUP_DEVICES),
            urgency=Urgency.OVERDUE,
            count=count,
        ),
    )
