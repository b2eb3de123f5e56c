"""An attachment's name must say what it holds (ASVS 5.2.2), and a Word document that promises
to unpack to far more than any document does is refused unopened (ASVS 5.2.3, a zip bomb)."""

from __future__ import annotations

import io
import os
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import sign_in
from haven.concerns import files
from haven.concerns.models import Attachment, Category, Concern
from haven.core.errors import ApplicationError

from .test_attachment_contents import PNG, TEXT_PDF, _docx, _form

BOMB = "which no ordinary document does"


def _bullying_pk() -> int:
    return Category.objects.get(code="bullying", authority__isnull=True).pk


def _refusal(make_concern, upload) -> str:
    with pytest.raises(ApplicationError) as raised:
        make_concern(attachments=[upload])
    assert raised.value.field == "attachments"
    assert not Attachment.objects.exists()
    return raised.value.message


def test_a_docx_whose_content_is_a_pdf_is_refused_naming_the_file(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    sign_in(client, world.users["staff_a"])
    upload = SimpleUploadedFile("statement.docx", TEXT_PDF)
    r = client.post(reverse("concerns:new"), _form(world, _bullying_pk(), upload))
    assert r.status_code == 400
    assert "statement.docx ends .docx but holds a PDF" in r.text
    assert "Sam said a photo of him was being passed round." in r.text  # what was typed is kept
    assert not Concern.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("notes.pdf", PNG),  # a photo called a PDF
        ("photo.png", TEXT_PDF),  # a PDF called a photo
        ("notes.txt", _docx()),  # a Word document called text
        ("notes.docx", b"What Sam told me, in his words."),  # text called a Word document
    ],
)
def test_a_name_that_says_another_kind_is_refused(world, make_concern, name, content):
    message = _refusal(make_concern, SimpleUploadedFile(name, content))
    assert message.startswith(f"{name} ends {name[name.rfind('.') :]} but holds ")


def test_a_name_without_an_ending_is_refused(world, make_concern):
    message = _refusal(make_concern, SimpleUploadedFile("notes", TEXT_PDF))
    assert message.startswith("notes has no ending") and "rename it to end .pdf" in message


@pytest.mark.parametrize(
    ("name", "content"),
    [("Notes.PDF", TEXT_PDF), ("IMG_2041.jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 64), ("notes.docx", _docx())],
)
def test_a_name_that_matches_its_content_is_kept(world, make_concern, settings, tmp_path, name, content):
    settings.MEDIA_ROOT = tmp_path
    concern = make_concern(attachments=[SimpleUploadedFile(name, content)])
    assert concern.attachments.get().original_name == name


def _docx_with(parts: dict[str, bytes], *, method: int = zipfile.ZIP_DEFLATED, declare=None) -> bytes:
    """A Word document with these extra parts; ``declare(info)`` may change what the archive's
    table of contents says of a part before it is written."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", "<w:document/>")
        for name, content in parts.items():
            archive.writestr(name, content)
        if declare:
            for info in archive.infolist():
                declare(info)
    return buffer.getvalue()


def test_a_word_document_of_more_than_a_thousand_parts_is_refused(client, world):
    parts = {f"word/part{n}.xml": b"<p/>" for n in range(files.MAX_DOCX_PARTS)}
    data = _docx_with(parts)
    assert files.sniff(data) == files.DOCX and len(zipfile.ZipFile(io.BytesIO(data)).infolist()) > 1000
    sign_in(client, world.users["staff_a"])
    r = client.post(reverse("concerns:new"), _form(world, _bullying_pk(), SimpleUploadedFile("notes.docx", data)))
    assert r.status_code == 400
    assert "notes.docx is a Word document made of more than 1,000 parts" in r.text and BOMB in r.text
    assert not Concern.objects.exists()


def test_a_word_document_that_declares_more_than_50_mb_unpacked_is_refused(world, make_concern):
    """Each part says it unpacks to 90 times its packed size (under the ratio), 54 MB in all."""

    def declare(info: zipfile.ZipInfo) -> None:
        if info.filename.startswith("word/random"):
            info.file_size = 90 * info.compress_size

    parts = {f"word/random{n}.bin": os.urandom(100_000) for n in range(6)}
    data = _docx_with(parts, method=zipfile.ZIP_STORED, declare=declare)
    assert len(data) < files.MAX_ATTACHMENT_BYTES
    message = _refusal(make_concern, SimpleUploadedFile("notes.docx", data))
    assert message.startswith("notes.docx is a Word document that unpacks to more than 50 MB") and BOMB in message


def test_a_word_document_with_a_part_packed_over_a_hundred_times_is_refused(world, make_concern):
    data = _docx_with({"word/media/zeros.bin": bytes(20 * 1024 * 1024)})  # 20 MB of zeros, packed to ~20 KB
    assert len(data) < 100_000
    message = _refusal(make_concern, SimpleUploadedFile("notes.docx", data))
    assert "packed more than 100 times smaller" in message and BOMB in message


def test_a_zip_bomb_is_refused_before_the_nudes_check_opens_its_parts(world, make_concern):
    data = _docx_with({"word/zeros.xml": b"<" + bytes(20 * 1024 * 1024)})
    with pytest.raises(ApplicationError) as raised:
        make_concern(codes=("nudes",), attachments=[SimpleUploadedFile("notes.docx", data)])
    assert raised.value.code != "nudes_image" and BOMB in raised.value.message


def test_an_ordinary_word_document_passes_the_zip_checks():
    assert files.docx_refusal("notes.docx", _docx({"word/media/image1.png": PNG})) is None
