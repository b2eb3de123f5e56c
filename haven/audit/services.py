"""Writing to the audit log. Every service that reads or writes safeguarding content calls
:func:`audit_record` inside its own transaction, so the record and its audit row commit or
fail together."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypedDict

from django.db import connection, models, transaction
from django.db.models.sql import InsertQuery

from haven.core import clock
from haven.core.fields import pk_column
from haven.core.logs import security_event

from .context import COMMAND, AuditContext
from .events import Event, legacy_event, verb_of
from .models import GENESIS_HASH, AuditChain, AuditEvent
from .seal import Anchor, anchors_read, seal_is_valid, seal_of, sealed_by_an_old_key

if TYPE_CHECKING:
    from haven.accounts.models import User
    from haven.organisations.models import Authority, School, Trust


class AuditOrganisation(TypedDict, total=False):
    """Whose audit chain an event joins, as ``audit_record``'s keyword arguments: the
    organisation itself or its id."""

    school: School | int | None
    trust: Trust | int | None
    authority: Authority | int | None


def _id_of(organisation: models.Model | int | None) -> int | None:
    return organisation if organisation is None or isinstance(organisation, int) else organisation.pk


def _chain_key(school_id: int | None, trust_id: int | None, authority_id: int | None) -> str:
    if school_id:
        return f"school:{school_id}"
    if trust_id:
        return f"trust:{trust_id}"
    if authority_id:
        return f"authority:{authority_id}"
    return "global"


# Audited refusals that are also security events in the application log (haven.core.logs;
# docs/security/logs.md): who (by id and role) and from where, never the email tried.
SECURITY_EVENTS = frozenset(
    {
        Event.SIGN_IN_FAILED,
        Event.LOCKED_OUT,
        Event.SECOND_FACTOR_FAILED,
        Event.STEP_UP_REFUSED,
        Event.ACCESS_REFUSED,
        Event.PASSWORD_CHANGE_REFUSED,
        Event.PASSKEY_REFUSED,
        Event.ENROLMENT_REFUSED,
    }
)


def audit_record(
    event: Event,
    *,
    ctx: AuditContext = COMMAND,
    actor: User | None = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    school: School | int | None = None,
    trust: Trust | int | None = None,
    authority: Authority | int | None = None,
    changes: Mapping[str, tuple[Any, Any] | list[Any]] | None = None,
    extra: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the audit log, chained to the previous event of its chain.

    ``event`` names what happened; its verb (``action``) follows from it. ``changes`` holds
    the old and new value of each field that changed (``{"status": ["open", "closed"]}``);
    ``extra`` anything else worth keeping that is not safeguarding content. The organisation
    decides the chain: an event about a school's record belongs in that school's chain.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    extra = dict(extra or {})
    if changes:
        extra["changes"] = {field: list(values) for field, values in changes.items()}
    school_id, trust_id, authority_id = _id_of(school), _id_of(trust), _id_of(authority)
    key = _chain_key(school_id, trust_id, authority_id)
    # No savepoint of its own: inside a service's transaction the event and the record commit
    # or fail together anyway, and on its own this is a transaction.
    with transaction.atomic(savepoint=False):
        chain = AuditChain.objects.select_for_update().filter(key=key).first()
        if chain is None:  # the chain's first event
            AuditChain.objects.get_or_create(key=key)
            chain = AuditChain.objects.select_for_update().get(key=key)
        row = AuditEvent(
            chain=key,
            seq=chain.length + 1,
            at=clock.now(),
            actor=actor,
            actor_email=getattr(actor, "email", "") or "",
            action=str(verb_of(event)),
            event=str(event),
            channel=str(ctx.channel),
            object_type=str(object_type),
            object_id=str(object_id),
            school_id=school_id,
            trust_id=trust_id,
            authority_id=authority_id,
            ip_address=ctx.address,
            user_agent=ctx.user_agent,
            extra=extra,
            prev_hash=chain.last_hash,
        )
        row.hash = row.compute_hash()
        row.seal = seal_of(row.hash)
        if connection.vendor == "postgresql":
            _insert_and_advance(row, chain)
        else:
            row.save()
            AuditChain.objects.filter(pk=chain.pk).update(last_hash=row.hash, length=row.seq)
    if event in SECURITY_EVENTS:
        security_event(
            str(event),
            event.label,
            user=actor,
            address=ctx.address,
            channel=str(ctx.channel),
            object=str(object_type) or None,
            reason=_reason_of(extra),
        )
    return row


def _reason_of(extra: dict[str, Any]) -> str | None:
    """A refusal's reason code, when the audit row keeps one (never an email or a text)."""
    for key in ("reason", "step_up", "why"):
        value = extra.get(key)
        if isinstance(value, str) and len(value) <= 60:
            return value
    return None


