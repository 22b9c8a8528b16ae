"""Writes of the eligibility app: assessing a position.

The result is derived here from the shares, never taken from a form or an API
client (see `derive_result` and docs/workflows/eligibility.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rathausmobil.core.audit import audit_event
from rathausmobil.core.errors import DomainError
from rathausmobil.eligibility.models import (
    CRITERIA,
    CRITERIA_BY_CODE,
    EligibilityResult,
    PositionAssessment,
)
from rathausmobil.organisation.models import Employee, Position
from rathausmobil.organisation.scoping import scope_for

AUDIT_SOURCE = "Eignungsbewertung"


def derive_result(shares: Mapping[str, int]) -> tuple[str, int]:
    """(result, movable share) from the shares per criterion.

    bound = min(100, sum of shares); movable = 100 - bound. All of the work can
    move: ELIGIBLE; none of it: NOT_ELIGIBLE; otherwise PARTIAL. Shares of
    different criteria may overlap in reality (a counter shift is customer
    contact and minimum staffing at once); the assessor enters each share so that
    the sum is the time bound to the office, and a sum above 100 counts as 100.
    """
    bound = min(100, sum(shares.values()))
    movable = 100 - bound
    if movable == 100:
        return EligibilityResult.ELIGIBLE, movable
    if movable == 0:
        return EligibilityResult.NOT_ELIGIBLE, movable
    return EligibilityResult.PARTIAL, movable


def _supervises(scope, position: Position) -> bool:
    unit_path = position.unit.path
    return any(unit_path.startswith(path) for path in scope.supervised_paths)


def _holds_position(scope, position: Position) -> bool:
    return bool(scope.employee_id) and (
        Employee.objects.filter(pk=scope.employee_id, position=position).exists()
    )


def assessment_allowed(*, user: AbstractBaseUser | AnonymousUser, position: Position) -> bool:
    """A supervisor of the position's unit (head of it or of a unit above, or a deputy
    by role assignment) or a superuser. Nobody assesses the position they hold."""
    scope = scope_for(user)
    if scope.user_id is None:
        return False
    if scope.is_superuser:
        return True
    return _supervises(scope, position) and not _holds_position(scope, position)


def _check_permission(*, by: AbstractBaseUser | None, position: Position) -> None:
    if assessment_allowed(user=by, position=position):
        return
    scope = scope_for(by)
    if _supervises(scope, position):
        raise DomainError(
            _(
                "Die eigene Stelle bewerten Sie nicht selbst; das übernimmt die nächsthöhere "
                "Leitung."
            ),
            code="own_position",
        )
    raise DomainError(
        _(
            "Diese Stelle dürfen Sie nicht bewerten: Bewerten können nur Vorgesetzte der "
            "Organisationseinheit der Stelle."
        ),
        code="not_allowed",
    )


def _clean_shares(shares: Mapping[str, int]) -> dict[str, int]:
    unknown = sorted(str(code) for code in shares if code not in CRITERIA_BY_CODE)
    if unknown:
        raise DomainError(
            _("Unbekanntes Kriterium: %(codes)s. Erlaubt sind E1 bis E7.")
            % {"codes": ", ".join(unknown)},
            code="unknown_criterion",
        )
    cleaned: dict[str, int] = {}
    for criterion in CRITERIA:
        value = shares.get(criterion.code, 0)
        if value is None:
            value = 0
        if isinstance(value, bool) or not isinstance(value, int):
            raise DomainError(
                _("Der Anteil für %(code)s muss eine ganze Zahl von 0 bis 100 sein.")
                % {"code": criterion.code},
                code="share_invalid",
            )
        if not 0 <= value <= 100:
            raise DomainError(
                _(
                    "Der Anteil für %(code)s muss zwischen 0 und 100 %% liegen "
                    "(angegeben: %(value)s %%)."
                )
                % {"code": criterion.code, "value": value},
                code="share_out_of_range",
            )
        cleaned[criterion.code] = value
    return cleaned


def _check_review_date(
    *, shares: dict[str, int], review_date: dt.date | None, today: dt.date
) -> None:
    temporary = [c.code for c in CRITERIA if c.temporary and shares[c.code] > 0]
    if temporary and review_date is None:
        raise DomainError(
            ngettext(
                "%(criteria)s ist nur vorübergehend ein Hindernis: Bitte geben Sie ein "
                "Überprüfungsdatum an.",
                "%(criteria)s sind nur vorübergehend ein Hindernis: Bitte geben Sie ein "
                "Überprüfungsdatum an.",
                len(temporary),
            )
            % {"criteria": get_text_list(temporary, _("und"))},
            code="review_date_required",
        )
    if review_date is not None and review_date <= today:
        raise DomainError(
            _("Das Überprüfungsdatum muss in der Zukunft liegen (nach dem %(date)s).")
            % {"date": f"{today:%d.%m.%Y}"},
            code="review_date_past",
        )


def _assessor_name(by: AbstractBaseUser | None) -> str:
    if by is None:
        return ""
    employee = Employee.objects.filter(user=by).only("first_name", "last_name").first()
    if employee is not None:
        return employee.full_name
    return by.get_full_name() or by.get_username()


def _label(result: str) -> str:
    return str(EligibilityResult(result).label)


@transaction.atomic
def assessment_create(
    *,
    position: Position,
    by: AbstractBaseUser | None,
    shares: Mapping[str, int],
    reasons: str,
    review_date: dt.date | None = None,
    today: dt.date | None = None,
    system: bool = False,
    assessor_name: str = "",
) -> PositionAssessment:
    """Assess `position`; the earlier current assessment becomes history.

    `system=True` is for the demo seed only: it skips the permission check (the
    assessing head often has no user account there) and records `assessor_name`.
    Every other rule applies to it as well.
    """
    today = today or timezone.localdate()
    # Lock the position first: two first assessments at once then wait for each other
    # instead of one of them failing on the unique constraint.
    position = (
        Position.objects.select_for_update(of=("self",)).select_related("unit").get(pk=position.pk)
    )
    if not system:
        _check_permission(by=by, position=position)

    cleaned = _clean_shares(shares)
    result, movable = derive_result(cleaned)
    reasons = (reasons or "").strip()
    if result != EligibilityResult.ELIGIBLE and not reasons:
        raise DomainError(
            _(
                "Das Ergebnis wäre „%(result)s“: Bitte begründen Sie schriftlich, warum die "
                "Arbeit nicht (vollständig) mobil erledigt werden kann. Die Begründung ist "
                "Pflicht, weil der Arbeitgeber die Ablehnung belegen muss."
            )
            % {"result": _label(result)},
            code="reasons_required",
        )
    _check_review_date(shares=cleaned, review_date=review_date, today=today)

    previous = (
        PositionAssessment.objects.select_for_update()
        .filter(position=position, is_current=True)
        .first()
    )
    now = timezone.now()
    if previous is not None:
        previous.is_current = False
        previous.superseded_at = now
        previous.save(update_fields=["is_current", "superseded_at"])

    assessment = PositionAssessment(
        position=position,
        result=result,
        movable_share=movable,
        reasons=reasons,
        assessed_by=by if getattr(by, "pk", None) else None,
        assessor_name=(assessor_name or _assessor_name(by))[:200],
        assessed_on=today,
        review_date=review_date,
        is_current=True,
    )
    for criterion in CRITERIA:
        setattr(assessment, criterion.field, cleaned[criterion.code])
    assessment.save()

    changes: dict[str, list] = {
        _("Ergebnis"): [_label(previous.result) if previous else None, _label(result)],
        _("mobil möglich (%)"): [previous.movable_share if previous else None, movable],
    }
    for criterion in CRITERIA:
        old = getattr(previous, criterion.field) if previous else None
        new = cleaned[criterion.code]
        if old != new:
            changes[criterion.code] = [old, new]
    if (previous.review_date if previous else None) != review_date:
        changes[_("Überprüfung")] = [
            f"{previous.review_date:%d.%m.%Y}" if previous and previous.review_date else None,
            f"{review_date:%d.%m.%Y}" if review_date else None,
        ]
    audit_event(
        actor=by,
        action=_("neu bewertet") if previous else _("bewertet"),
        obj=assessment,
        changes=changes,
        reason=reasons,
        source="Demo" if system else AUDIT_SOURCE,
    )
    return assessment
