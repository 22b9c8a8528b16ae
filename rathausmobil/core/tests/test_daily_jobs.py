"""The daily jobs run once a day by the worker itself: the day's `JobRun` row is the
lock, the tick schedules (core/jobs.py, core/scheduler.py)."""

from __future__ import annotations

import datetime as dt
import threading
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from rathausmobil.core import jobs, scheduler
from rathausmobil.core.jobs import daily_jobs
from rathausmobil.core.models import JobRun, JobRunStatus, WorkerHeartbeat
from rathausmobil.core.tasks import daily_jobs_task, scheduler_tick

BERLIN = ZoneInfo("Europe/Berlin")
DAY = dt.date(2026, 12, 7)
AFTER = dt.datetime(2026, 12, 7, 2, 31, tzinfo=BERLIN)


@pytest.fixture
def only(monkeypatch):
    """Run these jobs (label -> function) instead of every app's."""

    def use(**named):
        monkeypatch.setattr(daily_jobs, "_receivers", list(named.items()))

    return use


@pytest.fixture
def counting(only):
    calls = []

    def job(day):
        calls.append(day)
        return 2

    only(**{"Gezählt": job})
    return calls


def broken(day):
    raise ValueError("kaputt")


def ticks():
    return DBTaskResult.objects.filter(task_path=scheduler_tick.module_path, status="READY")


def queued_daily_jobs():
    return DBTaskResult.objects.filter(task_path=daily_jobs_task.module_path, status="READY")


# --------------------------------------------------------------------------- the lock


def test_it_queues_a_day_once_however_often_workers_ask(db, counting):
    first = jobs.job_run_queue(day=DAY, now=AFTER)
    assert first.status == JobRunStatus.QUEUED
    assert jobs.job_run_queue(day=DAY, now=AFTER) is None
    assert JobRun.objects.count() == 1


def test_the_unique_day_refuses_a_second_row(db):
    from django.db import IntegrityError, transaction

    JobRun.objects.create(day=DAY, status=JobRunStatus.QUEUED)
    with pytest.raises(IntegrityError), transaction.atomic():
        JobRun.objects.create(day=DAY, status=JobRunStatus.QUEUED)


def test_a_queued_run_is_run_by_one_task_only(db, counting):
    jobs.job_run_queue(day=DAY, now=AFTER)
    assert daily_jobs_task.call(DAY.isoformat()) == {"Gezählt": 2}
    assert daily_jobs_task.call(DAY.isoformat()) == "skipped: succeeded"
    assert counting == [DAY]
    run = JobRun.objects.get()
    assert (run.status, run.trigger, run.attempts) == (JobRunStatus.SUCCEEDED, "worker", 1)
    assert run.started_at <= run.finished_at


@pytest.mark.django_db(transaction=True)
def test_two_workers_ticking_at_once_queue_the_day_and_the_next_tick_once(counting, settings):
    """Two threads, two database connections, one moment: a real race. On PostgreSQL
    only: the test database of SQLite is shared memory, whose table locks do not wait
    (a file database waits, `timeout`); there the unique day is tested above."""
    if connection.vendor != "postgresql":
        pytest.skip("a race needs two real connections (PostgreSQL)")
    settings.JOBS_DAILY_AT = "02:30"
    start = threading.Barrier(2)
    errors = []

    def worker():
        try:
            start.wait()
            scheduler.tick(now=AFTER)
        except Exception as exc:  # noqa: BLE001 -- reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    assert JobRun.objects.count() == 1
    assert queued_daily_jobs().count() == 1
    assert ticks().count() == 1


# --------------------------------------------------------------------------- failures


