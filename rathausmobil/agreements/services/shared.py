"""What the service modules share: who may act, the pattern's rules, dates.

Used by the other modules of this package only; views, API and other apps call
the services that `services/__init__.py` exports.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from rathausmobil.agreements.models import (
    Agreement,
    Offer,
    PandemicPeriod,
    PatternType,
    RuleSettings,
    WorkKind,
    WorkRequest,
)
from rathausmobil.core.errors import DomainError, NotAllowed
from rathausmobil.organisation.models import Employee, OrgUnit, Role
from rathausmobil.organisation.scoping import scope_for

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MIN_JUSTIFICATION = 20  # characters: a reason, not a word

PATTERN_FIELDS = (
    "kind",
    "pattern_type",
    "weekdays",
    "working_days_per_week",
    "share_percent",
    "start_date",
    "end_date",
)

# The person and their unit, joined when a service locks a record: mails and
# permission checks read them.
PERSON = ("employee__unit", "employee__user")


# --------------------------------------------------------------------------- dates


def today_or(today: dt.date | None) -> dt.date:
    """The day a service acts on: the one it is given (tests, jobs), else today."""
    return today or timezone.localdate()


def pandemic_period_on(day: dt.date) -> PandemicPeriod | None:
    """The pandemic period in force on `day`, if any (periods never overlap)."""
    return (
        PandemicPeriod.objects.filter(start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .order_by("-start_date")
        .first()
    )


# --------------------------------------------------------------------------- who may act


def own_employee(by: User) -> Employee:
    """The acting user's own personnel record; refuses users without one."""
    scope = scope_for(by)
    if not scope.employee_id:
        raise NotAllowed(_("Nur Beschäftigte mit eigenem Personaldatensatz können das tun."))
    return Employee.objects.get(pk=scope.employee_id)


def require_owner(obj: WorkRequest | Offer | Agreement, by: User) -> None:
    if scope_for(by).employee_id != obj.employee_id:
        raise NotAllowed(_("Das kann nur die/der betroffene Beschäftigte selbst tun."))


def require_employer_side(employee: Employee, by: User) -> None:
    """Supervisors of the person's unit (or above) and HR act for the employer."""
    scope = scope_for(by)
    if scope.employee_id == employee.pk and not scope.is_superuser:
        raise NotAllowed(_("In eigener Sache entscheidet die nächsthöhere Leitung."))
    if scope.has(Role.HR) or scope.covers(employee.unit.path):
        return
    raise NotAllowed()


def responsible_unit(employee: Employee, start: OrgUnit | None = None) -> OrgUnit | None:
    """The unit whose head decides: the person's unit, or the next one up where the
    head is not the person themselves."""
    unit = start or employee.unit
    while unit is not None:
        if unit.head_id and unit.head_id != employee.pk and unit.head.is_active:
            return unit
        unit = unit.parent
    return None


# --------------------------------------------------------------------------- patterns


def validate_pattern(
    values: dict[str, Any], *, today: dt.date | None = None, new: bool = True
) -> dict[str, Any]:
    """Check kind, pattern and period; returns the cleaned values."""
    today = today_or(today)
    problems = []
    kind = values.get("kind")
    if kind not in WorkKind.values:
        problems.append(_("Bitte die Art des mobilen Arbeitens wählen."))
    pattern_type = values.get("pattern_type") or PatternType.WEEKDAYS
    working_days = int(values.get("working_days_per_week") or 5)
    if not 1 <= working_days <= 6:
        problems.append(_("Arbeitstage pro Woche: 1 bis 6."))
    weekdays = sorted({int(d) for d in (values.get("weekdays") or [])})
    share = values.get("share_percent")
    if pattern_type == PatternType.WEEKDAYS:
        if not weekdays:
            problems.append(_("Bitte mindestens einen Wochentag für das Homeoffice wählen."))
        elif any(d < 0 or d > 5 for d in weekdays):
            problems.append(_("Wochentage: Montag bis Samstag."))
        elif len(weekdays) > working_days:
            problems.append(_("Es sind mehr Homeoffice-Tage gewählt als Arbeitstage pro Woche."))
        share = None
    elif pattern_type == PatternType.SHARE:
        if share in (None, ""):
            problems.append(_("Bitte den Anteil der Wochenarbeitszeit im Homeoffice angeben."))
        elif not 1 <= int(share) <= 100:
            # xgettext:no-python-format
            problems.append(_("Der Anteil muss zwischen 1 und 100 % liegen."))
        weekdays = []
    else:
        problems.append(_("Unbekanntes Muster."))
    start, end = values.get("start_date"), values.get("end_date")
    if start is None:
        problems.append(_("Bitte den gewünschten Beginn angeben."))
    elif new and start < today:
        problems.append(_("Der Beginn darf nicht in der Vergangenheit liegen."))
    if start and end and end <= start:
        problems.append(_("Das Ende muss nach dem Beginn liegen."))
    if problems:
        raise DomainError(" ".join(problems), code="invalid")
    return {
        "kind": kind,
        "pattern_type": pattern_type,
        "weekdays": weekdays,
        "working_days_per_week": working_days,
        "share_percent": int(share) if share not in (None, "") else None,
        "start_date": start,
        "end_date": end,
    }


def pattern_values(obj: WorkRequest | Offer | Agreement) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in PATTERN_FIELDS}


def check_quota(obj: WorkRequest | Offer, exception_reason: str) -> str:
    """Refuse a home share above the quota without a written reason; returns the
    reason to keep (empty when the share is within the quota)."""
    quota = RuleSettings.current().home_quota_percent
    share = obj.home_share_percent
    if share > quota and len(exception_reason.strip()) < MIN_JUSTIFICATION:
        percent = f"{share.normalize():f}".replace(".", ",")  # German: 66,7
        raise DomainError(
            _(
                "Der Homeoffice-Anteil von %(share)s %% übersteigt den Höchstanteil von "
                "%(quota)s %% der Wochenarbeitszeit. Eine Ausnahme ist nur mit schriftlicher "
                "Begründung möglich."
            )
            % {"share": percent, "quota": quota},
            code="quota_exceeded",
        )
    return exception_reason.strip() if share > quota else ""
