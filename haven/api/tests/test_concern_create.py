"""POST /api/v1/concerns/: recording a concern through the API, under the page's rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.audit.models import Action, AuditEvent
from haven.concerns.models import Alert, Concern
from haven.testing.factories import PupilFactory

from .conftest import problem_of

URL = "/api/v1/concerns/"


@pytest.fixture
def body(world):
    def _body(**changes):
        data: dict[str, Any] = {
            "school": "140001",
            "children": [{"upn": world.pupils["a"].upn, "role": "affected"}],
            "occurred_at": (timezone.now() - dt.timedelta(hours=3)).isoformat(),
            "location": "corridor",
            "categories": ["bullying"],
            "what_happened": "Pushed against the lockers at break.",
            "child_words": "He said I'm nothing.",
            "actions_taken": "Separated them.",
            "child_told_next_steps": "yes",
        }
        data.update(changes)
        return {k: v for k, v in data.items() if v is not ...}

    return _body


def test_staff_record_a_concern_and_the_dsl_sees_it(client, world, api_as, body):
    api = api_as(world.users["staff_a"])
    response = api.post(URL, body(urgent=True))
    assert response.status_code == 201, response.content
    data = response.json()
    concern = Concern.objects.get(reference=data["reference"])
    assert response["Location"] == f"http://testserver/api/v1/concerns/{concern.reference}/"
    assert concern.source == "api"
    assert concern.recorded_by == world.users["staff_a"]
    assert concern.urgent
    assert [(c.pupil, c.role) for c in concern.children.all()] == [(world.pupils["a"], "affected")]
    assert data["children"][0]["role"] == "affected"
    assert data["children"][0]["upn"] is None  # staff do not read pupil files
    assert data["status"] is None and data["case"] is None
    assert AuditEvent.objects.filter(action=Action.CREATE, object_type="concerns.concern", object_id=str(concern.pk))
    sign_in(client, world.users["dsl_a"])
    assert concern.reference in client.get(reverse("cases:dashboard")).text


def test_a_child_can_be_named_by_pupil_id(world, api_as, body):
    response = api_as(world.users["dsl_a"]).post(
        URL, body(children=[{"pupil_id": world.pupils["a"].pk, "role": "alleged_harmer"}])
    )
    assert response.status_code == 201
    assert response.json()["children"][0]["upn"] == world.pupils["a"].upn  # the DSL reads pupil files


def test_the_staff_member_cannot_read_the_case_of_their_concern(client, world, api_as, body):
    from haven.cases.services import case_open

    api = api_as(world.users["staff_a"])
    concern = Concern.objects.get(reference=api.post(URL, body()).json()["reference"])
    case = case_open(by=world.users["dsl_a"], concern=concern, title="Lockers")
    assert api.get(f"/api/v1/cases/{case.reference}/").status_code == 404
    assert api.get(f"/api/v1/cases/{case.reference}/chronology/").status_code == 404
    assert api.get(f"/api/v1/pupils/{world.pupils['a'].pk}/chronology/").status_code == 404
    # They still read their own concern, without its case or status.
    own = api.get(f"/api/v1/concerns/{concern.reference}/").json()
    assert own["received"] is True and own["case"] is None and own["status"] is None


def _errors(response) -> dict:
    assert response.status_code == 400, response.content
    return problem_of(response)["errors"]


def test_no_child_is_refused(world, api_as, body):
    assert "children" in _errors(api_as(world.users["staff_a"]).post(URL, body(children=[])))


def test_a_future_time_is_refused(world, api_as, body):
    later = (timezone.now() + dt.timedelta(days=1)).isoformat()
    errors = _errors(api_as(world.users["staff_a"]).post(URL, body(occurred_at=later)))
    assert errors == {"occurred_at": ["When it happened cannot be in the future."]}


def test_a_time_without_its_zone_is_refused(world, api_as, body):
    errors = _errors(api_as(world.users["staff_a"]).post(URL, body(occurred_at="2025-03-14T10:30:00")))
    assert "time zone" in errors["occurred_at"][0]


def test_another_schools_pupil_is_not_on_the_roll(world, api_as, body):
    api = api_as(world.users["staff_a"])
    errors = _errors(api.post(URL, body(children=[{"pupil_id": world.pupils["b"].pk, "role": "affected"}])))
    assert errors == {"children.0.pupil_id": [f"No pupil with id {world.pupils['b'].pk} is on this school's roll."]}
    errors = _errors(api.post(URL, body(children=[{"upn": world.pupils["b"].upn, "role": "affected"}])))
    assert errors == {"children.0.upn": [f"No pupil with UPN {world.pupils['b'].upn} is on this school's roll."]}


def test_an_unknown_upn_is_named(world, api_as, body):
    children = [{"upn": world.pupils["a"].upn, "role": "affected"}, {"upn": "A123456789012", "role": "witness"}]
    errors = _errors(api_as(world.users["staff_a"]).post(URL, body(children=children)))
    assert list(errors) == ["children.1.upn"]


def test_a_child_named_twice_is_refused(world, api_as, body):
    children = [
        {"upn": world.pupils["a"].upn, "role": "affected"},
        {"pupil_id": world.pupils["a"].pk, "role": "witness"},
    ]
    assert "children" in _errors(api_as(world.users["staff_a"]).post(URL, body(children=children)))


def test_a_leaver_is_not_on_the_roll(world, api_as, body):
    leaver = PupilFactory(school=world.school_a, left_on=dt.date(2024, 7, 19))
    errors = _errors(
        api_as(world.users["staff_a"]).post(URL, body(children=[{"pupil_id": leaver.pk, "role": "affected"}]))
    )
    assert "children.0.pupil_id" in errors


def test_a_child_needs_exactly_one_identifier(world, api_as, body):
    api = api_as(world.users["staff_a"])
    assert "children.0" in _errors(api.post(URL, body(children=[{"role": "affected"}])))
    both = {"upn": world.pupils["a"].upn, "pupil_id": world.pupils["a"].pk, "role": "affected"}
    assert "children.0" in _errors(api.post(URL, body(children=[both])))


def test_an_unknown_category_is_named(world, api_as, body):
    errors = _errors(api_as(world.users["staff_a"]).post(URL, body(categories=["bullying", "not_a_category"])))
    assert errors == {
        "categories": ["Unknown kind of concern 'not_a_category': GET /api/v1/categories/ lists the codes."]
    }


def test_a_category_not_in_use_on_the_day_is_refused(world, api_as, body):
    errors = _errors(
        api_as(world.users["staff_a"]).post(
            URL, body(categories=["sexual_harassment"], occurred_at="2020-01-10T10:00:00+00:00")
        )
    )
    assert "was not in use on 10 January 2020" in errors["categories"][0]


def test_no_category_is_refused(world, api_as, body):
    assert "categories" in _errors(api_as(world.users["staff_a"]).post(URL, body(categories=[])))


def test_online_needs_the_platform(world, api_as, body):
    errors = _errors(api_as(world.users["staff_a"]).post(URL, body(location="online")))
    assert list(errors) == ["online_platform"]


def test_another_schools_urn_is_refused(world, api_as, body):
    errors = _errors(api_as(world.users["staff_a"]).post(URL, body(school="140002")))
    assert errors == {"school": ["You do not record concerns at a school with URN 140002."]}


def test_attachments_are_not_taken_by_the_api_and_it_says_why(world, api_as, body):
    errors = _errors(
        api_as(world.users["staff_a"]).post(URL, body(categories=["nudes"], attachments=[{"name": "photo.jpg"}]))
    )
    assert "UKCIS" in errors["attachments"][0]
    assert not Concern.objects.exists()


def test_a_misspelt_field_is_refused_not_lost(world, api_as, body):
    errors = _errors(api_as(world.users["staff_a"]).post(URL, body(child_word="I'm scared")))
    assert list(errors) == ["child_word"]


def test_a_trust_lead_does_not_record_concerns(world, api_as, body):
    response = api_as(world.users["trust_lead_a"]).post(URL, body())
    assert response.status_code == 403
    assert problem_of(response)["detail"] == "Your role does not record concerns."


def test_html_is_stored_and_returned_as_text(client, world, api_as, body):
    script = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes"'
    response = api_as(world.users["staff_a"]).post(URL, body(what_happened=script, child_words=script))
    assert response.status_code == 201
    assert response["Content-Type"] == "application/json"
    assert response.json()["what_happened"] == script
    concern = Concern.objects.get()
    assert concern.what_happened == script
    # And the page escapes it.
    sign_in(client, world.users["dsl_a"])
    page = client.get(reverse("concerns:detail", args=[concern.reference])).text
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_emoji_and_right_to_left_text_are_kept(world, api_as, body):
    words = "قال لي: أنت لا شيء 😢 — שלום 👩🏽‍🏫 \u202eevil\u202c"
    response = api_as(world.users["staff_a"]).post(URL, body(child_words=words, what_happened="🙂 " + words))
    assert response.status_code == 201
    assert response.json()["child_words"] == words
    assert Concern.objects.get().child_words == words


def test_an_urgent_concern_alerts_the_safeguarding_leads(world, api_as, body, django_capture_on_commit_callbacks):
    api = api_as(world.users["staff_a"])
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(URL, body(urgent=True)).status_code == 201
    recipients = {a.recipient.email for a in Alert.objects.filter(kind="urgent")}
    assert {"dsl_a@example.org", "deputy_a@example.org"} <= recipients


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("what_happened", 12),
        ("school", 140001),
        ("urgent", "yes"),
        ("urgent", 1),
        ("child_words", True),
        ("categories", [1]),
    ],
)
def test_json_types_are_as_the_schema_says(world, api_as, body, field, value):
    """No coercion of numbers to text or of "yes" to true: a client sending them has a bug."""
    errors = _errors(api_as(world.users["staff_a"]).post(URL, body(**{field: value})))
    assert field in errors or f"{field}.0" in errors
