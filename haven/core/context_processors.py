from django.conf import settings
from django.http import HttpRequest


def haven(request: HttpRequest) -> dict[str, object]:
    return {
        "session_idle_seconds": settings.SESSION_IDLE_SECONDS,
        "haven_env": settings.HAVEN_ENV,
    }
