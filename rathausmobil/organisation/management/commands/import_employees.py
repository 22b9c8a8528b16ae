from rathausmobil.core.importcommand import ImportCommand


class Command(ImportCommand):
    help = (
        "Importiert Beschäftigte (Personalnummer;Nachname;Vorname;E-Mail;Organisationseinheit;"
        "Stellennummer;Stellenbezeichnung;Wochenstunden;Eintritt;Austritt)."
    )
    kind = "employees"
