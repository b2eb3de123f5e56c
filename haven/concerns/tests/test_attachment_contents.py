"""What an attachment holds, not what it is called (DESIGN §3 rule 7).

For sharing nudes and semi-nudes no picture may be attached, so neither may a Word document
or a PDF that carries one. Markup (SVG, web pages) is never kept as text, in any category.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.concerns import files
from haven.concerns.models import Attachment, Category, Concern
from haven.core.errors import ApplicationError

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
DOCUMENT_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>Notes of what Sam told me.</w:t></w:r></w:p></w:body></w:document>"
)
UKCIS = "must not view, copy, print, share or forward"
MARKUP = "is a web page, an SVG picture or other markup"


def _docx(extra_parts: dict[str, bytes | str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        archive.writestr("word/document.xml", DOCUMENT_XML)
        for name, content in (extra_parts or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _pdf(*objects: bytes) -> bytes:
    body = b"%PDF-1.7\n"
    for number, obj in enumerate(objects, start=1):
        body += f"{number} 0 obj\n".encode() + obj + b"\nendobj\n"
    return body + b"trailer\n<</Root 1 0 R>>\n%%EOF\n"


def _stream(dictionary: bytes, content: bytes) -> bytes:
    return b"<<" + dictionary + f"/Length {len(content)}>>\nstream\n".encode() + content + b"\nendstream"


def _flate(content: bytes) -> bytes:
    return _stream(b"/Filter /FlateDecode", zlib.compress(content))


TEXT_PDF = _pdf(
    b"<</Type /Catalog /Pages 2 0 R>>",
    b"<</Type /Pages /Kids [3 0 R] /Count 1>>",
    b"<</Type /Page /Parent 2 0 R /Contents 4 0 R /Resources <</ProcSet [/PDF /Text /ImageB /ImageC /ImageI]>>>>",
    _flate(b"BT /F1 12 Tf 72 712 Td (Notes of what Sam told me.) Tj ET"),
)
IMAGE_XOBJECT_PDF = _pdf(
    b"<</Type /Catalog /Pages 2 0 R>>",
    b"<</Type /Pages /Kids [] /Count 0>>",
    # /Im#61ge is /Image, spelt with a name escape.
    _stream(b"/Type /XObject /Subtype /Im#61ge /Width 1 /Height 1 /BitsPerComponent 8 /ColorSpace /DeviceRGB", b"\x00"),
)
INLINE_IMAGE_PDF = _pdf(
    b"<</Type /Catalog /Pages 2 0 R>>",
    _flate(b"q 100 0 0 100 0 0 cm BI /W 1 /H 1 /BPC 8 /CS /RGB ID \xff\x00\x00 EI Q"),
)


def _nudes_pk() -> int:
    return Category.objects.get(code="nudes").pk


def _form(world, category: int, attachment) -> dict:
    return {
        "school": world.school_a.pk,
        "child_1_query": f"#{world.pupils['a'].pk}",
        "child_1_role": "affected",
        "occurred_on": (timezone.localtime() - dt.timedelta(hours=1)).date().isoformat(),
        "occurred_time": (timezone.localtime() - dt.timedelta(hours=1)).strftime("%H:%M"),
        "location": "online",
        "online_platform": "Snapchat",
        "categories": [category],
        "what_happened": "Sam said a photo of him was being passed round.",
        "child_told_next_steps": "yes",
        "attachments": [attachment],
    }


def test_a_word_document_with_a_picture_is_refused_for_nudes_with_the_ukcis_advice(client, world):
    sign_in(client, world.users["staff_a"])
    upload = SimpleUploadedFile("screenshot.docx", _docx({"word/media/image1.png": PNG}))
    r = client.post(reverse("concerns:new"), _form(world, _nudes_pk(), upload))
    assert r.status_code == 400
    assert UKCIS in r.text and "Report Remove" in r.text
    assert "Sam said a photo of him was being passed round." in r.text  # what was typed is kept
    assert not Concern.objects.exists()


@pytest.mark.parametrize(
    "parts",
    [
        {"word/media/image1.png": PNG},
        {"word/media/image1.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>'},
        {"word/embeddings/oleObject1.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64},
        {"docProps/thumbnail.jpeg": b"\xff\xd8\xff\xe0" + b"\x00" * 64},
        {"word/hidden.xml": PNG},  # a picture under an XML name: looked at by content
        {"word/afchunk.htm": "<html><body><img src='x.png'></body></html>"},
    ],
)
def test_any_picture_inside_a_word_document_counts_for_nudes(world, make_concern, parts):
    upload = SimpleUploadedFile("notes.docx", _docx(parts))
    assert files.sniff(upload.read()) == files.DOCX
    upload.seek(0)
    with pytest.raises(ApplicationError) as raised:
        make_concern(codes=("nudes",), attachments=[upload])
    assert raised.value.code == "nudes_image"
    assert not Attachment.objects.exists()


def test_a_word_document_of_words_only_is_kept_for_nudes(world, make_concern, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    concern = make_concern(codes=("nudes",), attachments=[SimpleUploadedFile("notes.docx", _docx())])
    assert concern.attachments.get().content_type == files.DOCX


def test_a_word_document_with_pictures_is_kept_outside_the_nudes_category(world, make_concern, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("map.docx", _docx({"word/media/image1.png": PNG}))
    concern = make_concern(codes=("bullying",), attachments=[upload])
    assert concern.attachments.get().content_type == files.DOCX


@pytest.mark.parametrize("pdf", [IMAGE_XOBJECT_PDF, INLINE_IMAGE_PDF], ids=["image-object", "inline-image"])
def test_a_pdf_with_a_picture_is_refused_for_nudes(world, make_concern, pdf):
    assert files.sniff(pdf) == "application/pdf"
    with pytest.raises(ApplicationError) as raised:
        make_concern(codes=("nudes",), attachments=[SimpleUploadedFile("notes.pdf", pdf)])
    assert raised.value.code == "nudes_image"


def test_a_pdf_made_by_haven_with_a_picture_is_refused_and_one_of_words_is_kept(
    world, make_concern, settings, tmp_path
):
    """Real PDFs, as WeasyPrint (which Haven prints with) writes them: compressed streams."""
    from weasyprint import HTML

    settings.MEDIA_ROOT = tmp_path
    words = HTML(string="<p>Sam said a photo of him was being passed round.</p>").write_pdf()
    picture = HTML(string=f"<img src='data:image/png;base64,{base64.b64encode(PNG).decode()}'>").write_pdf()
    assert not files.may_hold_images(words, "application/pdf")
    assert files.may_hold_images(picture, "application/pdf")
    with pytest.raises(ApplicationError):
        make_concern(codes=("nudes",), attachments=[SimpleUploadedFile("notes.pdf", picture)])
    concern = make_concern(codes=("nudes",), attachments=[SimpleUploadedFile("notes.pdf", words)])
    assert concern.attachments.get().content_type == "application/pdf"


def test_a_pdf_of_words_is_kept_for_nudes_even_listing_image_procsets(world, make_concern, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    concern = make_concern(codes=("nudes",), attachments=[SimpleUploadedFile("notes.pdf", TEXT_PDF)])
    assert concern.attachments.get().content_type == "application/pdf"


def test_a_pdf_that_cannot_be_looked_inside_counts_as_holding_pictures():
    encrypted = _pdf(b"<</Type /Catalog>>") + b"trailer\n<</Encrypt 9 0 R>>\n"
    unknown_filter = _pdf(_stream(b"/Filter /LZWDecode", b"\x80\x0b\x60\x50\x22\x0c\x0c\x85\x01"))
    assert files.may_hold_images(encrypted, "application/pdf")
    assert files.may_hold_images(unknown_filter, "application/pdf")


SVG_WITH_PHOTO = (
    '<svg xmlns="http://www.w3.org/2000/svg"><image href="data:image/png;base64,'
    + base64.b64encode(PNG).decode()
    + '"/></svg>'
).encode()


def test_an_svg_is_a_picture_for_nudes(world, make_concern):
    with pytest.raises(ApplicationError) as raised:
        make_concern(codes=("nudes",), attachments=[SimpleUploadedFile("photo.svg", SVG_WITH_PHOTO)])
    assert raised.value.code == "nudes_image"
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    "content",
    [
        SVG_WITH_PHOTO,
        b"\xef\xbb\xbf  \n<?xml version='1.0'?><note>hello</note>",
        b"<!DOCTYPE html><html><body>Notes</body></html>",
        b"Notes of the meeting.\n<script>alert(1)</script>\n",
        b"Notes of the meeting. <HTML> follows",
        b"Notes, then a picture: data:image/png;base64,iVBORw0KGgo=",
    ],
    ids=["svg", "bom-then-xml", "html", "script", "html-inside", "data-uri"],
)
def test_markup_is_never_kept_as_text_in_any_category(client, world, content):
    sign_in(client, world.users["staff_a"])
    upload = SimpleUploadedFile("notes.txt", content)
    r = client.post(reverse("concerns:new"), _form(world, Category.objects.get(code="bullying").pk, upload))
    assert r.status_code == 400
    assert MARKUP in r.text
    assert not Concern.objects.exists()
    assert files.sniff(content) != "text/plain"


def test_plain_text_is_still_kept_as_text(world, make_concern, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    note = b"Notes: Sam was upset, 3 > 2 and he said 'leave me alone'.\n"
    concern = make_concern(codes=("nudes",), attachments=[SimpleUploadedFile("notes.txt", note)])
    assert concern.attachments.get().content_type == "text/plain"
