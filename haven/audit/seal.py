"""Seals and anchors: an audit log that whoever can write the database cannot quietly rewrite.

The hash chain alone shows a change only to someone who does not recompute it, and the code
that computes it is open source. So, with a key kept outside the database
(``settings.AUDIT_KEY``):

- every entry carries a **seal**, an HMAC of its hash under the key; an entry written or
  rewritten without the key has no valid seal;
- the chain heads (length and last hash of each chain) are **anchored** outside the database,
  at least hourly, as sealed lines appended to a file (``settings.AUDIT_ANCHOR_FILE``, which
  backups carry) and optionally emailed. Rewriting history before an anchor changes a hash the
  anchor holds; ``verify_audit`` names the first entry after the last anchor that still holds.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.mail import send_mail

from haven.core import clock

from .models import AuditChain


def seal_of(entry_hash: str, key: bytes | None = None) -> str:
    return hmac.new(key or settings.AUDIT_KEY, entry_hash.encode(), hashlib.sha256).hexdigest()


def seal_is_valid(entry_hash: str, seal: str) -> bool:
    return hmac.compare_digest(seal_of(entry_hash), seal)


def sealed_by_an_old_key(entry_hash: str, seal: str) -> bool:
    """Sealed under one of ``settings.AUDIT_KEYS_OLD``, the keys before a rotation. Such a seal
    holds only where an anchor under the current key pins the entry (audit_verify): whoever
    learns an old key cannot seal anything new with it."""
    return any(hmac.compare_digest(seal_of(entry_hash, key), seal) for key in settings.AUDIT_KEYS_OLD)


@dataclass(frozen=True)
class Anchor:
    """One chain's head as it was at ``at``, read back from the anchor file."""

    at: str
    chain: str
    length: int
    last_hash: str
    line: int  # its line in the file, for the message that names it
    current: bool = True  # sealed under the current key, not an older one


def _body(at: str, chain: str, length: int, last_hash: str) -> str:
    return json.dumps({"at": at, "chain": chain, "length": length, "last_hash": last_hash}, sort_keys=True)


def anchors_read(path: Path | None = None) -> tuple[list[Anchor], list[int]]:
    """Every sealed anchor in the file, and the line numbers of lines whose seal fails."""
    path = path or settings.AUDIT_ANCHOR_FILE
    found: list[Anchor] = []
    forged: list[int] = []
    if not path.exists():
        return found, forged
    with path.open(encoding="utf-8") as f:
        for number, raw in enumerate(f, start=1):
            if not raw.strip():
                continue
            try:
                row = json.loads(raw)
                body = _body(row["at"], row["chain"], int(row["length"]), row["last_hash"])
                current = hmac.compare_digest(seal_of(body), row["seal"])
                ok = current or sealed_by_an_old_key(body, row["seal"])
            except (ValueError, KeyError, TypeError):
                ok = current = False
            if not ok:
                forged.append(number)
                continue
            found.append(Anchor(row["at"], row["chain"], int(row["length"]), row["last_hash"], number, current))
    return found, forged


def anchor_chains(path: Path | None = None, *, every: bool = False) -> int:
    """Append a sealed line for each chain whose head moved since its last anchor (``every``:
    each chain whose head is not yet anchored under the current key, as after a rotation of
    the audit key); returns how many. The file is opened for appending only and flushed to
    disk before returning."""
    path = path or settings.AUDIT_ANCHOR_FILE
    latest = {a.chain: (a.length, a.last_hash) for a in anchors_read(path)[0] if a.current or not every}
    at = clock.now().isoformat()
    lines = []
    for chain in AuditChain.objects.order_by("key"):
        if chain.length == 0 or latest.get(chain.key) == (chain.length, chain.last_hash):
            continue
        body = _body(at, chain.key, chain.length, chain.last_hash)
        lines.append(json.dumps({**json.loads(body), "seal": seal_of(body)}, sort_keys=True) + "\n")
    if not lines:
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as f:
        f.writelines(lines)
        f.flush()
        os.fsync(f.fileno())
    if settings.AUDIT_ANCHOR_EMAIL:
        send_mail(
            "Haven audit log anchor",
            "Keep this message: it lets Haven's audit log be checked against what it held at "
            f"{at}.\n\n" + "".join(lines),
            None,
            settings.AUDIT_ANCHOR_EMAIL,
        )
    return len(lines)
