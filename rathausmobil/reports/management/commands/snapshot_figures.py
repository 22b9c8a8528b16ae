import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone

from rathausmobil.core.dates import month_ends
from rathausmobil.reports.management.commands.kpis import stichtag
from rathausmobil.reports.snapshots import snapshots_due, snapshots_fill


class Command(BaseCommand):
    help = (
        "Hält die Kennzahlen vergangener Tage fest (für die Verläufe): gestern und die "
        "Monatsenden; mit --since alle Monatsenden ab diesem Tag."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since", type=stichtag, help="ab diesem Tag (JJJJ-MM-TT) jedes Monatsende"
        )

    def handle(self, *args, since: dt.date | None = None, **options):
        today = timezone.localdate()
        written = snapshots_due(today)
        if since is not None:
            written += snapshots_fill(month_ends(since, today), today=today)
        self.stdout.write(f"{written} Kennzahlen-Stände festgehalten.")
