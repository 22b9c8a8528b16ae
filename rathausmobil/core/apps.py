from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "rathausmobil.core"
    label = "core"
    verbose_name = "Grundlagen"
