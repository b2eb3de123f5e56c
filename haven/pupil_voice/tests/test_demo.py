"""The demo step: reports in every state, written through the services, the same each time."""

from haven.core.demo import DEMO_TODAY, DemoWorld
from haven.pupil_voice.demo import STORIES, demo_pupil_reports
from haven.pupil_voice.models import PupilReport, ReportAlert


def _build(world, seed=7):
    demo = DemoWorld(seed=seed, authority=world.authority, schools={"a": world.school_a, "m": world.school_m})
    demo_pupil_reports(world=demo, seed=seed)
    return demo


def test_every_state_with_replies_in_each_school(world):
    demo = _build(world)
    assert demo.extra["pupil reports"] == 2 * len(STORIES)
    for school in (world.school_a, world.school_m):
        states = set(PupilReport.objects.filter(school=school).values_list("status", flat=True))
        assert states == {"new", "open", "converted", "closed", "malicious"}
        assert PupilReport.objects.filter(school=school, messages__kind="reply").exists()
        assert PupilReport.objects.filter(school=school, messages__kind="pupil").exists()
        converted = PupilReport.objects.get(school=school, status="converted")
        assert converted.concern.child_words == converted.what_happened
        urgent = PupilReport.objects.get(school=school, urgent=True)
        assert ReportAlert.objects.filter(report=urgent).count() == 2
    assert all(r.created_at.date() <= DEMO_TODAY for r in PupilReport.objects.all())


def test_references_come_from_the_seed(world):
    from django.contrib.auth.hashers import check_password

    from haven.core.demo import _rng
    from haven.pupil_voice.secrets_words import REFERENCE_ALPHABET, WORDS

    _build(world, seed=7)
    rng = _rng(7, "pupil_voice", world.school_a.urn)
    passphrase = " ".join(rng.choice(WORDS) for _ in range(5))
    raw = "".join(rng.choice(REFERENCE_ALPHABET) for _ in range(8))
    first = PupilReport.objects.get(school=world.school_a, what_happened=STORIES[0][3])
    assert first.reference == f"{raw[:4]}-{raw[4:]}"
    assert check_password(passphrase, first.passphrase_hash)
