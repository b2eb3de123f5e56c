"""Alerts that cannot be lost (issue 16): the outbox, its sweep, retries, the escalation's
hour, the failing-email banner and /healthz, against a real SMTP conversation on loopback."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from io import StringIO
from unittest import mock

import django.core.mail as send_mail_module
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django_tasks_db.models import DBTaskResult, get_date_max

from conftest import sign_in
from haven.access.roles import Role
from haven.alerts.delivery import _claim, backoff, send_due
from haven.alerts.models import OutboxAlert
from haven.concerns.models import Alert, Concern
from haven.concerns.services import concern_acknowledge
from haven.concerns.tests.test_record_concern import _form
from haven.pupil_voice.models import ReportAlert
from haven.pupil_voice.tests.helpers import secrets_from, tell
from haven.testing import factories as f

from .smtp import SMTPServer, free_port

HOUR = dt.timedelta(hours=1)
DSLS_A = ["deputy_a@example.org", "dsl_a@example.org"]


@contextlib.contextmanager
def at(moment: dt.datetime) -> Iterator[None]:
    """Haven's clock (haven.core.clock reads Django's at each call) at ``moment``."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def sweep() -> str:
    out = StringIO()
    call_command("send_alerts", stdout=out)
    return out.getvalue()


def smtp_on(settings, port: int) -> None:
    """Django's real SMTP backend, to a server on loopback (or to nothing listening)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5


def _emails(rows) -> list[str]:
    return sorted(rows.values_list("recipient__email", flat=True))


def test_email_down_at_an_urgent_concern_then_every_dsl_is_told_within_two_minutes_of_recovery(
    client, world, settings, django_capture_on_commit_callbacks
):
    port = free_port()
    smtp_on(settings, port)  # refused: nothing listens there
    sign_in(client, world.users["staff_a"])
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("concerns:new"), _form(world, urgent="on"))
    assert r.status_code == 302  # the concern is saved whatever the email does
    concern = Concern.objects.get()
    rows = OutboxAlert.objects.filter(kind=OutboxAlert.Kind.URGENT_CONCERN, about_id=concern.pk)
    assert _emails(rows) == DSLS_A
    for row in rows:  # the worker tried at once, failed, and recorded it
        assert row.status == "pending" and row.attempts == 1 and "Connection" in row.last_error
        assert list(row.attempt_log.values_list("outcome", flat=True)) == ["failed"]
    assert not Alert.objects.exists()

    start = concern.recorded_at
    for minute in range(1, 31):  # down for half an hour: a sweep every minute, nothing given up
        with at(start + dt.timedelta(minutes=minute, seconds=5)):
            sweep()
    assert set(rows.values_list("status", flat=True)) == {"pending"}
    assert min(rows.values_list("attempts", flat=True)) >= 6
    # After half an hour the backoff is 15 minutes; recovery must not wait that long.
    # The mail server is back at +30:30; the next minute's sweep sends them.
    with SMTPServer(port=port) as smtp, at(start + dt.timedelta(minutes=31, seconds=5)):
        assert "Alerts sent: 2" in sweep()
    assert smtp.mailbox.delivered_to() == DSLS_A
    assert all(concern.reference in m.data and "lockers" not in m.data for m in smtp.mailbox.messages)
    assert sorted(a.recipient.email for a in Alert.objects.filter(concern=concern, kind="urgent")) == DSLS_A
    assert set(rows.values_list("status", flat=True)) == {"sent"}
    # The head's escalation is still waiting for its hour.
    assert OutboxAlert.objects.get(kind=OutboxAlert.Kind.ESCALATION).status == "pending"


def test_a_refusal_for_the_third_of_three_recipients_leaves_two_told_and_retries_only_the_third(
    world, settings, make_concern, django_capture_on_commit_callbacks
):
    third = f.UserFactory(email="deputy2_a@example.org", full_name="Deputy Two A")
    f.MembershipFactory(user=third, role=Role.DEPUTY_DSL, school=world.school_a)
    with SMTPServer(refuse={third.email}) as smtp:
        smtp_on(settings, smtp.port)
        with django_capture_on_commit_callbacks(execute=True):
            concern = make_concern(urgent=True)
        assert smtp.mailbox.rcpt_log == [*["dsl_a@example.org", "deputy_a@example.org"], third.email]
        assert smtp.mailbox.delivered_to() == DSLS_A
        assert sorted(a.recipient.email for a in Alert.objects.filter(concern=concern)) == DSLS_A
        refused = OutboxAlert.objects.get(kind=OutboxAlert.Kind.URGENT_CONCERN, recipient=third)
        assert refused.status == "pending" and refused.attempts == 1 and refused.last_refused
        assert "550" in refused.last_error and "Attempt" not in refused.last_error
        first_try = refused.next_attempt_at

        smtp.mailbox.rcpt_log.clear()
        with at(first_try + dt.timedelta(seconds=1)):
            assert "Alerts sent: 0; failed (to try again): 1" in sweep()
        assert smtp.mailbox.rcpt_log == [third.email]  # only the third is tried again
        assert smtp.mailbox.delivered_to() == DSLS_A  # the first two once each
        refused.refresh_from_db()
        assert refused.attempts == 2 and refused.status == "pending"
        assert refused.next_attempt_at == first_try + dt.timedelta(seconds=1) + dt.timedelta(minutes=2)
        assert list(refused.attempt_log.values_list("outcome", flat=True)) == ["failed", "failed"]


def test_the_backoff_is_one_two_four_eight_then_fifteen_minutes():
    assert [backoff(n) for n in range(1, 8)] == [dt.timedelta(minutes=m) for m in (1, 2, 4, 8, 15, 15, 15)]


def test_the_head_is_told_exactly_an_hour_after_recording(world, make_concern, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        concern = make_concern(urgent=True)
    assert sorted(m.to[0] for m in mail.outbox) == DSLS_A
    mail.outbox.clear()
    row = OutboxAlert.objects.get(kind=OutboxAlert.Kind.ESCALATION)
    assert row.recipient == world.users["head_a"] and row.due_at == concern.recorded_at + HOUR
    with at(concern.recorded_at + HOUR - dt.timedelta(seconds=1)):
        sweep()
    assert mail.outbox == []
    with at(concern.recorded_at + HOUR):
        sweep()
    assert [m.to for m in mail.outbox] == [["head_a@example.org"]]
    assert "Not yet acknowledged" in mail.outbox[0].subject and "corridor" not in mail.outbox[0].body
    assert Alert.objects.get(kind="escalation").recipient == world.users["head_a"]
    with at(concern.recorded_at + 3 * HOUR):
        sweep()
    assert len(mail.outbox) == 1  # once


def test_the_worker_is_asked_to_send_the_escalation_at_its_hour(
    world, settings, make_concern, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    with django_capture_on_commit_callbacks(execute=True):
        concern = make_concern(urgent=True)
    tasks = DBTaskResult.objects.filter(task_path="haven.alerts.tasks.send_due_alerts")
    assert sorted(tasks.values_list("run_after", flat=True)) == [concern.recorded_at + HOUR, get_date_max()]


def test_an_escalation_acknowledged_first_is_not_sent_and_that_is_recorded(world, make_concern, mailoutbox):
    concern = make_concern(urgent=True)
    concern_acknowledge(by=world.users["dsl_a"], concern=concern)
    with at(concern.recorded_at + HOUR):
        assert "not needed: 1" in sweep()
    assert "head_a@example.org" not in [m.to[0] for m in mailoutbox]
    row = OutboxAlert.objects.get(kind=OutboxAlert.Kind.ESCALATION)
    assert row.status == "cancelled"
    attempt = row.attempt_log.get()
    assert attempt.outcome == "cancelled" and "acknowledged" in attempt.error
    assert not Alert.objects.filter(kind="escalation").exists()


def test_a_recipient_made_inactive_before_sending_is_skipped_and_recorded(world, make_concern, mailoutbox):
    make_concern(urgent=True)  # written, not yet sent (no commit callbacks run here)
    deputy = world.users["deputy_a"]
    deputy.is_active = False
    deputy.save(update_fields=["is_active"])
    assert "Alerts sent: 1; failed (to try again): 0; skipped (inactive account): 1" in sweep()
    assert [m.to[0] for m in mailoutbox] == ["dsl_a@example.org"]
    row = OutboxAlert.objects.get(kind=OutboxAlert.Kind.URGENT_CONCERN, recipient=deputy)
    assert row.status == "skipped" and row.attempt_log.get().outcome == "skipped"


def test_two_sweeps_never_take_the_same_alert(world, make_concern):
    make_concern(urgent=True)
    now = timezone.now()
    first, second = _claim(now, None), _claim(now, None)
    assert first is not None and second is not None and first.pk != second.pk
    assert _claim(now, None) is None  # the escalation is not due, the other two are taken
    assert _claim(now + dt.timedelta(minutes=6), None) is not None  # a lease that ran out is free again


def test_a_second_sweep_while_the_first_is_sending_takes_only_the_others(world, settings, make_concern):
    """Cron's sweep starts while the worker's is still talking to a slow mail server: the row
    the first has claimed is not sent twice, and between them each alert goes once."""
    for n in range(4):
        user = f.UserFactory(email=f"extra{n}_a@example.org")
        f.MembershipFactory(user=user, role=Role.DEPUTY_DSL, school=world.school_a)
    make_concern(urgent=True)  # six alerts written; no worker has run
    second: list[int] = []
    started: list[bool] = []
    real_send = send_mail_module.send_mail

    def slow_send(*args, **kwargs):
        if not started:  # the first sweep's first email: the second sweep runs meanwhile
            started.append(True)
            second.append(send_due().sent)
        return real_send(*args, **kwargs)

    with SMTPServer() as smtp:
        smtp_on(settings, smtp.port)
        with mock.patch("haven.alerts.delivery.send_mail", side_effect=slow_send):
            first = send_due().sent
    delivered = smtp.mailbox.delivered_to()
    assert len(delivered) == 6 and len(set(delivered)) == 6  # each once
    assert (first, second) == (1, [5])  # the first sweep's claimed row was left to it
    assert Alert.objects.filter(kind="urgent").count() == 6


def _page(user, moment) -> str:
    client = Client()
    with at(moment):
        sign_in(client, user)
        return client.get(reverse("home:home")).text


def test_failing_email_shows_a_banner_to_dsls_and_administrators_and_in_healthz(
    client, world, settings, make_concern, django_capture_on_commit_callbacks
):
    sent_at = dt.datetime(2026, 12, 2, 9, 5, tzinfo=dt.UTC)  # 09:05 in London (GMT in December)
    with at(sent_at), django_capture_on_commit_callbacks(execute=True):
        make_concern(urgent=True)  # told at once, by the test mail backend
    port = free_port()
    smtp_on(settings, port)
    failed_at = sent_at + dt.timedelta(minutes=30)
    with at(failed_at), django_capture_on_commit_callbacks(execute=True):
        make_concern(urgent=True)  # the worker's try fails
    banner = "Email alerts are failing: the last one was sent at 09:05 on 2 December."
    # One failure four minutes ago is not yet "failing".
    assert "Email alerts are failing" not in _page(world.users["dsl_a"], failed_at + dt.timedelta(minutes=4))
    later = failed_at + dt.timedelta(minutes=6)
    for key in ("dsl_a", "deputy_a", "admin_a", "trust_admin_a"):
        page = _page(world.users[key], later)
        assert banner in " ".join(strip_tags(page).split()), key
        assert 'role="status" id="alert-delivery-banner"' in page
    assert "Check urgent concerns on the" in _page(world.users["dsl_a"], later)
    for key in ("staff_a", "head_a", "dsl_b", "admin_b", "governor_a"):
        assert "Email alerts are failing" not in _page(world.users[key], later), key

    with at(later):
        r = client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "degraded"
    alerts = body["alerts"]
    assert alerts["status"] == "failing" and alerts["delivery"] == "failing"
    assert alerts["unsent"] == 2 and alerts["failing_deliveries"] == 2  # the escalations are not due yet
    assert alerts["oldest_unsent_seconds"] == 6 * 60
    assert alerts["last_sent_at"] == sent_at.isoformat()
    assert "example.org" not in r.text  # nobody's address on a public page

    with SMTPServer(port=port) as smtp, at(later + dt.timedelta(seconds=30)):
        sweep()
    assert smtp.mailbox.delivered_to() == DSLS_A
    assert "Email alerts are failing" not in _page(world.users["dsl_a"], later + dt.timedelta(minutes=1))
    with at(later + dt.timedelta(minutes=1)):
        assert client.get("/healthz").json()["alerts"]["delivery"] == "ok"


def test_an_urgent_pupil_report_goes_through_the_outbox(client, world, settings, django_capture_on_commit_callbacks):
    port = free_port()
    smtp_on(settings, port)
    with django_capture_on_commit_callbacks(execute=True):
        r = tell(client, world.school_a.report_code, text="He said he will bring a knife tonight.")
    report, _ = secrets_from(r)
    rows = OutboxAlert.objects.filter(kind=OutboxAlert.Kind.URGENT_REPORT, about_id=report.pk)
    assert _emails(rows) == DSLS_A
    assert set(rows.values_list("attempts", flat=True)) == {1} and not ReportAlert.objects.exists()
    with SMTPServer(port=port) as smtp, at(timezone.now() + dt.timedelta(minutes=1, seconds=5)):
        sweep()
    assert smtp.mailbox.delivered_to() == DSLS_A
    assert all(report.reference in m.data and "knife" not in m.data for m in smtp.mailbox.messages)
    assert ReportAlert.objects.filter(report=report).count() == 2
    sign_in(client, world.users["dsl_a"])
    page = client.get(reverse("pupil_voice:detail", args=[report.pk])).text
    assert "Alerted: " in page and "Deputy A (" in page and "Dsl A (" in page


def test_a_referral_without_an_outcome_alerts_the_dsls_the_morning_after_it_was_due(world, make_concern, mailoutbox):
    from haven.cases import services as cases

    dsl = world.users["dsl_a"]
    monday = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)
    with at(monday):
        case = cases.case_open(by=dsl, concern=make_concern())
        waiting = cases.referral_make(by=dsl, case=case, agency="camhs", referred_on=monday.date())
        answered = cases.referral_make(by=dsl, case=case, agency="early_help", referred_on=monday.date())
        cases.referral_outcome_record(by=dsl, referral=answered, outcome="Offered support.", outcome_on=monday.date())
    rows = OutboxAlert.objects.filter(kind=OutboxAlert.Kind.OVERDUE_OUTCOME)
    # Ten school days from Monday 2 November is Monday 16 November; overdue from the 17th.
    due = dt.datetime(2026, 11, 17, 8, 0, tzinfo=dt.UTC)  # 08:00 in London (GMT)
    assert set(rows.values_list("due_at", flat=True)) == {due}
    with at(due - dt.timedelta(seconds=1)):
        sweep()
    assert mailoutbox == []
    with at(due):
        assert "Alerts sent: 2; failed (to try again): 0; skipped (inactive account): 0; not needed: 2" in sweep()
    assert sorted(m.to[0] for m in mailoutbox) == DSLS_A
    assert all(case.reference in m.body and "CAMHS" not in m.body + m.subject for m in mailoutbox)
    assert _emails(rows.filter(about_id=waiting.pk, status="sent")) == DSLS_A
    assert _emails(rows.filter(about_id=answered.pk, status="cancelled")) == DSLS_A


def test_the_alerts_link_to_the_concern_itself_at_the_address_haven_is_served_on(
    client, world, settings, make_concern, django_capture_on_commit_callbacks
):
    settings.HAVEN_SITE_URL = "http://127.0.0.1:8123"  # as make run sets HAVEN_BASE_URL for its port
    with django_capture_on_commit_callbacks(execute=True):
        concern = make_concern(urgent=True)
    triage = f"http://127.0.0.1:8123{reverse('cases:triage', args=[concern.reference])}"
    assert mail.outbox and all(triage in m.body for m in mail.outbox)
    mail.outbox.clear()
    with at(concern.recorded_at + HOUR):
        sweep()
    detail = f"http://127.0.0.1:8123{reverse('concerns:detail', args=[concern.reference])}"
    assert [m.to for m in mail.outbox] == [["head_a@example.org"]] and detail in mail.outbox[0].body
    # Each link opens the record for the person it was sent to.
    for user, url in ((world.users["dsl_a"], triage), (world.users["head_a"], detail)):
        sign_in(client, user)
        assert client.get(url.removeprefix("http://127.0.0.1:8123")).status_code == 200
        client.logout()
