"""Where you are signed in (``/account/sessions/``, ASVS V7.5.2): each of the person's own
sessions with its browser, sign-in time and last use, this one marked; signing out of one,
after the second factor again; at most ten sessions a person (V7.1.2); no page pays a query."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP

from conftest import pass_second_factor, sign_in
from haven.accounts import sessions, stepup
from haven.accounts.models import AuthenticatorApp, UserSession
from haven.audit.events import Event
from haven.audit.models import AuditEvent
from haven.testing.factories import PASSWORD, totp_device

PAGE = reverse("accounts:sessions")
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1"
)


def _device(user, user_agent: str, *, second_factor: bool = True) -> Client:
    """A browser signed in through the sign-in page, then (``second_factor``) past the second factor."""
    browser = Client(HTTP_USER_AGENT=user_agent)
    r = browser.post(reverse("accounts:sign_in"), {"email": user.email, "password": PASSWORD})
    assert r.status_code == 302, r.content
    return pass_second_factor(browser, user) if second_factor else browser


def _handle(browser: Client) -> str:
    return browser.session[sessions.HANDLE]


def _stale(browser: Client) -> None:
    session = browser.session
    session[stepup.VERIFIED_AT] = (timezone.now() - dt.timedelta(minutes=16)).isoformat()
    session.save()


def test_it_lists_each_session_with_its_browser_and_marks_this_device(world):
    staff = world.users["staff_a"]
    laptop = _device(staff, FIREFOX)
    _device(staff, IPHONE)
    page = laptop.get(PAGE)
    assert page.status_code == 200
    text = page.text
    assert "Firefox on Windows" in text and "Safari on an iPhone" in text
    assert text.count('<span class="tag">This device</span>') == 1
    assert text.index("Firefox on Windows") < text.index("This device") < text.index("Safari on an iPhone")
    assert text.count("Sign out of this session<span") == 1  # only for the other one
    assert timezone.localtime(sessions.signed_in_at(laptop.session)).strftime("%H:%M") in text
    key = laptop.session.session_key
    assert key and key not in text and FIREFOX not in text  # neither the key nor the raw string


def test_it_shows_only_the_persons_own_sessions(world):
    _device(world.users["staff_b"], IPHONE)
    page = _device(world.users["staff_a"], FIREFOX).get(PAGE)
    assert "Safari on an iPhone" not in page.text
    assert "You are not signed in anywhere else." in page.text


def test_the_account_page_links_to_it(client, world):
    sign_in(client, world.users["staff_a"])
    assert f'href="{PAGE}"' in client.get(reverse("accounts:account")).text


def test_a_visitor_is_sent_to_sign_in(client, db):
    r = client.get(PAGE)
    assert r.status_code == 302 and r["Location"].startswith(reverse("accounts:sign_in"))


def test_signing_out_of_another_session_ends_it_and_is_audited(world):
    staff = world.users["staff_a"]
    laptop, phone = _device(staff, FIREFOX), _device(staff, IPHONE)
    url = reverse("accounts:session_end", args=[_handle(phone)])
    confirm = laptop.get(url)
    assert confirm.status_code == 200 and "Sign out of Safari on an iPhone?" in confirm.text
    r = laptop.post(url)
    assert r.status_code == 302 and r["Location"] == PAGE
    assert "You have signed out of Safari on an iPhone." in laptop.get(PAGE).text
    assert phone.get(reverse("accounts:account")).status_code == 302  # signed out there
    assert laptop.get(reverse("accounts:account")).status_code == 200  # and not here
    event = AuditEvent.objects.get(event=Event.SESSION_ENDED)
    assert event.actor == staff and event.extra["device"] == "Safari on an iPhone"
    assert laptop.post(url).status_code == 404  # it is gone


def test_another_persons_session_is_not_found(world):
    theirs = _device(world.users["staff_b"], IPHONE)
    mine = _device(world.users["staff_a"], FIREFOX)
    url = reverse("accounts:session_end", args=[_handle(theirs)])
    assert mine.get(url).status_code == 404
    assert mine.post(url).status_code == 404
    assert theirs.get(reverse("accounts:account")).status_code == 200  # untouched
    refused = AuditEvent.objects.filter(event=Event.ACCESS_REFUSED, object_type="accounts.usersession")
    assert [e.actor for e in refused] == [world.users["staff_a"]] * 2


def test_a_stale_factor_is_asked_for_before_a_session_is_ended(world):
    staff = world.users["staff_a"]
    laptop, phone = _device(staff, FIREFOX), _device(staff, IPHONE)
    _stale(laptop)
    url = reverse("accounts:session_end", args=[_handle(phone)])
    r = laptop.post(url)
    assert r.status_code == 302 and r["Location"].startswith(reverse("accounts:step_up"))
    assert phone.get(reverse("accounts:account")).status_code == 200  # nothing was ended
    # The second factor again, then back to the confirmation.
    device = AuthenticatorApp.objects.get(user=staff, confirmed=True)
    code = str(TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()).zfill(6)
    back = laptop.post(reverse("accounts:step_up"), {"token": code, "next": url})
    assert back["Location"] == url
    assert laptop.post(url).status_code == 302
    assert phone.get(reverse("accounts:account")).status_code == 302


def test_signing_out_everywhere_asks_for_the_factor_again_when_stale(world):
    staff = world.users["staff_a"]
    laptop, phone = _device(staff, FIREFOX), _device(staff, IPHONE)
    _stale(laptop)
    r = laptop.post(reverse("accounts:sign_out_everywhere"))
    assert r["Location"].startswith(reverse("accounts:step_up") + "?next=" + PAGE.replace("/", "%2F"))
    assert phone.get(reverse("accounts:account")).status_code == 200


def test_signing_out_everywhere_deletes_every_session(world):
    staff = world.users["staff_a"]
    laptop, _phone = _device(staff, FIREFOX), _device(staff, IPHONE)
    assert UserSession.objects.filter(user=staff).count() == 2
    laptop.post(reverse("accounts:sign_out_everywhere"))
    assert not UserSession.objects.filter(user=staff).exists()
    assert AuditEvent.objects.get(event=Event.SIGNED_OUT_EVERYWHERE).extra["sessions_ended"] == 2


def test_this_device_can_sign_out_from_its_own_page(world):
    laptop = _device(world.users["staff_a"], FIREFOX)
    r = laptop.post(reverse("accounts:session_end", args=[_handle(laptop)]))
    assert r["Location"] == reverse("accounts:sign_in")
    assert laptop.get(PAGE).status_code == 302


def test_a_password_change_ends_and_unlists_the_other_sessions(world):
    staff = world.users["staff_a"]
    laptop, phone = _device(staff, FIREFOX), _device(staff, IPHONE)
    new = "a new and much longer passphrase 7"
    r = laptop.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert r.status_code == 302
    staff.refresh_from_db()
    assert [s.device for s in sessions.session_list_for(staff, current_key=None)] == ["Firefox on Windows"]
    assert UserSession.objects.filter(user=staff).count() == 1
    assert phone.get(reverse("accounts:account")).status_code == 302


def test_a_session_whose_password_changed_elsewhere_is_not_listed(world):
    """Rows can outlive their session until its next request: the list checks each is still
    bound to the person's password."""
    staff = world.users["staff_a"]
    laptop = _device(staff, FIREFOX)
    staff.set_password("another long passphrase 42")
    staff.save()
    assert sessions.session_list_for(staff, current_key=laptop.session.session_key) == []


