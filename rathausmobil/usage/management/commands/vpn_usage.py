"""vpn_usage --from DATE --to DATE [--gateway NAME] [--unit CODE] [--json]

Concurrency and capacity figures for a period of local days (both inclusive); definitions in
docs/vpn-usage.md.
"""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from rathausmobil.access.models import VpnGateway
from rathausmobil.organisation.models import OrgUnit
from rathausmobil.usage.figures import usage_figures

LABELS = {
    "sessions": "Sitzungen (Beginn im Zeitraum)",
    "users_distinct": "Verschiedene Personen",
    "concurrent_peak": "Höchstwert gleichzeitig",
    "concurrent_peak_at": "… erreicht am",
    "concurrent_avg_workhours": "Mittel gleichzeitig in der Arbeitszeit",
    "concurrent_p95_workhours": "95 %-Wert in der Arbeitszeit",
    "busy_hour_erlangs": "Last der Hauptverkehrsstunde (Erlang)",
    "capacity": "Kapazität (Lizenzen)",
    "blocking_probability": "Abweisungswahrscheinlichkeit (Erlang B)",
    "licences_for_1pct_blocking": "Lizenzen für 1 % Abweisung",
}


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"„{text}“ ist kein Datum im Format JJJJ-MM-TT.") from None


class Command(BaseCommand):
    help = "Gleichzeitige VPN-Nutzung und Kapazität für einen Zeitraum."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", required=True, help="erster Tag JJJJ-MM-TT")
        parser.add_argument("--to", dest="last", required=True, help="letzter Tag JJJJ-MM-TT")
        parser.add_argument("--gateway", help="nur dieses VPN-Gateway")
        parser.add_argument(
            "--unit", help="Kennung einer Organisationseinheit (mit Untereinheiten)"
        )
        parser.add_argument("--json", action="store_true", dest="as_json", help="als JSON ausgeben")

    def handle(self, *args, first, last, gateway, unit, as_json: bool, **options):
        first_day, last_day = _date(first), _date(last)
        if last_day < first_day:
            raise CommandError("--to liegt vor --from.")
        gw = None
        if gateway:
            gw = VpnGateway.objects.filter(name=gateway).first()
            if gw is None:
                raise CommandError(f"VPN-Gateway „{gateway}“ ist nicht angelegt.")
        org = None
        if unit:
            org = OrgUnit.objects.filter(code=unit).first()
            if org is None:
                raise CommandError(f"Organisationseinheit „{unit}“ gibt es nicht.")
        try:
            figures = usage_figures(first_day, last_day, gateway=gw, unit=org)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if as_json:
            self.stdout.write(json.dumps(figures, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"Zeitraum {first_day:%d.%m.%Y} bis {last_day:%d.%m.%Y}")
        for key, label in LABELS.items():
            value = figures.get(key)
            self.stdout.write(f"{label}: {'–' if value is None else value}")
