"""Puts the scheduler's tick in the queue unless one is waiting (core/scheduler.py).

Run before each `db_worker` starts (the systemd unit in docs/deployment.md does), so a
fresh installation gets its daily jobs without waiting for the first health check.
Running it again changes nothing."""

from django.core.management.base import BaseCommand

from rathausmobil.core.scheduler import tick_ensure


class Command(BaseCommand):
    help = "Plant die täglichen Aufgaben im Worker ein, falls noch nicht geschehen."

    def handle(self, *args, **options):
        queued = tick_ensure()
        if options["verbosity"]:
            self.stdout.write("eingeplant" if queued else "war schon eingeplant")
