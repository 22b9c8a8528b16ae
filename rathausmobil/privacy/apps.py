from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "rathausmobil.privacy"
    label = "privacy"
    verbose_name = "Datenschutz"
