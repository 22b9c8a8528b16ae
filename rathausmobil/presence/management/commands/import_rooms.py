"""python manage.py import_rooms FILE [--dry-run] — the room list (docs/workflows/presence.md)."""

from rathausmobil.core.importcommand import ImportCommand


class Command(ImportCommand):
    help = (
        "Importiert die Raumliste der Gebäudeverwaltung (CSV oder XLSX: Gebäude, Raum, "
        "Arbeitsplätze, …). Abgleich über die Raumnummer, mehrfach ausführbar."
    )
    kind = "rooms"
