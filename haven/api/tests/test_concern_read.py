"""GET /api/v1/concerns/ and one concern, and amending one: the page's access, exactly."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from haven.audit.context import Channel
from haven.audit.events import Event
from haven.audit.models import Action, AuditEvent
from haven.concerns.services import concern_acknowledge, concern_close_no_further_action
from haven.testing.factories import MembershipFactory, UserFactory

from .conftest import problem_of

LIST = "/api/v1/concerns/"


def _refs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [c["reference"] for c in response.json()["results"]]


def test_staff_list_only_their_own_concerns_without_status(world, api_as, make_concern):
    own = make_concern(by=world.users["staff_a"])
    make_concern(by=world.users["deputy_a"])
    response = api_as(world.users["staff_a"]).get(LIST)
    assert _refs(response) == [own.reference]
    row = response.json()["results"][0]
    assert row["status"] is None and row["received"] is False
    assert "what_happened" not in row  # the narrative is the audited read of one concern


def test_the_dsl_lists_the_schools_concerns_with_their_status(world, api_as, make_concern):
    first, second = make_concern(), make_concern(by=world.users["head_a"])
    response = api_as(world.users["dsl_a"]).get(LIST)
    assert _refs(response) == [second.reference, first.reference]
    assert response.json()["results"][0]["status"] == "new"
    assert response.json()["count"] == 2


def test_another_schools_dsl_lists_nothing_of_school_a(world, api_as, make_concern):
    make_concern()
    assert _refs(api_as(world.users["dsl_b"]).get(LIST)) == []


def test_the_list_is_paged_at_most_100(world, api_as, make_concern):
    for _ in range(3):
        make_concern()
    api = api_as(world.users["dsl_a"])
    page = api.get(LIST, limit=2).json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    assert len(api.get(LIST, limit=2, offset=2).json()["results"]) == 1
    assert api.get(LIST, limit=10_000).status_code == 200
    assert api.get(LIST, offset=10**30).json()["results"] == []


def test_filters(world, api_as, make_concern):
    old = make_concern()
    new = make_concern(by=world.users["head_a"])
    concern_acknowledge(by=world.users["dsl_a"], concern=old)
    api = api_as(world.users["dsl_a"])
    assert _refs(api.get(LIST, status="acknowledged")) == [old.reference]
    assert _refs(api.get(LIST, received="false")) == [new.reference]
    assert _refs(api.get(LIST, school="140002")) == []
    assert set(_refs(api.get(LIST, school="140001"))) == {old.reference, new.reference}


def test_updated_since_finds_recorded_received_amended_and_closed_concerns(world, api_as, make_concern):
    a, b, c, d = (make_concern() for _ in range(4))
    since = timezone.now()
    dsl = world.users["dsl_a"]
    api = api_as(dsl)
    assert _refs(api.get(LIST, updated_since=since.isoformat())) == []
    concern_acknowledge(by=dsl, concern=a)
    from haven.concerns.services import amendment_add

    amendment_add(by=world.users["staff_a"], concern=b, kind="addition", text="She told me more.")
    e = make_concern()
    assert set(_refs(api.get(LIST, updated_since=since.isoformat()))) == {a.reference, b.reference, e.reference}
    later = timezone.now()
    concern_close_no_further_action(by=dsl, concern=a, rationale="Resolved with both children.")
    assert _refs(api.get(LIST, updated_since=later.isoformat())) == [a.reference]
    # The member of staff does not learn that their acknowledged concern was closed.
    assert _refs(api_as(world.users["staff_a"]).get(LIST, updated_since=later.isoformat())) == []
    assert c and d


@pytest.mark.parametrize(
    "params",
    [
        {"status": "bogus"},
        {"received": "maybe"},
        {"school": "14000"},
        {"school": "x" * 5000},
        {"updated_since": "yesterday"},
        {"updated_since": "2025-01-01T00:00:00"},
        {"updated_since": "9999-12-31T23:59:59-12:00"},
        {"status": "\x00"},
    ],
)
def test_bad_filters_are_400_problems(world, api_as, params):
    response = api_as(world.users["dsl_a"]).get(LIST, **params)
    assert response.status_code == 400
    assert list(problem_of(response)["errors"]) == list(params)


def test_one_concern_in_full_is_audited(world, api_as, make_concern):
    concern = make_concern(what_happened="Name-calling in the lunch queue.")
    response = api_as(world.users["dsl_a"]).get(f"{LIST}{concern.reference}/")
    assert response.status_code == 200
    data = response.json()
    assert data["what_happened"] == "Name-calling in the lunch queue."
    assert data["children"][0]["name"] == world.pupils["a"].display_name
    assert data["categories"] == [{"code": "bullying", "name": "Bullying"}]
    assert AuditEvent.objects.filter(
        action=Action.VIEW, object_type="concerns.concern", object_id=str(concern.pk), actor=world.users["dsl_a"]
    ).exists()


@pytest.mark.parametrize("user_key", ["dsl_b", "deputy_b", "head_b", "staff_b", "trust_lead_a", "another_staff_a"])
def test_who_may_not_read_it_gets_404_and_the_refusal_is_audited(world, api_as, make_concern, user_key):
    concern = make_concern()
    if user_key == "another_staff_a":  # staff read only the concerns they recorded
        user = UserFactory(email="colleague_a@example.org")
        MembershipFactory(user=user, role="staff", school=world.school_a)
    else:
        user = world.users[user_key]
    response = api_as(user).get(f"{LIST}{concern.reference}/")
    assert response.status_code == 404
    problem_of(response)
    assert AuditEvent.objects.filter(
        action=Action.ACCESS_DENIED, object_id=concern.reference, school=world.school_a, actor=user
    ).exists()


def test_a_missing_concern_and_a_forbidden_one_look_the_same(world, api_as, make_concern):
    concern = make_concern()
    api = api_as(world.users["dsl_b"])
    forbidden = api.get(f"{LIST}{concern.reference}/")
    missing = api.get(f"{LIST}C-140001-99999/")
    assert forbidden.status_code == missing.status_code == 404
    f, m = forbidden.json(), missing.json()
    f.pop("instance"), m.pop("instance")
    assert f == m


def test_an_amendment_is_appended(world, api_as, make_concern):
    concern = make_concern()
    api = api_as(world.users["staff_a"])
    response = api.post(f"{LIST}{concern.reference}/amendments/", {"kind": "correction", "text": "It was Tuesday."})
    assert response.status_code == 201, response.content
    assert response.json()["concern"] == concern.reference
    detail = api.get(f"{LIST}{concern.reference}/").json()
    assert [a["text"] for a in detail["amendments"]] == ["It was Tuesday."]
    assert detail["what_happened"] == concern.what_happened


def test_another_schools_dsl_cannot_amend(world, api_as, make_concern):
    concern = make_concern()
    response = api_as(world.users["dsl_b"]).post(
        f"{LIST}{concern.reference}/amendments/", {"kind": "addition", "text": "x"}
    )
    assert response.status_code == 404
    assert not concern.amendments.exists()


@pytest.mark.parametrize("who", ["head_a", "trust_lead_a"])
def test_readers_who_do_not_write_the_record_cannot_amend(world, api_as, make_concern, who):
    """DESIGN §8: a head reads, a trust lead reads shared cases; neither adds to the record."""
    from haven.cases import services as case_services

    concern = make_concern()
    dsl = world.users["dsl_a"]
    case = case_services.case_open(by=dsl, concern=concern)
    case_services.case_access_set(
        by=dsl, case=case, version=case.version, restricted=False, named_users=[], shared_with_trust=True
    )
    api = api_as(world.users[who])
    assert api.get(f"{LIST}{concern.reference}/").status_code == 200  # they read it
    response = api.post(f"{LIST}{concern.reference}/amendments/", {"kind": "correction", "text": "Rewritten."})
    missing = api.post(f"{LIST}C-140001-99999/amendments/", {"kind": "correction", "text": "Rewritten."})
    assert response.status_code == missing.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    f, m = problem_of(response), problem_of(missing)
    f.pop("instance"), m.pop("instance")
    assert f == m
    refused = AuditEvent.objects.get(event=Event.ACCESS_REFUSED, object_id=concern.reference, extra__reason="amend")
    assert (refused.actor, refused.channel, refused.school_id) == (world.users[who], Channel.API, world.school_a.pk)
    assert not concern.amendments.exists()


def test_a_dsl_amends_a_concern_of_their_school(world, api_as, make_concern):
    concern = make_concern()
    response = api_as(world.users["dsl_a"]).post(
        f"{LIST}{concern.reference}/amendments/", {"kind": "addition", "text": "Mum rang."}
    )
    assert response.status_code == 201, response.content
    assert concern.amendments.get().author == world.users["dsl_a"]


@pytest.mark.parametrize(
    "body",
    [{}, {"kind": "rewrite", "text": "x"}, {"kind": "addition", "text": ""}, {"kind": "addition", "text": "x", "y": 1}],
)
def test_a_bad_amendment_is_a_400_problem(world, api_as, make_concern, body):
    concern = make_concern()
    response = api_as(world.users["staff_a"]).post(f"{LIST}{concern.reference}/amendments/", body)
    assert response.status_code == 400
    assert problem_of(response)["errors"]


def test_the_closing_rationale_is_shown_only_to_school_readers(world, api_as, make_concern):
    concern = make_concern()
    concern_close_no_further_action(by=world.users["dsl_a"], concern=concern, rationale="Spoke to both; resolved.")
    url = f"{LIST}{concern.reference}/"
    assert api_as(world.users["dsl_a"]).get(url).json()["closed_rationale"] == "Spoke to both; resolved."
    staff_view = api_as(world.users["staff_a"]).get(url).json()
    assert staff_view["closed_rationale"] is None and staff_view["status"] is None


def test_times_are_iso_8601_with_their_zone(world, api_as, make_concern):
    concern = make_concern()
    data = api_as(world.users["dsl_a"]).get(f"{LIST}{concern.reference}/").json()
    parsed = dt.datetime.fromisoformat(data["occurred_at"])
    assert parsed.tzinfo is not None
    assert abs(parsed - concern.occurred_at) < dt.timedelta(seconds=1)
