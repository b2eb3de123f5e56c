"""Flash messages ("You have signed out.") in a cookie whose name the settings choose, so that
in production it carries the ``__Host-`` prefix like the session and CSRF cookies (ASVS
V3.3.1, V3.3.3); Django's own cookie storage hard-codes the name ``messages``. What does not fit
in the cookie goes into the session, as with Django's default storage."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.messages.storage.session import SessionStorage


class NamedCookieStorage(CookieStorage):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cookie_name = str(settings.MESSAGE_COOKIE_NAME)  # a class attribute in Django


class MessageStorage(FallbackStorage):
    storage_classes = (NamedCookieStorage, SessionStorage)
