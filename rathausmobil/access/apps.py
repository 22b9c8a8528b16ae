from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "rathausmobil.access"
    label = "access"
    verbose_name = "Zugänge"

    def ready(self):
        # Access follows the agreement and the person: hook into the workflow and
        # the HR import without those apps knowing about access.
        from rathausmobil.access import wiring

        wiring.connect()
