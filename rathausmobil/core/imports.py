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

A file larger than `IMPORT_BACKGROUND_BYTES` is checked and applied by the worker
(`core/tasks.py`), never in the request: the upload is stored as `checking`, the
worker's check turns it into a preview (or refuses it with every problem); a
confirmation makes it `applying`, and the worker applies it in one transaction. The
page polls the upload's status. Each step is a status change in the history, like
the ones in the request.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rathausmobil.core.errors import DomainError, NotAllowed
from rathausmobil.core.importresult import ImportResult
from rathausmobil.core.models import ImportStatus, ImportUpload
from rathausmobil.core.tabular import Column, Problem, TableError, check_file
from rathausmobil.core.tasks import (
    enqueue_logged,
    import_apply_task,
    import_check_task,
    waited_too_long,
)
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

logger = logging.getLogger(__name__)

UPLOAD_WORKFLOW = Workflow(
    model=ImportUpload,
    transitions={
        "upload": {("", ImportStatus.PREVIEW)},
        "queue": {("", ImportStatus.CHECKING)},
        "check": {(ImportStatus.CHECKING, ImportStatus.PREVIEW)},
        "queue_apply": {(ImportStatus.PREVIEW, ImportStatus.APPLYING)},
        "apply": {
            (ImportStatus.PREVIEW, ImportStatus.APPLIED),
            (ImportStatus.APPLYING, ImportStatus.APPLIED),
        },
        "refuse": {
            (ImportStatus.CHECKING, ImportStatus.REFUSED),
            (ImportStatus.APPLYING, ImportStatus.REFUSED),
        },
        "fail": {
            (ImportStatus.CHECKING, ImportStatus.FAILED),
            (ImportStatus.APPLYING, ImportStatus.FAILED),
        },
        "discard": {(ImportStatus.PREVIEW, ImportStatus.DISCARDED)},
    },
    action_labels={
        "upload": gettext_lazy("hochgeladen"),
        "queue": gettext_lazy("hochgeladen, Prüfung eingereiht"),
        "check": gettext_lazy("geprüft"),
        "queue_apply": gettext_lazy("Übernahme eingereiht"),
        "apply": gettext_lazy("übernommen"),
        "refuse": gettext_lazy("abgelehnt"),
        "fail": gettext_lazy("abgebrochen"),
        "discard": gettext_lazy("verworfen"),
    },
    refusal=gettext_lazy("Der Import „%(object)s“ ist bereits %(status)s."),
)

#: the statuses in which the worker has the upload
IN_BACKGROUND = (ImportStatus.CHECKING, ImportStatus.APPLYING)
#: the source of the history rows and audit events the worker writes
WORKER_SOURCE = "Hintergrunddienst"


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


def in_background(size: int) -> bool:
    """Whether a file of this many bytes is checked and applied by the worker."""
    return size > settings.IMPORT_BACKGROUND_BYTES


def is_stuck(upload: ImportUpload) -> bool:
    """A check or confirmation that has waited too long: the worker is down or was
    stopped in the middle."""
    return upload.status in IN_BACKGROUND and waited_too_long(upload.queued_at)


def import_upload_preview(
    *, kind: str, filename: str, data: bytes, by
) -> tuple[ImportUpload | None, ImportResult]:
    """Check the file (nothing of it is applied) and keep it for the confirmation.
    A file with problems is not kept: (None, the result with its problems). A large
    file is kept as `checking` and checked by the worker: (the upload, an empty result)."""
    spec = import_kind(kind)
    if not spec.may_upload(by):
        raise NotAllowed()
    if len(data) > settings.IMPORT_MAX_BYTES:
        result = spec.result_class()
        result.problems.append(Problem(import_too_large_message()))
        return None, result
    if in_background(len(data)):
        try:  # what needs no reading is refused at once (a zip bomb, an .xls file)
            check_file(data)
        except TableError as exc:
            result = spec.result_class()
            result.problems.extend(exc.problems)
            return None, result
        with transaction.atomic():
            upload = _create(spec, filename, data, by, status=ImportStatus.CHECKING)
            UPLOAD_WORKFLOW.start(
                upload,
                action="queue",
                by=by,
                after_commit=[partial(_enqueue, import_check_task, upload.pk)],
            )
        return upload, spec.result_class()
    result = spec.run(data=data, filename=filename, by=by, dry_run=True)
    if not result.ok:
        return None, result
    with transaction.atomic():
        upload = _create(spec, filename, data, by, summary=result.as_dict())
        UPLOAD_WORKFLOW.start(upload, action="upload", by=by)
    return upload, result


def _create(spec: ImportKind, filename: str, data: bytes, by, **fields) -> ImportUpload:
    if fields.get("status") in IN_BACKGROUND:
        fields["queued_at"] = timezone.now()
    return ImportUpload.objects.create(
        kind=spec.key,
        filename=filename[:255],
        content=data,
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=by,
        **fields,
    )


def _enqueue(task_, upload_id: int) -> None:
    """Hand the upload's step to the worker, after the commit. If the queue cannot be
    reached, the upload is broken off with a message."""
    task_id = enqueue_logged(task_, upload_id, what=f"Import {upload_id}")
    if task_id is None:
        _break_off(upload_id, _("Der Hintergrunddienst war nicht erreichbar."))
    else:
        ImportUpload.objects.filter(pk=upload_id).update(task_id=task_id)


