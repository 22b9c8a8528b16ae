from django.apps import AppConfig


class UsageConfig(AppConfig):
    name = "rathausmobil.usage"
    label = "usage"
    verbose_name = "VPN-Nutzung"
