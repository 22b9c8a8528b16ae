"""python manage.py import_devices FILE [--dry-run] — the inventory import (docs/workflows/equipment.md)."""

from rathausmobil.core.importcommand import ImportCommand


class Command(ImportCommand):
    help = (
        "Importiert einen Gerätebestand (CSV oder XLSX; deutsche Spalten oder der Asset-Export "
        "aus Snipe-IT). Abgleich über die Inventarnummer, mehrfach ausführbar."
    )
    kind = "devices"
