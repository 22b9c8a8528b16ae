import json

from django.core.management.base import BaseCommand

from rathausmobil.reports.kpis import LABELS, kept_kpis


class Command(BaseCommand):
    help = "Gibt die Kennzahlen aus, berechnet aus den Daten."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="als JSON ausgeben")

    def handle(self, *args, **options):
        # The published figures, as the pages read them (kept, renewed after each change).
        figures = kept_kpis().values
        if options["json"]:
            self.stdout.write(json.dumps(figures, ensure_ascii=False, indent=2, default=str))
            return
        for key, value in figures.items():
            self.stdout.write(f"{LABELS.get(key, key)}: {value}")
