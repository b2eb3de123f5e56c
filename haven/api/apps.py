from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The JSON API for integrations (MIS and others) and its personal access tokens."""

    name = "haven.api"
    label = "api"

    def ready(self) -> None:
        # Registers the OpenAPI description of our authentication classes with drf-spectacular.
        # Connects the receivers of other apps' signals (an account's reset revokes its tokens).
        from . import receivers, schema  # noqa: F401
