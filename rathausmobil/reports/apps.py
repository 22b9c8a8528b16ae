from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "rathausmobil.reports"
    label = "reports"
    verbose_name = "Berichte"

    def ready(self):
        from rathausmobil.core.jobs import daily_jobs
        from rathausmobil.reports import jobs

        for label, job in jobs.JOBS:
            daily_jobs.connect(job, label=label)

        from rathausmobil.core.privacy import processing_activities
        from rathausmobil.reports import privacy

        processing_activities.register(*privacy.ACTIVITIES)
