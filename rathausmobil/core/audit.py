"""Writing the audit trail. Services call these; nothing else writes AuditEvent.

Every write worth an audit entry may change a figure, so writing one tells the kept
figures to be computed anew (`core.figures.figures_changed`, once per transaction)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models

from rathausmobil.core.bulk import bulk_insert_rows
from rathausmobil.core.figures import figures_changed
from rathausmobil.core.models import AuditEvent


def object_type_of(obj: models.Model | type[models.Model]) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


def audit_event(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    model: type[models.Model] | None = None,
    object_id: str = "",
    label: str = "",
    changes: dict[str, Any] | None = None,
    reason: str = "",
    source: str = "",
    save: bool = True,
) -> AuditEvent:
    """One entry of the audit trail about `obj`.

    Where there is no instance to pass (records already deleted, many at once, as a
    retention job deletes them), name the `model` and an `object_id` instead. `label`
    replaces `str(obj)` as the entry's label, e.g. where a name must not be kept.
    """
    if (obj is None) == (model is None):
        raise TypeError("audit_event() takes either obj or model.")
    if obj is not None:
        model, object_id, label = type(obj), str(obj.pk), label or str(obj)
    event = AuditEvent(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=object_type_of(model),
        object_id=object_id,
        object_label=label[:255],
        changes=changes or {},
        reason=reason,
        source=source,
    )
    if save:
        event.save()
        figures_changed()
    return event


def audit_events_bulk(events: Iterable[AuditEvent]) -> None:
    """Many entries at once (COPY on PostgreSQL); the events get no primary key."""
    events = list(events)
    bulk_insert_rows(AuditEvent, events)
    if events:
        figures_changed()


def history_of(obj: models.Model):
    return AuditEvent.objects.filter(
        object_type=object_type_of(obj), object_id=str(obj.pk)
    ).select_related("actor")
