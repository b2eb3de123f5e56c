"""Log lines as security evidence (ASVS V16.2.2, V16.2.4, V16.3.3): one JSON object a line with
named fields, UTC times with their offset, who by id and role, never a name, and no address on
the pupils' pages. Each security event is made here through real requests."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re

import pytest
from django.urls import reverse

from conftest import sign_in
from haven.core.logs import SECURITY_LOGGER, JsonFormatter, security_event

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
    """Every line written to the security log, formatted as the console and syslog get it."""
    handler = _Lines()
    logger = logging.getLogger(SECURITY_LOGGER)
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def test_a_line_is_one_json_object_with_named_fields_and_a_utc_time_with_its_offset():
    record = logging.LogRecord("haven.test", logging.WARNING, __file__, 1, "Hello %s", ("there",), None)
    record.event, record.user_id, record.role = "test.event", 7, "dsl"
    record.full_name = "Ada Lovelace"  # not a field: dropped
    text = JsonFormatter().format(record)
    assert "\n" not in text
    line = json.loads(text)
    assert line["level"] == "WARNING" and line["logger"] == "haven.test" and line["event"] == "test.event"
    assert line["message"] == "Hello there" and line["user_id"] == 7 and line["role"] == "dsl"
    assert "Ada" not in text
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["time"])
    assert abs(dt.datetime.fromisoformat(line["time"]) - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)


def test_an_unknown_field_is_refused_so_no_caller_can_log_a_name():
    with pytest.raises(ValueError, match="Not a log field: pupil_name"):
        security_event("test.event", "x", pupil_name="Ada")


def test_every_response_carries_a_request_id_and_the_lines_written_meanwhile_carry_it(client, world, log):
    r = client.post(reverse("accounts:sign_in"), {"email": world.users["dsl_a"].email, "password": "wrong"})
    rid = r["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", rid)
    [line] = log.events("account.sign_in_failed")
    assert line["request_id"] == rid
    assert client.get("/")["X-Request-ID"] != rid


def test_a_failed_sign_in_is_logged_with_the_address_but_not_the_email(client, world, log):
    user = world.users["dsl_a"]
    client.post(reverse("accounts:sign_in"), {"email": user.email, "password": "wrong"}, REMOTE_ADDR="203.0.113.9")
    [line] = log.events("account.sign_in_failed")
    assert line["level"] == "WARNING" and line["address"] == "203.0.113.9" and line["channel"] == "page"
    assert user.email not in "".join(log.lines) and user.full_name not in "".join(log.lines)


def test_a_lockout_is_logged(client, world, settings, log):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:sign_in"), {"email": "someone@example.org", "password": "wrong"})
    assert log.events("account.locked_out")
    assert "someone@example.org" not in "".join(log.lines)


def test_a_refused_step_up_is_logged_with_the_user_id_and_role(client, world, log):
    from haven.accounts.tests.test_step_up import CONFIRM, _age, _wrong

    user = world.users["dsl_a"]
    sign_in(client, user)
    _age(client, 16)
    assert client.post(CONFIRM, {"token": _wrong(user), "next": "/"}).status_code == 400
    [line] = log.events("account.step_up_refused")
    assert line["user_id"] == user.pk and line["role"] == "dsl" and line["reason"] == "wrong code"
    assert line["address"] == "127.0.0.1"


def test_a_refused_read_of_another_schools_record_is_logged(client, world, log):
    sign_in(client, world.users["dsl_b"])
    assert client.get(reverse("records:pupil_detail", args=[world.pupils["a"].pk])).status_code == 404
    [line] = log.events("access.refused")
    assert line["user_id"] == world.users["dsl_b"].pk and line["role"] == "dsl"
    assert line["object"] and line["view"] == "records:pupil_detail"
    pupil, text = world.pupils["a"], "".join(log.lines)
    assert pupil.legal_surname not in text and pupil.upn not in text and f"/pupils/{pupil.pk}/" not in text


def test_a_pupil_rate_limit_is_logged_without_any_address(client, world, log, monkeypatch):
    from haven.pupil_voice import limits

    limits.reset_all()
    monkeypatch.setattr(limits, "CHECKS_PER_ADDRESS", limits.Limit("check-address", 1, 900))
    for _ in range(2):
        client.post("/tell/check/", {"reference": "AAAA-AAAA", "passphrase": "a b c d e"}, REMOTE_ADDR="198.51.100.77")
    [line] = log.events("pupil.rate_limited")
    assert line["limit"] == "check-address"
    assert "address" not in line and "user_id" not in line
    assert "198.51.100.77" not in "".join(log.lines)


def test_an_address_passed_for_a_pupil_page_is_still_not_written(client, world, log, monkeypatch):
    """Belt and braces: whatever a caller passes, a line written while answering /tell/ has no address."""
    from haven.pupil_voice import limits

    def leaky(*args, **kwargs):
        security_event("test.leak", "x", address="198.51.100.78")
        raise AssertionError("stop")

    monkeypatch.setattr(limits, "network_address", leaky)
    with pytest.raises(AssertionError):
        client.post("/tell/check/", {"reference": "AAAA-AAAA", "passphrase": "a b c d e"})
    [line] = log.events("test.leak")
    assert "address" not in line and "198.51.100.78" not in "".join(log.lines)


def test_a_broken_audit_chain_is_logged(settings, tmp_path, log):
    from haven.audit.services import audit_verify

    settings.AUDIT_ANCHOR_FILE = tmp_path / "anchors.jsonl"
    settings.AUDIT_ANCHOR_FILE.write_text(
        '{"at": "x", "chain": "global", "length": 1, "last_hash": "0", "seal": "0"}\n'
    )
    assert audit_verify()[2]
    [line] = log.events("audit.verify_failed")
    assert line["level"] == "ERROR" and "anchor file" in line["message"]


def test_an_application_line_never_keeps_a_link_s_secret():
    import logging

    from haven.core.logs import JsonFormatter, redact_secrets

    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "%s: %s", ("Not Found", "/account/enrol/Abc_123-xyz/"), None
    )
    assert '"message":"Not Found: /account/enrol/[secret]/"' in JsonFormatter().format(record)
    assert redact_secrets("GET /network/feeds/tok_EN-1.ics") == "GET /network/feeds/[secret].ics"
    assert redact_secrets("/network/feeds/pyramids/12/tok.ics") == "/network/feeds/pyramids/12/[secret].ics"
    assert redact_secrets("/cases/C-1/ and /account/sessions/") == "/cases/C-1/ and /account/sessions/"
