from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "rathausmobil.agreements"
    label = "agreements"
    verbose_name = "Mobiles Arbeiten"

    def ready(self):
        # workflow: the three status tables, so that history rows find their labels.
        from rathausmobil.agreements import hooks, jobs, prerequisites, workflow  # noqa: F401
        from rathausmobil.core.jobs import daily_jobs

        for check in (
            prerequisites.employee_accepted,
            prerequisites.valid_pledge,
            prerequisites.telework_workstation,
        ):
            hooks.activation_prerequisites.connect(check)
        for label, job in jobs.JOBS:
            daily_jobs.connect(job, label=label)

        from rathausmobil.agreements import todos
        from rathausmobil.core.todos import todo_providers

        todo_providers.connect(todos.todos_for_user, label="Mobiles Arbeiten")

        from rathausmobil.agreements import privacy
        from rathausmobil.core.privacy import processing_activities

        processing_activities.register(*privacy.ACTIVITIES)
