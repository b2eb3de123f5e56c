from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "haven.audit"
    label = "audit"

    def ready(self) -> None:
        from . import guard  # noqa: F401  (registers the SQLite purge flag on each connection)
