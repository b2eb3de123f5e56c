"""Step-up ("sudo mode"): exports, prints, transfers, role changes and token creation ask for
the second factor again when it was last given more than 15 minutes ago; a stale POST does
nothing and keeps what was typed; the confirmation page is audited and limited."""

from __future__ import annotations

import datetime as dt
import re
from unittest.mock import patch
from urllib.parse import urlencode

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_otp.oath import TOTP

from conftest import sign_in
from haven.accounts import stepup
from haven.accounts.models import AuthenticatorApp, Membership, RecoveryCodeDevice
from haven.accounts.services import recovery_codes_replace
from haven.api.models import ApiToken
from haven.audit.events import Event
from haven.audit.models import AuditEvent
from haven.records.models import FileTransfer
from haven.testing.factories import PASSWORD

CONFIRM = reverse("accounts:step_up")


def _confirm_url(next_url: str) -> str:
    return CONFIRM + "?" + urlencode({"next": next_url})


def _age(client, minutes: float) -> None:
    """The factor was last given ``minutes`` ago."""
    session = client.session
    session[stepup.VERIFIED_AT] = (timezone.now() - dt.timedelta(minutes=minutes)).isoformat()
    session.save()


def _code(user) -> str:
    device = AuthenticatorApp.objects.get(user=user, confirmed=True)
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def _wrong(user) -> str:
    return "000000" if _code(user) != "000000" else "111111"


def _step_up(client, user, next_url: str):
    r = client.post(CONFIRM, {"token": _code(user), "next": next_url})
    assert r.status_code == 302, r.content
    assert r["Location"] == next_url
    return r


@pytest.fixture
def leaver(world, make_concern):
    pupil = world.pupils["a"]
    make_concern(what_happened="Pushed into the lockers at break, twice this week.")
    pupil.left_on = timezone.localdate() - dt.timedelta(days=1)
    pupil.save()
    return pupil


# -- Each kind of guarded action: fresh passes, stale asks, confirming returns -------------------


def _gets(world):
    pupil = world.pupils["a"]
    return {
        "an export (enquiries CSV)": ("la_officer_a", reverse("insights:enquiries") + "?format=csv", "text/csv"),
        "a print (a child's chronology PDF)": (
            "dsl_a",
            reverse("pupil_chronology_pdf", args=[pupil.pk]),
            "application/pdf",
        ),
        "a transfer (send a child's file)": ("dsl_a", reverse("records:transfer_new", args=[pupil.pk]), "text/html"),
        "a role change (end a role)": ("admin_a", None, "text/html"),
        "token creation": ("dsl_a", reverse("api:tokens"), "text/html"),
    }


KINDS = [
    "an export (enquiries CSV)",
    "a print (a child's chronology PDF)",
    "a transfer (send a child's file)",
    "a role change (end a role)",
    "token creation",
]


def _kind(world, kind):
    key, url, content_type = _gets(world)[kind]
    if url is None:
        membership = Membership.objects.filter(user=world.users["staff_a"], ended_at__isnull=True).get()
        url = reverse("manage:role_end", args=[world.users["staff_a"].pk, membership.pk])
    return world.users[key], url, content_type


@pytest.mark.parametrize("kind", KINDS)
def test_a_fresh_factor_passes_straight_through(client, world, kind):
    user, url, content_type = _kind(world, kind)
    sign_in(client, user)
    _age(client, 14)
    r = client.get(url)
    assert r.status_code == 200
    assert r["Content-Type"].startswith(content_type)


@pytest.mark.parametrize("kind", KINDS)
def test_a_stale_factor_is_asked_for_again_then_the_page_opens(client, world, kind):
    user, url, content_type = _kind(world, kind)
    sign_in(client, user)
    _age(client, 16)
    r = client.get(url)
    assert r.status_code == 302 and r["Location"] == _confirm_url(url)
    page = client.get(r["Location"])
    assert page.status_code == 200 and "Confirm it is you" in page.text
    assert f'name="next" value="{url}"'.replace("&", "&amp;") in page.text
    _step_up(client, user, url)
    r = client.get(url)
    assert r.status_code == 200 and r["Content-Type"].startswith(content_type)
    assert AuditEvent.objects.filter(event=Event.STEP_UP_CONFIRMED, actor=user).count() == 1


def test_haven_clock_decides_when_the_factor_is_stale(client, world):
    user, url, _ = _kind(world, "a print (a child's chronology PDF)")
    sign_in(client, user)
    later = timezone.now() + dt.timedelta(minutes=16)
    with patch("django.utils.timezone.now", return_value=later):
        r = client.get(url)
    assert r.status_code == 302 and r["Location"] == _confirm_url(url)


def test_the_window_is_a_setting(client, world, settings):
    settings.STEP_UP_WINDOW_SECONDS = 5 * 60
    user, url, _ = _kind(world, "a print (a child's chronology PDF)")
    sign_in(client, user)
    _age(client, 6)
    assert client.get(url).status_code == 302


