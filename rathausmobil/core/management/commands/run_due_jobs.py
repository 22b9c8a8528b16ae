"""The daily jobs by hand: escalations, review dates, endings, reminders, pledges,
access without basis, retention.

The background worker runs them by itself once a day (core/scheduler.py); this
command is for a person. It takes the same lock, the day's `JobRun` row: it refuses
while the day's run is queued or running elsewhere (`--force` runs anyway), and runs
a day again after it ended, which changes nothing more since every job is idempotent.
Apps connect their jobs to `core.jobs.daily_jobs` in their `AppConfig.ready()`.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from rathausmobil.core.jobs import JobsRunning, job_run_execute, job_run_start
from rathausmobil.core.models import JobRunStatus
from rathausmobil.core.scheduler import tick_ensure


class Command(BaseCommand):
    help = (
        "Führt die täglichen Aufgaben aus (mehrfach ausführbar; der Worker tut es täglich selbst)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Stichtag JJJJ-MM-TT (Standard: heute)")
        parser.add_argument(
            "--force",
            action="store_true",
            help="auch dann, wenn ein anderer Lauf für den Tag eingereiht ist oder läuft",
        )

    def handle(self, *args, date=None, force=False, **options):
        today = dt.date.fromisoformat(date) if date else timezone.localdate()
        try:
            run = job_run_start(day=today, trigger="command", force=force)
        except JobsRunning as busy:
            raise CommandError(
                f"Die täglichen Aufgaben für {today:%d.%m.%Y} laufen bereits "
                f"({busy.run.get_status_display()}). Mit --force trotzdem ausführen."
            ) from None
        run = job_run_execute(run)
        for label, count in run.counts.items():
            self.stdout.write(f"{label}: {count}")
        # The worker's schedule, in case it has none yet (a fresh installation).
        tick_ensure()
        if run.status == JobRunStatus.FAILED:
            raise CommandError(f"Fehlgeschlagen:\n{run.error}")
