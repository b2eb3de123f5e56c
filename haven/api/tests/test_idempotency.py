"""Idempotency-Key on the API's POSTs that create: a retry is answered, never recorded twice."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from haven.api.models import IdempotencyKey
from haven.audit.models import AuditEvent
from haven.cases.services import case_open
from haven.concerns.models import Amendment, Concern
from haven.safety_plans.models import SafetyPlan

from .conftest import problem_of

URL = "/api/v1/concerns/"


@pytest.fixture
def body(world):
    def _body(**changes: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            "school": "140001",
            "children": [{"upn": world.pupils["a"].upn, "role": "affected"}],
            "occurred_at": (timezone.now() - dt.timedelta(hours=3)).isoformat(),
            "location": "corridor",
            "categories": ["bullying"],
            "what_happened": "Pushed against the lockers at break.",
            "child_told_next_steps": "yes",
        }
        data.update(changes)
        return data

    return _body


@pytest.fixture
def post_as(token_for):
    """``post_as(user)(url, body, key=...)``: a JSON POST with the user's token and a key."""

    def _for(user):
        token = token_for(user)

        def _post(url: str, data: Any, *, key: str | None = None):
            headers = {"Authorization": f"Bearer {token}"}
            if key is not None:
                headers["Idempotency-Key"] = key
            return Client().post(url, data=data, content_type="application/json", headers=headers)

        return _post

    return _for


def _submitted(concern_pk: int) -> int:
    return AuditEvent.objects.filter(event="concern.submitted", object_id=str(concern_pk)).count()


def test_a_retry_with_the_same_key_is_answered_with_the_first_answer(world, post_as, body):
    post = post_as(world.users["staff_a"])
    data = body()
    first = post(URL, data, key="mis-7c1f")
    assert first.status_code == 201, first.content
    assert "Idempotent-Replayed" not in first
    again = post(URL, data, key="mis-7c1f")
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert Concern.objects.count() == 1
    # The creation is audited once: the replay records no second creation.
    assert _submitted(Concern.objects.get().pk) == 1


def test_the_stored_first_answer_holds_no_narrative_at_rest(world, post_as, body):
    from django.db import connection

    post = post_as(world.users["staff_a"])
    data = body(what_happened="Quokkaxylo was pushed at break.", child_words="yuzutwister said it")
    first = post(URL, data, key="mis-at-rest")
    assert first.status_code == 201 and "Quokkaxylo" in first.content.decode()
    with connection.cursor() as cursor:
        cursor.execute("SELECT response_body FROM api_idempotencykey")
        (stored,) = cursor.fetchone()
    assert stored.startswith("hv1$") and "quokkaxylo" not in stored.casefold() and "yuzutwister" not in stored
    again = post(URL, data, key="mis-at-rest")
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()


def test_the_same_body_with_its_keys_in_another_order_is_the_same_request(world, post_as, body):
    post = post_as(world.users["staff_a"])
    data = body()
    assert post(URL, data, key="k1").status_code == 201
    reordered = dict(reversed(list(data.items())))
    assert post(URL, reordered, key="k1")["Idempotent-Replayed"] == "true"
    assert Concern.objects.count() == 1


def test_the_same_key_with_another_body_is_refused_and_records_nothing(world, post_as, body):
    post = post_as(world.users["staff_a"])
    assert post(URL, body(), key="k1").status_code == 201
    r = post(URL, body(what_happened="A different incident in the toilets."), key="k1")
    assert r.status_code == 422
    problem = problem_of(r)
    assert "Idempotency-Key" in problem["errors"]
    assert problem["type"] == "urn:haven:problem:idempotency_key_reused"
    assert Concern.objects.count() == 1


def test_the_same_key_on_another_endpoint_is_refused(world, post_as, body, make_concern):
    concern = make_concern(by=world.users["staff_a"])
    post = post_as(world.users["staff_a"])
    assert post(URL, body(), key="k1").status_code == 201
    r = post(f"/api/v1/concerns/{concern.reference}/amendments/", {"kind": "addition", "text": "More."}, key="k1")
    assert r.status_code == 422, r.content
    assert not Amendment.objects.exists()


def test_another_users_same_key_is_their_own_and_never_replays_someone_elses_answer(world, post_as, body):
    first = post_as(world.users["staff_a"])(URL, body(what_happened="Told by pupil A."), key="shared-key")
    assert first.status_code == 201
    # Another member of staff at the same school, and one at another school, with the same key.
    other = post_as(world.users["dsl_a"])(URL, body(what_happened="Seen by the DSL."), key="shared-key")
    assert other.status_code == 201 and "Idempotent-Replayed" not in other
    assert other.json()["reference"] != first.json()["reference"]
    assert "Told by pupil A." not in other.content.decode()
    elsewhere = post_as(world.users["staff_b"])(
        URL, body(school="140002", children=[{"upn": world.pupils["b"].upn, "role": "affected"}]), key="shared-key"
    )
    assert elsewhere.status_code == 201 and "Idempotent-Replayed" not in elsewhere
    assert "Told by pupil A." not in elsewhere.content.decode()
    assert Concern.objects.count() == 3
    # The same body as the first user's, under their key, is still a new concern for this user.
    same = post_as(world.users["dsl_a"])(URL, body(what_happened="Told by pupil A."), key="another")
    assert same.status_code == 201 and same.json()["reference"] != first.json()["reference"]


