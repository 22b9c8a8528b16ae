from django.apps import AppConfig


class PresenceConfig(AppConfig):
    name = "rathausmobil.presence"
    label = "presence"
    verbose_name = "Anwesenheit"

    def ready(self):
        from rathausmobil.core.imports import import_kinds
        from rathausmobil.organisation import hooks as organisation
        from rathausmobil.presence import (
            receivers,
            workflow,  # noqa: F401  (history rows name its moves)
        )
        from rathausmobil.presence.importing import ABSENCES, ROOMS

        # The HR import's column Qualifikationen: checked against ours, then set here.
        organisation.employee_qualifications.connect(receivers.qualifications_for_import)
        organisation.employee_qualifications_imported.connect(receivers.qualifications_imported)

        # Offered in this order on /anwesenheit/import/ (rooms preselected where allowed).
        import_kinds.register(ROOMS)
        import_kinds.register(ABSENCES)

        from rathausmobil.core.todos import todo_providers
        from rathausmobil.presence import todos

        todo_providers.connect(todos.todos_for_user, label="Anwesenheit")

        from rathausmobil.core.privacy import processing_activities
        from rathausmobil.presence import privacy

        processing_activities.register(*privacy.ACTIVITIES)