def test_a_failing_job_fails_the_run_and_the_others_still_run(db, only):
    ran = []
    only(**{"Kaputt": broken, "Danach": lambda day: ran.append(day) or 1})
    with pytest.raises(CommandError, match="Kaputt: ValueError: kaputt"):
        call_command("run_due_jobs", "--date", DAY.isoformat(), stdout=StringIO())
    run = JobRun.objects.get(day=DAY)
    assert run.status == JobRunStatus.FAILED
    assert run.counts == {"Danach": 1}
    assert ran == [DAY]


def test_the_worker_tries_a_failed_day_again_after_half_an_hour_three_times_at_most(db, only):
    only(**{"Kaputt": broken})
    for attempt in (1, 2, 3):
        run = jobs.job_run_queue(day=DAY, now=timezone.now())
        assert run.attempts == attempt
        daily_jobs_task.call(DAY.isoformat())
        assert jobs.job_run_queue(day=DAY, now=timezone.now()) is None  # not yet
        JobRun.objects.update(finished_at=timezone.now() - dt.timedelta(minutes=31))
    assert JobRun.objects.get().status == JobRunStatus.FAILED
    assert jobs.job_run_queue(day=DAY, now=timezone.now()) is None  # until tomorrow


def test_a_run_whose_worker_died_is_given_up_and_tried_again(db, counting):
    JobRun.objects.create(
        day=DAY,
        status=JobRunStatus.RUNNING,
        attempts=1,
        started_at=timezone.now() - dt.timedelta(hours=4),
    )
    assert jobs.job_run_queue(day=DAY) is None  # given up now, retried after 30 minutes
    run = JobRun.objects.get()
    assert run.status == JobRunStatus.FAILED
    assert "abgebrochen" in run.error
    later = timezone.now() + dt.timedelta(minutes=31)
    assert jobs.job_run_queue(day=DAY, now=later).attempts == 2


def test_a_retry_just_queued_is_not_taken_for_dead(db, only):
    only(**{"Kaputt": broken})
    JobRun.objects.create(
        day=DAY,
        status=JobRunStatus.FAILED,
        attempts=1,
        started_at=timezone.now() - dt.timedelta(hours=5),
        finished_at=timezone.now() - dt.timedelta(hours=4),
    )
    assert jobs.job_run_queue(day=DAY).attempts == 2
    assert jobs.job_run_give_up_stale() == 0
    assert JobRun.objects.get().status == JobRunStatus.QUEUED


def test_a_worker_stopped_during_the_run_leaves_it_failed(db, only):
    def stopped(day):
        raise KeyboardInterrupt

    only(**{"Angehalten": stopped})
    run = jobs.job_run_start(day=DAY, trigger="command")
    with pytest.raises(KeyboardInterrupt):
        jobs.job_run_execute(run)
    assert JobRun.objects.get().status == JobRunStatus.FAILED


# --------------------------------------------------------------------------- by hand


def test_by_hand_it_runs_a_day_again_but_not_while_it_runs_elsewhere(db, counting):
    call_command("run_due_jobs", "--date", DAY.isoformat(), stdout=StringIO())
    out = StringIO()
    call_command("run_due_jobs", "--date", DAY.isoformat(), stdout=out)
    assert out.getvalue() == "Gezählt: 2\n"
    assert JobRun.objects.get().attempts == 2

    JobRun.objects.update(status=JobRunStatus.RUNNING, started_at=timezone.now())
    with pytest.raises(CommandError, match="laufen bereits"):
        call_command("run_due_jobs", "--date", DAY.isoformat(), stdout=StringIO())
    call_command("run_due_jobs", "--date", DAY.isoformat(), "--force", stdout=StringIO())
    assert len(counting) == 3


def test_a_day_run_by_hand_is_not_run_again_by_the_worker(db, counting, settings):
    settings.JOBS_DAILY_AT = "00:00"
    call_command("run_due_jobs", stdout=StringIO())
    scheduler.tick()
    assert not queued_daily_jobs().exists()
    assert len(counting) == 1


# --------------------------------------------------------------------------- scheduling


