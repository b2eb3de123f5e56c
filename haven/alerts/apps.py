from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "haven.alerts"
    label = "alerts"
    verbose_name = "Email alerts (the outbox)"

    def ready(self) -> None:
        from haven.core.health import register_alerts_check

        from .selectors import outbox_health

        register_alerts_check(outbox_health)
