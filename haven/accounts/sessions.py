"""Database sessions, saved with one statement.

Every request saves its session (``SESSION_SAVE_EVERY_REQUEST``: each request restarts the
30-minute idle timer). Django's database backend wraps even that single UPDATE in a
transaction (BEGIN, UPDATE, COMMIT: three round trips to the database on every page). Outside
a transaction one UPDATE is atomic on its own, so the update is sent alone; creating a session,
or saving one inside a transaction, goes through Django's own code unchanged.
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import UpdateError
from django.db import DatabaseError, router, transaction


class SessionStore(db.SessionStore):
    def save(self, must_create: bool = False) -> None:
        if must_create or self.session_key is None:
            return super().save(must_create)
        obj = self.create_model_instance(self._get_session())  # type: ignore[attr-defined]  # not in django-stubs
        using = router.db_for_write(self.model, instance=obj)
        if transaction.get_connection(using).in_atomic_block:
            return super().save(must_create)
        try:
            obj.save(force_update=True, using=using)
        except DatabaseError as exc:  # the row is gone (signed out elsewhere, expired and cleared)
            raise UpdateError from exc
        return None
