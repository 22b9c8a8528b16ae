from rathausmobil.organisation.importing import org_units_import
from rathausmobil.organisation.management.commands._import_base import ImportCommand


class Command(ImportCommand):
    help = "Importiert Organisationseinheiten (Kennung;Bezeichnung;Übergeordnet;Leitung)."
    runner = staticmethod(org_units_import)
    what = "Organisationseinheiten"
