"""The daily jobs, and the lock that runs them once a day.

Each app connects its jobs in `AppConfig.ready()`:
`daily_jobs.connect(function, label="Überfällige Anträge eskaliert")`. A job takes
the day and returns how many records it handled; it must be idempotent, so that
running it twice the same day changes nothing more.

Who runs them: the background worker, by itself, once a day after `JOBS_DAILY_AT`
(core/scheduler.py), or a person with `manage.py run_due_jobs`. Both go through the
day's `JobRun` row: its day is unique, so inserting the row is the claim, and a
second worker that tries the same day finds the row and does nothing. A claim of an
existing row is a compare-and-set on its status (one UPDATE ... WHERE status = old),
which works alike on PostgreSQL and SQLite. See docs/deployment.md "Daily jobs".
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from rathausmobil.core.hooks import IN_TRANSACTION, Hook
from rathausmobil.core.models import JobRun, JobRunStatus

logger = logging.getLogger(__name__)

daily_jobs: Hook[[dt.date], int] = Hook(
    "daily_jobs",
    runs=IN_TRANSACTION,
    doc="Called once a day with the day; returns how many records the job handled.",
)

# A run that is queued or running this long is taken for dead (its worker was killed,
# or the task was lost); the scheduler marks it failed and tries again.
STALE_HOURS = 3
STALE_AFTER = dt.timedelta(hours=STALE_HOURS)
# A failed run is tried again by the worker after this long, at most MAX_ATTEMPTS
# times a day; then it waits for the next day (or a person: run_due_jobs).
RETRY_AFTER = dt.timedelta(minutes=30)
MAX_ATTEMPTS = 3

ACTIVE = (JobRunStatus.QUEUED, JobRunStatus.RUNNING)


class JobsRunning(Exception):
    """Another run of the same day is queued or running."""

    def __init__(self, run: JobRun):
        super().__init__(f"daily jobs of {run.day} are {run.status} since {run.started_at}")
        self.run = run


def _claim(
    *,
    day: dt.date,
    status: str,
    trigger: str,
    allowed: Iterable[str],
    now: dt.datetime,
    attempt: bool = True,
) -> JobRun | None:
    """Make the day's run `status` if it does not exist yet or its status is one of
    `allowed`; None if another worker got there first (or the status forbids it).
    `attempt`: the claim begins another attempt of the day (counted)."""
    stamp = {"queued_at": now} if status == JobRunStatus.QUEUED else {"started_at": now}
    try:
        with transaction.atomic():
            return JobRun.objects.create(
                day=day, status=status, trigger=trigger, attempts=1, **stamp
            )
    except IntegrityError:
        pass  # the row exists: claim it only from a status that allows it
    run = JobRun.objects.get(day=day)
    if run.status not in allowed:
        return None
    changed = JobRun.objects.filter(pk=run.pk, status=run.status, attempts=run.attempts).update(
        status=status,
        trigger=trigger,
        attempts=run.attempts + int(attempt),
        error="",
        **stamp,
    )
    if not changed:
        return None  # someone else changed it between our read and our update
    run.refresh_from_db()
    return run


def job_run_queue(*, day: dt.date, now: dt.datetime | None = None) -> JobRun | None:
    """The scheduler's claim: queue the day's run unless it exists; retry a failed one
    after RETRY_AFTER, at most MAX_ATTEMPTS times. None: nothing to do."""
    now = now or timezone.now()
    job_run_give_up_stale(now=now)
    run = JobRun.objects.filter(day=day).first()
    if run is not None and (
        run.status != JobRunStatus.FAILED
        or run.attempts >= MAX_ATTEMPTS
        or (run.finished_at and run.finished_at > now - RETRY_AFTER)
    ):
        return None
    return _claim(
        day=day,
        status=JobRunStatus.QUEUED,
        trigger="worker",
        allowed=(JobRunStatus.FAILED,),
        now=now,
    )


def job_run_give_up_stale(*, now: dt.datetime | None = None) -> int:
    """Mark runs that have been queued or running for longer than STALE_AFTER as
    failed (their worker died, or the task was lost), so that they are tried again."""
    now = now or timezone.now()
    stale = [
        run
        for run in JobRun.objects.filter(status__in=ACTIVE)
        if ((run.queued_at if run.status == JobRunStatus.QUEUED else run.started_at) or now)
        < now - STALE_AFTER
    ]
    for run in stale:
        JobRun.objects.filter(pk=run.pk, status=run.status, attempts=run.attempts).update(
            status=JobRunStatus.FAILED,
            finished_at=now,
            error=f"abgebrochen: kein Ende nach {STALE_HOURS} Stunden (Worker beendet?)",
        )
        logger.error("Daily jobs of %s given up after %s without an end", run.day, STALE_AFTER)
    return len(stale)


def job_run_start(*, day: dt.date, trigger: str, force: bool = False) -> JobRun:
    """Claim the day's run to run it now. The worker's task starts the run it queued;
    a person (run_due_jobs) may run a day again after it ended, since the jobs are
    idempotent, but not while it is queued or running elsewhere (`JobsRunning`), unless
    `force`."""
    now = timezone.now()
    if trigger == "worker":
        allowed: tuple[str, ...] = (JobRunStatus.QUEUED,)
    else:
        job_run_give_up_stale(now=now)
        allowed = (JobRunStatus.SUCCEEDED, JobRunStatus.FAILED)
        if force:
            allowed += ACTIVE
    run = _claim(
        day=day,
        status=JobRunStatus.RUNNING,
        trigger=trigger,
        allowed=allowed,
        now=now,
        # the worker starts what its queue claim counted already
        attempt=trigger != "worker",
    )
    if run is None:
        raise JobsRunning(JobRun.objects.get(day=day))
    return run


def job_run_execute(run: JobRun) -> JobRun:
    """Run every daily job for the run's day, each on its own: a job that fails is
    recorded (and logged with its traceback) and the others still run. The run ends
    succeeded or failed, with each job's count."""
    from rathausmobil.core.figures import figures_changed

    counts: dict[str, int] = {}
    errors: list[str] = []
    try:
        for label, job in daily_jobs.receivers:
            try:
                counts[label] = job(run.day)
            except Exception as exc:
                logger.exception("Daily job %r of %s failed", label, run.day)
                errors.append(f"{label}: {type(exc).__name__}: {exc}"[:500])
        # A job may renew records that no audit entry names (the day's VPN figures).
        figures_changed()
    except BaseException as exc:  # the worker is stopped, or figures_changed failed
        errors.append(f"abgebrochen: {type(exc).__name__}"[:500])
        _finish(run, counts, errors)
        raise
    return _finish(run, counts, errors)


def _finish(run: JobRun, counts: dict[str, int], errors: list[str]) -> JobRun:
    run.status = JobRunStatus.FAILED if errors else JobRunStatus.SUCCEEDED
    run.finished_at = timezone.now()
    run.counts = counts
    run.error = "\n".join(errors)
    run.save(update_fields=["status", "finished_at", "counts", "error"])
    log = logger.error if errors else logger.info
    log(
        "Daily jobs of %s %s",
        run.day,
        run.status,
        extra={"job_counts": counts, "trigger": run.trigger},
    )
    return run


def last_job_run() -> JobRun | None:
    """The latest day's run, for the health check."""
    return JobRun.objects.order_by("-day").first()
