from rathausmobil.core.importcommand import ImportCommand
from rathausmobil.organisation.importing import org_units_import


class Command(ImportCommand):
    help = "Importiert Organisationseinheiten (Kennung;Bezeichnung;Übergeordnet;Leitung)."
    runner = staticmethod(org_units_import)
    what = "Organisationseinheiten"
