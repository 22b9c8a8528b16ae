"""Daily jobs for cron: escalations, review dates, endings, reminders, pledges.

Every job is idempotent: running it twice the same day changes nothing more.
Capabilities list their jobs in `<app>/jobs.py` as JOBS = [(label, function(today))].
"""

import datetime as dt
import importlib

from django.core.management.base import BaseCommand
from django.utils import timezone

JOB_MODULES = [
    "rathausmobil.agreements.jobs",
    "rathausmobil.equipment.jobs",
    "rathausmobil.access.jobs",
    "rathausmobil.usage.jobs",
]


class Command(BaseCommand):
    help = "Führt die fälligen Aufgaben aus (für cron, mehrfach ausführbar)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Stichtag JJJJ-MM-TT (Standard: heute)")

    def handle(self, *args, date=None, **options):
        today = dt.date.fromisoformat(date) if date else timezone.localdate()
        for module_name in JOB_MODULES:
            for label, job in importlib.import_module(module_name).JOBS:
                self.stdout.write(f"{label}: {job(today)}")
