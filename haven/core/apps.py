from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "haven.core"
    label = "core"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers Haven's deployment checks)
