"""Attachment checks by content, not by name (a renamed .exe is not a .pdf)."""

from __future__ import annotations

import base64
import binascii
import re
import zipfile
import zlib
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
    if "\x00" in text:
        return None
    if looks_like_markup(text):
        # Never kept as text: an SVG is a picture (and may carry others inside it), a web page
        # may load or embed pictures and scripts. Named so that it can be refused by name.
        return SVG if "<svg" in text.lower() else MARKUP
    return "text/plain"


SVG = "image/svg+xml"
MARKUP = "text/html"
_MARKUP_WORDS = ("<svg", "<html", "<script", "<!doctype", "<iframe", "<object", "<embed", "data:image")


def looks_like_markup(text: str) -> bool:
    """Text that is really markup: it opens with a tag (after any byte-order mark and white
    space) or carries an SVG, a web page, a script or an inline picture anywhere in it."""
    if text.lstrip("\ufeff \t\r\n\f\v").startswith("<"):
        return True
    lowered = text.lower()
    return any(word in lowered for word in _MARKUP_WORDS)


def is_image_or_video(content_type: str | None) -> bool:
    return content_type is not None and content_type.split("/")[0] in {"image", "video"}


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

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

# The endings a file of each kind may have (ASVS 5.2.2): a name that says one kind over
# contents of another is refused, so that what a reader downloads is what its name says.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg", ".jpe", ".jfif"),
    "image/gif": (".gif",),
    "image/heic": (".heic", ".heif", ".avif"),
    "image/webp": (".webp",),
    DOCX: (".docx",),
    "text/plain": (".txt", ".text", ".csv", ".md", ".log"),
}
KIND_NAMES = {
    "application/pdf": "a PDF",
    "image/png": "a PNG picture",
    "image/jpeg": "a JPEG photo",
    "image/gif": "a GIF picture",
    "image/heic": "a HEIC photo",
    "image/webp": "a WebP picture",
    DOCX: "a Word document",
    "text/plain": "plain text",
}


def extension_refusal(name: str, content_type: str) -> str | None:
    """Why a file of this (allowed) kind may not carry this name, or None when it may."""
    endings = EXTENSIONS[content_type]
    dot = name.rfind(".")
    ending = name[dot:].lower() if dot > 0 else ""
    if ending in endings:
        return None
    kind = KIND_NAMES[content_type]
    said = f"ends {ending}" if ending else "has no ending such as .pdf"
    return (
        f"{name} {said} but holds {kind}. Attach the original file, or rename it to end {endings[0]} "
        "so that its name says what it is."
    )


# A Word document is a zip archive: refused unopened when its table of contents promises more
# than any real document holds (ASVS 5.2.3: a zip bomb). Only the archive's list of parts is
# read here (zipfile's infolist), never a part itself.
MAX_DOCX_PARTS = 1000
MAX_DOCX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_DOCX_RATIO = 100


def docx_refusal(name: str, data: bytes) -> str | None:
    """Why this Word document is refused unopened (too many parts, too large unpacked, or a
    part packed far tighter than any text packs), or None when it may be looked inside."""
    try:
        infos = zipfile.ZipFile(BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError):
        return f"{name} is a damaged Word document. Save it again from Word, or as a PDF."
    advice = "which no ordinary document does: Haven does not open it. Save it again from Word, or as a PDF."
    if len(infos) > MAX_DOCX_PARTS:
        return f"{name} is a Word document made of more than {MAX_DOCX_PARTS:,} parts, {advice}"
    if sum(info.file_size for info in infos) > MAX_DOCX_UNPACKED_BYTES:
        megabytes = MAX_DOCX_UNPACKED_BYTES // 1024 // 1024
        return f"{name} is a Word document that unpacks to more than {megabytes} MB, {advice}"
    for info in infos:
        if info.file_size > MAX_DOCX_RATIO * max(info.compress_size, 1):
            ratio = MAX_DOCX_RATIO
            return f"{name} is a Word document with a part packed more than {ratio} times smaller than it is, {advice}"
    return None


# -- Pictures inside documents (DESIGN §3 rule 7) ----------------------------------------------
# For sharing nudes and semi-nudes a picture must not be attached at all, so neither may a
# document that carries one. Both checks look at what the file holds, never at its name, and
# answer "may hold pictures" whenever they cannot tell.

# How much of a PDF's compressed streams is opened, in all, before giving up (a zip bomb).
_MAX_INFLATED = 64 * 1024 * 1024


def may_hold_images(data: bytes, content_type: str | None) -> bool:
    """Does this document (of an allowed kind) hold, or may it hold, pictures or videos?"""
    if content_type == DOCX:
        return _docx_may_hold_images(data)
    if content_type == "application/pdf":
        return _pdf_may_hold_images(data)
    return is_image_or_video(content_type)


