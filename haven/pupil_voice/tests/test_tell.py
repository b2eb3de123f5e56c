"""A pupil tells their school, with no account, on a page that keeps nothing identifying."""

import pytest
from django.core import mail

from haven.audit.models import AuditEvent
from haven.pupil_voice import secrets_words
from haven.pupil_voice.models import PupilReport, ReportAlert

from .helpers import secrets_from, tell

UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) NotARealBrowser/1.0"


def test_the_form_names_the_school_and_has_a_quick_exit_and_help(client, world):
    r = client.get(f"/tell/{world.school_a.report_code}/")
    assert r.status_code == 200
    assert "Alder Academy" in r.text
    assert "data-quick-exit" in r.text and "https://www.bbc.co.uk/weather" in r.text
    assert "0800 1111" in r.text
    assert "no-store" in r["Cache-Control"]


def test_an_unknown_school_code_is_not_found(client, world):
    assert client.get("/tell/not-a-real-code/").status_code == 404
    assert client.post("/tell/not-a-real-code/", {"what_happened": "x"}).status_code == 404
    assert PupilReport.objects.count() == 0


def test_report_codes_are_unguessable_and_distinct(world):
    codes = {world.school_a.report_code, world.school_b.report_code, world.school_m.report_code}
    assert len(codes) == 3 and all(len(c) >= 12 for c in codes)


def test_primary_and_secondary_pupils_get_their_own_words(client, world):
    primary = client.get(f"/tell/{world.school_m.report_code}/").text
    secondary = client.get(f"/tell/{world.school_a.report_code}/").text
    assert "grown-up" in primary and "🚻" in primary
    assert "safeguarding team" in secondary and "🚻" not in secondary


def test_the_only_cookie_is_the_forms_csrf_cookie(client, world):
    r = client.get(f"/tell/{world.school_a.report_code}/")
    assert set(r.cookies) == {"csrftoken"}
    r = tell(client, world.school_a.report_code)
    assert set(r.cookies) <= {"csrftoken"}
    assert "sessionid" not in client.cookies


def test_nothing_is_loaded_from_outside(client, world):
    text = client.get(f"/tell/{world.school_a.report_code}/").text
    for attribute in ("src=", "href="):
        for part in text.split(attribute)[1:]:
            url = part[1:].split(part[0])[0]
            if url.startswith("http"):
                # The only outside address is the quick-exit link, which is navigated to, not loaded.
                assert url == "https://www.bbc.co.uk/weather" and attribute == "href="


def test_a_report_gets_a_reference_and_passphrase_shown_once(client, world):
    r = tell(client, world.school_a.report_code, who_involved="Sam in 8B", contact="reply_here")
    assert r.status_code == 200
    report, passphrase = secrets_from(r)
    assert report.school == world.school_a and report.status == "new" and not report.urgent
    assert report.what_happened == "Someone keeps calling me names in the corridor."
    assert report.who_involved == "Sam in 8B" and report.contact == "reply_here"
    assert len(passphrase.split()) == 5 and all(w in secrets_words.WORDS for w in passphrase.split())
    assert passphrase not in report.passphrase_hash
    assert "What happens next" in r.text
    assert secrets_words.entropy_bits() >= 80


def test_nothing_identifying_is_stored_with_the_report_or_in_the_audit_log_or_logs(client, world, caplog):
    caplog.set_level("DEBUG")
    r = client.post(
        f"/tell/{world.school_a.report_code}/",
        {"what_happened": "Someone took a photo of me in the changing rooms."},
        REMOTE_ADDR="198.51.100.77",
        HTTP_USER_AGENT=UA,
    )
    report, _ = secrets_from(r)
    row = PupilReport.objects.filter(pk=report.pk).values().get()
    for value in row.values():
        assert "198.51.100.77" not in str(value) and "NotARealBrowser" not in str(value)
    event = AuditEvent.objects.get(object_type="pupil_voice.pupilreport", object_id=str(report.pk))
    assert event.ip_address is None and event.user_agent == "" and event.actor_id is None
    assert not AuditEvent.objects.filter(ip_address="198.51.100.77").exists()
    assert not AuditEvent.objects.filter(user_agent__contains="NotARealBrowser").exists()
    # A refused report (logged by Django as a bad request) logs neither either.
    client.post(
        f"/tell/{world.school_a.report_code}/", {"what_happened": ""}, REMOTE_ADDR="198.51.100.77", HTTP_USER_AGENT=UA
    )
    assert caplog.records and "198.51.100.77" not in caplog.text and "NotARealBrowser" not in caplog.text


