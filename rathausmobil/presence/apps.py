from django.apps import AppConfig


class PresenceConfig(AppConfig):
    name = "rathausmobil.presence"
    label = "presence"
    verbose_name = "Anwesenheit"

    def ready(self):
        from rathausmobil.core.imports import import_kinds
        from rathausmobil.presence import workflow  # noqa: F401  (history rows name its moves)
        from rathausmobil.presence.importing import ABSENCES, ROOMS

        # Offered in this order on /anwesenheit/import/ (rooms preselected where allowed).
        import_kinds.register(ROOMS)
        import_kinds.register(ABSENCES)
