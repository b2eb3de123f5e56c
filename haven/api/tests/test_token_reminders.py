"""A reminder 14 days before an API token stops working (ASVS V6.4.5), from the hourly sweep
``manage.py remind_api_tokens``: once per token, to its owner, never the token itself."""

from __future__ import annotations

import datetime as dt
import io
from unittest.mock import patch

import pytest
from django.core.management import call_command
from django.utils import timezone

from haven.accounts import notices
from haven.api.models import ApiToken
from haven.api.services import token_create, token_revoke


@pytest.fixture
def sweep(mailoutbox, django_capture_on_commit_callbacks):
    """Run the sweep ``days`` from now; return what it printed and the reminders it sent."""

    def _run(days: float) -> tuple[str, list]:
        before = len(mailoutbox)
        out = io.StringIO()
        with (
            patch("django.utils.timezone.now", return_value=timezone.now() + dt.timedelta(days=days)),
            django_capture_on_commit_callbacks(execute=True),
        ):
            call_command("remind_api_tokens", stdout=out)
        return out.getvalue(), [m for m in mailoutbox[before:] if "stops working soon" in m.subject]

    return _run


def _token(world, key: str = "dsl_a", days: int = 90, name: str = "School MIS") -> tuple[ApiToken, str]:
    return token_create(by=world.users[key], name=name, lifetime=dt.timedelta(days=days))


def test_the_owner_is_reminded_once_fourteen_days_before(world, sweep):
    token, raw = _token(world)
    printed, sent = sweep(75)  # 15 days left: not yet
    assert sent == [] and "0 API token reminders sent." in printed
    printed, sent = sweep(77)  # 13 days left
    assert "1 API token reminder sent." in printed
    assert [m.to for m in sent] == [[world.users["dsl_a"].email]]
    body = sent[0].body
    assert f"Your Haven API token named “School MIS” stops working on {notices.uk_time(token.expires_at)}" in body
    assert "make a new token on your API tokens page" in body
    assert raw not in body and token.prefix not in body
    token.refresh_from_db()
    assert token.expiry_reminded_at is not None
    assert sweep(78)[1] == []  # an hour, a day later: not again


def test_revoked_expired_and_short_tokens_and_inactive_owners_get_none(world, sweep):
    revoked, _ = _token(world, name="Revoked")
    token_revoke(by=world.users["dsl_a"], token=revoked)
    _token(world, days=10, name="Ten days")  # made to last less than the notice
    _token(world, key="head_a", name="Owner gone")
    world.users["head_a"].is_active = False
    world.users["head_a"].save(update_fields=["is_active"])
    assert sweep(80)[1] == []
    assert sweep(91)[1] == []  # every one of them expired by now
    assert not ApiToken.objects.filter(expiry_reminded_at__isnull=False).exists()


def test_each_token_is_its_own_reminder(world, sweep):
    _token(world, name="School MIS")
    _token(world, name="Reporting")
    _, sent = sweep(80)
    assert sorted(m.body.split("“")[1].split("”")[0] for m in sent) == ["Reporting", "School MIS"]
