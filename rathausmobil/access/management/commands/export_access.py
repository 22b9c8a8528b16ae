"""Who should have which access now, as CSV (docs/provisioning.md, "Export")."""

import io

from django.core.management.base import BaseCommand

from rathausmobil.access.provisioning.export import write_csv


class Command(BaseCommand):
    help = (
        "Schreibt die aktiven Zugänge als CSV (Semikolon, UTF-8 mit BOM): "
        "Personalnummer;Name;E-Mail;Zugang;Gateway/Farm;Fachverfahren;seit."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", "-o", metavar="DATEI", help="Zieldatei (Standard: Standardausgabe)"
        )

    def handle(self, *args, output=None, **options):
        if not output:
            buffer = io.StringIO()
            write_csv(buffer)
            self.stdout.write(buffer.getvalue(), ending="")
            return
        with open(output, "w", encoding="utf-8", newline="") as handle:
            count = write_csv(handle)
        self.stderr.write(f"{count} Zugänge nach {output} geschrieben.")
