"""Shared body of the file import commands (HR data, device inventory): read the
file, validate it whole, print every problem in German and exit 1, or the summary.

A command names the registered import kind it runs (`kind = "devices"`)."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import DatabaseError
from django.utils.translation import gettext as _

from rathausmobil.core.imports import import_kinds


class ImportCommand(BaseCommand):
    kind = ""  # the key of a registered ImportKind; set by subclasses

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV (; oder ,) oder XLSX")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="nur prüfen und zeigen, was sich ändern würde; nichts speichern",
        )

    def handle(self, *args, file, dry_run, **options):
        kind = import_kinds.get(self.kind)
        data = self._read(file)
        try:
            result = kind.run(data=data, filename=Path(file).name, dry_run=dry_run)
        except DatabaseError as exc:
            self._fail(
                [
                    _(
                        "Die Datenbank hat den Import abgelehnt, nichts wurde gespeichert "
                        "(%(error)s)."
                    )
                    % {"error": exc.__class__.__name__}
                ]
            )
        if not result.ok:
            self._fail([str(p) for p in result.problems])
        for warning in result.warnings:
            self.stdout.write(_("Hinweis: %(warning)s") % {"warning": warning})
        where = {"what": kind.label, "summary": result.summary_line()}
        if dry_run:
            self.stdout.write(_("Probelauf, nichts gespeichert. %(what)s: %(summary)s") % where)
        else:
            self.stdout.write(self.style.SUCCESS(_("%(what)s importiert: %(summary)s") % where))

    def _read(self, file: str) -> bytes:
        try:
            return Path(file).read_bytes()
        except FileNotFoundError:
            self._fail([_("Die Datei „%(file)s“ wurde nicht gefunden.") % {"file": file}])
        except IsADirectoryError:
            self._fail([_("„%(file)s“ ist ein Verzeichnis, keine Datei.") % {"file": file}])
        except OSError as exc:
            self._fail(
                [
                    _("Die Datei „%(file)s“ kann nicht gelesen werden (%(reason)s).")
                    % {"file": file, "reason": exc.strerror}
                ]
            )

    def _fail(self, lines):
        for line in lines:
            self.stderr.write(line)
        self.stderr.write(
            _("Import abgebrochen, nichts gespeichert (%(count)s Problem(e)).")
            % {"count": len(lines)}
        )
        sys.exit(1)
