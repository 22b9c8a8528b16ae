"""What waits for a person in the home-office workflow, for Meine Aufgaben (core.todos).

- Employees: agree to an agreement (or its renewal), give the data-protection pledge
  while an open agreement lacks a valid one, answer an offer.
- Heads: the requests their units decide (overdue ones first), agreements of their
  units that run out soon and have no renewal yet.
- HR: positions without an offer while a pandemic period is in force, and how many
  people with an agreement lack a valid pledge.
- Staff council: refusals since the last visit of the refusals page.
- Data-protection officer: publish a first checklist, or how many lack a pledge on
  the current one.

Every read goes through the app's scoped selectors, and each part costs a fixed
number of queries: `core.todos.each_or_count` reads at most `SHOWN` single items (one
query with a LIMIT), beyond that a count links to the filtered list.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rathausmobil.agreements.models import (
    AgreementStatus,
    OfferStatus,
    Pledge,
    RequestStatus,
    RuleSettings,
)
from rathausmobil.agreements.selectors import (
    OPEN_AGREEMENT,
    active_pandemic_period,
    agreements_visible_to,
    current_checklist,
    employees_missing_pledge,
    inbox_for,
    offers_visible_to,
    pandemic_gaps,
    requests_visible_to,
)
from rathausmobil.core.dates import german_date
from rathausmobil.core.numbers import format_number
from rathausmobil.core.todos import (
    GROUP_ADMIN,
    GROUP_WORK,
    SHOWN,
    Todo,
    Urgency,
    each_or_count,
    last_seen,
)
from rathausmobil.organisation.models import Role
from rathausmobil.organisation.scoping import scope_for

REFUSALS_SEEN_KEY = "agreements.refusals"  # marked by the refusals page


def todos_for_user(user, today: dt.date) -> list[Todo]:
    scope = scope_for(user)
    todos: list[Todo] = []
    if scope.employee_id:
        todos += _employee_todos(user, scope.employee_id)
    if scope.is_supervisor:
        todos += _decisions(user, today)
        todos += _expiring(user, scope, today)
    if scope.has(Role.HR):
        todos += _hr_todos(user, today)
    if scope.has(Role.STAFF_COUNCIL):
        todos += _new_refusals(user)
    if scope.has(Role.DPO):
        todos += _checklist_todos()
    return todos


def _span(obj) -> str:
    if obj.end_date:
        return _("vom %(start)s bis %(end)s") % {
            "start": german_date(obj.start_date),
            "end": german_date(obj.end_date),
        }
    return _("ab %(start)s") % {"start": german_date(obj.start_date)}


# --------------------------------------------------------------------------- the employee


def _employee_todos(user, employee_id: int) -> list[Todo]:
    """Four queries: agreements to agree to, the checklist, the pledge, offers."""
    todos = []
    to_agree = (
        agreements_visible_to(user)
        .filter(employee_id=employee_id, status=AgreementStatus.PENDING, accepted_at__isnull=True)
        .order_by("start_date", "pk")[:SHOWN]
    )
    for agreement in to_agree:
        renewal = agreement.renewal_of_id is not None
        todos.append(
            Todo(
                key=f"agreements.consent.{agreement.pk}",
                title=_("Verlängerung zustimmen") if renewal else _("Vereinbarung zustimmen"),
                detail=_("%(kind)s %(span)s: Sie gilt erst, wenn Sie ausdrücklich zustimmen.")
                % {"kind": agreement.get_kind_display(), "span": _span(agreement)},
                url=reverse("agreements:agreement_detail", args=[agreement.pk]),
                action=_("Zustimmen"),
                group=str(GROUP_WORK),
                urgency=Urgency.DUE,
                due=agreement.start_date,
            )
        )

    version = current_checklist()
    if version is not None:
        valid = Pledge.objects.filter(employee_id=employee_id, version=version, is_valid=True)
        open_agreements = agreements_visible_to(user).filter(
            employee_id=employee_id, status__in=OPEN_AGREEMENT
        )
        needs_pledge = (
            open_agreements.annotate(pledged=Exists(valid))
            .filter(pledged=False)
            .order_by("start_date")
            .values_list("start_date", flat=True)
            .first()
        )
        if needs_pledge is not None:
            todos.append(
                Todo(
                    key="agreements.pledge",
                    title=_("Datenschutzerklärung abgeben"),
                    detail=_(
                        "Ihre Vereinbarung über mobiles Arbeiten wird erst mit einer gültigen "
                        "Erklärung zur Checkliste Datenschutz (Version %(number)s) wirksam "
                        "oder bleibt es."
                    )
                    % {"number": version.number},
                    url=reverse("agreements:pledge"),
                    action=_("Erklärung abgeben"),
                    group=str(GROUP_WORK),
                    urgency=Urgency.DUE,
                    due=needs_pledge,
                )
            )

    offers = (
        offers_visible_to(user)
        .filter(employee_id=employee_id, status=OfferStatus.OFFERED)
        .order_by("created_at", "pk")[:SHOWN]
    )
    for offer in offers:
        todos.append(
            Todo(
                key=f"agreements.offer.{offer.pk}",
                title=_("Angebot für mobiles Arbeiten beantworten"),
                detail=_("%(kind)s %(span)s: Sie entscheiden, ob Sie es annehmen.")
                % {"kind": offer.get_kind_display(), "span": _span(offer)},
                url=reverse("agreements:offer_detail", args=[offer.pk]),
                action=_("Angebot beantworten"),
                group=str(GROUP_WORK),
                urgency=Urgency.DUE,
                due=offer.start_date,
            )
        )
    return todos


# --------------------------------------------------------------------------- heads


def _decisions(user, today: dt.date) -> list[Todo]:
    """One query for up to SHOWN requests; one more for the counts when there are more."""
    return each_or_count(
        inbox_for(user, today),
        each=lambda request: _decision(request, today),
        together=_many_decisions,
        count=lambda inbox: inbox.aggregate(
            total=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today))
        ),
    )


def _many_decisions(counts: dict, first: list) -> list[Todo]:
    """The inbox beyond SHOWN: the overdue ones, then the rest, each one line."""
    url = reverse("agreements:inbox")
    todos = []
    if counts["overdue"]:
        todos.append(
            Todo(
                key="agreements.decide.overdue",
                title=ngettext(
                    "%(count)s Antrag ist überfällig",
                    "%(count)s Anträge sind überfällig",
                    counts["overdue"],
                )
                % {"count": format_number(counts["overdue"])},
                detail=_(
                    "Die Entscheidungsfrist ist abgelaufen; ohne Entscheidung geht der Antrag "
                    "an die nächsthöhere Leitung."
                ),
                url=url,
                action=_("Entscheiden"),
                group=str(GROUP_WORK),
                urgency=Urgency.OVERDUE,
                due=first[0].due_date,
                count=counts["overdue"],
            )
        )
    rest = counts["total"] - counts["overdue"]
    if rest:
        todos.append(
            Todo(
                key="agreements.decide",
                title=ngettext(
                    "%(count)s Antrag zu entscheiden",
                    "%(count)s Anträge zu entscheiden",
                    rest,
                )
                % {"count": format_number(rest)},
                detail=_("Beschäftigte Ihrer Einheit warten auf Ihre Entscheidung."),
                url=url,
                action=_("Entscheiden"),
                group=str(GROUP_WORK),
                urgency=Urgency.DUE,
                count=rest,
            )
        )
    return todos


def _decision(request, today: dt.date) -> Todo:
    """One request; the page shows its due date ("Fällig bis", "Fällig seit")."""
    overdue = request.due_date is not None and request.due_date < today
    detail = _("%(kind)s %(span)s.") % {"kind": request.get_kind_display(), "span": _span(request)}
    if overdue:
        detail += " " + _("Ohne Entscheidung geht der Antrag an die nächsthöhere Leitung.")
    return Todo(
        key=f"agreements.decide.{request.pk}",
        title=_("Antrag von %(name)s entscheiden") % {"name": request.employee.full_name},
        detail=detail,
        url=reverse("agreements:request_detail", args=[request.pk]),
        action=_("Entscheiden"),
        group=str(GROUP_WORK),
        urgency=Urgency.OVERDUE if overdue else Urgency.DUE,
        due=request.due_date,
    )


def _expiring(user, scope, today: dt.date) -> list[Todo]:
    """Agreements of the head's units that end within the reminder period and have no
    renewal: renew or let them run out. Two queries (the rules, the agreements) and a
    count when there are more than SHOWN."""
    rules = RuleSettings.current()
    until = today + dt.timedelta(days=rules.expiry_reminder_days)
    agreements = (
        agreements_visible_to(user)
        .filter(scope.unit_filter(prefix="employee__unit__"))
        .exclude(employee_id=scope.employee_id)
        .filter(
            status=AgreementStatus.ACTIVE,
            end_kind="",
            end_date__isnull=False,
            end_date__lte=until,
            renewal__isnull=True,
        )
        .order_by("end_date", "pk")
    )
    return each_or_count(
        agreements,
        each=lambda agreement: Todo(
            key=f"agreements.expiring.{agreement.pk}",
            title=_("Vereinbarung von %(name)s läuft aus") % {"name": agreement.employee.full_name},
            detail=_("Sie endet am %(date)s. Verlängern Sie sie oder lassen Sie sie auslaufen.")
            % {"date": german_date(agreement.end_date)},
            url=reverse("agreements:agreement_detail", args=[agreement.pk]),
            action=_("Verlängerung prüfen"),
            group=str(GROUP_WORK),
            urgency=Urgency.OPEN,
            due=agreement.end_date,
        ),
        together=lambda count, first: Todo(
            key="agreements.expiring",
            title=ngettext(
                "%(count)s Vereinbarung läuft bald aus",
                "%(count)s Vereinbarungen laufen bald aus",
                count,
            )
            % {"count": format_number(count)},
            detail=_("Verlängern Sie sie oder lassen Sie sie auslaufen."),
            url=reverse("agreements:overview") + "?was=vereinbarungen&status=active",
            action=_("Vereinbarungen ansehen"),
            group=str(GROUP_WORK),
            urgency=Urgency.OPEN,
            due=first[0].end_date,
            count=count,
        ),
    )


# --------------------------------------------------------------------------- HR, staff council, DPO


def _hr_todos(user, today: dt.date) -> list[Todo]:
    todos = []
    period = active_pandemic_period(today)
    if period is not None:
        gaps = pandemic_gaps(user, period, only_undocumented=True).count()
        if gaps:
            todos.append(
                Todo(
                    key="agreements.pandemic_gaps",
                    title=ngettext(
                        "%(count)s Stelle ohne Angebot im Pandemiemodus",
                        "%(count)s Stellen ohne Angebot im Pandemiemodus",
                        gaps,
                    )
                    % {"count": format_number(gaps)},
                    detail=_(
                        "Solange die Angebotspflicht gilt, braucht jede geeignete Stelle ein "
                        "Angebot oder einen dokumentierten zwingenden Grund."
                    ),
                    url=reverse("agreements:pandemic") + "?offen=1",
                    action=_("Angebote oder Gründe erfassen"),
                    group=str(GROUP_WORK),
                    urgency=Urgency.DUE,
                    due=period.end_date,
                    count=gaps,
                )
            )
    missing = employees_missing_pledge().count()
    if missing:
        todos.append(
            Todo(
                key="agreements.pledges_missing",
                title=ngettext(
                    "%(count)s Beschäftigte/r ohne gültige Datenschutzerklärung",
                    "%(count)s Beschäftigte ohne gültige Datenschutzerklärung",
                    missing,
                )
                % {"count": format_number(missing)},
                detail=_(
                    "Ihre Vereinbarungen werden erst mit der Erklärung wirksam; die Personen "
                    "sind per E-Mail gebeten worden."
                ),
                url=reverse("agreements:overview") + "?was=vereinbarungen&status=pending",
                action=_("Vereinbarungen ansehen"),
                group=str(GROUP_WORK),
                urgency=Urgency.INFO,
                count=missing,
            )
        )
    return todos


def _new_refusals(user) -> list[Todo]:
    """Two queries: the marker, the count."""
    seen = last_seen(user, REFUSALS_SEEN_KEY)
    refusals = requests_visible_to(user).filter(status=RequestStatus.REJECTED)
    if seen is not None:
        refusals = refusals.filter(decided_at__gt=seen)
    count = refusals.count()
    if not count:
        return []
    title = (
        ngettext(
            "%(count)s neue Ablehnung seit Ihrem letzten Besuch",
            "%(count)s neue Ablehnungen seit Ihrem letzten Besuch",
            count,
        )
        if seen
        else ngettext(
            "%(count)s Ablehnung noch nicht angesehen",
            "%(count)s Ablehnungen noch nicht angesehen",
            count,
        )
    )
    return [
        Todo(
            key="agreements.refusals",
            title=title % {"count": format_number(count)},
            detail=_("Abgelehnte Anträge mit ihren Gründen, zur Mitbestimmung."),
            url=reverse("agreements:refusals"),
            action=_("Ansehen"),
            group=str(GROUP_WORK),
            urgency=Urgency.INFO,
            count=count,
        )
    ]


def _checklist_todos() -> list[Todo]:
    """Two queries: the checklist, the count of missing pledges."""
    version = current_checklist()
    url = reverse("agreements:checklist_edit")
    if version is None:
        return [
            Todo(
                key="agreements.checklist_publish",
                title=_("Checkliste Datenschutz veröffentlichen"),
                detail=_(
                    "Ohne veröffentlichte Checkliste kann niemand die Datenschutzerklärung "
                    "abgeben, und keine Vereinbarung wird wirksam."
                ),
                url=url,
                action=_("Checkliste veröffentlichen"),
                group=str(GROUP_ADMIN),
                urgency=Urgency.DUE,
            )
        ]
    missing = employees_missing_pledge().count()
    if not missing:
        return []
    return [
        Todo(
            key="agreements.checklist_missing",
            title=ngettext(
                "%(count)s Erklärung zur Checkliste Version %(number)s fehlt",
                "%(count)s Erklärungen zur Checkliste Version %(number)s fehlen",
                missing,
            )
            % {"count": format_number(missing), "number": version.number},
            detail=_(
                "Beschäftigte mit Vereinbarung haben die aktuelle Checkliste noch nicht bestätigt."
            ),
            url=url,
            action=_("Ansehen"),
            group=str(GROUP_ADMIN),
            urgency=Urgency.INFO,
            count=missing,
        )
    ]
