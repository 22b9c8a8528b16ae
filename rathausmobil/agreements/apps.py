from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "rathausmobil.agreements"
    label = "agreements"
    verbose_name = "Mobiles Arbeiten"
