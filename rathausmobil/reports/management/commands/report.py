"""python manage.py report NAME [--date YYYY-MM-DD] [--unit CODE] [--format …] [--output FILE]

Makes any report of `reports.documents.registry.REPORTS` with the published figures (no
viewer: small groups always suppressed, no justifications), for scripts and for checking.
"""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from rathausmobil.organisation.models import OrgUnit
from rathausmobil.reports.documents.registry import FORMATS, REPORTS
from rathausmobil.reports.documents.render import render
from rathausmobil.reports.management.commands.kpis import stichtag

BINARY = {"pdf", "xlsx"}


class Command(BaseCommand):
    help = "Erstellt einen Bericht (Lagebericht, Anfrage, Pressetext, Personalrat, Verzeichnis)."

    def add_arguments(self, parser):
        parser.add_argument("name", help=f"der Bericht: {', '.join(REPORTS.names())}")
        parser.add_argument("--date", type=stichtag, help="Stichtag JJJJ-MM-TT (Standard: heute)")
        parser.add_argument("--unit", help="Kennung einer Einheit: ihre Zahlen und die darunter")
        parser.add_argument("--format", choices=FORMATS, default="txt", help="Standard: txt")
        parser.add_argument("--output", help="Datei; ohne: auf die Standardausgabe")

    def handle(self, *args, name, date, unit, format, output, **options):
        kind = REPORTS.get(name)
        if kind is None:
            raise CommandError(
                f"Unbekannter Bericht „{name}“. Bekannt sind: {', '.join(REPORTS.names())}."
            )
        found = None
        if unit:
            found = OrgUnit.objects.filter(code__iexact=unit).first()
            if found is None:
                raise CommandError(f"Keine Einheit mit der Kennung „{unit}“.")
            if not kind.takes_unit:
                raise CommandError(
                    f"Der Bericht „{name}“ gilt für die gesamte Verwaltung, ohne --unit."
                )
        if format not in kind.formats:
            raise CommandError(f"Den Bericht „{name}“ gibt es nicht als {format}.")
        report = kind.make(viewer=None, on=date or timezone.localdate(), unit=found)
        data = render(report, format, landscape=kind.landscape)
        if output:
            with open(output, "wb") as file:
                file.write(data)
            self.stderr.write(f"{report.title}: {output} geschrieben ({len(data)} Bytes).")
            return
        if format in BINARY:
            stream = getattr(self.stdout, "_out", sys.stdout)
            buffer = getattr(stream, "buffer", None)
            if buffer is None:
                raise CommandError(f"{format.upper()} ist binär: bitte mit --output DATEI.")
            buffer.write(data)
            buffer.flush()
            return
        self.stdout.write(data.decode("utf-8"), ending="")
