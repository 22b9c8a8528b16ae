"""Background work of core, through Django's tasks API (django-tasks), run by
`db_worker`: the scheduler's tick and the daily jobs (core/scheduler.py, core/jobs.py), and
the check and confirmation of large import files (core/imports.py)."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone
from django_tasks import TaskContext, task

logger = logging.getLogger(__name__)


def enqueue_logged(task_, *args, what: str) -> str | None:
    """Queue `task_(*args)` and return the task's id, or None when the queue cannot be
    reached (logged, `what` naming the record). The caller then records the failure on
    its record for the person: nothing is left waiting for a worker that will not come."""
    try:
        return str(task_.enqueue(*args).id)
    except Exception:
        logger.exception("%s konnte nicht eingereiht werden", what)
        return None


def waited_too_long(since: dt.datetime | None) -> bool:
    """A step queued at `since` and still not done after BACKGROUND_STUCK_MINUTES: the
    worker is probably not running (the health page tells IT which)."""
    if since is None:
        return False
    waited = timezone.now() - since
    return waited.total_seconds() > settings.BACKGROUND_STUCK_MINUTES * 60


@task(takes_context=True)
def scheduler_tick(context: TaskContext) -> str:
    from rathausmobil.core.scheduler import tick

    return tick(current=str(context.task_result.id))


@task()
def daily_jobs_task(day: str) -> dict[str, int] | str:
    from rathausmobil.core.jobs import JobsRunning, job_run_execute, job_run_start

    try:
        run = job_run_start(day=dt.date.fromisoformat(day), trigger="worker")
    except JobsRunning as taken:
        # given up as stale meanwhile, or run by hand: nothing to do for this task
        return f"skipped: {taken.run.status}"
    return job_run_execute(run).counts


@task()
def import_check_task(upload_id: int) -> str:
    """Check a large import file (core/imports.py `import_upload_check`)."""
    from rathausmobil.core.imports import import_upload_check

    return import_upload_check(upload_id)


@task()
def import_apply_task(upload_id: int) -> str:
    """Apply a large import file once confirmed (core/imports.py `import_upload_finish`)."""
    from rathausmobil.core.imports import import_upload_finish

    return import_upload_finish(upload_id)
