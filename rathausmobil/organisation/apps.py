from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    name = "rathausmobil.organisation"
    label = "organisation"
    verbose_name = "Organisation"
