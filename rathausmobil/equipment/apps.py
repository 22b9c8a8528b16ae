from django.apps import AppConfig


class EquipmentConfig(AppConfig):
    name = "rathausmobil.equipment"
    label = "equipment"
    verbose_name = "Geräte"

    def ready(self):
        from rathausmobil.core.jobs import daily_jobs
        from rathausmobil.equipment import jobs

        for label, job in jobs.JOBS:
            daily_jobs.connect(job, label=label)
