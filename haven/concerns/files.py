"""Attachment checks by content, not by name (a renamed .exe is not a .pdf)."""

from __future__ import annotations

import zipfile
from io import BytesIO

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 5

# Allowed kinds: documents and photos of written notes.
_SIGNATURES: list[tuple[bytes, str]] = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
]
_VIDEO_BRANDS = (b"isom", b"iso2", b"mp41", b"mp42", b"avc1", b"qt  ", b"M4V ", b"3gp4", b"3gp5", b"dash")
_IMAGE_BRANDS = (b"heic", b"heix", b"mif1", b"msf1", b"avif")


def sniff(data: bytes) -> str | None:
    """The content type the bytes really are, or None when not an allowed kind.

    Also recognises video and HEIC/AVIF images so that they can be refused by name for the
    nudes category, and so that an image is never mistaken for a document.
    """
    for signature, kind in _SIGNATURES:
        if data.startswith(signature):
            return kind
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in _IMAGE_BRANDS:
            return "image/heic"
        if brand in _VIDEO_BRANDS:
            return "video/mp4"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"RIFF") and data[8:12] == b"AVI ":
        return "video/x-msvideo"
    if data.startswith(b"\x1aE\xdf\xa3"):
        return "video/webm"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return None
        if "word/document.xml" in names:
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\x00" not in text:
        return "text/plain"
    return None


def is_image_or_video(content_type: str | None) -> bool:
    return bool(content_type) and content_type.split("/")[0] in {"image", "video"}  # type: ignore[union-attr]


ALLOWED_TYPES = {
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/heic",
    "image/webp",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "text/plain",
}
