"""Writing to the audit log. Every service that reads or writes safeguarding content calls
:func:`audit_record` inside its own transaction, so the record and its audit row commit or
fail together."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

from django.db import connection, models, transaction
from django.db.models.sql import InsertQuery
from django.http import HttpRequest

from haven.core import clock
from haven.core.fields import pk_column

from .context import COMMAND, AuditContext, Channel, client_ip
from .events import Event, legacy_event, verb_of
from .models import GENESIS_HASH, Action, AuditChain, AuditEvent

__all__ = ["AuditContext", "AuditOrganisation", "Channel", "Event", "audit_record", "audit_verify", "client_ip"]

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


def audit_record(
    event: Event | None = None,
    *,
    ctx: AuditContext | None = None,
    actor: User | None = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    school: School | int | None = None,
    trust: Trust | int | None = None,
    authority: Authority | int | None = None,
    changes: dict[str, tuple[Any, Any] | list[Any]] | None = None,
    extra: dict[str, Any] | None = None,
    action: Action | str | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Append one event to the audit log, chained to the previous event of its chain.

    ``event`` names what happened; its verb (``action``) follows from it. ``changes`` holds
    the old and new value of each field that changed (``{"status": ["open", "closed"]}``);
    ``extra`` anything else worth keeping that is not safeguarding content. The organisation
    decides the chain: an event about a school's record belongs in that school's chain.

    ``request`` and an ``action`` without an ``event`` are the old form, kept while callers
    move to a context and a name; the event is then named as the old events were.
    """
    if request is not None:
        ctx = ctx or AuditContext.of(request)
        user = getattr(request, "user", None)
        if actor is None and user is not None and user.is_authenticated:
            actor = user
    ctx = ctx or COMMAND
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    extra = dict(extra or {})
    if changes:
        extra["changes"] = {field: list(values) for field, values in changes.items()}
    if event is None:
        if action is None:
            raise TypeError("audit_record needs the event that happened")
        event = Event(legacy_event(str(action), str(object_type), extra))
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
            action=str(action or verb_of(event)),
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
        if connection.vendor == "postgresql":
            _insert_and_advance(row, chain)
        else:
            row.save()
            AuditChain.objects.filter(pk=chain.pk).update(last_hash=row.hash, length=row.seq)
    return row


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


def audit_verify() -> tuple[int, AuditEvent | None, str]:
    """Check every chain. Returns (events checked, first broken event or None, reason)."""
    checked = 0
    heads = {c.key: c for c in AuditChain.objects.all()}
    for key in sorted(heads):
        prev = GENESIS_HASH
        expected_seq = 1
        for event in AuditEvent.objects.filter(chain=key).order_by("seq").iterator(chunk_size=2000):
            checked += 1
            if event.seq != expected_seq:
                return checked, event, f"entry {expected_seq} of chain {key} is missing"
            if event.prev_hash != prev:
                return checked, event, "its link to the previous entry does not match"
            if event.compute_hash() != event.hash:
                return checked, event, "its content does not match its hash"
            if event.format == 1 and event.event != legacy_event(event.action, event.object_type, event.extra):
                return checked, event, "its name does not follow from what it recorded"
            prev = event.hash
            expected_seq += 1
        head = heads[key]
        if head.length != expected_seq - 1 or head.last_hash != prev:
            return checked, None, f"chain {key} ends early: entries after {expected_seq - 1} were removed"
    return checked, None, ""
