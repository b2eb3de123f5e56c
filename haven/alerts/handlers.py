"""What the apps that own the records say about their alerts, registered from their
``AppConfig.ready`` (the outbox sits below them and cannot import them).

- ``not_needed(alert)``: at send time, a reason the alert is no longer needed (an escalation
  after a DSL acknowledged the concern, a transfer withdrawn), or ``None`` to send it.
- ``on_sent(alert)``: in the transaction that marks it sent, keep the record's own history
  of who was told (haven.concerns ``Alert``, haven.pupil_voice ``ReportAlert``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import OutboxAlert


@dataclass(frozen=True)
class Handler:
    not_needed: Callable[[OutboxAlert], str | None] | None = None
    on_sent: Callable[[OutboxAlert], None] | None = None


_HANDLERS: dict[str, Handler] = {}


def register(
    kind: str,
    *,
    not_needed: Callable[[OutboxAlert], str | None] | None = None,
    on_sent: Callable[[OutboxAlert], None] | None = None,
) -> None:
    _HANDLERS[kind] = Handler(not_needed=not_needed, on_sent=on_sent)


def handler_for(kind: str) -> Handler:
    return _HANDLERS.get(kind, Handler())
