"""The request type of the API's views (mypy only; at run time DRF's ``Request``).

Every API view runs behind ``UsesTheApi``, which answers 401 to anyone not signed in,
so ``request.user`` is Haven's ``User`` there, not ``User | AnonymousUser``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.request import Request

if TYPE_CHECKING:
    from haven.accounts.models import User

    class AuthenticatedRequest(Request):
        user: User

else:
    AuthenticatedRequest = Request

__all__ = ["AuthenticatedRequest"]
