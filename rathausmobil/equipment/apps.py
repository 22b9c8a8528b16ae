from django.apps import AppConfig


class EquipmentConfig(AppConfig):
    name = "rathausmobil.equipment"
    label = "equipment"
    verbose_name = "Geräte"

    def ready(self):
        from rathausmobil.core.imports import import_kinds
        from rathausmobil.core.jobs import daily_jobs
        from rathausmobil.equipment import jobs
        from rathausmobil.equipment.importing import DEVICES

        for label, job in jobs.JOBS:
            daily_jobs.connect(job, label=label)
        import_kinds.register(DEVICES)

        from rathausmobil.core.todos import todo_providers
        from rathausmobil.equipment import todos

        todo_providers.connect(todos.todos_for_user, label="Geräte")

        from rathausmobil.core.privacy import processing_activities
        from rathausmobil.equipment import privacy

        processing_activities.register(*privacy.ACTIVITIES)
