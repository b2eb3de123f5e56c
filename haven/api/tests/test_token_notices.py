"""The owner of an API token is told by email when one is made for them (ASVS V6.3.7), with
its name and when it stops working, never the token itself."""

from __future__ import annotations

from django.urls import reverse

from conftest import sign_in
from haven.accounts import notices
from haven.api.models import ApiToken

from .test_tokens import _create_on_page


def test_making_a_token_emails_its_owner_without_the_token(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    dsl = world.users["dsl_a"]
    sign_in(client, dsl)
    with django_capture_on_commit_callbacks(execute=True):
        raw = _create_on_page(client, "School MIS")
    token = ApiToken.objects.get(user=dsl)
    sent = [m for m in mailoutbox if notices.IF_NOT_YOU in m.body]
    assert [m.to for m in sent] == [[dsl.email]]
    mail = sent[0]
    assert mail.subject == "A Haven API token was made"
    assert "An API token named “School MIS” was made for your Haven account on " in mail.body
    assert f"It stops working on {notices.uk_time(token.expires_at)} (UK time)" in mail.body
    assert raw not in mail.body and raw[len(token.prefix) :] not in mail.body


def test_a_refused_token_emails_nobody(client, world, mailoutbox, django_capture_on_commit_callbacks):
    sign_in(client, world.users["dsl_a"])
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("api:tokens"), {"name": "", "lifetime": "90"})
    assert r.status_code == 400 and not ApiToken.objects.exists()
    assert mailoutbox == []
