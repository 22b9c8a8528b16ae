"""Compares active grants with the directory groups and WireGuard peers; for cron.

Exit status: 0 nothing open, 1 findings remain, 2 a system could not be checked
(docs/provisioning.md, "Reconciliation").
"""

import sys

from django.core.management.base import BaseCommand, CommandError

from rathausmobil.access.provisioning.reconcile import reconcile


class Command(BaseCommand):
    help = (
        "Gleicht die aktiven Zugänge mit Verzeichnisgruppen und WireGuard-Peers ab. "
        "Exit-Status: 0 ohne Befund, 1 offene Befunde, 2 nicht prüfbar."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--fix",
            action="store_true",
            help="Abweichungen beheben: unberechtigte Mitglieder/Peers entfernen, fehlende anlegen",
        )
        parser.add_argument(
            "--wireguard-dump",
            metavar="DATEI",
            help="Ausgabe von `wg show <Schnittstelle> dump` des Gateways (`-` für Standardeingabe)",
        )

    def handle(self, *args, fix=False, wireguard_dump=None, **options):
        dump = None
        if wireguard_dump == "-":
            dump = sys.stdin.read()
        elif wireguard_dump:
            try:
                with open(wireguard_dump, encoding="utf-8") as handle:
                    dump = handle.read()
            except OSError as exc:
                raise CommandError(f"{wireguard_dump}: {exc}", returncode=2) from exc
        findings = reconcile(fix, wireguard_dump=dump)
        self.stdout.write(findings.report(), ending="")
        if findings.exit_code:
            sys.exit(findings.exit_code)
