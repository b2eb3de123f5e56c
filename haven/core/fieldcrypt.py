"""Encryption of narratives at rest (ASVS V14.2.4): what happened, the child's words,
amendments, what pupils write. A stolen database file or dump holds none of it.

Each value is AES-256-GCM under the field key (``settings.FIELD_KEY``: HAVEN_FIELD_KEY or
the data dir's ``field_key`` file, never in the database), stored as text::

    hv1$<key id, 16 hex>$<nonce, 12 bytes base64url>$<ciphertext and tag, base64url>

The associated data is the table and column (``concerns_concern.child_words``), so a value
copied into another column, or another table, is refused rather than shown in the wrong
place. The key id is a hash of the key, never the key: after a rotation, values written
under an older key (``settings.FIELD_KEYS_OLD``) still open, and ``manage.py
rotate_field_key`` re-encrypts them. A value that cannot be opened raises
:class:`FieldKeyError` naming the key it needs; nothing is ever shown half-decrypted.

The empty string is stored as the empty string: "no words were recorded" is not a secret
(it is visible from the form anyway), and it keeps ``field=""`` constraints and filters
meaningful without comparing ciphertext.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import secrets
from collections.abc import Callable, Sequence
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import transaction

VERSION = "hv1"
_NONCE = 12


class FieldKeyError(Exception):
    """A stored value cannot be opened: the key it names is not configured, or it was
    changed or moved. The message says which, and what to set."""


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"haven field key id\0" + key).hexdigest()[:16]


@functools.lru_cache(maxsize=8)
def _ring(current: bytes, old: tuple[bytes, ...]) -> dict[str, AESGCM]:
    return {key_id(k): AESGCM(k) for k in (*old, current)}


def _keys() -> tuple[str, dict[str, AESGCM]]:
    current: bytes = settings.FIELD_KEY
    return key_id(current), _ring(current, tuple(settings.FIELD_KEYS_OLD))


def current_key_id() -> str:
    return key_id(settings.FIELD_KEY)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def is_encrypted(value: str) -> bool:
    return value.startswith(VERSION + "$")


def encrypt(plaintext: str, *, aad: str) -> str:
    """The stored form of ``plaintext`` under the current key; "" stays ""."""
    if plaintext == "":
        return ""
    kid, ring = _keys()
    nonce = secrets.token_bytes(_NONCE)
    sealed = ring[kid].encrypt(nonce, plaintext.encode(), aad.encode())
    return f"{VERSION}${kid}${_b64(nonce)}${_b64(sealed)}"


def decrypt(value: str, *, aad: str) -> str:
    """The plaintext of a stored value; raises FieldKeyError if it cannot be opened."""
    if value == "":
        return ""
    parts = value.split("$")
    if len(parts) != 4 or parts[0] != VERSION:
        raise FieldKeyError(
            f"{aad} holds a value that is not encrypted (or not in format {VERSION}): run the migrations "
            "(manage.py migrate), which encrypt what older versions stored in plain text."
        )
    _, kid, nonce, sealed = parts
    ring = _keys()[1]
    aead = ring.get(kid)
    if aead is None:
        raise FieldKeyError(
            f"{aad} was encrypted with field key {kid}, which is not configured here (the current key is "
            f"{current_key_id()}). Set HAVEN_FIELD_KEY to that key, or add it to HAVEN_FIELD_KEYS_OLD or the data "
            "dir's field_keys_old file."
        )
    try:
        return aead.decrypt(_unb64(nonce), _unb64(sealed), aad.encode()).decode()
    except (InvalidTag, binascii.Error, ValueError) as exc:
        raise FieldKeyError(
            f"A value in {aad} under field key {kid} does not open: it was changed, or moved here from another "
            "column or table."
        ) from exc


def purpose_key(purpose: str) -> bytes:
    """A key for one other purpose (the search index's tokens), derived from the current
    field key so it lives outside the database too, and separate from the encryption key."""
    return hmac.new(settings.FIELD_KEY, b"haven field key purpose\0" + purpose.encode(), hashlib.sha256).digest()


# Rewriting stored values in place: migrations (encrypt, and decrypt back) and key rotation.


def to_ciphertext(value: str, aad: str) -> str:
    return value if is_encrypted(value) else encrypt(value, aad=aad)


def to_plaintext(value: str, aad: str) -> str:
    return decrypt(value, aad=aad) if is_encrypted(value) else value


def to_current_key(value: str, aad: str) -> str:
    """A value under the current key (re-encrypted only if it is under an older one)."""
    if is_encrypted(value) and value.split("$", 2)[1] == current_key_id():
        return value
    return encrypt(to_plaintext(value, aad), aad=aad)


def rewrite_columns(
    connection: Any, table: str, columns: Sequence[str], change: Callable[[str, str], str], *, batch: int = 500
) -> int:
    """Passes each non-empty value of ``columns`` through ``change(value, "table.column")``, in
    batches of rows by id (so a table of any size is never read whole), writing back only rows
    that changed; answers how many. The names come from code, never from input."""
    qn = connection.ops.quote_name
    select = f"SELECT id, {', '.join(qn(c) for c in columns)} FROM {qn(table)} WHERE id > %s ORDER BY id"  # noqa: S608
    update = f"UPDATE {qn(table)} SET {', '.join(f'{qn(c)} = %s' for c in columns)} WHERE id = %s"  # noqa: S608
    last, changed = 0, 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(f"{select} LIMIT {int(batch)}", [last])
            rows = cursor.fetchall()
            if not rows:
                return changed
            updates = []
            for pk, *values in rows:
                new = [change(v, f"{table}.{c}") if v else v for c, v in zip(columns, values, strict=True)]
                if new != values:
                    updates.append([*new, pk])
                last = pk
            if updates:
                with transaction.atomic(using=connection.alias):
                    cursor.executemany(update, updates)
                changed += len(updates)


def encrypted_columns() -> dict[str, list[str]]:
    """Every table with encrypted fields, and their columns (from the installed models)."""
    from django.apps import apps

    from .fields import EncryptedTextField

    found: dict[str, list[str]] = {}
    for model in apps.get_models():
        for field in model._meta.local_fields:
            if isinstance(field, EncryptedTextField) and field.column:
                found.setdefault(model._meta.db_table, []).append(field.column)
    return found


def under_older_keys(connection: Any) -> int:
    """How many values are not under the current key (an older key, or not encrypted)."""
    qn = connection.ops.quote_name
    prefix = f"{VERSION}${current_key_id()}$%"
    total = 0
    with connection.cursor() as cursor:
        for table, columns in encrypted_columns().items():
            for column in columns:
                cursor.execute(
                    f"SELECT count(*) FROM {qn(table)} WHERE {qn(column)} <> '' AND {qn(column)} NOT LIKE %s",  # noqa: S608
                    [prefix],
                )
                total += int(cursor.fetchone()[0])
    return total
