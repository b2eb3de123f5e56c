"""Through the pages a DSL uses, each change to a concern or a case is audited under its own
name (route.withdrawn, case.restricted...), from the page channel, with the old and new value
of what changed; a service called from the demo or a command says so."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.audit.models import Action, AuditEvent
from haven.cases import services
from haven.cases.models import Case, CaseEvent, Decision, Task
from haven.cases.tests.pages import change_url


def _last(event: str, **filters) -> AuditEvent:
    return AuditEvent.objects.filter(event=event, **filters).latest("seq")


def _changes(event: AuditEvent) -> dict:
    return event.extra["changes"]


def _open_case(client, world, concern) -> Case:
    sign_in(client, world.users["dsl_a"])
    r = client.post(reverse("cases:triage", args=[concern.reference]), {"action": "open", "title": "Corridor"})
    assert r.status_code == 302, r.content.decode()[:500]
    return Case.objects.get()


def _act(client, case: Case, action: str, data: dict) -> None:
    """Post as the case page does: with the version of the case the page was made from."""
    data = {"version": Case.objects.get(pk=case.pk).version, **data}
    r = client.post(change_url(case, action, data), data)
    assert r.status_code == 302, r.content.decode()[:2000]


# -- Triage ------------------------------------------------------------------------------------


def test_acknowledging_on_the_triage_page_is_concern_acknowledged_from_a_page(client, world, make_concern):
    concern = make_concern()
    dsl = world.users["dsl_a"]
    sign_in(client, dsl)
    client.post(reverse("cases:triage", args=[concern.reference]), {"action": "acknowledge"})
    event = _last("concern.acknowledged", object_id=str(concern.pk))
    assert event.channel == "page"
    assert event.actor == dsl
    assert event.action == Action.UPDATE  # the API's updated_since reads these
    assert event.ip_address == "127.0.0.1"
    assert _changes(event) == {"acknowledged": [False, True], "status": ["new", "acknowledged"]}
    assert event.extra["status"] == "acknowledged"
    # Opening the concern's triage page was a read, under its own name
    assert _last("concern.viewed", object_id=str(concern.pk)).channel == "page"


def test_no_further_action_on_the_page_closes_the_concern_with_its_status_change(client, world, make_concern):
    concern = make_concern()
    sign_in(client, world.users["dsl_a"])
    r = client.post(reverse("cases:triage", args=[concern.reference]), {"action": "nfa", "rationale": "Resolved."})
    assert r.status_code == 302
    event = _last("concern.closed_no_further_action", object_id=str(concern.pk))
    assert (event.channel, event.action) == ("page", Action.UPDATE)
    assert _changes(event) == {"status": ["acknowledged", "nfa"]}
    assert "Resolved" not in str(event.extra)  # the rationale is the record's, not the log's


def test_opening_a_case_adds_the_concern_to_it(client, world, make_concern):
    concern = make_concern()
    case = _open_case(client, world, concern)
    opened = _last("case.opened", object_type="cases.case", object_id=str(case.pk))
    assert (opened.channel, opened.action) == ("page", Action.CREATE)
    added = _last("concern.added_to_case", object_id=str(concern.pk))
    assert (added.channel, added.action) == ("page", Action.UPDATE)
    assert _changes(added) == {"case": [None, case.pk], "status": ["acknowledged", "in_case"]}
    assert added.extra["case"] == case.pk


# -- One case ----------------------------------------------------------------------------------


def test_withdrawing_a_route_is_route_withdrawn_with_the_routes_before_and_after(client, world, make_concern):
    case = _open_case(client, world, make_concern())
    _act(client, case, "decision", {"routes": ["internal", "early_help"], "rationale": "Both apply."})
    decided = AuditEvent.objects.filter(event="route.decided", object_type="cases.decision").order_by("seq")
    assert [e.extra["route"] for e in decided] == ["internal", "early_help"]
    assert all(e.channel == "page" for e in decided)
    assert _changes(decided[0])["routes"] == [[], ["early_help", "internal"]]

    version = Case.objects.get(pk=case.pk).version
    _act(client, case, "decision", {"routes": ["internal"], "rationale": "Early help leads.", "withdraw": "on"})
    withdrawal = Decision.objects.get(withdrawn=True)
    event = _last("route.withdrawn", object_id=str(withdrawal.pk))
    assert event.channel == "page"
    assert event.extra["withdrawn"] is True and event.extra["route"] == "internal"
    assert _changes(event) == {
        "routes": [["early_help", "internal"], ["early_help"]],
        "version": [version, version + 1],
    }
    assert not AuditEvent.objects.filter(event="route.decided", object_id=str(withdrawal.pk)).exists()


def test_restricting_a_case_then_lifting_it_and_sharing_it(client, world, make_concern):
    case = _open_case(client, world, make_concern())
    dsl, deputy = world.users["dsl_a"], world.users["deputy_a"]
    _act(client, case, "access", {"restricted": "on", "named": [deputy.pk]})
    restricted = _last("case.restricted", object_id=str(case.pk))
    assert (restricted.channel, restricted.action) == ("page", Action.UPDATE)
    changes = _changes(restricted)
    assert changes["restricted"] == [False, True]
    assert changes["named"] == [[], sorted([dsl.pk, deputy.pk])]
    assert "shared_with_trust" not in changes
    assert restricted.extra["named"] == sorted([dsl.pk, deputy.pk])  # the key tests and the API read

    _act(client, case, "access", {"restricted": "on", "named": []})  # the deputy comes off
    changed = _last("case.access_changed", object_id=str(case.pk))
    assert _changes(changed)["named"] == [sorted([dsl.pk, deputy.pk]), [dsl.pk]]
    assert "restricted" not in _changes(changed)

    _act(client, case, "access", {})
    lifted = _last("case.unrestricted", object_id=str(case.pk))
    assert _changes(lifted)["restricted"] == [True, False]

    _act(client, case, "access", {"shared_with_trust": "on"})
    shared = _last("case.shared", object_id=str(case.pk))
    assert _changes(shared)["shared_with_trust"] == [False, True]
    _act(client, case, "access", {})
    assert _changes(_last("case.unshared", object_id=str(case.pk)))["shared_with_trust"] == [True, False]


def test_closing_and_reopening_a_case_record_the_status_change(client, world, make_concern):
    case = _open_case(client, world, make_concern())
    pupil = world.pupils["a"]
    _act(client, case, "decision", {"routes": ["internal"], "rationale": "In school."})
    _act(client, case, "parents", {"pupil": pupil.pk, "informed": "yes", "informed_on": timezone.localdate()})
    _act(client, case, "consideration", {"item": "wishes", "answer": "considered", "notes": "Sam wants to stay."})
    wishes = _last("consideration.answered", object_type="cases.considerationanswer")
    assert "status" not in _changes(wishes) and "version" in _changes(wishes)
    assert "Sam" not in str(wishes.extra)

    _act(client, case, "close", {"kind": "closed", "text": "Resolved."})
    closed = _last("case.closed", object_type="cases.caseevent")
    assert closed.channel == "page" and closed.extra["kind"] == "closed"
    assert _changes(closed)["status"] == ["open", "closed"]
    _act(client, case, "reopen", {"kind": "reopened", "text": "It happened again."})
    reopened = _last("case.reopened", object_type="cases.caseevent")
    assert _changes(reopened)["status"] == ["closed", "open"]
    assert reopened.object_id == str(CaseEvent.objects.filter(kind="reopened").get().pk)


def test_a_task_done_and_an_answer_changed(client, world, make_concern):
    case = _open_case(client, world, make_concern())
    _act(
        client,
        case,
        "task",
        {"title": "Speak to form tutor", "assignee": world.users["dsl_a"].pk, "due_on": timezone.localdate()},
    )
    task = Task.objects.get()
    assert _last("task.added", object_id=str(task.pk)).channel == "page"
    _act(client, case, "task_done", {"task": task.pk})
    done = _last("task.done", object_id=str(task.pk))
    assert (done.channel, _changes(done)) == ("page", {"done": [False, True]})

    _act(client, case, "consideration", {"item": "crime", "answer": "unsure"})
    _act(client, case, "consideration", {"item": "crime", "answer": "no"})
    answers = AuditEvent.objects.filter(event="consideration.answered").order_by("seq")
    assert [_changes(e)["answer"] for e in answers] == [[None, "unsure"], ["unsure", "no"]]


def test_reading_and_printing_a_case_and_a_refusal(client, world, make_concern):
    case = _open_case(client, world, make_concern())
    client.get(reverse("cases:detail", args=[case.reference]))
    assert _last("case.viewed", object_id=str(case.pk)).channel == "page"
    client.get(reverse("cases:chronology_pdf", args=[case.reference]))
    printed = _last("chronology.exported", object_type="cases.case", object_id=str(case.pk))
    assert (printed.channel, printed.actor, printed.extra["format"]) == ("page", world.users["dsl_a"], "pdf")

    pupil = world.pupils["a"]
    client.get(reverse("pupil_chronology", args=[pupil.pk]))
    viewed = _last("chronology.viewed", object_type="people.pupil", object_id=str(pupil.pk))
    assert viewed.channel == "page" and viewed.extra["chronology"] is True

    other = world.users["dsl_b"]
    sign_in(client, other)
    assert client.get(reverse("cases:detail", args=[case.reference])).status_code == 404
    refused = _last("access.refused", object_type="cases.case")
    assert (refused.actor, refused.channel, refused.object_id) == (other, "page", case.reference)
    assert client.get(reverse("pupil_chronology", args=[pupil.pk])).status_code == 404
    refused = _last("access.refused", object_type="people.pupil")
    assert (refused.actor, refused.channel, refused.object_id) == (other, "page", str(pupil.pk))
    assert refused.school_id == world.school_a.pk


def test_a_service_called_outside_a_request_is_the_command_channel(world, make_concern):
    dsl = world.users["dsl_a"]
    case = services.case_open(by=dsl, concern=make_concern())
    services.decision_record(by=dsl, case=case, version=case.version, route="internal", rationale="In school.")
    event = _last("route.decided", object_type="cases.decision")
    assert (event.channel, event.actor, event.ip_address, event.user_agent) == ("command", dsl, None, "")
    assert event.at <= timezone.now() + dt.timedelta(seconds=1)
