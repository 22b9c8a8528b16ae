from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo administrations (`seed_demo`). It sits on top of every app and writes
    through their services, as a person would."""

    name = "rathausmobil.demo"
    label = "demo"
    verbose_name = "Demo"
