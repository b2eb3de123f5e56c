"""Request types for views (mypy only; at run time both are Django's ``HttpRequest``).

A view behind ``login_required`` (or the API's authentication) always has a signed-in
person: ``AuthenticatedHttpRequest`` says so, so ``request.user`` is Haven's ``User``
rather than ``User | AnonymousUser``. ``core`` imports no other Haven app at run time;
the ``User`` import is for the type checker alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from haven.accounts.models import User

    class AuthenticatedHttpRequest(HttpRequest):
        user: User

else:
    AuthenticatedHttpRequest = HttpRequest

__all__ = ["AuthenticatedHttpRequest"]
