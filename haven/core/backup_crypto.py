"""Encryption of backup archives: AES-256-GCM in chunks, streamed, so no archive sits whole in memory.

An encrypted archive is one header line, then chunks::

    HAVEN-BACKUP/2 cipher=aes-256-gcm-chunked key=<key id> nonce=<7 random bytes, hex> chunk=<bytes>\\n
    chunk 0, chunk 1, ... each AES-256-GCM(plaintext of ``chunk`` bytes, the last one shorter) + 16-byte tag

Each chunk's nonce is the header's random prefix, the chunk's number (4 bytes) and a flag byte
that is 1 on the last chunk only (the STREAM construction of Hoang, Reyhanitabar, Rogaway and
Vizár). The header line is every chunk's associated data. So a changed byte, a chunk moved,
dropped or repeated, a changed header and an archive cut short at any point are all refused:
decryption only yields chunks that are authentic and in their place, and only the flagged
last chunk may end the file.

The key id names which key encrypted an archive (a hash of the key, not the key), so after a
key change restore can say which older key it needs. The key itself never goes into an
archive: ``HAVEN_BACKUP_KEY`` (32 random bytes, base64), ``HAVEN_BACKUP_KEY_FILE``, or outside
production a ``backup_key`` file made in the data dir on the first backup.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import os
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

MAGIC = b"HAVEN-BACKUP/2 "
CIPHER = "aes-256-gcm-chunked"
CHUNK = 1024 * 1024
TAG = 16
_PREFIX = 7
_MAX_CHUNKS = 2**32
_HEADER = re.compile(rb"^HAVEN-BACKUP/2 cipher=([a-z0-9-]+) key=([0-9a-f]{16}) nonce=([0-9a-f]{14}) chunk=(\d{1,9})\n$")
_HEADER_MAX = 160
KEY_FILE_NAME = "backup_key"
MAKE_A_KEY = "python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())'"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why in plain words."""


# Keys -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupKey:
    secret: bytes
    origin: str  # where it came from, for messages; never the key itself

    @property
    def key_id(self) -> str:
        return hashlib.sha256(b"haven backup key id\0" + self.secret).hexdigest()[:16]


