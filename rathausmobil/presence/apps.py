from django.apps import AppConfig


class PresenceConfig(AppConfig):
    name = "rathausmobil.presence"
    label = "presence"
    verbose_name = "Anwesenheit"