def test_the_day_is_due_after_the_configured_local_time(settings):
    settings.JOBS_DAILY_AT = "02:30"
    assert scheduler.due_day(dt.datetime(2026, 12, 7, 2, 29, tzinfo=BERLIN)) is None
    assert scheduler.due_day(dt.datetime(2026, 12, 7, 2, 30, tzinfo=BERLIN)) == DAY
    # 01:30 UTC is 02:30 in Berlin in winter
    assert scheduler.due_day(dt.datetime(2026, 12, 7, 1, 30, tzinfo=dt.UTC)) == DAY
    # the spring night has no 02:30: the jobs run at 03:00
    spring = dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC).astimezone(BERLIN)
    assert spring.hour == 3
    assert scheduler.due_day(spring) == dt.date(2026, 3, 29)


def test_scheduling_is_idempotent(db):
    assert scheduler.tick_ensure() is True
    assert scheduler.tick_ensure() is False
    call_command("schedule_jobs", stdout=StringIO())
    assert ticks().count() == 1
    tick = ticks().get()
    assert tick.run_after > timezone.now()  # never at once: one interval later


def test_a_tick_queues_its_successor_and_notes_the_heartbeat(db, settings, counting):
    settings.JOBS_DAILY_AT = "23:59"
    assert scheduler.tick(now=dt.datetime(2026, 12, 7, 12, 0, tzinfo=BERLIN)) == "nothing due"
    assert ticks().count() == 1
    assert WorkerHeartbeat.objects.get().beat_at == dt.datetime(2026, 12, 7, 11, 0, tzinfo=dt.UTC)
    assert not JobRun.objects.exists()


def test_a_tick_dead_for_ten_minutes_is_replaced(db):
    scheduler.tick_ensure()
    ticks().update(status="RUNNING", started_at=timezone.now() - dt.timedelta(minutes=11))
    assert scheduler.tick_ensure() is True


def test_once_a_day_the_tick_deletes_the_records_of_old_ticks(db, counting, settings):
    settings.JOBS_DAILY_AT = "00:00"
    scheduler_tick.enqueue()
    scheduler_tick.enqueue()
    old, recent = DBTaskResult.objects.filter(task_path=scheduler_tick.module_path)
    DBTaskResult.objects.filter(pk=old.pk).update(
        status="SUCCESSFUL", finished_at=timezone.now() - dt.timedelta(days=2)
    )
    DBTaskResult.objects.filter(pk=recent.pk).update(
        status="SUCCESSFUL", finished_at=timezone.now() - dt.timedelta(hours=2)
    )
    scheduler.tick()
    assert not DBTaskResult.objects.filter(pk=old.pk).exists()
    assert DBTaskResult.objects.filter(pk=recent.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_the_real_db_worker_runs_the_tick_and_the_days_jobs(settings, counting):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.JOBS_DAILY_AT = "00:00"
    scheduler_tick.enqueue()  # ready now (the scheduler queues it one interval ahead)
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    run = JobRun.objects.get(day=timezone.localdate())
    assert (run.status, run.counts) == (JobRunStatus.SUCCEEDED, {"Gezählt": 2})
    assert WorkerHeartbeat.objects.exists()
    assert ticks().count() == 1  # the next one, waiting


def test_a_tick_that_fails_still_queues_its_successor(db, monkeypatch):
    def broken_clock(now):
        raise RuntimeError("kaputt")

    monkeypatch.setattr(scheduler, "due_day", broken_clock)
    with pytest.raises(RuntimeError):
        scheduler.tick()
    assert ticks().count() == 1


def test_a_daily_time_that_is_no_time_is_reported_by_the_system_check(settings):
    from rathausmobil.core.checks import daily_jobs_time

    settings.JOBS_DAILY_AT = "halb drei"
    assert [error.id for error in daily_jobs_time(None)] == ["core.E001"]
    settings.JOBS_DAILY_AT = "02:30"
    assert daily_jobs_time(None) == []
