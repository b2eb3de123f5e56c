from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "haven.resources"
    label = "resources"
    verbose_name = "Resource bank and case studies"

    def ready(self) -> None:
        from haven.core import blindindex

        from . import search

        blindindex.on_rebuild("case studies", lambda batch: search.rebuild(batch=batch))
