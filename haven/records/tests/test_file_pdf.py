"""What the child-protection file holds: the child, their cases, the chronology as the sender
may read it, attachments listed (not sent), who printed it."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from haven.cases import services as case_services
from haven.concerns.models import Attachment
from haven.core.errors import ApplicationError
from haven.records.services import transfer_send


def _text(transfer) -> list[str]:
    reader = PdfReader(io.BytesIO(transfer.file.open("rb").read()))
    mark_info = reader.root_object["/MarkInfo"].get_object()
    assert isinstance(mark_info, DictionaryObject)
    assert bool(mark_info["/Marked"])  # a tagged PDF
    return [p.extract_text() for p in reader.pages]


def test_the_file_holds_the_child_cases_chronology_and_attachments(world, make_concern):
    dsl = world.users["dsl_a"]
    pupil = world.pupils["a"]
    pupil.preferred_forename = "Pip"
    pupil.looked_after = True
    pupil.save()
    concern = make_concern(what_happened="Pushed into the lockers at break by an older pupil.")
    Attachment.objects.create(
        concern=concern,
        file=ContentFile(b"x" * 2048, name="note.txt"),
        original_name="statement-photo.jpg",
        content_type="image/jpeg",
        size=2048,
        sha256=hashlib.sha256(b"x" * 2048).hexdigest(),
        uploaded_by=world.users["staff_a"],
    )
    case = case_services.case_open(by=dsl, concern=concern, title="Lockers incidents")
    hidden = make_concern(what_happened="Something only the head of the restricted case may read.")
    restricted = case_services.case_open(by=world.users["deputy_a"], concern=hidden, title="Restricted matter")
    case_services.case_access_set(
        by=world.users["deputy_a"],
        case=restricted,
        version=restricted.version,
        restricted=True,
        named_users=[],
        shared_with_trust=False,
    )
    pupil.left_on = timezone.localdate() - dt.timedelta(days=2)
    pupil.save()

    # The file must be whole: someone not named on a restricted case about the child cannot send it.
    with pytest.raises(ApplicationError, match="not named on it"):
        transfer_send(by=dsl, pupil=pupil, left_on=pupil.left_on, to_school=world.school_b)
    restricted.refresh_from_db()
    case_services.case_access_set(
        by=world.users["deputy_a"],
        case=restricted,
        version=restricted.version,
        restricted=True,
        named_users=[dsl],
        shared_with_trust=False,
    )
    t = transfer_send(by=dsl, pupil=pupil, left_on=pupil.left_on, to_school=world.school_b)
    assert list(t.restricted_cases.all()) == [restricted]
    pages = _text(t)
    for number, text in enumerate(pages, start=1):
        assert "CONFIDENTIAL" in text
        assert f"Page {number} of {len(pages)}" in text
    everything = "\n".join(pages)
    assert "Child protection file: PupilA Example" in everything
    assert "Pip" in everything and pupil.upn in everything and "Looked after" in everything
    assert "Alder Academy" in everything
    assert case.reference in everything and "Lockers incidents" in everything
    flat = " ".join(everything.split())  # the chronology's table cells wrap their lines
    assert "Pushed into the lockers at break by an older pupil." in flat
    joined = everything.replace("\n", "")
    assert "statement-photo.jpg" in joined and "travel with this file, in a ZIP archive" in flat
    assert hashlib.sha256(b"x" * 2048).hexdigest() in joined
    assert t.attachment_count == 1
    assert "Printed" in everything and "Dsl A" in everything
    # The restricted case is in the file, with its concern, and marked as restricted.
    assert restricted.reference in everything
    assert "only the head of the restricted case" in joined
    assert "restricted at the sending school to named people" in " ".join(everything.split())
