from django.apps import AppConfig


class HomeConfig(AppConfig):
    """The start page: what a person can do next. It sits on top and may read every app."""

    name = "rathausmobil.home"
    label = "home"
    verbose_name = "Startseite"
