"""Haven's own deployment checks, run by ``manage.py check --deploy`` (docs/deploy.md,
"Production checklist")."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from .transport import service_identity_problems


@checks.register(checks.Tags.security, deploy=True)
def service_identities(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The data layers are reached by an identity, not an unchanging password (V13.2.1)."""
    problems = service_identity_problems(getattr(settings, "DATABASE_URL", ""), settings.HAVEN_REDIS_URL)
    ids = {"DATABASE_URL": "haven.W001", "HAVEN_REDIS_URL": "haven.W002"}
    return [checks.Warning(problem, id=ids[problem.split()[0]]) for problem in problems]
