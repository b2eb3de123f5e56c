"""The audit log: who did what to which record, when and from where.

Entries are append-only and chained by hash: each entry's hash covers its own fields and
the hash of the entry before it in the same chain, so changing or removing an entry breaks
every hash after it (``manage.py verify_audit``). There is one chain per school (and one
per trust, authority, and a global one) so that writers at different schools do not queue
behind each other and the log shards by tenant with the rest of the data.
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.db import models

from haven.core import clock

from .events import Action, Event

__all__ = ["GENESIS_HASH", "Action", "AuditChain", "AuditEvent", "Event"]

GENESIS_HASH = "0" * 64


class AuditChain(models.Model):
    """The head of one hash chain; locked while an entry is appended to it."""

    key = models.CharField(max_length=40, unique=True)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    length = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return self.key


class AuditEvent(models.Model):
    """One audited action.

    ``actor`` is who acted (null for an anonymous request); ``object_type``/``object_id``
    name the record acted on, never its content; ``extra`` holds old and new values of
    non-sensitive fields or a short reason. ``chain``/``seq``/``prev_hash``/``hash`` make
    the log tamper-evident.
    """

    chain = models.CharField(max_length=40)
    seq = models.PositiveBigIntegerField()
    at = models.DateTimeField(default=clock.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_email = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=32, choices=Action.choices)
    # What happened in the domain's words (haven.audit.events.Event); ``action`` is its verb.
    event = models.CharField(max_length=64, blank=True)  # no choices: a new name needs no migration
    channel = models.CharField(max_length=16, blank=True)  # haven.audit.context.Channel
    # 1: recorded before events had names or seals; the hash leaves out event and channel,
    # and verify_audit checks the name still follows from what the hash covers.
    # 2: named, with the channel in the hash, and sealed (``seal``).
    format = models.PositiveSmallIntegerField(default=2)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    school = models.ForeignKey(
        "organisations.School", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    trust = models.ForeignKey("organisations.Trust", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    authority = models.ForeignKey(
        "organisations.Authority", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    extra = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # HMAC of the hash under a key kept outside the database (haven.audit.seal); format 1
    # entries, recorded before seals, have none and are covered by the anchors instead.
    seal = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["chain", "seq"]
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_event_seq_unique_in_chain")]
        indexes = [
            models.Index(fields=["object_type", "object_id", "at"]),
            models.Index(fields=["school", "at"]),
            models.Index(fields=["actor", "at"]),
            models.Index(fields=["event", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.chain}#{self.seq} {self.event or self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("Audit events are append-only and cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValueError("Audit events are append-only and cannot be deleted")

    @property
    def event_label(self) -> str:
        """The event's name in words, for the pages that list events."""
        return Event(self.event).label if self.event in Event.values else self.get_action_display()

    def canonical(self) -> str:
        """The fields the hash covers, as canonical JSON."""
        fields = {
            "chain": self.chain,
            "seq": self.seq,
            "at": self.at.isoformat(),
            "actor": self.actor_id,
            "actor_email": self.actor_email,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "school": self.school_id,
            "trust": self.trust_id,
            "authority": self.authority_id,
            "ip_address": self.ip_address,
            "user_agent": self.user_agent,
            "extra": self.extra,
            "prev_hash": self.prev_hash,
        }
        if self.format >= 2:
            fields |= {"format": self.format, "event": self.event, "channel": self.channel}
        return json.dumps(
            fields,
            sort_keys=True,
            separators=(",", ":"),
            default=str,
        )

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical().encode()).hexdigest()