def test_an_empty_report_is_refused_kindly_and_keeps_the_other_answers(client, world):
    r = tell(client, world.school_a.report_code, text="   ", who_involved="Jo")
    assert r.status_code == 400
    assert "Please tell us what happened." in r.text
    assert "Jo</textarea>" in r.text
    assert PupilReport.objects.count() == 0


def test_a_100_kb_report_is_refused_and_kept_in_the_box(client, world):
    text = "a" * 100_000
    r = tell(client, world.school_a.report_code, text=text)
    assert r.status_code == 400
    assert "too long" in r.text and text in r.text
    assert PupilReport.objects.count() == 0


def test_scripts_and_html_are_inert_and_emoji_and_right_to_left_text_are_kept(client, world, django_user_model):
    from conftest import sign_in

    text = '<script>alert("x")</script><b>bold</b> 😢 هو يضايقني كل يوم'
    report, _ = secrets_from(tell(client, world.school_a.report_code, text=text))
    assert report.what_happened == text
    sign_in(client, world.users["dsl_a"])
    page = client.get(f"/pupil-voice/{report.pk}/").text
    assert '<script>alert("x")</script>' not in page and "&lt;script&gt;" in page
    assert "😢 هو يضايقني كل يوم" in page


def test_danger_words_make_a_report_urgent_and_alert_every_dsl(client, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        r = tell(client, world.school_a.report_code, text="He said he will bring a knife tonight.")
    report, _ = secrets_from(r)
    assert report.urgent and report.danger_words == ["weapon", "tonight"]
    to = sorted(m.to[0] for m in mail.outbox)
    assert to == ["deputy_a@example.org", "dsl_a@example.org"]
    assert "knife" not in mail.outbox[0].body and report.reference in mail.outbox[0].subject
    assert ReportAlert.objects.filter(report=report).count() == 2
    assert "told straight away" in r.text


def test_rate_limits_per_address(client, world):
    for _ in range(5):
        assert tell(client, world.school_a.report_code).status_code == 200
    r = tell(client, world.school_a.report_code)
    assert r.status_code == 429 and "0800 1111" in r.text
    assert PupilReport.objects.count() == 5
    # Another address at another school is not held up.
    assert tell(client, world.school_b.report_code, ip="203.0.113.10").status_code == 200


def test_rate_limits_per_school_code(client, world):
    from haven.pupil_voice import limits

    for _ in range(limits.REPORTS_PER_SCHOOL.count):
        limits.hit(limits.REPORTS_PER_SCHOOL, world.school_a.report_code)
    assert tell(client, world.school_a.report_code, ip="192.0.2.1").status_code == 429
    assert tell(client, world.school_b.report_code, ip="192.0.2.1").status_code == 200


@pytest.mark.parametrize(
    "text",
    [
        # The county review's case: pictures asked for with a threat, most nights.
        "A boy in year 10 keeps asking me for pictures and says he will share the photos with everyone if I "
        "don't. He messages most nights.",
        "Someone online said send me pics or I'll post them.",
        "They want £50 or they will share it with my friends.",
        "He sent me nudes and wants some back.",
    ],
)
def test_sexual_coercion_and_sextortion_make_a_report_urgent(client, world, text, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report, _ = secrets_from(tell(client, world.school_a.report_code, text=text))
    assert report.urgent and "sexual coercion" in report.danger_words
    assert sorted(m.to[0] for m in mail.outbox) == ["deputy_a@example.org", "dsl_a@example.org"]


@pytest.mark.parametrize(
    "text",
    ["He asked for a photo of my homework.", "We took pictures on the trip.", "My mum will send a letter."],
)
def test_ordinary_pictures_and_letters_are_not_urgent(client, world, text):
    report, _ = secrets_from(tell(client, world.school_a.report_code, text=text))
    assert not report.urgent and report.danger_words == []


def test_the_helplines_are_numbers_a_phone_can_call(client, world):
    code = world.school_a.report_code
    pages = [client.get(f"/tell/{code}/").text, client.get(f"/tell/{code}/about/help/").text]
    pages.append(tell(client, code, text="He said he will bring a knife tonight.").text)
    for page in pages:
        assert '<a href="tel:999">999</a>' in page
        assert '<a href="tel:08001111">0800 1111</a>' in page
