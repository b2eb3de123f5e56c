"""The audit log is append-only and tamper-evident."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from haven.audit.context import AuditContext
from haven.audit.events import Event
from haven.audit.models import AuditChain, AuditEvent
from haven.audit.services import audit_record, audit_verify

DB_REFUSALS = IntegrityError  # both databases report the trigger as an integrity violation


@pytest.fixture
def events(world):
    made = [
        audit_record(Event.PUPIL_VIEWED, actor=world.users["dsl_a"], obj=world.pupils["a"], school=world.school_a)
        for _ in range(3)
    ]
    made.append(
        audit_record(Event.PUPIL_VIEWED, actor=world.users["dsl_b"], obj=world.pupils["b"], school=world.school_b)
    )
    return made


def _disable_guard():
    """Switch off the database's append-only guard, as an attacker with database access could."""
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            c.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_change")
        else:
            c.execute("DROP TRIGGER audit_event_no_update")


def _restore_guard():
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            c.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_no_change")
        else:
            c.execute(
                "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent "
                "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;"
            )


@pytest.fixture
def tamper():
    """Lets a test tamper with the log, then puts the guard back for the tests after it."""
    from haven.audit.guard import audit_purge_allowed

    _disable_guard()
    with audit_purge_allowed():
        yield
    _restore_guard()


def test_each_entry_links_to_the_one_before_in_its_chain(events):
    a1, a2, a3, b1 = events
    assert a1.chain == a2.chain == a3.chain == f"school:{a1.school_id}"
    assert b1.chain != a1.chain
    assert (a1.seq, a2.seq, a3.seq, b1.seq) == (1, 2, 3, 1)
    assert a2.prev_hash == a1.hash and a3.prev_hash == a2.hash
    assert AuditChain.objects.get(key=a1.chain).last_hash == a3.hash


def test_an_intact_log_verifies(events, capsys):
    call_command("verify_audit")
    assert "4 entries checked" in capsys.readouterr().out


def test_the_model_refuses_to_change_or_delete_an_entry(events):
    with pytest.raises(ValueError):
        events[0].save()
    with pytest.raises(ValueError):
        events[0].delete()


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_to_change_or_delete_an_entry(transactional_db):
    from conftest import build_world

    world = build_world()
    event = audit_record(Event.PUPIL_VIEWED, actor=world.users["dsl_a"], obj=world.pupils["a"], school=world.school_a)
    with pytest.raises(DB_REFUSALS), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="create")
    with pytest.raises(DB_REFUSALS), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk)._raw_delete(using="default")
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_only_an_open_purge_may_delete_an_entry(transactional_db):
    """The retention process (rule 10) deletes through audit_purge_allowed; nothing else can."""
    from conftest import build_world
    from haven.audit.guard import audit_purge_allowed

    world = build_world()
    event, kept = (
        audit_record(Event.PUPIL_VIEWED, actor=world.users["dsl_a"], obj=world.pupils["a"], school=world.school_a)
        for _ in range(2)
    )
    with audit_purge_allowed():
        AuditEvent.objects.filter(pk=event.pk)._raw_delete(using="default")
        # Even inside a purge nothing may be changed.
        with pytest.raises(DB_REFUSALS), transaction.atomic():
            AuditEvent.objects.filter(pk=kept.pk).update(action="create")
    assert not AuditEvent.objects.filter(pk=event.pk).exists()
    with pytest.raises(DB_REFUSALS), transaction.atomic():
        AuditEvent.objects.filter(pk=kept.pk)._raw_delete(using="default")


@pytest.mark.django_db(transaction=True)
def test_a_changed_entry_is_named_by_verify_audit(transactional_db, tamper):
    from conftest import build_world

    world = build_world()
    made = [
        audit_record(Event.PUPIL_VIEWED, actor=world.users["dsl_a"], obj=world.pupils["a"], school=world.school_a)
        for _ in range(3)
    ]
    AuditEvent.objects.filter(pk=made[1].pk).update(object_id="999")
    with pytest.raises(CommandError) as exc:
        call_command("verify_audit")
    assert f"entry {made[1].pk} " in str(exc.value)
    assert "does not match its hash" in str(exc.value)
    assert exc.value.returncode == 1


@pytest.mark.django_db(transaction=True)
def test_a_removed_entry_is_detected(transactional_db, tamper):
    from conftest import build_world

    world = build_world()
    made = [
        audit_record(Event.PUPIL_VIEWED, actor=world.users["dsl_a"], obj=world.pupils["a"], school=world.school_a)
        for _ in range(3)
    ]
    AuditEvent.objects.filter(pk=made[1].pk)._raw_delete(using="default")
    _, broken, reason = audit_verify()
    assert broken is not None and broken.pk == made[2].pk
    assert "missing" in reason


@pytest.mark.django_db(transaction=True)
def test_removing_the_newest_entry_is_detected(transactional_db, tamper):
    from conftest import build_world

    world = build_world()
    made = [
        audit_record(Event.PUPIL_VIEWED, actor=world.users["dsl_a"], obj=world.pupils["a"], school=world.school_a)
        for _ in range(2)
    ]
    AuditEvent.objects.filter(pk=made[-1].pk)._raw_delete(using="default")
    _, _, reason = audit_verify()
    assert "ends early" in reason


def test_a_recomputed_hash_still_breaks_the_next_link(events):
    """Rewriting one entry and its own hash is not enough: the next entry points at the old one."""
    _, a2, a3, _ = events
    forged = AuditEvent.objects.get(pk=a2.pk)
    forged.object_id = "999"
    assert forged.compute_hash() != a3.prev_hash


def test_it_records_who_from_where(world, rf):
    request = rf.get("/pupils/1/", HTTP_USER_AGENT="Firefox/140", REMOTE_ADDR="192.0.2.7")
    event = audit_record(
        Event.PUPIL_VIEWED,
        ctx=AuditContext.of(request),
        actor=world.users["dsl_a"],
        obj=world.pupils["a"],
        school=world.school_a,
    )
    assert event.actor == world.users["dsl_a"]
    assert event.actor_email == "dsl_a@example.org"
    assert event.ip_address == "192.0.2.7"
    assert event.user_agent == "Firefox/140"
    assert event.object_type == "people.pupil" and event.object_id == str(world.pupils["a"].pk)
    # Stored and reloaded, the entry still verifies (no precision or format drift).
    assert AuditEvent.objects.get(pk=event.pk).compute_hash() == event.hash
