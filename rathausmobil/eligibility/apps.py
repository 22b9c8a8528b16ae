from django.apps import AppConfig


class EligibilityConfig(AppConfig):
    name = "rathausmobil.eligibility"
    label = "eligibility"
    verbose_name = "Eignung von Stellen"
