from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "rathausmobil.core"
    label = "core"
    verbose_name = "Grundlagen"

    def ready(self):
        from rathausmobil.core import todos

        todos.todo_providers.connect(todos.imports_waiting, label="Importe")
