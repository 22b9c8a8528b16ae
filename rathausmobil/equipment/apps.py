from django.apps import AppConfig


class EquipmentConfig(AppConfig):
    name = "rathausmobil.equipment"
    label = "equipment"
    verbose_name = "Geräte"