def test_only_the_export_of_a_page_with_a_download_is_guarded(client, world):
    sign_in(client, world.users["la_officer_a"])
    _age(client, 16)
    assert client.get(reverse("insights:enquiries")).status_code == 200
    assert client.get(reverse("insights:monthly")).status_code == 200
    assert client.get(reverse("insights:monthly") + "?format=csv").status_code == 302
    assert client.get(reverse("insights") + "?csv=categories").status_code == 302


# -- A stale POST does nothing and keeps what was typed ------------------------------------------


def test_a_stale_transfer_sends_nothing_and_keeps_what_was_typed(client, world, leaver):
    user = world.users["dsl_a"]
    url = reverse("records:transfer_new", args=[leaver.pk])
    sign_in(client, user)
    _age(client, 20)
    typed = {
        "to_school": "outside",
        "to_school_name": "St Elsewhere High",
        "to_contact": "Ms Ray, DSL, 01234 567890",
        "left_on": leaver.left_on.isoformat(),
        "confirm": "on",
    }
    r = client.post(url, typed)
    assert r.status_code == 302 and r["Location"] == _confirm_url(url)
    assert not FileTransfer.objects.exists()
    assert "Nothing has been done yet" in client.get(r["Location"]).text
    _step_up(client, user, url)
    form = client.get(url)
    assert form.status_code == 200
    assert "What you typed is back in the form" in form.text
    assert 'value="St Elsewhere High"' in form.text
    assert "Ms Ray, DSL, 01234 567890" in form.text
    assert re.search(r'<option value="outside"[^>]*selected', form.text)
    assert not FileTransfer.objects.exists()  # sent only when the person sends it again
    # Kept once: the next visit is the empty form.
    assert 'value="St Elsewhere High"' not in client.get(url).text
    r = client.post(url, typed)
    assert r.status_code == 302 and FileTransfer.objects.count() == 1


def test_a_stale_role_grant_comes_back_to_the_person_with_the_role_chosen(client, world):
    admin, person = world.users["admin_a"], world.users["staff_a"]
    sign_in(client, admin)
    _age(client, 16)
    page = reverse("manage:person", args=[person.pk])
    grant = f"school-{world.school_a.pk}:deputy_dsl"
    held = Membership.objects.filter(user=person).count()
    r = client.post(reverse("manage:role_grant", args=[person.pk]), {"grant": grant})
    assert r.status_code == 302 and r["Location"] == _confirm_url(page)
    assert Membership.objects.filter(user=person).count() == held
    _step_up(client, admin, page)
    shown = client.get(page)
    assert shown.status_code == 200
    assert re.search(rf'<option value="{re.escape(grant)}"[^>]*selected', shown.text), grant
    r = client.post(reverse("manage:role_grant", args=[person.pk]), {"grant": grant})
    assert r.status_code == 302 and Membership.objects.filter(user=person).count() == held + 1


def test_a_stale_token_is_not_made_and_its_name_is_kept(client, world):
    user = world.users["dsl_a"]
    sign_in(client, user)
    _age(client, 16)
    url = reverse("api:tokens")
    r = client.post(url, {"name": "The MIS nightly sync", "lifetime": "90"})
    assert r.status_code == 302 and r["Location"] == _confirm_url(url)
    assert not ApiToken.objects.exists()
    _step_up(client, user, url)
    form = client.get(url)
    assert 'value="The MIS nightly sync"' in form.text
    assert re.search(r'<option value="90"[^>]*selected', form.text)
    assert not ApiToken.objects.exists()


def test_a_stale_role_end_ends_nothing(client, world):
    admin, person = world.users["admin_a"], world.users["staff_a"]
    membership = Membership.objects.filter(user=person, ended_at__isnull=True).get()
    url = reverse("manage:role_end", args=[person.pk, membership.pk])
    sign_in(client, admin)
    _age(client, 16)
    r = client.post(url)
    assert r.status_code == 302 and r["Location"] == _confirm_url(url)
    membership.refresh_from_db()
    assert membership.ended_at is None


# -- The confirmation page -------------------------------------------------------------------------


def test_a_wrong_code_is_refused_and_recorded(client, world):
    user = world.users["dsl_a"]
    sign_in(client, user)
    _age(client, 16)
    url = reverse("pupil_chronology_pdf", args=[world.pupils["a"].pk])
    r = client.post(CONFIRM, {"token": _wrong(user), "next": url})
    assert r.status_code == 400
    assert "That code is not right" in r.text
    assert 'aria-describedby="id_token_error' in r.text or 'id="id_token_error"' in r.text
    assert AuditEvent.objects.filter(event=Event.STEP_UP_REFUSED, actor=user).count() == 1
    assert client.get(url).status_code == 302  # still not fresh


