"""The demo step: reports in every state, written through the services, the same each time."""

from haven.demo.dates import DEMO_TODAY
from haven.demo.pupil_voice import STORIES, demo_pupil_reports
from haven.demo.world import DemoWorld, random_stream
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
        assert converted.concern is not None
        assert converted.concern.child_words == converted.what_happened
        urgent = PupilReport.objects.get(school=school, urgent=True)
        assert ReportAlert.objects.filter(report=urgent).count() == 2
    assert all(r.created_at.date() <= DEMO_TODAY for r in PupilReport.objects.all())


def test_references_come_from_the_seed(world):
    from django.contrib.auth.hashers import check_password

    from haven.pupil_voice.secrets_words import REFERENCE_ALPHABET, WORDS

    _build(world, seed=7)
    rng = random_stream(7, "pupil_voice", world.school_a.urn)
    passphrase = " ".join(rng.choice(WORDS) for _ in range(5))
    raw = "".join(rng.choice(REFERENCE_ALPHABET) for _ in range(8))
    # what_happened is encrypted at rest: the database cannot compare it, so it is found here
    (first,) = [r for r in PupilReport.objects.filter(school=world.school_a) if r.what_happened == STORIES[0][3]]
    assert first.reference == f"{raw[:4]}-{raw[4:]}"
    assert check_password(passphrase, first.passphrase_hash)


def test_two_survey_rounds_show_pupils_feeling_safer_and_hide_the_small_school(world):
    import datetime as dt

    from haven.demo.pupil_voice import demo_surveys
    from haven.pupil_voice.models import Survey, SurveyResponse
    from haven.pupil_voice.selectors import survey_results, survey_trend_for

    officer = world.users["la_officer_a"]
    assert officer  # the authority's officer opens both rounds
    demo = DemoWorld(
        seed=7, authority=world.authority, schools={"oakfield-park": world.school_a, "willowbrook": world.school_b}
    )
    demo_surveys(world=demo, seed=7)
    spring, autumn, winter = Survey.objects.order_by("opens_on")
    assert spring.created_by == officer and spring.status_on(DEMO_TODAY) == "closed"
    assert autumn.status_on(DEMO_TODAY) == "closed" and winter.status_on(DEMO_TODAY) == "open"
    assert demo.extra["survey answers"] == SurveyResponse.objects.count() == 84 + 7 + 97 + 8 + 9 + 2
    assert winter.responses.count() == 9 + 2
    assert not SurveyResponse.objects.filter(answered_on__gt=DEMO_TODAY).exists()
    assert all(r.answered_on.weekday() < 5 for r in SurveyResponse.objects.all())
    trend = survey_trend_for([world.school_a], dt.date(2026, 1, 1), DEMO_TODAY)
    for key in ("safe_school", "know_how_to_report"):
        before, after = trend[key][:2]  # winter's results show only once it closes
        assert before.positive_share is not None and after.positive_share is not None
        assert after.positive_share > before.positive_share + 0.08, key
    small = survey_trend_for([world.school_b], dt.date(2026, 1, 1), DEMO_TODAY)["safe_school"]
    assert [p.answers for p in small][:2] == [None, None]
    results = survey_results(autumn, [world.school_a, world.school_b])
    assert next(g for g in results.schools if g.school_id == world.school_b.pk).hidden
