from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "rathausmobil.core"
    label = "core"
    verbose_name = "Grundlagen"

    def ready(self):
        from rathausmobil.core import (
            api_schema,  # noqa: F401 (registers the sign-in's schema)
            checks,  # noqa: F401 (registers the system checks)
            privacy,
            todos,
        )

        privacy.processing_activities.register(*privacy.ACTIVITIES)

        from django.contrib.auth.signals import user_logged_in

        from rathausmobil.core.middleware import note_login_time

        user_logged_in.connect(note_login_time, dispatch_uid="rathausmobil.note_login_time")

        todos.todo_providers.connect(todos.imports_waiting, label="Importe")
