"""The worker schedules the daily jobs itself: no crontab line to forget.

One short task, the *tick* (`core.tasks.scheduler_tick`), runs every
`JOBS_TICK_SECONDS` on whichever `db_worker` picks it up. It notes the worker's
heartbeat, queues the day's daily jobs once `JOBS_DAILY_AT` has passed (the day's
`JobRun` row is the lock, core/jobs.py), and puts the next tick in the queue.

There is one chain of ticks however many workers run: `tick_ensure` queues a tick
only when none is waiting, and it decides that under a lock (PostgreSQL: an advisory
lock for the transaction; SQLite: the write lock every transaction takes, settings
`transaction_mode`). Who calls `tick_ensure`: every tick for its successor, the
readiness check (/health/, polled by the load balancer; at most once a minute per
process), `manage.py run_due_jobs`, and `manage.py schedule_jobs` (the worker's
systemd unit runs it before the worker starts). A tick lost with a killed worker is
replaced the same way. The scheduler needs the database task backend
(django_tasks_db), whose queue it reads.
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
import time
import zlib

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from rathausmobil.core.jobs import job_run_queue
from rathausmobil.core.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

# A tick that has been running this long is dead (a tick takes well under a second).
TICK_DEAD_AFTER = dt.timedelta(minutes=10)
# Per process, `tick_ensure_now_and_then` asks the queue at most this often.
ENSURE_EVERY_SECONDS = 60
_last_ensured = -float("inf")


def daily_at() -> dt.time:
    return dt.time.fromisoformat(settings.JOBS_DAILY_AT)


def due_day(now: dt.datetime) -> dt.date | None:
    """The day whose jobs are due at `now`: today once its local clock has passed
    JOBS_DAILY_AT (wall-clock time, so the spring night without 02:30 still runs, at
    03:00; the autumn night with two 02:30 runs once, by the lock), else None."""
    local = timezone.localtime(now)
    return local.date() if local.time() >= daily_at() else None


def _task_queue():
    """The database queue, or None when another task backend is configured."""
    from django_tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    from rathausmobil.core.tasks import scheduler_tick

    backend = task_backends[scheduler_tick.backend]
    if not isinstance(backend, DatabaseBackend):
        return None
    return DBTaskResult.objects.filter(
        backend_name=backend.alias, task_path=scheduler_tick.module_path
    )


def _serialise(name: str) -> None:
    """Make concurrent transactions that call this with the same name wait for each
    other. SQLite needs nothing: every transaction there starts with the write lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(name.encode())])


def tick_ensure(*, now: dt.datetime | None = None, current: str | None = None) -> bool:
    """Queue a tick unless one is waiting (or running; `current` is the running tick
    that asks for its successor). True if it queued one."""
    from django_tasks_db.compat import TaskResultStatus

    from rathausmobil.core.tasks import scheduler_tick

    now = now or timezone.now()
    queue = _task_queue()
    if queue is None:
        logger.warning("The scheduler needs django_tasks_db; daily jobs are not scheduled")
        return False
    with transaction.atomic():
        _serialise("rathausmobil.scheduler")
        waiting = queue.filter(
            Q(status=TaskResultStatus.READY)
            | Q(status=TaskResultStatus.RUNNING, started_at__gte=now - TICK_DEAD_AFTER)
        )
        if current:
            waiting = waiting.exclude(id=current)
        if waiting.exists():
            return False
        run_after = now + dt.timedelta(seconds=settings.JOBS_TICK_SECONDS)
        scheduler_tick.using(run_after=run_after).enqueue()
    return True


def tick_ensure_now_and_then() -> None:
    """`tick_ensure`, at most once every ENSURE_EVERY_SECONDS in this process (for the
    readiness check, which the load balancer asks every few seconds)."""
    global _last_ensured
    if time.monotonic() - _last_ensured < ENSURE_EVERY_SECONDS:
        return
    _last_ensured = time.monotonic()
    try:
        tick_ensure()
    except Exception:  # the readiness check reports the database by itself
        logger.exception("Could not ensure the scheduler's tick")


def heartbeat_record(*, now: dt.datetime | None = None, host: str | None = None) -> None:
    WorkerHeartbeat.objects.update_or_create(
        host=(host or socket.gethostname())[:255], defaults={"beat_at": now or timezone.now()}
    )


def last_heartbeat() -> dt.datetime | None:
    beat = WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
    return beat


def ticks_prune(*, now: dt.datetime) -> int:
    """Delete the records of ticks that ended well more than a day ago (288 a day
    otherwise). Once a day, when the tick queues the daily jobs."""
    from django_tasks_db.compat import TaskResultStatus

    queue = _task_queue()
    if queue is None:
        return 0
    old = queue.filter(
        status=TaskResultStatus.SUCCESSFUL, finished_at__lt=now - dt.timedelta(days=1)
    )
    return old.delete()[0]


def tick(*, current: str | None = None, now: dt.datetime | None = None) -> str:
    """One tick: heartbeat, the day's jobs if due, the next tick. Returns what it did."""
    from rathausmobil.core.tasks import daily_jobs_task

    now = now or timezone.now()
    done = "nothing due"
    try:
        heartbeat_record(now=now)
        day = due_day(now)
        if day is not None:
            with transaction.atomic():
                run = job_run_queue(day=day, now=now)
                if run is not None:
                    # in the same transaction as the claim (the database backend): the
                    # run is queued with its task or not at all
                    daily_jobs_task.enqueue(day.isoformat())
                    done = f"daily jobs of {day} queued (attempt {run.attempts})"
                    logger.info("Daily jobs of %s queued", day, extra={"attempts": run.attempts})
            if run is not None:
                ticks_prune(now=now)
    finally:
        # a tick that failed still has a successor: the chain never ends by an error
        tick_ensure(now=now, current=current)
    return done
