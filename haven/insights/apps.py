from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "haven.insights"
    label = "insights"
    verbose_name = "Insights and the enquiry log"

    def ready(self) -> None:
        from . import signals  # noqa: F401
