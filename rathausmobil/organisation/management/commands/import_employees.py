from rathausmobil.core.importcommand import ImportCommand
from rathausmobil.organisation.importing import employees_import


class Command(ImportCommand):
    help = (
        "Importiert Beschäftigte (Personalnummer;Nachname;Vorname;E-Mail;Organisationseinheit;"
        "Stellennummer;Stellenbezeichnung;Wochenstunden;Eintritt;Austritt)."
    )
    runner = staticmethod(employees_import)
    what = "Beschäftigte"
