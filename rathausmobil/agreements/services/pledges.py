"""The data-protection pledge: the officer publishes the checklist, the employee
answers it; a valid pledge may be the last prerequisite of a pending agreement."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from rathausmobil.agreements.models import Agreement, AgreementStatus, ChecklistVersion, Pledge
from rathausmobil.agreements.services.agreement_life import agreement_activate_if_ready
from rathausmobil.agreements.services.shared import own_employee
from rathausmobil.core.audit import audit_event
from rathausmobil.core.errors import DomainError, NotAllowed
from rathausmobil.organisation.models import Employee, Role
from rathausmobil.organisation.scoping import scope_for

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def checklist_publish(*, by: User, items: list[dict[str, Any]], note: str = "") -> ChecklistVersion:
    """The data-protection officer publishes a new version; everyone with an active
    agreement is then asked to pledge again (run_due_jobs)."""
    scope = scope_for(by)
    if not scope.has(Role.DPO):
        raise NotAllowed(_("Die Checkliste ändert die/der Datenschutzbeauftragte."))
    cleaned, keys = [], set()
    for item in items:
        text = str(item.get("text", "")).strip()
        key = str(item.get("key", "")).strip()
        if not text or not key:
            continue
        if key in keys:
            raise DomainError(
                _("Der Punkt „%(key)s“ steht doppelt in der Checkliste.") % {"key": key},
                code="invalid",
            )
        keys.add(key)
        cleaned.append({"key": key, "text": text, "mandatory": bool(item.get("mandatory"))})
    if not any(item["mandatory"] for item in cleaned):
        raise DomainError(
            _("Die Checkliste braucht mindestens einen Pflichtpunkt."), code="invalid"
        )
    with transaction.atomic():
        last = ChecklistVersion.objects.select_for_update().order_by("-number").first()
        version = ChecklistVersion.objects.create(
            number=(last.number + 1) if last else 1,
            items=cleaned,
            note=note.strip(),
            published_by=by,
        )
        audit_event(
            actor=by, action=_("Checkliste veröffentlicht"), obj=version, reason=note.strip()
        )
    return version


def pledge_sign(*, by: User, answers: dict[str, bool], today: dt.date | None = None) -> Pledge:
    """The employee answers every item of the current checklist. The pledge is
    valid only if every mandatory item is confirmed."""
    employee = own_employee(by)
    version = ChecklistVersion.objects.order_by("-number").first()
    if version is None:
        raise DomainError(_("Es ist noch keine Checkliste veröffentlicht."), code="invalid")
    keys = [item["key"] for item in version.items]
    missing = [k for k in keys if k not in answers]
    if missing:
        raise DomainError(_("Bitte jeden Punkt der Checkliste beantworten."), code="invalid")
    cleaned = {k: bool(answers[k]) for k in keys}
    valid = all(cleaned[k] for k in version.mandatory_keys)
    with transaction.atomic():
        Employee.objects.select_for_update().get(pk=employee.pk)
        pledge, _created = Pledge.objects.update_or_create(
            employee=employee, version=version, defaults={"answers": cleaned, "is_valid": valid}
        )
        audit_event(
            actor=by,
            action=_("Datenschutzerklärung abgegeben")
            if valid
            else _("Datenschutzerklärung unvollständig"),
            obj=pledge,
            changes={
                "Version": ["", str(version.number)],
                "gültig": ["", "ja" if valid else "nein"],
            },
        )
        if valid:
            for agreement in Agreement.objects.select_for_update().filter(
                employee=employee, status=AgreementStatus.PENDING
            ):
                agreement_activate_if_ready(agreement=agreement, by=by, today=today)
    return pledge
