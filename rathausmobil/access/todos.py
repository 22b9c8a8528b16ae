"""What waits for IT in access, for Meine Aufgaben (core.todos): the requested grants
to give today (access for an agreement not yet begun waits for its access day). Listed
with `core.todos.each_or_count`: up to `SHOWN` one by one (straight to the grant), beyond
that one line with the count linking to the queue "Zugänge zu erteilen". At most three
queries.

Reconciliation findings are not a task here: `manage.py reconcile_access` reports
them when it runs and stores none, so there is nothing to list between runs.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rathausmobil.access.selectors import can_manage_grants, due_grants
from rathausmobil.core.dates import german_date
from rathausmobil.core.numbers import format_number
from rathausmobil.core.todos import GROUP_DEVICES, Todo, Urgency, each_or_count


def todos_for_user(user, today: dt.date) -> list[Todo]:
    if not can_manage_grants(user):
        return []
    # Only what IT may grant today: access for an agreement waits for its access day.
    grants = due_grants(user, today)
    return each_or_count(
        grants,
        each=lambda grant: Todo(
            key=f"access.grant.{grant.pk}",
            title=_("%(kind)s für %(name)s erteilen")
            % {"kind": grant.get_kind_display(), "name": grant.employee.full_name},
            detail=_("Beantragt am %(date)s%(why)s.")
            % {
                "date": german_date(grant.requested_at),
                "why": f" ({grant.reason})" if grant.reason else "",
            },
            url=reverse("access:grant_detail", args=[grant.pk]),
            action=_("Erteilen"),
            group=str(GROUP_DEVICES),
            urgency=Urgency.DUE,
        ),
        together=lambda count, first: Todo(
            key="access.grant",
            title=ngettext("%(count)s Zugang zu erteilen", "%(count)s Zugänge zu erteilen", count)
            % {"count": format_number(count)},
            detail=_("Beantragte VPN- und Terminalserver-Zugänge warten auf die IT."),
            url=reverse("access:queue"),
            action=_("Zugänge erteilen"),
            group=str(GROUP_DEVICES),
            urgency=Urgency.DUE,
            count=count,
        ),
    )
