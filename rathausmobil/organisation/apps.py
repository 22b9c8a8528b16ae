from django.apps import AppConfig
from django.core import checks


class OrganisationConfig(AppConfig):
    name = "rathausmobil.organisation"
    label = "organisation"
    verbose_name = "Organisation"

    def ready(self):
        from rathausmobil.core.imports import import_kinds
        from rathausmobil.organisation.importing import EMPLOYEES, ORG_UNITS

        # Offered in this order on /organisation/import/; employees are preselected.
        import_kinds.register(EMPLOYEES)
        import_kinds.register(ORG_UNITS)

        from rathausmobil.core.privacy import processing_activities
        from rathausmobil.organisation import privacy

        processing_activities.register(*privacy.ACTIVITIES)

        from rathausmobil.core.jobs import daily_jobs
        from rathausmobil.organisation.lockout import remove_old_attempts

        daily_jobs.connect(
            remove_old_attempts, label="Alte fehlgeschlagene Anmeldeversuche gelöscht"
        )

        from rathausmobil.organisation import directory, oidc

        checks.register(directory.check_settings)
        checks.register(oidc.check_settings)
