"""What waits for heads in eligibility, for Meine Aufgaben (core.todos): the positions
of their units that nobody has assessed yet, and the assessments whose review date
has come. Not their own position (the next head up assesses it).

At most four queries (`core.todos.each_or_count`): up to `SHOWN` positions of each kind
one by one, beyond that one line with the count, linking to the overview filtered to
them.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rathausmobil.core.dates import german_date
from rathausmobil.core.numbers import format_number
from rathausmobil.core.todos import GROUP_WORK, Todo, Urgency, each_or_count
from rathausmobil.eligibility.selectors import (
    NOT_ASSESSED,
    filter_by_result,
    positions_for_eligibility,
    with_current_assessment,
)
from rathausmobil.organisation.models import Employee
from rathausmobil.organisation.scoping import scope_for


def todos_for_user(user, today: dt.date) -> list[Todo]:
    scope = scope_for(user)
    if not scope.is_supervisor:
        return []
    own_position = Employee.objects.filter(pk=scope.employee_id, position__isnull=False).values(
        "position_id"
    )
    positions = (
        with_current_assessment(positions_for_eligibility(user).filter(scope.unit_filter()))
        .exclude(pk__in=own_position)
        .order_by("unit__path", "number")
    )
    overview = reverse("eligibility:overview")
    return [
        *_listed(
            filter_by_result(positions, NOT_ASSESSED),
            key="eligibility.assess",
            one=lambda p: _("Stelle %(number)s bewerten") % {"number": p.number},
            detail_one=lambda p: (
                _(
                    "%(title)s (%(unit)s) ist noch nicht bewertet: Welcher Anteil kann mobil "
                    "erledigt werden?"
                )
                % {"title": p.title, "unit": p.unit.code}
            ),
            many=lambda n: (
                ngettext(
                    "%(count)s Stelle noch nicht bewertet",
                    "%(count)s Stellen noch nicht bewertet",
                    n,
                )
                % {"count": format_number(n)}
            ),
            detail_many=_("Ohne Bewertung fehlt bei Anträgen die Grundlage der Entscheidung."),
            list_url=f"{overview}?result={NOT_ASSESSED}",
            action=_("Bewerten"),
            urgency=lambda p: Urgency.OPEN,
            due=lambda p: None,
        ),
        *_listed(
            positions.filter(current_review_date__lte=today).order_by(
                "current_review_date", "number"
            ),
            key="eligibility.review",
            one=lambda p: _("Bewertung der Stelle %(number)s überprüfen") % {"number": p.number},
            detail_one=lambda p: (
                _("%(title)s (%(unit)s): Überprüfung fällig seit %(date)s.")
                % {
                    "title": p.title,
                    "unit": p.unit.code,
                    "date": german_date(p.current_review_date),
                }
            ),
            many=lambda n: (
                ngettext(
                    "%(count)s Bewertung zu überprüfen", "%(count)s Bewertungen zu überprüfen", n
                )
                % {"count": format_number(n)}
            ),
            detail_many=_("Das Datum der Überprüfung ist erreicht."),
            list_url=f"{overview}?due=on",
            action=_("Überprüfen"),
            urgency=lambda p: Urgency.OVERDUE if p.current_review_date < today else Urgency.DUE,
            due=lambda p: p.current_review_date,
        ),
    ]


def _listed(
    positions, *, key, one, detail_one, many, detail_many, list_url, action, urgency, due
) -> list[Todo]:
    return each_or_count(
        positions,
        each=lambda position: Todo(
            key=f"{key}.{position.pk}",
            title=one(position),
            detail=detail_one(position),
            url=reverse("eligibility:position_detail", args=[position.pk]),
            action=action,
            group=str(GROUP_WORK),
            urgency=urgency(position),
            due=due(position),
        ),
        together=lambda count, first: Todo(
            key=key,
            title=many(count),
            detail=detail_many,
            url=list_url,
            action=action,
            group=str(GROUP_WORK),
            urgency=min(urgency(p) for p in first),
            due=due(first[0]),
            count=count,
        ),
    )
