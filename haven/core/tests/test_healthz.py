from unittest import mock

from django.db.utils import OperationalError


def test_it_answers_ok_with_the_database_reachable(client, db):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": "ok"}


def test_it_answers_503_when_the_database_is_down(client, db):
    with mock.patch("haven.core.views.connection.cursor", side_effect=OperationalError("gone")):
        r = client.get("/healthz")
    assert r.status_code == 503
    assert r.json()["status"] == "unavailable"


def test_it_is_not_cached(client, db):
    assert "no-cache" in client.get("/healthz")["Cache-Control"]