def test_wrong_codes_are_limited_as_at_sign_in(client, world):
    user = world.users["dsl_a"]
    sign_in(client, user)
    _age(client, 16)
    client.post(CONFIRM, {"token": _wrong(user), "next": "/"})
    # django-otp now backs off: even the right code is not tried at once.
    r = client.post(CONFIRM, {"token": _code(user), "next": "/"})
    assert r.status_code == 400 and "Too many wrong codes" in r.text
    assert not stepup.is_fresh(_request_of(client))


def _request_of(client):
    class _R:
        session = client.session

    return _R()


def test_an_empty_code_names_the_field(client, world):
    sign_in(client, world.users["dsl_a"])
    r = client.post(CONFIRM, {"token": "", "next": "/"})
    assert r.status_code == 400 and "Enter the code from your app, or a recovery code." in r.text


def test_a_recovery_code_works_once(client, world):
    user = world.users["dsl_a"]
    sign_in(client, user)
    code = recovery_codes_replace(user=user)[0]  # like "abcd2-345ef"
    device = RecoveryCodeDevice.objects.get(user=user)
    _age(client, 16)
    r = client.post(CONFIRM, {"token": code.upper().replace("-", " "), "next": "/cases/"})
    assert r.status_code == 302 and r["Location"] == "/cases/"
    assert device.codes.count() == 9
    assert AuditEvent.objects.filter(event=Event.RECOVERY_CODE_USED, actor=user).exists()


def test_next_must_be_a_page_of_haven(client, world):
    user = world.users["dsl_a"]
    sign_in(client, user)
    r = client.post(CONFIRM, {"token": _code(user), "next": "https://evil.example/"})
    assert r.status_code == 302 and r["Location"] == reverse("home:home")


def test_two_factor_sign_in_starts_the_window(client, world):
    user = world.users["dsl_a"]
    sign_in(client, user)  # makes the device
    client.logout()
    client.post(reverse("accounts:sign_in"), {"email": user.email, "password": PASSWORD})
    assert stepup.VERIFIED_AT not in client.session
    r = client.post(reverse("accounts:two_factor_verify"), {"token": _code(user)})
    assert r.status_code == 302
    assert client.get(reverse("pupil_chronology_pdf", args=[world.pupils["a"].pk])).status_code == 200


# -- No second factor: nothing to confirm with but setting one up ------------------------------------


def test_the_password_alone_never_confirms(client, world):
    """Every role has a second factor (ASVS V6.3.3): someone with none yet is sent to set one
    up, and a password typed at the confirmation page confirms nothing."""
    user = world.users["staff_a"]
    assert not AuthenticatorApp.objects.filter(user=user).exists()
    r = client.post(reverse("accounts:sign_in"), {"email": user.email, "password": PASSWORD})
    assert r.status_code == 302
    assert stepup.VERIFIED_AT not in client.session  # the password is not a factor given
    for r in (client.get(_confirm_url("/concerns/")), client.post(CONFIRM, {"password": PASSWORD, "next": "/"})):
        assert r.status_code == 302 and r["Location"] == reverse("accounts:two_factor_setup")
    assert not AuditEvent.objects.filter(event=Event.STEP_UP_CONFIRMED).exists()


def test_a_visitor_is_sent_to_sign_in(client, db):
    r = client.get(CONFIRM)
    assert r.status_code == 302 and r["Location"].startswith(reverse("accounts:sign_in"))


# -- Every export, print, transfer, role change and token creation is guarded ------------------


SENSITIVE = re.compile(
    r"\.csv|\.pdf|export|print|transfer|/roles/|tokens/|calendar-link|people/new|people/<int:user_id>/password/"
    r"|people/<int:user_id>/second-factor/"
)
# Found by the walk but not guarded, each for a reason.
NOT_GUARDED = {
    "records:transfer_list": "a list: sending, opening and receiving a file are guarded",
    "api:token_revoke": "revoking only takes power away; asking first would slow down shutting a leaked token",
}
# Pages whose download is a query (?format=csv, ?csv=...): the walk cannot see them by address.
GUARDED_BY_QUERY = {"insights:enquiries", "insights:monthly", "insights"}


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), f"{namespace}{p.name}", p.callback


def test_every_export_print_transfer_role_and_token_view_is_guarded():
    found = {name: (route, cb) for route, name, cb in _walk(get_resolver().url_patterns)}
    sensitive = {name for name, (route, _) in found.items() if SENSITIVE.search(route)}
    assert {"pupil_chronology_pdf", "records:transfer_new", "manage:role_grant", "api:tokens"} <= sensitive
    assert {"manage:password_reset", "manage:second_factor_reset"} <= sensitive
    unguarded = sorted(
        f"{name} ({found[name][0]})"
        for name in sensitive | GUARDED_BY_QUERY
        if name not in NOT_GUARDED and not getattr(found[name][1], "step_up", False)
    )
    assert not unguarded, "Add @step_up_required (haven/accounts/stepup.py) to: " + ", ".join(unguarded)
