"""Only known HTTP methods are answered; behind a trusted proxy the client's own address is
what the audit log keeps."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from haven.audit.context import AuditContext


@pytest.mark.parametrize("method", ["TRACE", "TRACK", "CONNECT", "BREW"])
@pytest.mark.parametrize("path", ["/", "/tell/check/", "/api/v1/concerns/"])
def test_unknown_methods_are_refused(db, method, path):
    response = Client().generic(method, path)
    assert response.status_code == 405
    assert "GET" in response["Allow"]


def test_a_known_method_still_reaches_the_page(db):
    assert Client().get("/tell/check/").status_code == 200


def test_forwarded_for_is_ignored_unless_the_proxy_is_trusted(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5, 10.0.0.1")
    settings.HAVEN_TRUST_X_FORWARDED_FOR = False
    assert AuditContext.of(request).address == "10.0.0.1"
    settings.HAVEN_TRUST_X_FORWARDED_FOR = True
    assert AuditContext.of(request).address == "203.0.113.5"