def _docx_may_hold_images(data: bytes) -> bool:
    """A Word document keeps its pictures, embedded objects and page thumbnail as parts of
    its own beside the XML of the text (word/media/, word/embeddings/, docProps/thumbnail.*):
    any part that is not XML, any part in a media or embeddings folder, and any SVG or web
    page part counts as a picture."""
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        return True
    for info in infos:
        if info.is_dir():
            continue
        folders = info.filename.lower().replace("\\", "/").split("/")[:-1]
        if "media" in folders or "embeddings" in folders:
            return True
        try:
            with archive.open(info) as part:
                head = part.read(1024)
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError, zlib.error, EOFError, ValueError):
            return True  # encrypted, damaged or compressed in a way Haven cannot read: cannot tell
        if not head.strip():
            continue
        if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            return True  # not XML: a picture, an embedded object, a thumbnail
        lowered = head.lower()
        if b"<svg" in lowered or b"<html" in lowered:
            return True
    return False


_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# An image XObject (/Subtype /Image), an image mask, image-only filters (also the short names
# of inline images), embedded files, and media: each means a picture, or a file that may be one.
_PDF_PICTURE = re.compile(
    rb"/Image(?![A-Za-z0-9])|/ImageMask|/(?:DCT|JPX|JBIG2|CCITTFax)Decode|/(?:DCT|CCF)(?![A-Za-z0-9])"
    rb"|/EmbeddedFiles?(?![A-Za-z0-9])|/RichMedia|/Movie(?![A-Za-z0-9])|/Sound(?![A-Za-z0-9])"
)
# An inline image in a content stream: the BI operator followed by its first key.
_PDF_INLINE_IMAGE = re.compile(rb"(?:^|[\s\]\)>}])BI\s*/[A-Za-z]")
_PDF_STREAM = re.compile(rb"(?<![A-Za-z])stream(?:\r\n|\n|\r)")
_PDF_FILTERS = {
    b"FlateDecode": "flate",
    b"Fl": "flate",
    b"ASCIIHexDecode": "hex",
    b"AHx": "hex",
    b"ASCII85Decode": "a85",
    b"A85": "a85",
}


def _unescaped(data: bytes) -> bytes:
    """PDF names may spell any character as #xx (/Im#61ge is /Image)."""
    return _NAME_ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), data)


def _pdf_may_hold_images(data: bytes) -> bool:
    """Pictures in a PDF are image objects, inline images in the page's drawing (usually
    compressed), or embedded files. An encrypted PDF, or a stream Haven cannot decompress,
    cannot be checked and counts as holding pictures."""
    plain = _unescaped(data)
    if _PDF_PICTURE.search(plain) or re.search(rb"/Encrypt(?![A-Za-z0-9])", plain):
        return True
    budget = _MAX_INFLATED
    for match in _PDF_STREAM.finditer(data):
        start = match.end()
        end = data.find(b"endstream", start)
        if end < 0:
            end = len(data)
        opened = data.rfind(b"obj", 0, match.start())
        dictionary = _unescaped(data[max(opened, 0) : match.start()])
        filters: list[bytes] = []
        at = dictionary.rfind(b"/Filter")
        if at >= 0:
            value = dictionary[at + len(b"/Filter") :].lstrip()
            if value.startswith(b"["):  # an array of filters, applied in turn
                filters = re.findall(rb"/([A-Za-z0-9]+)", value[: value.find(b"]") + 1])
            else:  # one filter name (or a reference to one, which Haven does not follow)
                filters = re.findall(rb"^/([A-Za-z0-9]+)", value) or [b"?"]
        content = data[start:end]
        for name in filters:
            kind = _PDF_FILTERS.get(name)
            if kind is None:
                return True  # a filter Haven does not open: cannot tell
            try:
                if kind == "flate":
                    inflater = zlib.decompressobj()
                    content = inflater.decompress(content, budget + 1)
                elif kind == "hex":
                    hexes = re.sub(rb"[^0-9A-Fa-f]", b"", content.split(b">")[0])
                    content = binascii.unhexlify(hexes + b"0" * (len(hexes) % 2))
                else:
                    content = base64.a85decode(re.sub(rb"\s", b"", content.split(b"~>")[0]))
            except (zlib.error, binascii.Error, ValueError):
                return True
            if len(content) > budget:
                return True  # far too much to open: cannot tell
        budget -= len(content)
        if filters and _PDF_PICTURE.search(_unescaped(content)):
            return True
        if _PDF_INLINE_IMAGE.search(content):
            return True
    return False
