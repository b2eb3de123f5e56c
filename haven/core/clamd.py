"""Antivirus scanning of uploaded files by ClamAV's clamd (ASVS V5.4.3), when configured.

``HAVEN_CLAMD`` names the daemon: a unix socket path (``/run/clamav/clamd.ctl``) or
``host:port`` (clamd's ``TCPSocket``). Unset, nothing is scanned and uploads are checked as
before (by content, kind, name and size: haven/concerns/files.py). Set, every attachment and
roster file is streamed to clamd before Haven keeps it, and is refused when clamd finds
something **or cannot be asked**: a file is never kept unscanned while scanning is configured.

The protocol is clamd's documented ``INSTREAM`` (clamd(8)): the command ``zINSTREAM\\0``, then
the bytes in chunks each preceded by its length as four bytes in network order, then a zero
length; clamd answers one NUL-terminated line, ``stream: OK``, ``stream: <name> FOUND`` or
``... ERROR``. clamd refuses a stream longer than its ``StreamMaxLength`` (25 MB by default,
more than Haven's largest upload) with an error, which is a refusal here like any other.
"""

from __future__ import annotations

import logging
import socket
import struct
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django import forms
from django.conf import settings

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

CHUNK_BYTES = 64 * 1024
TIMEOUT_SECONDS = 60  # a 20 MB roster file takes a second or two; a stuck daemon must not hold a page
_MAX_ANSWER = 4096

logger = logging.getLogger("haven.clamd")


class ScanRefused(Exception):
    """The file must not be kept. ``message`` says why in words for the person who sent it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Infected(ScanRefused):
    def __init__(self, message: str, *, signature: str) -> None:
        super().__init__(message)
        self.signature = signature


class ScannerUnavailable(ScanRefused):
    pass


def configured() -> bool:
    return bool(getattr(settings, "HAVEN_CLAMD", ""))


def _connect(where: str) -> socket.socket:
    if where.startswith("/"):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        address: str | tuple[str, int] = where
    else:
        host, _, port = where.rpartition(":")
        sock = socket.socket(socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET, socket.SOCK_STREAM)
        address = (host.strip("[]"), int(port))
    sock.settimeout(TIMEOUT_SECONDS)
    try:
        sock.connect(address)
    except BaseException:
        sock.close()
        raise
    return sock


def instream(where: str, chunks: Iterable[bytes]) -> str:
    """Send ``chunks`` to the clamd at ``where`` with INSTREAM; its answer without the NUL."""
    with _connect(where) as sock:
        sock.sendall(b"zINSTREAM\0")
        for chunk in chunks:
            for start in range(0, len(chunk), CHUNK_BYTES):
                piece = chunk[start : start + CHUNK_BYTES]
                try:
                    sock.sendall(struct.pack("!L", len(piece)) + piece)
                except BrokenPipeError:
                    # clamd stops reading past StreamMaxLength and says so: read what it said.
                    return _answer(sock)
        sock.sendall(struct.pack("!L", 0))
        return _answer(sock)


def _answer(sock: socket.socket) -> str:
    answer = b""
    while not answer.endswith(b"\0") and len(answer) < _MAX_ANSWER:
        part = sock.recv(_MAX_ANSWER)
        if not part:
            break
        answer += part
    return answer.rstrip(b"\0").decode("utf-8", "replace").strip()


def scan(chunks: Iterable[bytes], *, name: str) -> None:
    """Raise :class:`ScanRefused` unless clamd says the file is clean. Does nothing when
    scanning is not configured. ``name`` (the uploader's file name) is only for the message."""
    where = getattr(settings, "HAVEN_CLAMD", "")
    if not where:
        return
    try:
        answer = instream(where, chunks)
    except (OSError, ValueError) as exc:
        logger.error("clamd at %s could not be asked (%s): upload refused", where, exc.__class__.__name__)
        raise ScannerUnavailable(
            f"{name} could not be checked for viruses just now, so Haven has not kept it. "
            "Everything else you entered is still here: try attaching it again in a few minutes, "
            "or tell your IT support if this keeps happening."
        ) from exc
    if answer.endswith(" OK") and answer.startswith("stream:"):
        return
    if answer.endswith(" FOUND"):
        signature = answer.removeprefix("stream:").removesuffix(" FOUND").strip()
        # The uploader's file name is left out: it may name a child.
        logger.warning("clamd found %s in an upload: refused", signature)
        raise Infected(
            f"{name} was not kept: the virus checker found something harmful in it ({signature}). "
            "Do not open it again. Tell your IT support, and describe what it showed in words instead.",
            signature=signature,
        )
    logger.error("clamd could not scan an upload (%s): refused", answer[:200])
    raise ScannerUnavailable(
        f"{name} could not be checked for viruses, so Haven has not kept it. Everything else you entered is "
        "still here: try a smaller file, or tell your IT support."
    )


def scan_upload(upload: UploadedFile[bytes]) -> None:
    """Scan an uploaded file as :func:`scan` does, then rewind it for whoever reads it next.

    Called by the forms that take files (a concern's attachments, a roster file, an enquiry
    import), before any database transaction is open: a scan never holds a lock."""
    if not configured():
        return
    try:
        scan(upload.chunks(), name=upload.name or "The file")
    finally:
        upload.seek(0)


def form_error(exc: ScanRefused) -> forms.ValidationError:
    return forms.ValidationError(exc.message, code="virus" if isinstance(exc, Infected) else "not_scanned")
