"""Shared body of the file import commands (HR data, device inventory): read the
file, validate it whole, print every problem in German and exit 1, or the summary."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import DatabaseError


class ImportCommand(BaseCommand):
    runner = None  # set by subclasses
    what = ""

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV (; oder ,) oder XLSX")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="nur prüfen und zeigen, was sich ändern würde; nichts speichern",
        )

    def handle(self, *args, file, dry_run, **options):
        path = Path(file)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            self._fail([f"Die Datei „{file}“ wurde nicht gefunden."])
        except IsADirectoryError:
            self._fail([f"„{file}“ ist ein Verzeichnis, keine Datei."])
        except OSError as exc:
            self._fail([f"Die Datei „{file}“ kann nicht gelesen werden ({exc.strerror})."])
        try:
            result = type(self).runner(data=data, filename=path.name, dry_run=dry_run)
        except DatabaseError as exc:
            self._fail(
                [
                    f"Die Datenbank hat den Import abgelehnt, nichts wurde gespeichert ({exc.__class__.__name__})."
                ]
            )
        if not result.ok:
            self._fail([str(p) for p in result.problems])
        for warning in result.warnings:
            self.stdout.write(f"Hinweis: {warning}")
        if dry_run:
            self.stdout.write(
                f"Probelauf, nichts gespeichert. {self.what}: {result.summary_line()}"
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(f"{self.what} importiert: {result.summary_line()}")
            )

    def _fail(self, lines):
        for line in lines:
            self.stderr.write(line)
        self.stderr.write(f"Import abgebrochen, nichts gespeichert ({len(lines)} Problem(e)).")
        sys.exit(1)
