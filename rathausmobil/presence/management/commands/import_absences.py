"""python manage.py import_absences FILE [--dry-run] — absences from the time-management
system (docs/workflows/presence.md)."""

from rathausmobil.core.importcommand import ImportCommand


class Command(ImportCommand):
    help = (
        "Importiert Abwesenheiten aus der Zeiterfassung (Personalnummer;Von;Bis). Gründe werden "
        "nie übernommen; dieselbe Datei zweimal einzulesen ändert nichts."
    )
    kind = "absences"
