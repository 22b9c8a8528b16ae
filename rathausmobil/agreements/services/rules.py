"""The rules HR sets (quota, deadlines, notice periods, retention) and the
pandemic mode: periods with a legal home-office duty and the documented reasons
why a position gets no offer."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from rathausmobil.agreements.models import PandemicGapReason, PandemicPeriod, RuleSettings
from rathausmobil.agreements.services.agreement_life import pandemic_agreements_follow_period
from rathausmobil.agreements.services.shared import MIN_JUSTIFICATION
from rathausmobil.core.audit import audit_event
from rathausmobil.core.dates import german_date
from rathausmobil.core.errors import DomainError, NotAllowed
from rathausmobil.organisation.models import Position, Role
from rathausmobil.organisation.scoping import scope_for

if TYPE_CHECKING:
    from django.contrib.auth.models import User

RULE_FIELDS = (
    "home_quota_percent",
    "decision_deadline_days",
    "trial_months",
    "max_term_months",
    "employee_notice_weeks",
    "employer_notice_months",
    "expiry_reminder_days",
    "retention_refused_years",
    "retention_after_exit_years",
)


def rules_update(*, by: User, values: dict[str, int]) -> RuleSettings:
    if not scope_for(by).has(Role.HR):
        raise NotAllowed(_("Die Regeln setzt das Personalamt."))
    with transaction.atomic():
        rules = RuleSettings.current()
        rules = RuleSettings.objects.select_for_update().get(pk=rules.pk)
        changes = {}
        for name in RULE_FIELDS:
            if name in values and getattr(rules, name) != values[name]:
                changes[str(RuleSettings._meta.get_field(name).verbose_name)] = [
                    str(getattr(rules, name)),
                    str(values[name]),
                ]
                setattr(rules, name, values[name])
        rules.updated_by = by
        rules.full_clean()
        rules.save()
        if changes:
            audit_event(actor=by, action=_("Regeln geändert"), obj=rules, changes=changes)
    return rules


def _require_hr_for_pandemic_mode(by: User) -> None:
    if not scope_for(by).has(Role.HR):
        raise NotAllowed(_("Den Pandemiemodus schaltet das Personalamt."))


def pandemic_period_set(
    *,
    by: User,
    start_date: dt.date,
    end_date: dt.date | None,
    legal_basis: str = "",
    title: str = "",
) -> PandemicPeriod:
    _require_hr_for_pandemic_mode(by)
    if end_date and end_date < start_date:
        raise DomainError(_("Das Ende liegt vor dem Beginn."), code="invalid")
    with transaction.atomic():
        overlapping = PandemicPeriod.objects.filter(
            start_date__lte=end_date or dt.date.max
        ).exclude(end_date__lt=start_date)
        if overlapping.exists():
            raise DomainError(
                _("Für diesen Zeitraum ist der Pandemiemodus schon eingetragen."), code="invalid"
            )
        period = PandemicPeriod.objects.create(
            start_date=start_date,
            end_date=end_date,
            legal_basis=legal_basis.strip(),
            title=title.strip() or _("Homeoffice-Angebotspflicht"),
            created_by=by,
        )
        audit_event(actor=by, action=_("Pandemiemodus eingeschaltet"), obj=period)
    return period


def pandemic_period_end(
    *, period: PandemicPeriod, by: User, end_date: dt.date, today: dt.date | None = None
) -> PandemicPeriod:
    """HR ends the period (or moves its end). The pandemic agreements that began in it
    end with it (agreement_life.pandemic_agreements_follow_period)."""
    _require_hr_for_pandemic_mode(by)
    if end_date < period.start_date:
        raise DomainError(_("Das Ende liegt vor dem Beginn."), code="invalid")
    with transaction.atomic():
        period = PandemicPeriod.objects.select_for_update().get(pk=period.pk)
        old = period.end_date
        period.end_date = end_date
        period.save(update_fields=["end_date"])
        audit_event(
            actor=by,
            action=_("Pandemiemodus beendet"),
            obj=period,
            changes={"bis": [german_date(old) if old else "–", german_date(end_date)]},
        )
        pandemic_agreements_follow_period(period=period, old_end=old, by=by, today=today)
    return period


def pandemic_gap_document(
    *, period: PandemicPeriod, position: Position, by: User, reason: str
) -> PandemicGapReason:
    """Document the compelling operational reason why a position gets no offer."""
    reason = (reason or "").strip()
    scope = scope_for(by)
    if not (scope.has(Role.HR) or scope.covers(position.unit.path)):
        raise NotAllowed()
    if len(reason) < MIN_JUSTIFICATION:
        raise DomainError(
            _(
                "Bitte den zwingenden betrieblichen Grund schriftlich darlegen (mindestens "
                "%(min)s Zeichen)."
            )
            % {"min": MIN_JUSTIFICATION},
            code="invalid",
        )
    with transaction.atomic():
        gap, _created = PandemicGapReason.objects.update_or_create(
            period=period, position=position, defaults={"reason": reason, "documented_by": by}
        )
        audit_event(actor=by, action=_("Grund ohne Angebot dokumentiert"), obj=gap, reason=reason)
    return gap
