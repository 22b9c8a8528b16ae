from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "rathausmobil.reports"
    label = "reports"
    verbose_name = "Berichte"
