from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "rathausmobil.access"
    label = "access"
    verbose_name = "Zugänge"

    def ready(self):
        """Access follows the agreement, the person and their devices: it listens to
        the workflow, the HR import and the hand-over without those apps knowing it."""
        from rathausmobil.access import jobs, selectors, services
        from rathausmobil.agreements import hooks as agreements
        from rathausmobil.core.jobs import daily_jobs
        from rathausmobil.equipment import hooks as equipment
        from rathausmobil.organisation import hooks as organisation

        agreements.agreement_consented.connect(services.on_agreement_consented)
        agreements.agreement_ended.connect(services.on_agreement_ended)
        agreements.activation_prerequisites.connect(selectors.prerequisite_access)
        agreements.activation_prerequisites.connect(selectors.prerequisite_device)
        organisation.employees_left.connect(services.on_employees_left)
        equipment.device_handed_over.connect(services.on_device_handed_over)
        equipment.device_recipients_wanted.connect(selectors.employees_waiting_for_device)
        for label, job in jobs.JOBS:
            daily_jobs.connect(job, label=label)

        from rathausmobil.access import todos
        from rathausmobil.core.todos import todo_providers

        todo_providers.connect(todos.todos_for_user, label="Zugänge")

        from rathausmobil.access import privacy
        from rathausmobil.core.privacy import processing_activities

        processing_activities.register(*privacy.ACTIVITIES)