def import_upload_check(upload_id: int) -> str:
    """The worker's check of a large file (`core.tasks.import_check_task`): the same
    dry run as in the request; the upload becomes a preview, or is refused with every
    problem and its bytes cleared. Returns the upload's new status."""
    upload = ImportUpload.objects.filter(pk=upload_id).select_related("uploaded_by").first()
    if upload is None or upload.status != ImportStatus.CHECKING:
        return upload.status if upload else "gone"
    try:
        kind = import_kind(upload.kind)
        result = kind.run(
            data=bytes(upload.content),
            filename=upload.filename,
            by=upload.uploaded_by,
            dry_run=True,
        )
    except Exception:
        logger.exception("Prüfung des Imports %s abgebrochen", upload_id)
        return _break_off(upload_id)
    upload.summary = result.as_dict()
    if result.ok:
        _worker_moves(upload, ImportStatus.PREVIEW, "check", fields=["summary"])
    else:
        upload.content = b""
        _worker_moves(upload, ImportStatus.REFUSED, "refuse", fields=["summary", "content"])
    return upload.status


def import_upload_finish(upload_id: int) -> str:
    """The worker's confirmation of a large file (`core.tasks.import_apply_task`), in
    one transaction with the upload locked: applied, or refused when the data changed
    since the preview so that the file no longer fits (nothing written). Returns the
    upload's new status."""
    with transaction.atomic():
        upload = (
            ImportUpload.objects.select_for_update()
            .filter(pk=upload_id, status=ImportStatus.APPLYING)
            .first()
        )
        if upload is None:
            return "gone"
        by = upload.uploaded_by
        try:
            with transaction.atomic():  # a savepoint: a broken run leaves nothing
                kind = import_kind(upload.kind)
                if not kind.may_upload(by):
                    raise NotAllowed()
                result = _apply(upload, kind, by, source=WORKER_SOURCE)
        except NotAllowed:
            result = kind.result_class()
            result.problems.append(
                Problem(_("Sie dürfen diese Art von Import nicht mehr übernehmen."))
            )
        except Exception:
            logger.exception("Übernahme des Imports %s abgebrochen", upload_id)
            return _break_off(upload_id, locked=upload)
        if not result.ok:
            upload.summary = {**upload.summary, "problems": result.as_dict()["problems"]}
            upload.content = b""
            _worker_moves(upload, ImportStatus.REFUSED, "refuse", fields=["summary", "content"])
    return upload.status


def _apply(upload: ImportUpload, kind: ImportKind, by, *, source: str = "") -> ImportResult:
    """Run the kind on the kept bytes and, if it fits, record the upload as applied;
    inside the caller's transaction, the upload locked."""
    result = kind.run(data=bytes(upload.content), filename=upload.filename, by=by)
    if not result.ok:
        return result
    upload.applied_at = timezone.now()
    upload.summary = result.as_dict()
    upload.content = b""  # the data now lives in the records; keep no second copy
    UPLOAD_WORKFLOW.transition(
        upload,
        ImportStatus.APPLIED,
        action="apply",
        by=by,
        source=source,
        fields=["applied_at", "summary", "content"],
    )
    return result


def _worker_moves(upload: ImportUpload, status: str, action: str, *, fields: list[str]) -> None:
    """A status change made by the worker for the uploader, in the history like theirs."""
    UPLOAD_WORKFLOW.transition(
        upload, status, action=action, by=upload.uploaded_by, source=WORKER_SOURCE, fields=fields
    )


def _break_off(upload_id: int, reason: str = "", *, locked: ImportUpload | None = None) -> str:
    """A step that could not be done (the worker failed, the queue was down): the upload
    is broken off with nothing applied and its bytes cleared; the page says what to do.
    The technical cause is in the log, not on the page."""
    upload = locked or ImportUpload.objects.filter(pk=upload_id).first()
    if upload is None or upload.status not in IN_BACKGROUND:
        return upload.status if upload else "gone"
    message = reason or _("Bei der Verarbeitung ist ein Fehler aufgetreten.")
    upload.summary = {**upload.summary, "broken_off": str(message)}
    upload.content = b""
    _worker_moves(upload, ImportStatus.FAILED, "fail", fields=["summary", "content"])
    return upload.status


def import_upload_apply(*, upload_id: int, by) -> tuple[ImportUpload, ImportResult]:
    """Apply a previewed file exactly once: a second confirmation (double click,
    back button, another tab) finds the upload applied (or being applied) and changes
    nothing. If the data changed since the preview so that the file no longer fits,
    nothing is written and the result holds the problems. A large file is handed to the
    worker: the upload comes back `applying` with an empty result."""
    with transaction.atomic():
        upload = _own_upload_locked(upload_id, by)
        kind = import_kind(upload.kind)
        if not kind.may_upload(by):
            raise NotAllowed()
        if upload.status == ImportStatus.CHECKING:
            raise ImportUploadError(
                _("Diese Datei wird noch geprüft; die Vorschau erscheint auf dieser Seite.")
            )
        if upload.status == ImportStatus.APPLYING:
            raise ImportUploadError(
                _("Dieser Import wird gerade übernommen; das Ergebnis erscheint auf dieser Seite.")
            )
        if upload.status != ImportStatus.PREVIEW:
            raise ImportUploadError(
                _("Dieser Import wurde bereits %(status)s (%(at)s).")
                % {
                    "status": upload.get_status_display(),
                    "at": f"{timezone.localtime(upload.applied_at or upload.created_at):%d.%m.%Y %H:%M}",
                }
            )
        if in_background(len(upload.content)):
            upload.queued_at = timezone.now()
            UPLOAD_WORKFLOW.transition(
                upload,
                ImportStatus.APPLYING,
                action="queue_apply",
                by=by,
                fields=["queued_at"],
                after_commit=[partial(_enqueue, import_apply_task, upload.pk)],
            )
            return upload, kind.result_class()
        result = _apply(upload, kind, by)
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