def parse_key(text: str, *, origin: str) -> BackupKey:
    try:
        secret = base64.b64decode(text.strip().replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        secret = b""
    if len(secret) != 32:
        raise BackupError(
            f"{origin} is not a backup key: it must be 32 random bytes in base64 (make one: {MAKE_A_KEY})."
        )
    return BackupKey(secret, origin)


def key_from_file(path: Path, *, origin: str | None = None) -> BackupKey:
    try:
        text = path.read_text()
    except OSError as exc:
        raise BackupError(f"The backup key file {path} cannot be read: {exc.strerror or exc}") from exc
    return parse_key(text, origin=origin or f"the key file {path}")


def default_key_file() -> Path:
    return Path(settings.DATA_DIR) / KEY_FILE_NAME


def configured_key() -> BackupKey | None:
    """The key the settings name: HAVEN_BACKUP_KEY, else HAVEN_BACKUP_KEY_FILE, else the data
    dir's backup_key file if there is one (outside production)."""
    if value := os.environ.get("HAVEN_BACKUP_KEY"):
        return parse_key(value, origin="HAVEN_BACKUP_KEY")
    if name := os.environ.get("HAVEN_BACKUP_KEY_FILE"):
        return key_from_file(Path(name), origin=f"HAVEN_BACKUP_KEY_FILE ({name})")
    path = default_key_file()
    if not settings.PRODUCTION and path.exists():
        return key_from_file(path)
    return None


def key_for_backup() -> tuple[BackupKey, Path | None]:
    """The key to encrypt with, and the path of a key file made just now (None if it existed).
    Production never makes one: its key must be kept apart from the machine's backups."""
    if key := configured_key():
        return key, None
    if settings.PRODUCTION:
        raise BackupError(
            "No backup key: set HAVEN_BACKUP_KEY (32 random bytes in base64) or HAVEN_BACKUP_KEY_FILE "
            f"(a file kept apart from the backups). Make one: {MAKE_A_KEY}"
        )
    path = default_key_file()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(base64.b64encode(secrets.token_bytes(32)).decode() + "\n")
    return key_from_file(path), path


def keys_for_restore(key_files: Iterable[Path]) -> list[BackupKey]:
    keys = [key_from_file(Path(p)) for p in key_files]
    if key := configured_key():
        keys.append(key)
    return keys


# Writing ----------------------------------------------------------------------------------


def _nonce(prefix: bytes, counter: int, *, last: bool) -> bytes:
    if counter >= _MAX_CHUNKS:
        raise BackupError("The archive is too large for one backup key and nonce prefix.")
    return prefix + counter.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


class EncryptingWriter(io.RawIOBase):
    """Encrypts what is written into ``sink`` chunk by chunk; ``finish()`` writes the last chunk.
    Without ``finish()`` (an error part-way) the output ends without its last chunk, and restore
    refuses it."""

    def __init__(self, sink: IO[bytes], key: BackupKey, *, chunk: int = CHUNK) -> None:
        self.sink = sink
        self.aead = AESGCM(key.secret)
        self.prefix = secrets.token_bytes(_PREFIX)
        self.chunk = chunk
        self.header = (
            f"HAVEN-BACKUP/2 cipher={CIPHER} key={key.key_id} nonce={self.prefix.hex()} chunk={chunk}\n".encode()
        )
        self.buffer = bytearray()
        self.counter = 0
        self.bytes_out = 0
        self._emit_raw(self.header)

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        view = memoryview(b).cast("B")
        self.buffer += view
        while len(self.buffer) > self.chunk:  # keep at least one byte back: the last chunk is never empty by accident
            self._emit(bytes(self.buffer[: self.chunk]), last=False)
            del self.buffer[: self.chunk]
        return len(view)

    def finish(self) -> None:
        self._emit(bytes(self.buffer), last=True)
        self.buffer.clear()

    def _emit(self, plain: bytes, *, last: bool) -> None:
        self._emit_raw(self.aead.encrypt(_nonce(self.prefix, self.counter, last=last), plain, self.header))
        self.counter += 1

    def _emit_raw(self, data: bytes) -> None:
        self.sink.write(data)
        self.bytes_out += len(data)


# Reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    line: bytes
    key_id: str
    prefix: bytes
    chunk: int


def read_header(source: IO[bytes], *, name: str) -> Header:
    line = source.readline(_HEADER_MAX)
    match = _HEADER.match(line)
    if not line.startswith(MAGIC) or match is None:
        raise BackupError(f"{name} is not an encrypted Haven backup archive (its first line is not Haven's).")
    cipher, key_id, prefix, chunk = match.groups()
    if cipher.decode() != CIPHER:
        raise BackupError(f"{name} uses the cipher {cipher.decode()}, which this version of Haven cannot read.")
    size = int(chunk)
    if not 0 < size <= 64 * CHUNK:
        raise BackupError(f"{name} has a header Haven cannot read (chunk size {size}).")
    return Header(line, key_id.decode(), bytes.fromhex(prefix.decode()), size)


def choose_key(header: Header, keys: list[BackupKey], *, name: str) -> BackupKey:
    for key in keys:
        if key.key_id == header.key_id:
            return key
    if not keys:
        raise BackupError(
            f"{name} is encrypted with the backup key whose id is {header.key_id}, and no key was given: "
            "set HAVEN_BACKUP_KEY or HAVEN_BACKUP_KEY_FILE, or give the key file with --key-file FILE."
        )
    given = ", ".join(f"{k.key_id} ({k.origin})" for k in keys)
    raise BackupError(
        f"{name} is encrypted with the backup key whose id is {header.key_id}, not with the key given "
        f"({given}). If the key was changed since, give the older key with --key-file FILE."
    )


def _read_exactly(source: IO[bytes], n: int) -> bytes:
    parts = []
    while n > 0:
        part = source.read(n)
        if not part:
            break
        parts.append(part)
        n -= len(part)
    return b"".join(parts)


def decrypt_chunks(source: IO[bytes], header: Header, key: BackupKey, *, name: str) -> Iterator[bytes]:
    """The plaintext, chunk by chunk; BackupError at the first chunk that is not authentic, and
    when the file ends before its last chunk."""
    aead = AESGCM(key.secret)
    size = header.chunk + TAG
    counter = 0
    current = _read_exactly(source, size)
    while True:
        following = _read_exactly(source, size) if len(current) == size else b""
        last = not following
        try:
            yield aead.decrypt(_nonce(header.prefix, counter, last=last), current, header.line)
        except InvalidTag:
            raise BackupError(_refusal(aead, header, counter, current, last=last, name=name)) from None
        if last:
            return
        current, counter = following, counter + 1


def _refusal(aead: AESGCM, header: Header, counter: int, data: bytes, *, last: bool, name: str) -> str:
    if last and len(data) == header.chunk + TAG:
        try:
            aead.decrypt(_nonce(header.prefix, counter, last=False), data, header.line)
        except InvalidTag:
            pass
        else:
            return (
                f"{name} is cut short: it ends after part {counter + 1} without its last part (a copy or an "
                "upload that stopped part-way). Nothing was restored: use another copy."
            )
    return (
        f"{name} has been changed, damaged or cut short since it was written (part {counter + 1} fails its "
        "authentication check). Nothing was restored: use another copy."
    )


class DecryptingReader(io.RawIOBase):
    """A readable stream of the plaintext of an encrypted archive (for gzip and tarfile)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks
        self.pending = memoryview(b"")
        self.done = False

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self.pending and not self.done:
            try:
                self.pending = memoryview(next(self.chunks))
            except StopIteration:
                self.done = True
        n = min(len(b), len(self.pending))
        b[:n] = self.pending[:n]
        self.pending = self.pending[n:]  # a view: no copy of the rest of the chunk
        return n

    def drain(self) -> int:
        """Read to the end, so the last chunk's check runs even when the reader above stopped early."""
        extra = len(self.pending)
        self.pending = memoryview(b"")
        for chunk in self.chunks:
            extra += len(chunk)
        self.done = True
        return extra
