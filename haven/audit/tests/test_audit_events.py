"""Audit events have names in the domain's words; the events recorded before names existed
were named without breaking their hashes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import RequestFactory

from haven.audit.context import COMMAND, AuditContext, Channel
from haven.audit.events import VERB_OF, Action, Event, legacy_event, verb_of
from haven.audit.models import AuditChain, AuditEvent
from haven.audit.services import audit_record, audit_verify

from .test_audit_chain import tamper  # noqa: F401 (a fixture)


def test_every_name_has_a_verb_and_words():
    assert set(VERB_OF) == set(Event.values)
    assert all(e.label and "." in e.value for e in Event)
    assert verb_of(Event.ROUTE_WITHDRAWN) == Action.CREATE  # a withdrawal is a decision of its own
    assert verb_of(Event.CONCERN_ACKNOWLEDGED) == Action.UPDATE
    assert verb_of(Event.CASE_VIEWED) == Action.VIEW
    assert verb_of(Event.PLAN_PRINTED) == Action.EXPORT
    assert verb_of(Event.SECOND_FACTOR_FAILED) == Action.TWO_FACTOR_FAILED


def test_a_named_event_keeps_its_context_and_changes(world):
    ctx = AuditContext(Channel.API, address="::ffff:10.0.0.7", user_agent="MIS sync")
    event = audit_record(
        Event.PUPIL_REPORT_CLOSED,
        ctx=ctx,
        actor=world.users["dsl_a"],
        obj=world.pupils["a"],
        school=world.school_a,
        changes={"status": ("open", "closed")},
    )
    event.refresh_from_db()
    assert (event.event, event.action, event.channel, event.format) == ("pupil_report.closed", "update", "api", 2)
    assert event.user_agent == "MIS sync" and event.ip_address == "::ffff:10.0.0.7"
    assert event.extra == {"changes": {"status": ["open", "closed"]}}
    assert event.event_label == "Pupil's report closed"
    # one filter answers "every report closed"
    assert list(AuditEvent.objects.filter(event=Event.PUPIL_REPORT_CLOSED)) == [event]
    assert audit_verify()[2] == ""


def test_the_context_of_a_request_names_its_channel():
    rf = RequestFactory()
    page = AuditContext.of(rf.get("/cases/", REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="Firefox"))
    api = AuditContext.of(rf.get("/api/v1/cases/", REMOTE_ADDR="not an address"))
    assert (page.channel, page.address, page.user_agent) == (Channel.PAGE, "10.1.2.3", "Firefox")
    assert (api.channel, api.address) == (Channel.API, None)
    assert AuditContext.of(rf.get("/api/tokens/")).channel == Channel.PAGE  # an HTML page
    assert COMMAND.channel == Channel.COMMAND and COMMAND.address is None


def test_a_nameless_call_is_refused(world):
    with pytest.raises(TypeError):
        audit_record(actor=world.users["dsl_a"], obj=world.pupils["a"])


@pytest.mark.parametrize(
    ("action", "object_type", "extra", "name"),
    [
        ("create", "concerns.concern", {"urgent": True}, "concern.submitted"),
        ("update", "concerns.concern", {"status": "in_case", "case": 4}, "concern.added_to_case"),
        ("update", "concerns.concern", {"status": "nfa"}, "concern.closed_no_further_action"),
        ("create", "cases.decision", {"route": "police", "withdrawn": True}, "route.withdrawn"),
        ("create", "cases.decision", {"route": "police", "withdrawn": False}, "route.decided"),
        ("update", "cases.case", {"restricted": True, "shared": False}, "case.restricted"),
        ("create", "cases.caseevent", {"kind": "reopened"}, "case.reopened"),
        ("update", "safety_plans.safetyplan", {"signed_off": 2}, "plan.signed_off"),
        ("create", "records.filetransfer", {}, "file.transferred"),
        ("update", "accounts.user", {"is_active": [True, False]}, "account.deactivated"),
        ("sign_in", "accounts.user", {}, "account.signed_in"),
        ("view", "something.new", {}, "new.viewed"),
    ],
)
def test_old_events_are_named_from_what_their_hash_covers(action, object_type, extra, name):
    assert legacy_event(action, object_type, extra) == name


def _legacy_event(world, seq_offset: int = 0) -> AuditEvent:
    """An event as it was recorded before names: format 1, hashed without name or channel."""
    chain = AuditChain.objects.get_or_create(key=f"school:{world.school_a.pk}")[0]
    row = AuditEvent(
        chain=chain.key,
        seq=chain.length + 1,
        actor=world.users["dsl_a"],
        actor_email=world.users["dsl_a"].email,
        action="create",
        object_type="cases.decision",
        object_id="7",
        school_id=world.school_a.pk,
        extra={"case": 3, "route": "police", "withdrawn": True, "override": False},
        prev_hash=chain.last_hash,
        format=1,
    )
    row.hash = row.compute_hash()
    return row


def test_a_format_one_event_verifies_only_with_the_name_its_fields_give(transactional_db, tamper):  # noqa: F811
    from conftest import build_world

    world = build_world()
    row = _legacy_event(world)
    row.event = "route.withdrawn"
    row.save()
    AuditChain.objects.filter(key=row.chain).update(last_hash=row.hash, length=row.seq)
    assert audit_verify()[2] == ""
    # the name is not in the old hash, but it cannot be changed unnoticed
    AuditEvent.objects.filter(pk=row.pk).update(event="route.decided")
    _, broken, reason = audit_verify()
    assert broken is not None and broken.pk == row.pk
    assert reason == "its name does not follow from what it recorded"


def test_a_new_event_name_is_covered_by_its_hash(transactional_db, tamper):  # noqa: F811
    from conftest import build_world

    world = build_world()
    made = audit_record(Event.ROUTE_WITHDRAWN, actor=world.users["dsl_a"], obj=world.pupils["a"], school=world.school_a)
    AuditEvent.objects.filter(pk=made.pk).update(event="route.decided")
    assert audit_verify()[2] == "its content does not match its hash"


@pytest.mark.django_db(transaction=True)
def test_the_migration_names_recorded_events_and_the_chain_still_verifies():
    from conftest import build_world

    world = build_world()
    before, after = [("audit", "0003_defaults_from_the_clock")], [("audit", "0004_events_with_names")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps.get_model("audit", "AuditEvent")
        columns = {f.name for f in old._meta.fields}
        assert "event" not in columns
        chain = AuditChain.objects.get_or_create(key=f"school:{world.school_a.pk}")[0]
        row = _legacy_event(world)
        values = {f.attname: getattr(row, f.attname) for f in AuditEvent._meta.concrete_fields}
        old.objects.create(**{k: v for k, v in values.items() if k in {f.attname for f in old._meta.fields}})
        AuditChain.objects.filter(pk=chain.pk).update(last_hash=row.hash, length=row.seq)
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after)
    named = AuditEvent.objects.get(hash=row.hash)
    assert (named.event, named.format) == ("route.withdrawn", 1)
    assert audit_verify()[2] == ""
    # and the guard is back: the database still refuses a change
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.filter(pk=named.pk).update(event="route.decided")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
