from django.apps import AppConfig


class UsageConfig(AppConfig):
    name = "rathausmobil.usage"
    label = "usage"
    verbose_name = "VPN-Nutzung"

    def ready(self):
        from rathausmobil.core.jobs import daily_jobs
        from rathausmobil.usage import jobs

        for label, job in jobs.JOBS:
            daily_jobs.connect(job, label=label)

        from rathausmobil.core.privacy import processing_activities
        from rathausmobil.usage import privacy

        processing_activities.register(*privacy.ACTIVITIES)
