"""Signing out everywhere stops the account's API tokens too, and the account page says so
(issue 15)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from conftest import sign_in
from haven.api.models import ApiToken
from haven.audit.models import Action, AuditEvent


def test_sign_out_everywhere_revokes_every_token(client, world, token_for):
    user = world.users["dsl_a"]
    token = token_for(user)
    other = token_for(world.users["dsl_b"])
    headers = {"Authorization": f"Bearer {token}"}
    assert Client().get("/api/v1/cases/", headers=headers).status_code == 200
    sign_in(client, user)
    assert "Your API tokens stop working too" in client.get(reverse("accounts:account")).text
    assert client.post(reverse("accounts:sign_out_everywhere")).status_code == 302
    assert Client().get("/api/v1/cases/", headers=headers).status_code == 401
    assert not ApiToken.objects.filter(user=user, revoked_at__isnull=True).exists()
    # Another person's token is untouched.
    assert Client().get("/api/v1/cases/", headers={"Authorization": f"Bearer {other}"}).status_code == 200
    event = AuditEvent.objects.filter(action=Action.SIGN_OUT_EVERYWHERE, actor=user).latest("pk")
    assert event.extra["api_tokens_revoked"] == 1