def test_a_refused_request_keeps_no_key_so_the_corrected_one_is_recorded(world, post_as, body):
    post = post_as(world.users["staff_a"])
    r = post(URL, body(categories=[]), key="k1")
    assert r.status_code == 400
    assert not IdempotencyKey.objects.exists()
    r = post(URL, body(), key="k1")
    assert r.status_code == 201 and "Idempotent-Replayed" not in r
    assert Concern.objects.count() == 1


@pytest.mark.parametrize(
    ("key", "says"),
    [("", "empty"), (" ", "empty"), ("x" * 256, "longer than 255"), ("clé", "visible ASCII")],
)
def test_a_key_that_cannot_be_one_is_refused_naming_the_header(world, post_as, body, key, says):
    r = post_as(world.users["staff_a"])(URL, body(), key=key)
    assert r.status_code == 400
    problem = problem_of(r)
    assert says in problem["errors"]["Idempotency-Key"][0]
    assert not Concern.objects.exists()


def test_a_key_of_255_characters_is_taken(world, post_as, body):
    post, data = post_as(world.users["staff_a"]), body()
    assert post(URL, data, key="k" * 255).status_code == 201
    assert post(URL, data, key="k" * 255)["Idempotent-Replayed"] == "true"


def test_without_a_key_each_post_records_a_concern(world, post_as, body):
    post = post_as(world.users["staff_a"])
    data = body()
    assert post(URL, data).status_code == 201
    assert post(URL, data).status_code == 201
    assert Concern.objects.count() == 2
    assert not IdempotencyKey.objects.exists()


def test_a_key_expires_after_24_hours(world, post_as, body):
    post = post_as(world.users["staff_a"])
    data = body()
    assert post(URL, data, key="k1").status_code == 201
    IdempotencyKey.objects.update(created_at=timezone.now() - dt.timedelta(hours=23, minutes=59))
    assert post(URL, data, key="k1")["Idempotent-Replayed"] == "true"
    IdempotencyKey.objects.update(created_at=timezone.now() - dt.timedelta(hours=24, seconds=1))
    later = post(URL, data, key="k1")
    assert later.status_code == 201 and "Idempotent-Replayed" not in later
    assert Concern.objects.count() == 2
    assert IdempotencyKey.objects.count() == 1


def test_the_hourly_purge_deletes_keys_a_day_old(world, post_as, body):
    post = post_as(world.users["staff_a"])
    assert post(URL, body(), key="old").status_code == 201
    assert post(URL, body(), key="new").status_code == 201
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - dt.timedelta(hours=25))
    out = io.StringIO()
    call_command("purge_idempotency_keys", stdout=out)
    assert "1 idempotency key older than 24 hours deleted." in out.getvalue()
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


def test_amendments_and_safety_plans_take_a_key_too(world, post_as, make_concern):
    dsl = world.users["dsl_a"]
    concern = make_concern(by=world.users["staff_a"])
    post = post_as(dsl)
    url = f"/api/v1/concerns/{concern.reference}/amendments/"
    assert post(url, {"kind": "addition", "text": "Spoke to mum."}, key="a1").status_code == 201
    assert post(url, {"kind": "addition", "text": "Spoke to mum."}, key="a1")["Idempotent-Replayed"] == "true"
    assert Amendment.objects.count() == 1

    case = case_open(by=dsl, concern=concern)
    plan = {
        "pupil_id": world.pupils["a"].pk,
        "referrer_name_role": "Dsl A, DSL",
        "schools_affected": "Alder Academy",
        "review_date": (timezone.localdate() + dt.timedelta(days=14)).isoformat(),
    }
    url = f"/api/v1/cases/{case.reference}/safety-plans/"
    first = post(url, plan, key="p1")
    assert first.status_code == 201, first.content
    again = post(url, plan, key="p1")
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert SafetyPlan.objects.count() == 1


def test_the_schema_declares_the_header_where_it_applies(client, db):
    import yaml

    schema = yaml.safe_load(client.get("/api/schema/").content)
    for path in ("/api/v1/concerns/", "/api/v1/concerns/{reference}/amendments/"):
        post = schema["paths"][path]["post"]
        names = [p["name"] for p in post.get("parameters", []) if p["in"] == "header"]
        assert "Idempotency-Key" in names, path
        assert "422" in post["responses"]
        assert "Idempotent-Replayed" in post["responses"]["201"]["headers"]
    assert "Idempotency-Key" not in str(schema["paths"]["/api/v1/concerns/"]["get"])