def test_the_session_keeps_its_handle_through_the_second_factor(world):
    """The key changes when the second factor is passed; the session's handle, and so its row's
    person and sign-in time, carry on."""
    dsl = world.users["dsl_a"]
    device = totp_device(dsl)
    browser = _device(dsl, FIREFOX, second_factor=False)
    handle, key = _handle(browser), browser.session.session_key
    code = str(TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()).zfill(6)
    assert browser.post(reverse("accounts:two_factor_verify"), {"token": code}).status_code == 302
    assert browser.session.session_key != key and _handle(browser) == handle
    row = UserSession.objects.get(session_key=browser.session.session_key)
    assert (row.user, row.handle, row.device) == (dsl, handle, "Firefox on Windows")
    assert not UserSession.objects.filter(session_key=key).exists()


def test_an_eleventh_sign_in_ends_the_session_used_longest_ago(world):
    staff = world.users["staff_a"]
    browsers = [_device(staff, FIREFOX) for _ in range(sessions.SESSIONS_PER_PERSON)]
    oldest = browsers[0]
    for browser in browsers[1:]:
        browser.get(reverse("accounts:account"))  # used since: the first is the one used longest ago
    latest = _device(staff, IPHONE)
    assert UserSession.objects.filter(user=staff).count() == sessions.SESSIONS_PER_PERSON
    assert oldest.get(reverse("accounts:account")).status_code == 302
    assert all(b.get(reverse("accounts:account")).status_code == 200 for b in [*browsers[1:], latest])
    signed_in = AuditEvent.objects.filter(event=Event.SIGNED_IN, actor=staff).latest("pk")
    assert signed_in.extra == {"sessions_ended": 1, "sessions_limit": sessions.SESSIONS_PER_PERSON}


def _queries(user, path: str, engine: str, settings) -> int:
    settings.SESSION_ENGINE = engine
    browser = Client()  # loads the middleware, and so the engine, afresh
    sign_in(browser, user)
    browser.get(path)
    with CaptureQueriesContext(connection) as ctx:
        assert browser.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_knowing_whose_sessions_adds_no_query_to_a_page(world, settings):
    """The row's person, times and browser ride in the UPDATE every request makes anyway, and
    the lifetime is read from the session's data: no page asks the database more than with
    Django's own database sessions."""
    dsl = world.users["dsl_a"]
    for path in ("/", reverse("accounts:account"), reverse("people:pupil_list")):
        plain = _queries(dsl, path, "django.contrib.sessions.backends.db", settings)
        haven = _queries(dsl, path, "haven.accounts.sessions", settings)
        assert haven <= plain, path


def test_the_hourly_clearsessions_removes_expired_sessions_from_havens_table(world):
    from django.core.management import call_command

    laptop, phone = _device(world.users["staff_a"], FIREFOX), _device(world.users["staff_a"], IPHONE)
    UserSession.objects.filter(session_key=phone.session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(minutes=1)
    )
    call_command("clearsessions")
    assert list(UserSession.objects.values_list("session_key", flat=True)) == [laptop.session.session_key]
