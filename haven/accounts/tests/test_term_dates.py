import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.audit.context import Channel
from haven.audit.events import Event
from haven.audit.models import AuditEvent
from haven.cases import services
from haven.cases.schooldays import add_school_days
from haven.organisations.models import SchoolClosure


def test_school_days_skip_weekends_and_closures():
    half_term = [(dt.date(2026, 10, 26), dt.date(2026, 10, 30))]
    assert add_school_days(dt.date(2026, 10, 22), 10) == dt.date(2026, 11, 5)
    assert add_school_days(dt.date(2026, 10, 22), 10, half_term) == dt.date(2026, 11, 12)


def test_the_administrator_records_term_dates(client, world):
    sign_in(client, world.users["admin_a"], verified=False)
    url = reverse("term_dates", args=[world.school_a.pk])
    r = client.post(url, {"name": "Autumn half term", "first_day": "2026-10-26", "last_day": "2026-10-30"})
    assert r.status_code == 302
    assert world.school_a.closures.get().name == "Autumn half term"
    bad = client.post(url, {"name": "Backwards", "first_day": "2026-12-20", "last_day": "2026-12-01"})
    assert bad.status_code == 400 and "cannot be before" in bad.text and 'value="Backwards"' in bad.text
    overlap = client.post(url, {"name": "Again", "first_day": "2026-10-28", "last_day": "2026-10-29"})
    assert overlap.status_code == 400 and "overlap" in overlap.text


@pytest.mark.parametrize("key", ["admin_b", "dsl_a", "staff_a", "la_officer_a"])
def test_others_get_404(client, world, key):
    sign_in(client, world.users[key])
    assert client.get(reverse("term_dates", args=[world.school_a.pk])).status_code == 404
    refused = AuditEvent.objects.get(event=Event.ACCESS_REFUSED, object_type="organisations.school.term_dates")
    assert (refused.actor, refused.channel, refused.school_id) == (world.users[key], Channel.PAGE, world.school_a.pk)


def test_adding_and_removing_a_closure_is_audited_by_name(client, world):
    admin = world.users["admin_a"]
    sign_in(client, admin, verified=False)
    url = reverse("term_dates", args=[world.school_a.pk])
    client.post(url, {"name": "INSET day", "first_day": "2026-09-01", "last_day": "2026-09-01"})
    closure = world.school_a.closures.get()
    added = AuditEvent.objects.get(event=Event.CLOSURE_ADDED, object_id=str(closure.pk))
    assert (added.actor, added.channel, added.school_id) == (admin, Channel.PAGE, world.school_a.pk)
    assert added.extra == {"name": "INSET day", "first_day": "2026-09-01", "last_day": "2026-09-01"}
    assert client.post(url, {"remove": closure.pk}).status_code == 302
    assert not world.school_a.closures.exists()
    removed = AuditEvent.objects.get(event=Event.CLOSURE_REMOVED, object_id=str(closure.pk))
    assert (removed.actor, removed.channel) == (admin, Channel.PAGE)
    assert removed.extra["changes"] == {"first_day": ["2026-09-01", None], "last_day": ["2026-09-01", None]}


def test_a_referral_is_not_overdue_during_a_holiday(client, world, make_concern):
    today = timezone.localdate()
    referred = today - dt.timedelta(days=16)
    case = services.case_open(by=world.users["dsl_a"], concern=make_concern())
    services.referral_make(by=world.users["dsl_a"], case=case, agency="social_care", referred_on=referred)
    sign_in(client, world.users["dsl_a"])
    assert len(client.get(reverse("cases:dashboard")).context["board"].overdue_referrals) == 1
    SchoolClosure.objects.create(
        school=world.school_a, name="Holiday", first_day=referred + dt.timedelta(days=1), last_day=today
    )
    assert client.get(reverse("cases:dashboard")).context["board"].overdue_referrals == []
