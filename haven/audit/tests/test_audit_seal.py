"""Whoever can write the database cannot quietly rewrite the audit log: each entry is sealed
under a key kept outside it, and the chain heads are anchored in a file outside it."""

from __future__ import annotations

import json

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from haven.audit.events import Event
from haven.audit.models import AuditChain, AuditEvent
from haven.audit.seal import anchor_chains, anchors_read, seal_of
from haven.audit.services import audit_record, audit_verify

from .test_audit_chain import tamper  # noqa: F401 (a fixture)


def _record(world, n: int) -> list[AuditEvent]:
    return [
        audit_record(Event.PUPIL_VIEWED, actor=world.users["dsl_a"], obj=world.pupils["a"], school=world.school_a)
        for _ in range(n)
    ]


def _rewrite_from(made: list[AuditEvent], index: int, **changes: str) -> None:
    """What an attacker with the database and the open-source code can do: change an entry
    and recompute every hash after it, and the chain's head, so the hash chain is intact."""
    prev = made[index - 1].hash if index else "0" * 64
    for event in AuditEvent.objects.filter(chain=made[0].chain, seq__gte=made[index].seq).order_by("seq"):
        fields = changes if event.pk == made[index].pk else {}
        for name, value in fields.items():
            setattr(event, name, value)
        event.prev_hash = prev
        prev = event.compute_hash()
        AuditEvent.objects.filter(pk=event.pk).update(prev_hash=event.prev_hash, hash=prev, **fields)
    AuditChain.objects.filter(key=made[0].chain).update(last_hash=prev)


def test_each_entry_is_sealed_under_the_audit_key(world, settings):
    (event,) = _record(world, 1)
    assert event.seal == seal_of(event.hash) and len(event.seal) == 64
    settings.AUDIT_KEY = b"another key"
    assert "written without Haven's audit key" in audit_verify()[2]


@pytest.mark.django_db(transaction=True)
def test_a_rewritten_chain_with_recomputed_hashes_is_caught_by_its_seal(transactional_db, tamper):  # noqa: F811
    from conftest import build_world

    made = _record(build_world(), 4)
    assert audit_verify()[2] == ""
    _rewrite_from(made, 1, object_id="999")
    _, broken, reason = audit_verify()
    assert broken is not None and broken.pk == made[1].pk
    assert reason == "its seal does not match: it was written without Haven's audit key"


@pytest.mark.django_db(transaction=True)
def test_anchors_name_the_first_entry_after_the_last_that_holds(transactional_db, tamper, settings):  # noqa: F811
    from conftest import build_world

    world = build_world()
    made = _record(world, 3)
    assert anchor_chains() >= 1
    assert anchor_chains() == 0  # nothing moved: nothing appended
    made += _record(world, 3)
    anchor_chains()
    anchors, forged = anchors_read()
    mine = [a for a in anchors if a.chain == made[0].chain]
    assert [a.length for a in mine] == [3, 6] and forged == []
    assert audit_verify()[2] == ""

    # an attacker who also has the key rewrites entry 5 and reseals everything after it
    _rewrite_from(made, 4, object_id="999")
    for event in AuditEvent.objects.filter(chain=made[0].chain, seq__gte=5):
        AuditEvent.objects.filter(pk=event.pk).update(seal=seal_of(event.hash))
    _, broken, reason = audit_verify()
    assert broken is not None and broken.seq == 6
    assert f"The last anchor that still holds for {made[0].chain} is entry 3" in reason
    assert "trust nothing from entry 4 on" in reason

    with pytest.raises(CommandError) as exc:
        call_command("verify_audit")
    assert "trust nothing from entry 4 on" in str(exc.value)


@pytest.mark.django_db(transaction=True)
def test_removing_anchored_entries_is_caught(transactional_db, tamper):  # noqa: F811
    from conftest import build_world

    made = _record(build_world(), 3)
    anchor_chains()
    AuditEvent.objects.filter(pk=made[2].pk)._raw_delete(using="default")
    AuditChain.objects.filter(key=made[0].chain).update(length=2, last_hash=made[1].hash)
    reason = audit_verify()[2]
    assert "shorter than its anchor" in reason
    assert "No anchor of" in reason


def test_a_forged_anchor_line_is_named(world, settings):
    _record(world, 1)
    anchor_chains()
    path = settings.AUDIT_ANCHOR_FILE
    row = json.loads(path.read_text().splitlines()[0])
    row["length"] = 99
    with path.open("a") as f:
        f.write(json.dumps(row) + "\n")
    assert audit_verify()[2] == "line 2 of the anchor file is not sealed with Haven's audit key"


def test_the_command_anchors_and_emails_when_asked(world, settings, capsys):
    settings.AUDIT_ANCHOR_EMAIL = ["dpo@midshire.example"]
    _record(world, 2)
    call_command("anchor_audit")
    assert "Anchored 1 audit chain(s)" in capsys.readouterr().out
    assert settings.AUDIT_ANCHOR_FILE.stat().st_mode & 0o077 == 0  # only the server may read it
    (message,) = mail.outbox
    assert message.to == ["dpo@midshire.example"] and '"length": 2' in message.body


@pytest.mark.django_db(transaction=True)
def test_after_the_audit_key_is_rotated_older_entries_still_verify_once_anchored(
    transactional_db,
    tamper,  # noqa: F811
    settings,
    capsys,
):
    """ASVS V11.2.2: the audit key can be replaced. Entries sealed under the old key hold once
    an anchor under the new key pins them; the old key cannot seal anything after that."""
    from conftest import build_world

    old, new = b"the key before", b"the key after"
    settings.AUDIT_KEY = old
    world = build_world()
    made = _record(world, 3)
    anchor_chains()
    assert audit_verify()[2] == ""

    settings.AUDIT_KEY, settings.AUDIT_KEYS_OLD = new, []
    assert audit_verify()[2] == "line 1 of the anchor file is not sealed with Haven's audit key"  # no old key

    settings.AUDIT_KEYS_OLD = [old]
    assert "run manage.py anchor_audit --all" in audit_verify()[2]  # not yet pinned under the new key
    call_command("anchor_audit", "--all")
    assert "Anchored 1 audit chain(s)" in capsys.readouterr().out
    anchors, forged = anchors_read()
    assert forged == [] and [a.current for a in anchors if a.chain == made[0].chain] == [False, True]
    later = _record(world, 2)
    assert later[0].seal == seal_of(later[0].hash, new)
    checked, broken, reason = audit_verify()
    assert (broken, reason) == (None, "") and checked >= 5

    # whoever learnt the old key cannot use it for anything after the rotation
    AuditEvent.objects.filter(pk=later[1].pk).update(seal=seal_of(later[1].hash, old))
    _, broken, reason = audit_verify()
    assert broken is not None and broken.pk == later[1].pk
    assert "sealed under an older audit key, and no anchor under the current key pins it" in reason
