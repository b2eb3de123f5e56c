"""A save on a case must say which version of the case it was made from (DESIGN §11):
without it, a hand-made or integration POST would overwrite blind."""

from __future__ import annotations

import pytest

from conftest import sign_in
from haven.cases import services
from haven.cases.models import Case, CaseEvent, ConsiderationAnswer, Decision
from haven.cases.tests.pages import change_url
from haven.core.errors import ApplicationError

pytestmark = pytest.mark.django_db

MISSING = "did not say which version of the case it was"
RATIONALE = "Managed in school with a behaviour plan, typed before the refusal."


def _case(world, make_concern) -> Case:
    return services.case_open(by=world.users["dsl_a"], concern=make_concern())


def _post(client, case, action, data):
    data = dict(data)
    return client.post(change_url(case, action, data), data)


@pytest.mark.parametrize("version", [None, "", "abc", "0"])
def test_a_decision_without_its_version_is_refused_and_keeps_what_was_typed(client, world, make_concern, version):
    case = _case(world, make_concern)
    sign_in(client, world.users["dsl_a"])
    data = {"routes": ["internal"], "rationale": RATIONALE}
    if version is not None:
        data["version"] = version
    r = _post(client, case, "decision", data)
    assert r.status_code == 400
    page = r.content.decode()
    assert MISSING in page
    assert RATIONALE in page  # the form keeps what was typed
    assert not Decision.objects.exists()
    assert Case.objects.get().version == case.version


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("consideration", {"item": "crime", "answer": "no", "notes": "Typed notes."}),
        ("consideration", {"item": "wishes", "answer": "considered", "notes": "She wants to stay in her class."}),
        ("access", {"shared_with_trust": "on"}),
    ],
)
def test_every_versioned_form_needs_its_version(client, world, make_concern, action, data):
    case = _case(world, make_concern)
    sign_in(client, world.users["dsl_a"])
    r = _post(client, case, action, data)
    assert r.status_code == 400 and MISSING in r.content.decode()
    assert not ConsiderationAnswer.objects.exists()
    assert not CaseEvent.objects.filter(kind__in=["wishes", "shared"]).exists()
    case.refresh_from_db()
    assert not case.shared_with_trust
    assert _post(client, case, action, {**data, "version": case.version}).status_code == 302


def test_a_decision_from_a_stale_version_is_refused(client, world, make_concern):
    case = _case(world, make_concern)
    stale = case.version
    services.consideration_answer(by=world.users["deputy_a"], case=case, item="crime", answer="no", version=stale)
    sign_in(client, world.users["dsl_a"])
    r = _post(client, case, "decision", {"routes": ["internal"], "rationale": RATIONALE, "version": stale})
    assert r.status_code == 400
    assert "Someone else changed this case" in r.content.decode() and RATIONALE in r.content.decode()
    assert not Decision.objects.exists()


def test_a_decision_with_its_version_is_saved_and_moves_the_version_on(client, world, make_concern):
    case = _case(world, make_concern)
    sign_in(client, world.users["dsl_a"])
    r = _post(client, case, "decision", {"routes": ["internal"], "rationale": RATIONALE, "version": case.version})
    assert r.status_code == 302
    assert Decision.objects.get().rationale == RATIONALE
    assert Case.objects.get().version == case.version + 1


def test_the_services_refuse_a_missing_version_naming_the_field(world, make_concern):
    case = _case(world, make_concern)
    dsl = world.users["dsl_a"]
    writes = [
        lambda: services.decisions_record(by=dsl, case=case, routes=["internal"], rationale="x", version=None),
        lambda: services.consideration_answer(by=dsl, case=case, item="crime", answer="no", version=None),
        lambda: services.case_event_record(by=dsl, case=case, kind="note", text="A note.", version=None),
        lambda: services.case_access_set(
            by=dsl, case=case, restricted=False, named_users=[], shared_with_trust=True, version=None
        ),
    ]
    for write in writes:
        with pytest.raises(ApplicationError) as refused:
            write()
        assert (refused.value.field, refused.value.code) == ("version", "version_required")
    assert Case.objects.get().version == case.version
