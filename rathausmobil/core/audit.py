"""Writing the audit trail. Services call these; nothing else writes AuditEvent."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models

from rathausmobil.core.models import AuditEvent


def object_type_of(obj: models.Model) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


def audit_event(
    *,
    actor,
    action: str,
    obj: models.Model,
    changes: dict[str, Any] | None = None,
    reason: str = "",
    source: str = "",
    save: bool = True,
) -> AuditEvent:
    event = AuditEvent(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=object_type_of(obj),
        object_id=str(obj.pk),
        object_label=str(obj)[:255],
        changes=changes or {},
        reason=reason,
        source=source,
    )
    if save:
        event.save()
    return event


def audit_events_bulk(events: Iterable[AuditEvent]) -> None:
    AuditEvent.objects.bulk_create(list(events), batch_size=2000)


def history_of(obj: models.Model):
    return AuditEvent.objects.filter(
        object_type=object_type_of(obj), object_id=str(obj.pk)
    ).select_related("actor")
