"""One lifecycle for every file import: upload → preview → confirm or discard.

Each kind of import (employees, org units, devices; later rooms, absences) is an
`ImportKind` that its app declares in its `importing.py` and registers in
`AppConfig.ready()`:

    import_kinds.register(EMPLOYEES)

A kind brings what only it knows: its columns, one `run(*, data, filename, by,
dry_run)` that checks the whole file and applies it unless it is a dry run (see
`core.tabular.check_rows`), who may upload it (a callable on the user, since core
knows no roles), a help text, and the `ImportPage` (URL namespace and page texts)
it is served on. Everything else is here once: the upload model
(`core.ImportUpload`), the services below, the views and templates
(`core.importviews`, included by each app's urls.py with `import_urls()`), and
the management command base (`core.importcommand`).

The rules of docs/adr/0002 hold for every kind: the bytes are kept with the
preview and cleared once applied or discarded, only the uploader sees their
upload, and a second confirmation changes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rathausmobil.core.errors import DomainError, NotAllowed
from rathausmobil.core.importresult import ImportResult
from rathausmobil.core.models import ImportStatus, ImportUpload
from rathausmobil.core.tabular import Column, Problem
from rathausmobil.core.workflow import Workflow

# --------------------------------------------------------------------------- kinds


class Runner(Protocol):
    def __call__(
        self, *, data: bytes, filename: str, by: Any = None, dry_run: bool = False
    ) -> ImportResult: ...


@dataclass(frozen=True)
class ImportPage:
    """Where and how kinds are offered: the URL namespace whose urls.py includes
    `import_urls()`, the page's heading, an introduction, an app's tab bar to show
    above it, and the URL name to go to after a confirmation (default: the upload's
    own page). Kinds that share a page are offered there as a choice."""

    namespace: str
    title: str
    intro: str = ""
    nav_template: str = ""
    after_apply: str = ""


@dataclass(frozen=True)
class ImportKind:
    key: str  # stored on ImportUpload.kind; never change it once uploads exist
    label: str
    columns: Sequence[Column]
    run: Runner
    may_upload: Callable[[Any], bool]
    page: ImportPage
    help: str = ""
    result_class: type[ImportResult] = ImportResult


class ImportKinds:
    """The registry of import kinds, filled by the apps in `ready()`."""

    def __init__(self) -> None:
        self._kinds: dict[str, ImportKind] = {}

    def register(self, kind: ImportKind) -> ImportKind:
        known = self._kinds.get(kind.key)
        if known is not None and known != kind:
            raise ValueError(f"Import kind {kind.key!r} is registered twice.")
        self._kinds[kind.key] = kind
        ImportUpload.kind_labels[kind.key] = kind.label
        return kind

    def unregister(self, key: str) -> None:
        self._kinds.pop(key, None)
        ImportUpload.kind_labels.pop(key, None)

    def get(self, key: str) -> ImportKind | None:
        return self._kinds.get(key)

    def served_at(self, namespace: str) -> list[ImportKind]:
        """The kinds offered on a namespace's import page, in registration order."""
        return [kind for kind in self._kinds.values() if kind.page.namespace == namespace]

    def __iter__(self) -> Iterator[ImportKind]:
        return iter(list(self._kinds.values()))


import_kinds = ImportKinds()


# --------------------------------------------------------------------------- lifecycle

UPLOAD_WORKFLOW = Workflow(
    model=ImportUpload,
    transitions={
        "upload": {("", ImportStatus.PREVIEW)},
        "apply": {(ImportStatus.PREVIEW, ImportStatus.APPLIED)},
        "discard": {(ImportStatus.PREVIEW, ImportStatus.DISCARDED)},
    },
    action_labels={
        "upload": gettext_lazy("hochgeladen"),
        "apply": gettext_lazy("übernommen"),
        "discard": gettext_lazy("verworfen"),
    },
    refusal=gettext_lazy("Der Import „%(object)s“ ist bereits %(status)s."),
)


class ImportUploadError(DomainError):
    """A step of the upload lifecycle that cannot be taken; the message is for the user."""


def import_kind(key: str) -> ImportKind:
    kind = import_kinds.get(key)
    if kind is None:
        raise ImportUploadError(_("Unbekannte Importart."))
    return kind


def import_max_megabytes() -> int:
    return settings.IMPORT_MAX_BYTES // (1024 * 1024)


def import_too_large_message() -> str:
    return _("Die Datei ist größer als %(limit)s MB.") % {"limit": import_max_megabytes()}


def import_upload_preview(
    *, kind: str, filename: str, data: bytes, by
) -> tuple[ImportUpload | None, ImportResult]:
    """Check the file (nothing of it is applied) and keep it for the confirmation.
    A file with problems is not kept: (None, the result with its problems)."""
    spec = import_kind(kind)
    if not spec.may_upload(by):
        raise NotAllowed()
    if len(data) > settings.IMPORT_MAX_BYTES:
        result = spec.result_class()
        result.problems.append(Problem(import_too_large_message()))
        return None, result
    result = spec.run(data=data, filename=filename, by=by, dry_run=True)
    if not result.ok:
        return None, result
    with transaction.atomic():
        upload = ImportUpload.objects.create(
            kind=spec.key,
            filename=filename[:255],
            content=data,
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by=by,
            summary=result.as_dict(),
        )
        UPLOAD_WORKFLOW.start(upload, action="upload", by=by)
    return upload, result


def import_upload_apply(*, upload_id: int, by) -> tuple[ImportUpload, ImportResult]:
    """Apply a previewed file exactly once: a second confirmation (double click,
    back button, another tab) finds the upload applied and changes nothing. If the
    data changed since the preview so that the file no longer fits, nothing is
    written and the result holds the problems."""
    with transaction.atomic():
        upload = _own_upload_locked(upload_id, by)
        kind = import_kind(upload.kind)
        if not kind.may_upload(by):
            raise NotAllowed()
        if upload.status != ImportStatus.PREVIEW:
            raise ImportUploadError(
                _("Dieser Import wurde bereits %(status)s (%(at)s).")
                % {
                    "status": upload.get_status_display(),
                    "at": f"{timezone.localtime(upload.applied_at or upload.created_at):%d.%m.%Y %H:%M}",
                }
            )
        result = kind.run(data=bytes(upload.content), filename=upload.filename, by=by)
        if not result.ok:
            return upload, result
        upload.applied_at = timezone.now()
        upload.summary = result.as_dict()
        upload.content = b""  # the data now lives in the records; keep no second copy
        UPLOAD_WORKFLOW.transition(
            upload,
            ImportStatus.APPLIED,
            action="apply",
            by=by,
            fields=["applied_at", "summary", "content"],
        )
    return upload, result


def import_upload_discard(*, upload_id: int, by) -> ImportUpload:
    """Drop a previewed file; an upload already applied or discarded stays as it is."""
    with transaction.atomic():
        upload = _own_upload_locked(upload_id, by)
        if upload.status == ImportStatus.PREVIEW:
            upload.content = b""
            UPLOAD_WORKFLOW.transition(
                upload, ImportStatus.DISCARDED, action="discard", by=by, fields=["content"]
            )
    return upload


def _own_upload_locked(upload_id: int, by) -> ImportUpload:
    upload = ImportUpload.objects.select_for_update().filter(pk=upload_id, uploaded_by=by).first()
    if upload is None:
        raise ImportUploadError(_("Dieser Importvorgang existiert nicht."))
    return upload