def _insert_and_advance(event: AuditEvent, chain: AuditChain) -> None:
    """Insert the event and move its chain's head to it in one statement (PostgreSQL runs the
    INSERT of a WITH clause along with the UPDATE), one round trip fewer than two statements.
    The chain row is already locked by this transaction; the result is what ``event.save()``
    and ``update(last_hash=..., length=...)`` would leave."""
    fields = [f for f in AuditEvent._meta.local_concrete_fields if not f.primary_key]
    query = InsertQuery(AuditEvent)
    query.insert_values(fields, [event])
    [(insert_sql, insert_params)] = query.get_compiler(connection=connection).as_sql()
    table, pk = (connection.ops.quote_name(n) for n in (AuditChain._meta.db_table, pk_column(AuditEvent)))
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH event AS ({insert_sql} RETURNING {pk}) "  # noqa: S608 (names from the models, values as parameters)
            f'UPDATE {table} SET "last_hash" = %s, "length" = %s WHERE "id" = %s RETURNING (SELECT {pk} FROM event)',
            [*insert_params, event.hash, event.seq, chain.pk],
        )
        event.pk = cursor.fetchone()[0]
    event._state.adding = False
    event._state.db = connection.alias


def _broken(key: str, chain_anchors: dict[int, Anchor], reason: str, good: Anchor | None) -> str:
    """The reason a chain is broken, with where its trustworthy part ends."""
    if good is not None:
        return (
            f"{reason}. The last anchor that still holds for {key} is entry {good.length} "
            f"({good.at}); trust nothing from entry {good.length + 1} on"
        )
    if chain_anchors:
        return f"{reason}. No anchor of {key} still holds; trust nothing in it from entry 1 on"
    return reason


def audit_verify() -> tuple[int, AuditEvent | None, str]:
    """:func:`_audit_verify`; a broken chain is also a security event in the log."""
    checked, broken, reason = _audit_verify()
    if reason:
        security_event(
            "audit.verify_failed",
            f"The audit log is broken: {reason}.",
            level=logging.ERROR,
            chain=broken.chain if broken is not None else None,
            detail=f"entry {broken.pk} (#{broken.seq})" if broken is not None else None,
        )
    return checked, broken, reason


def _audit_verify() -> tuple[int, AuditEvent | None, str]:
    """Check every chain: its hashes and links, each entry's seal, and the heads anchored
    outside the database. Returns (events checked, first broken event or None, reason); where
    a chain is broken, the reason names the last anchor that still holds for it and the first
    entry after it, from which nothing should be trusted."""
    checked = 0
    heads = {c.key: c for c in AuditChain.objects.all()}
    anchors, forged = anchors_read()
    if forged:
        return 0, None, f"line {forged[0]} of the anchor file is not sealed with Haven's audit key"
    by_chain: dict[str, dict[int, Anchor]] = {}
    for anchor in anchors:
        by_chain.setdefault(anchor.chain, {})[anchor.length] = anchor
    for key in sorted(set(heads) | set(by_chain)):
        chain_anchors = by_chain.get(key, {})
        good: Anchor | None = None

        # After a rotation, an entry under an old key holds only up to the last entry that an
        # anchor under the current key pins: the hash chain then fixes everything before it.
        pinned = max((a.length for a in chain_anchors.values() if a.current), default=0)
        prev = GENESIS_HASH
        expected_seq = 1
        sealed = False
        for event in AuditEvent.objects.filter(chain=key).order_by("seq").iterator(chunk_size=2000):
            checked += 1
            problem = ""
            if event.seq != expected_seq:
                problem = f"entry {expected_seq} of chain {key} is missing"
            elif event.prev_hash != prev:
                problem = "its link to the previous entry does not match"
            elif event.compute_hash() != event.hash:
                problem = "its content does not match its hash"
            elif event.format == 1 and event.event != legacy_event(event.action, event.object_type, event.extra):
                problem = "its name does not follow from what it recorded"
            elif (
                event.format >= 2
                and not seal_is_valid(event.hash, event.seal)
                and not (event.seq <= pinned and sealed_by_an_old_key(event.hash, event.seal))
            ):
                problem = (
                    "it is sealed under an older audit key, and no anchor under the current key pins it: "
                    "run manage.py anchor_audit --all with the old key in HAVEN_AUDIT_KEYS_OLD"
                    if sealed_by_an_old_key(event.hash, event.seal)
                    else "its seal does not match: it was written without Haven's audit key"
                )
            elif event.format == 1 and sealed:
                problem = "an unsealed entry follows sealed ones"
            elif event.seq in chain_anchors and chain_anchors[event.seq].last_hash != event.hash:
                problem = f"it is not the entry anchored at {chain_anchors[event.seq].at}"
            if problem:
                return checked, event, _broken(key, chain_anchors, problem, good)
            if event.seq in chain_anchors:
                good = chain_anchors[event.seq]
            sealed = sealed or event.format >= 2
            prev = event.hash
            expected_seq += 1
        length = expected_seq - 1
        head = heads.get(key)
        if head is None or head.length != length or head.last_hash != prev:
            return (
                checked,
                None,
                _broken(key, chain_anchors, f"chain {key} ends early: entries after {length} were removed", good),
            )
        if chain_anchors and max(chain_anchors) > length:
            return (
                checked,
                None,
                _broken(key, chain_anchors, f"chain {key} is shorter than its anchor: entries were removed", good),
            )
    return checked, None, ""
