"""PDFs, CSV exports and printouts are limited per person in the shared rate-limit store
(ASVS V15.2.2): past the limit, a kind 429 page, not an error page."""

from __future__ import annotations

import json
import logging

import pytest
from django.urls import reverse

from conftest import sign_in
from haven.core.logs import SECURITY_LOGGER, JsonFormatter

pytestmark = pytest.mark.django_db


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def events(self, name: str) -> list[dict]:
        return [line for line in map(json.loads, self.lines) if line["event"] == name]


@pytest.fixture
def log():
    handler = _Lines()
    logger = logging.getLogger(SECURITY_LOGGER)
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def test_too_many_pdfs_or_exports_get_a_kind_429_page_and_are_logged(client, world, settings, log):
    settings.HAVEN_HEAVY_PER_MINUTE = 2
    sign_in(client, world.users["la_officer_a"])
    url = reverse("insights:enquiries") + "?format=csv"
    assert [client.get(url).status_code for _ in range(2)] == [200, 200]
    r = client.get(url)
    assert r.status_code == 429 and r["Retry-After"] == "60"
    assert "Please wait a minute" in r.text and "nothing has been lost" in r.text
    assert 'href="/static/' in r.text, "the site's own page, not a bare error"
    [line] = log.events("export.rate_limited")
    assert line["user_id"] == world.users["la_officer_a"].pk and line["limit"] == "heavy"
    # Counted per person: another officer is not held back, and other pages are not counted.
    assert client.get(reverse("insights:enquiries")).status_code == 200
    sign_in(client, world.users["la_officer_m"])
    assert client.get(url).status_code == 200


def test_what_counts_as_heavy(rf):
    from haven.core.heavy import is_heavy

    for path in (
        "/cases/C-1/chronology.pdf",
        "/safety-plans/3.pdf",
        "/compliance/rounds/1/export.csv",
        "/enquiries/?format=csv",
        "/insights/?csv=categories",
        "/insights/report.pdf",
    ):
        assert is_heavy(rf.get(path)), path
    for path in ("/cases/", "/enquiries/", "/insights/?csv=", "/static/haven/site.css", "/api/v1/concerns/?format=csv"):
        assert not is_heavy(rf.get(path)), path
