from rathausmobil.organisation.importing import employees_import
from rathausmobil.organisation.management.commands._import_base import ImportCommand


class Command(ImportCommand):
    help = (
        "Importiert Beschäftigte (Personalnummer;Nachname;Vorname;E-Mail;Organisationseinheit;"
        "Stellennummer;Stellenbezeichnung;Wochenstunden;Eintritt;Austritt)."
    )
    runner = staticmethod(employees_import)
    what = "Beschäftigte"
