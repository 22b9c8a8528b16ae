"""The data-protection pledge: the officer drafts and publishes the checklist, the
employee answers it; a valid pledge may be the last prerequisite of a pending agreement.

`checklist_publish` is the one writer of `ChecklistVersion`; the draft services
(`checklist_draft_save`, `checklist_draft_discard`, `checklist_draft_publish`) are the
only writers of `ChecklistDraft`, and publishing a draft goes through `checklist_publish`."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from rathausmobil.agreements.checklist import differences, with_keys
from rathausmobil.agreements.models import (
    Agreement,
    AgreementStatus,
    ChecklistDraft,
    ChecklistVersion,
    Pledge,
)
from rathausmobil.agreements.services.agreement_life import agreement_activate_if_ready
from rathausmobil.agreements.services.shared import own_employee
from rathausmobil.core.audit import audit_event
from rathausmobil.core.errors import DomainError, NotAllowed
from rathausmobil.organisation.models import Employee, Role
from rathausmobil.organisation.scoping import scope_for

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _require_dpo(by: User) -> None:
    if not scope_for(by).has(Role.DPO):
        raise NotAllowed(_("Die Checkliste ändert die/der Datenschutzbeauftragte."))


def _keys_of_all_versions() -> set[str]:
    return {
        item["key"]
        for items in ChecklistVersion.objects.values_list("items", flat=True)
        for item in items
    }


def _clean(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Items with their text trimmed, empty ones left out; the same text twice and a
    list without a mandatory item are refused."""
    cleaned, texts = [], set()
    for item in items:
        text = " ".join(str(item.get("text", "")).split())
        if not text:
            continue
        if text.casefold() in texts:
            raise DomainError(
                _("Der Punkt „%(text)s“ steht doppelt in der Checkliste.") % {"text": text},
                code="invalid",
            )
        texts.add(text.casefold())
        key = str(item.get("key") or "").strip()
        cleaned.append({"key": key, "text": text, "mandatory": bool(item.get("mandatory"))})
    if not any(item["mandatory"] for item in cleaned):
        raise DomainError(
            _("Die Checkliste braucht mindestens einen Pflichtpunkt."), code="invalid"
        )
    return cleaned


def checklist_publish(*, by: User, items: list[dict[str, Any]], note: str = "") -> ChecklistVersion:
    """The one writer of checklist versions: the data-protection officer publishes a new
    version; everyone with an open agreement is then asked to pledge again
    (run_due_jobs). An item without a key gets one made from its text (or the key of
    the item with the same text in the version in force); a key given twice is refused."""
    _require_dpo(by)
    cleaned = _clean(items)
    given = [item["key"] for item in cleaned if item["key"]]
    for key in given:
        if given.count(key) > 1:
            raise DomainError(
                _("Der Punkt „%(key)s“ steht doppelt in der Checkliste.") % {"key": key},
                code="invalid",
            )
    with transaction.atomic():
        last = ChecklistVersion.objects.select_for_update().order_by("-number").first()
        keyed = with_keys(
            cleaned,
            keep=given,
            previous=last.items if last else [],
            taken=_keys_of_all_versions(),
        )
        version = ChecklistVersion.objects.create(
            number=(last.number + 1) if last else 1,
            items=keyed,
            note=note.strip(),
            published_by=by,
        )
        audit_event(
            actor=by, action=_("Checkliste veröffentlicht"), obj=version, reason=note.strip()
        )
    return version


def checklist_draft_save(*, by: User, items: list[dict[str, Any]]) -> ChecklistDraft:
    """Save the draft of the next version (there is one draft at a time). Items keep
    the key they came with if it is a key of the version in force or of the draft;
    every other item gets one (see `checklist.with_keys`). Saving what the draft holds
    already changes nothing."""
    _require_dpo(by)
    cleaned = _clean(items)
    with transaction.atomic():
        draft, created = ChecklistDraft.objects.select_for_update().get_or_create(pk=1)
        current = ChecklistVersion.objects.order_by("-number").first()
        previous = current.items if current else []
        keyed = with_keys(
            cleaned,
            keep={i["key"] for i in previous} | {i["key"] for i in draft.items},
            previous=previous,
            taken=_keys_of_all_versions(),
        )
        if not created and keyed == draft.items:
            return draft
        before = len(draft.items)
        draft.items = keyed
        draft.revision = 1 if created else draft.revision + 1
        draft.updated_by = by
        draft.save()
        audit_event(
            actor=by,
            action=_("Entwurf der Checkliste gespeichert"),
            obj=draft,
            changes={_("Punkte"): ["" if created else before, len(keyed)]},
        )
    return draft


def checklist_draft_discard(*, by: User) -> None:
    """Throw the draft away; the version in force stays as it is."""
    _require_dpo(by)
    with transaction.atomic():
        draft = ChecklistDraft.objects.select_for_update().filter(pk=1).first()
        if draft is None:
            return
        audit_event(actor=by, action=_("Entwurf der Checkliste verworfen"), obj=draft)
        draft.delete()


def checklist_draft_publish(
    *, by: User, revision: int, base_number: int | None, note: str = ""
) -> ChecklistVersion:
    """Publish the draft as the next version, exactly as the officer last saw it:
    `revision` is the draft's revision and `base_number` the version in force that its
    differences were shown against. If either has changed since, nothing is published."""
    _require_dpo(by)
    with transaction.atomic():
        draft = ChecklistDraft.objects.select_for_update().filter(pk=1).first()
        if draft is None:
            raise DomainError(
                _("Es gibt keinen Entwurf zum Veröffentlichen. Legen Sie zuerst einen an."),
                code="invalid",
            )
        current = ChecklistVersion.objects.select_for_update().order_by("-number").first()
        if draft.revision != revision or (current.number if current else None) != base_number:
            raise DomainError(
                _(
                    "Der Entwurf oder die geltende Version hat sich inzwischen geändert. "
                    "Bitte sehen Sie sich die Unterschiede noch einmal an."
                ),
                code="stale",
            )
        if current is not None and not differences(current.items, draft.items):
            raise DomainError(
                _(
                    "Der Entwurf gleicht der geltenden Version %(number)s; es gibt nichts "
                    "zu veröffentlichen."
                )
                % {"number": current.number},
                code="invalid",
            )
        version = checklist_publish(by=by, items=draft.items, note=note)
        draft.delete()
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
                employee=employee, status__in=[AgreementStatus.PENDING, AgreementStatus.AGREED]
            ):
                agreement_activate_if_ready(agreement=agreement, by=by, today=today)
    return pledge
