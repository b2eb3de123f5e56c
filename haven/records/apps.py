from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "haven.records"
    label = "records"
    verbose_name = "Child-protection file transfers"

    def ready(self) -> None:
        from .alerts import register_alerts

        register_alerts()
