"""What the API does when something happens to an account elsewhere."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from haven.accounts.signals import credentials_reset
from haven.core import clock

from .models import ApiToken


@receiver(credentials_reset)
def _revoke_tokens(sender: Any, user: Any, by: Any, **kwargs: Any) -> int:
    """An administrator reset the password: the account's live tokens stop working."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=clock.now(), revoked_by=by)
