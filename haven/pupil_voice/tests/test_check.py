"""A pupil reads replies and writes back with a reference and passphrase; guessing fails."""

import contextlib
import re
import time

from haven.core.errors import ApplicationError
from haven.pupil_voice import services
from haven.pupil_voice.models import PupilReport

from .helpers import secrets_from, tell


def _check(client, reference, passphrase, ip="203.0.113.50"):
    return client.post("/tell/check/", {"reference": reference, "passphrase": passphrase}, REMOTE_ADDR=ip)


def _reported(client, world):
    return secrets_from(tell(client, world.school_a.report_code))


def test_the_pupil_reads_a_reply_and_writes_back(client, world):
    report, passphrase = _reported(client, world)
    services.staff_message_add(
        by=world.users["dsl_a"], report=report, body="Thank you. Can we talk at break?", kind="question"
    )
    r = _check(client, report.reference.lower().replace("-", " "), passphrase.upper())
    assert r.status_code == 200
    assert "Can we talk at break?" in r.text and "The safeguarding team asked" in r.text
    token = r.context["token"]
    r = client.post("/tell/check/", {"token": token, "body": "Yes please, by the library."})
    assert r.status_code == 200 and "We have your message" in r.text
    report.refresh_from_db()
    assert report.pupil_wrote_last
    assert [m.body for m in report.messages.all()][-1] == "Yes please, by the library."


def test_a_forged_or_old_token_opens_nothing(client, world):
    report, _ = _reported(client, world)
    r = client.post("/tell/check/", {"token": "forged", "body": "hello"})
    assert r.status_code == 400 and "timed out" in r.text
    assert report.messages.count() == 0


def _body(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def test_unknown_and_known_references_get_the_same_answer(client, world):
    report, _ = _reported(client, world)
    known = _check(client, report.reference, "wrong words entirely here")
    unknown = _check(client, "ZZZZ-ZZZZ", "wrong words entirely here")
    assert known.status_code == unknown.status_code == 400
    assert services.CHECK_REFUSED in known.text
    assert _body(known).replace(report.reference, "REF") == _body(unknown).replace("ZZZZ-ZZZZ", "REF")


def test_timing_is_similar_for_unknown_and_known_references(client, world, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    services._dummy_hash.cache_clear()
    report, _ = _reported(client, world)

    def timed(reference: str) -> float:
        start = time.perf_counter()
        with contextlib.suppress(ApplicationError):
            services.report_check(reference=reference, passphrase="not the right words")
        return time.perf_counter() - start

    known = min(timed(report.reference) for _ in range(3))
    unknown = min(timed("ZZZZ-ZZZY") for _ in range(3))
    services._dummy_hash.cache_clear()
    # Both run one slow hash (tens of milliseconds); a lookup alone would be far quicker.
    assert known > 0.01 and unknown > 0.01
    assert 0.5 < known / unknown < 2


def test_repeated_wrong_passphrases_lock_the_reference_even_for_the_right_one(client, world):
    report, passphrase = _reported(client, world)
    for _ in range(5):
        assert _check(client, report.reference, "otter maple drum kite honey").status_code == 400
    r = _check(client, report.reference, passphrase)
    assert r.status_code == 400 and services.CHECK_REFUSED in r.text
    # An unknown reference locks the same way, so locking reveals nothing either.
    for _ in range(6):
        locked_unknown = _check(client, "ZZZZ-ZZZZ", "otter maple drum kite honey", ip="203.0.113.51")
    assert _body(locked_unknown).replace("ZZZZ-ZZZZ", "REF") == _body(r).replace(report.reference, "REF")


def test_the_lock_ends_and_the_right_passphrase_then_works(client, world):
    from haven.pupil_voice import limits

    report, passphrase = _reported(client, world)
    for _ in range(5):
        _check(client, report.reference, "otter maple drum kite honey")
    limits.clear(limits.CHECK_FAILURES, report.reference)  # as after 15 minutes
    assert _check(client, report.reference, passphrase).status_code == 200


def test_one_address_cannot_try_many_references(client, world):
    for i in range(30):
        _check(client, f"AAAA-AA{i:02d}", "some words here", ip="198.51.100.3")
    assert _check(client, "AAAA-AAAA", "some words here", ip="198.51.100.3").status_code == 429


def test_only_a_slow_hash_of_the_passphrase_is_kept(client, world):
    report, passphrase = _reported(client, world)
    stored = PupilReport.objects.values_list("passphrase_hash", flat=True).get(pk=report.pk)
    assert passphrase not in stored and passphrase.replace(" ", "") not in stored
    assert "$" in stored  # Django's algorithm$...$hash format (Argon2 outside tests)
