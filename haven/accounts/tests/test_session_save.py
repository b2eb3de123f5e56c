"""The session saved on every request (the idle timer) is one UPDATE outside a transaction, and
is still refused, as Django refuses it, when the session is gone."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from haven.accounts.sessions import SessionStore


@pytest.mark.django_db(transaction=True)
def test_saving_a_session_again_is_one_update():
    session = SessionStore()
    session["k"] = "v"
    session.save()
    with CaptureQueriesContext(connection) as ctx:
        session.save()
    assert [q["sql"].split()[0] for q in ctx.captured_queries] == ["UPDATE"]
    assert SessionStore(session.session_key).load() == {"k": "v"}


@pytest.mark.django_db(transaction=True)
def test_a_session_that_is_gone_is_not_saved_again():
    session = SessionStore()
    session["k"] = "v"
    session.save()
    SessionStore(session.session_key).delete()
    with pytest.raises(UpdateError):
        session.save()


@pytest.mark.django_db
def test_inside_a_transaction_the_save_is_djangos_own():
    session = SessionStore()
    session.save()
    with CaptureQueriesContext(connection) as ctx:
        session.save()
    assert [q["sql"].split()[0] for q in ctx.captured_queries] == ["SAVEPOINT", "UPDATE", "RELEASE"]
