"""Report files made by the background worker, not in the request.

A PDF of the whole administration's Lagebericht takes WeasyPrint seconds; a request must
not wait for it, nor a reverse proxy cut it off. So a format in
`REPORTS_BACKGROUND_FORMATS` (PDF) is asked for on the report's page
(`report_file_request`), made by the worker (`tasks.report_file_task` →
`report_file_make`) for the person who asked and with their permissions, and fetched
by them from its page, which polls until the file is there. The other formats (XLSX,
CSV, text) are made in the request as before. A file stays `REPORT_FILES_KEEP_HOURS`
(24) to be fetched; the daily job deletes it then (`report_files_delete_old`).

The same pattern as the week's planning (presence/planning.py): the request stores the
run record and enqueues after the commit; the worker claims it with a conditional
update, so a task run twice makes the file once; a failure is recorded with a message
for the person, the cause in the log.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rathausmobil.core.errors import NotAllowed
from rathausmobil.core.tasks import enqueue_logged, waited_too_long
from rathausmobil.reports.documents.registry import REPORTS, ReportKind
from rathausmobil.reports.documents.render import render
from rathausmobil.reports.models import ReportFile, ReportFileState

logger = logging.getLogger(__name__)

OPEN = (ReportFileState.QUEUED, ReportFileState.RUNNING)


def in_background(fmt: str) -> bool:
    return fmt in settings.REPORTS_BACKGROUND_FORMATS


def report_file_request(*, kind: ReportKind, fmt: str, on: dt.date, unit, by) -> ReportFile:
    """Queue the report's file for `by`. A second request for the same file while the
    first is open (a double click, a second tab) finds the first."""
    if not kind.may_make(by):
        raise NotAllowed()
    with transaction.atomic():
        # One request per person at a time: a double click waits here, then finds the row.
        get_user_model().objects.select_for_update().filter(pk=by.pk).first()
        same = ReportFile.objects.filter(
            requested_by=by, report=kind.name, fmt=fmt, on=on, unit=unit, state__in=OPEN
        ).first()
        if same is not None:
            return same
        file = ReportFile.objects.create(
            report=kind.name, fmt=fmt, on=on, unit=unit, requested_by=by
        )
        transaction.on_commit(lambda: _enqueue(file.pk))
    return file


def _enqueue(file_id: int) -> None:
    from rathausmobil.reports.tasks import report_file_task

    task_id = enqueue_logged(report_file_task, file_id, what=f"Berichtsdatei {file_id}")
    if task_id is None:  # the queue is down: say so on the page
        ReportFile.objects.filter(pk=file_id, state=ReportFileState.QUEUED).update(
            state=ReportFileState.FAILED,
            message=_("Der Hintergrunddienst war nicht erreichbar."),
            finished_at=timezone.now(),
        )
    else:
        ReportFile.objects.filter(pk=file_id).update(task_id=task_id)


def report_file_make(file_id: int) -> str:
    """The worker makes the file, as the person who asked (their scope, their
    permission now). Returns the file's final state."""
    claimed = ReportFile.objects.filter(pk=file_id, state=ReportFileState.QUEUED).update(
        state=ReportFileState.RUNNING
    )
    if not claimed:  # made already, or by a second run of the same task
        return "skipped"
    file = ReportFile.objects.select_related("requested_by", "unit").get(pk=file_id)
    kind = REPORTS.get(file.report)
    try:
        if kind is None or not kind.may_make(file.requested_by):
            raise NotAllowed()
        report = kind.make(viewer=file.requested_by, on=file.on, unit=file.unit)
        content = render(report, file.fmt, landscape=kind.landscape)
    except NotAllowed:
        return _ended(
            file, ReportFileState.FAILED, _("Sie dürfen diesen Bericht nicht mehr erstellen.")
        )
    except Exception:
        logger.exception("Berichtsdatei %s nicht erstellt", file_id)
        return _ended(
            file,
            ReportFileState.FAILED,
            _(
                "Beim Erstellen der Datei ist ein Fehler aufgetreten. Bitte versuchen Sie es erneut."
            ),
        )
    file.content, file.size, file.filename = content, len(content), report.filename(file.fmt)
    return _ended(file, ReportFileState.DONE, "")


def _ended(file: ReportFile, state: str, message: str) -> str:
    file.state, file.message, file.finished_at = state, message, timezone.now()
    file.save(update_fields=["state", "message", "finished_at", "content", "size", "filename"])
    return state


def report_files_delete_old(today: dt.date) -> int:
    """The daily job: files older than REPORT_FILES_KEEP_HOURS go, finished or not (an
    open one that old was lost with a killed worker)."""
    cutoff = timezone.now() - dt.timedelta(hours=settings.REPORT_FILES_KEEP_HOURS)
    deleted, _rows = ReportFile.objects.filter(requested_at__lt=cutoff).delete()
    return deleted


def is_stuck(file: ReportFile) -> bool:
    """Waiting too long: the worker is probably not running."""
    return file.state in OPEN and waited_too_long(file.requested_at)
