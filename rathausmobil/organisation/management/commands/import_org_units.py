from rathausmobil.core.importcommand import ImportCommand


class Command(ImportCommand):
    help = "Importiert Organisationseinheiten (Kennung;Bezeichnung;Übergeordnet;Leitung)."
    kind = "org_units"
