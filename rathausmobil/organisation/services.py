"""Writes to the organisation that are not the file import (see importing.py)."""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.utils import timezone

from rathausmobil.core.tabular import Problem
from rathausmobil.organisation.models import ImportBatch, ImportKind, ImportStatus, OrgUnit


class ImportBatchError(Exception):
    """A domain error of the upload workflow; the message is for the user."""


def org_units_rebuild_paths() -> int:
    """Recompute the materialised paths of the whole tree; returns how many changed.

    Thousands of units at most, so the tree is walked in memory and only changed
    rows are written.
    """
    units = list(OrgUnit.objects.only("pk", "parent_id", "path", "depth"))
    children: dict[int | None, list[OrgUnit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    changed: list[OrgUnit] = []
    stack = [(unit, "/", 0) for unit in children.get(None, [])]
    while stack:
        unit, prefix, depth = stack.pop()
        path = f"{prefix}{unit.pk}/"
        if unit.path != path or unit.depth != depth:
            unit.path, unit.depth = path, depth
            changed.append(unit)
        stack.extend((child, path, depth + 1) for child in children.get(unit.pk, []))
    OrgUnit.objects.bulk_update(changed, ["path", "depth"], batch_size=1000)
    return len(changed)


def _runner(kind: str):
    from rathausmobil.organisation.importing import employees_import, org_units_import

    return org_units_import if kind == ImportKind.ORG_UNITS else employees_import


def import_batch_preview(*, kind: str, filename: str, data: bytes, by):
    """Keep the uploaded file and return its preview; nothing of the file is applied."""
    from django.conf import settings

    from rathausmobil.organisation.importing import ImportResult

    if kind not in ImportKind.values:
        raise ImportBatchError("Unbekannte Importart.")
    if len(data) > settings.IMPORT_MAX_BYTES:
        result = ImportResult(kind=kind)
        limit = settings.IMPORT_MAX_BYTES // (1024 * 1024)
        result.problems.append(Problem(f"Die Datei ist größer als {limit} MB."))
        return None, result
    result = _runner(kind)(data=data, filename=filename, by=by, dry_run=True)
    if not result.ok:
        return None, result
    batch = ImportBatch.objects.create(
        kind=kind,
        filename=filename[:255],
        content=data,
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=by,
        summary=result.as_dict(),
    )
    return batch, result


def import_batch_apply(*, batch_id: int, by):
    """Apply a previewed file exactly once: a second confirmation (double click,
    back button) finds the batch applied and changes nothing."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().filter(pk=batch_id, uploaded_by=by).first()
        if batch is None:
            raise ImportBatchError("Dieser Importvorgang existiert nicht.")
        if batch.status != ImportStatus.PREVIEW:
            raise ImportBatchError(
                f"Dieser Import wurde bereits {batch.get_status_display()} "
                f"({timezone.localtime(batch.applied_at or batch.created_at):%d.%m.%Y %H:%M})."
            )
        result = _runner(batch.kind)(data=bytes(batch.content), filename=batch.filename, by=by)
        if not result.ok:
            # The data changed since the preview in a way that breaks the file.
            return batch, result
        batch.status = ImportStatus.APPLIED
        batch.applied_at = timezone.now()
        batch.summary = result.as_dict()
        batch.content = b""  # the data now lives in the records; keep no second copy
        batch.save(update_fields=["status", "applied_at", "summary", "content"])
    return batch, result


def import_batch_discard(*, batch_id: int, by) -> None:
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().filter(pk=batch_id, uploaded_by=by).first()
        if batch is None:
            raise ImportBatchError("Dieser Importvorgang existiert nicht.")
        if batch.status == ImportStatus.PREVIEW:
            batch.status = ImportStatus.DISCARDED
            batch.content = b""
            batch.save(update_fields=["status", "content"])
