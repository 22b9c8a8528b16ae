from django.apps import AppConfig


class EligibilityConfig(AppConfig):
    name = "rathausmobil.eligibility"
    label = "eligibility"
    verbose_name = "Eignung von Stellen"

    def ready(self):
        from rathausmobil.core.todos import todo_providers
        from rathausmobil.eligibility import todos

        todo_providers.connect(todos.todos_for_user, label="Eignung")

        from rathausmobil.core.privacy import processing_activities
        from rathausmobil.eligibility import privacy

        processing_activities.register(*privacy.ACTIVITIES)
