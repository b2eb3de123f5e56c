from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "haven.cases"
    label = "cases"

    def ready(self) -> None:
        from .alerts import register_alerts

        register_alerts()
