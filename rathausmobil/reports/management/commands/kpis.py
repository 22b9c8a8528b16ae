import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from rathausmobil.reports.kpis import LABELS, kept_kpis


def stichtag(value: str) -> dt.date:
    """A `--date` argument: an ISO day, not in the future."""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"„{value}“ ist kein Datum. Bitte als JJJJ-MM-TT angeben, z. B. 2021-01-20."
        ) from None
    if day > timezone.localdate():
        raise CommandError(
            f"Der Stichtag {day:%d.%m.%Y} liegt in der Zukunft; Kennzahlen gibt es nur bis heute."
        )
    return day


class Command(BaseCommand):
    help = "Gibt die Kennzahlen aus, berechnet aus den Daten (heute oder zu einem Stichtag)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="als JSON ausgeben")
        parser.add_argument(
            "--date",
            type=stichtag,
            help="Stichtag JJJJ-MM-TT: die Kennzahlen, wie sie an diesem Tag standen",
        )

    def handle(self, *args, **options):
        # The published figures, as the pages read them (kept, renewed after each change).
        figures = kept_kpis(on=options["date"]).values
        if options["json"]:
            self.stdout.write(json.dumps(figures, ensure_ascii=False, indent=2, default=str))
            return
        for key, value in figures.items():
            self.stdout.write(f"{LABELS.get(key, key)}: {value}")
