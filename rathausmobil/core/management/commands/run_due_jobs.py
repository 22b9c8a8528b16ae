"""Daily jobs for cron: escalations, review dates, endings, reminders, pledges,
access without basis, retention.

Every job is idempotent: running it twice the same day changes nothing more.
Apps connect their jobs to `core.jobs.daily_jobs` in their `AppConfig.ready()`.
"""

import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone

from rathausmobil.core.figures import figures_changed
from rathausmobil.core.jobs import daily_jobs


class Command(BaseCommand):
    help = "Führt die fälligen Aufgaben aus (für cron, mehrfach ausführbar)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Stichtag JJJJ-MM-TT (Standard: heute)")

    def handle(self, *args, date=None, **options):
        today = dt.date.fromisoformat(date) if date else timezone.localdate()
        for label, job in daily_jobs.receivers:
            self.stdout.write(f"{label}: {job(today)}")
        # A job may renew records that no audit entry names (the day's VPN figures).
        figures_changed()
