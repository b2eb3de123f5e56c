from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_national_taxonomy(sender: AppConfig, using: str = "default", **kwargs: object) -> None:
    """The national taxonomy is reference data: loaded by migration 0002, and put back
    after anything that empties the tables (a test flush emits post_migrate too)."""
    from .models import Category
    from .taxonomy import load

    if not Category.objects.using(using).filter(authority__isnull=True).exists():
        load(Category)


class ConcernsConfig(AppConfig):
    name = "haven.concerns"
    label = "concerns"

    def ready(self) -> None:
        post_migrate.connect(_ensure_national_taxonomy, sender=self)
        from .alerts import register_alerts

        register_alerts()
        from haven.core import blindindex

        from . import search

        blindindex.on_rebuild("concerns and amendments", lambda batch: search.rebuild(batch=batch))
