"""Printing a chronology: real text, page numbers, "Confidential" on every page, audited."""

from __future__ import annotations

import io

from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from conftest import sign_in
from haven.audit.models import Action, AuditEvent
from haven.cases import services


def _pdf_text(response) -> tuple[PdfReader, list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return reader, [page.extract_text() for page in reader.pages]


def test_a_case_chronology_prints_with_page_numbers_and_confidential_marking(client, world, make_concern):
    dsl = world.users["dsl_a"]
    concern = make_concern(what_happened="Pushed into the lockers by an older pupil.")
    case = services.case_open(by=dsl, concern=concern)
    for i in range(25):  # enough to run over several pages
        services.consideration_answer(
            by=dsl,
            case=case,
            version=case.version,
            item="pattern",
            answer="considered",
            notes=f"Review note {i}. " * 12,
        )
    services.decision_record(
        by=dsl, case=case, version=case.version, route="internal", rationale="Managed under the anti-bullying policy."
    )
    sign_in(client, dsl)
    reader, pages = _pdf_text(client.get(reverse("cases:chronology_pdf", args=[case.reference])))
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert "CONFIDENTIAL" in text
        assert f"Page {number} of {len(pages)}" in text
    everything = " ".join(" ".join(pages).split())  # table cells wrap their lines
    assert "Pushed into the lockers by an older pupil." in everything
    assert "Managed under the anti-bullying policy." in everything
    mark_info = reader.root_object["/MarkInfo"].get_object()
    assert isinstance(mark_info, DictionaryObject)
    assert bool(mark_info["/Marked"])  # a tagged PDF
    assert AuditEvent.objects.filter(action=Action.EXPORT, object_type="cases.case", object_id=str(case.pk)).exists()


def test_a_childs_chronology_prints_and_is_audited_on_their_record(client, world, make_concern):
    make_concern(what_happened="Name-calling on the bus.")
    sign_in(client, world.users["dsl_a"])
    _, pages = _pdf_text(client.get(reverse("pupil_chronology_pdf", args=[world.pupils["a"].pk])))
    assert "Name-calling on the bus." in " ".join(" ".join(pages).split())
    assert AuditEvent.objects.filter(
        action=Action.EXPORT, object_type="people.pupil", object_id=str(world.pupils["a"].pk)
    ).exists()


def test_another_schools_dsl_cannot_print(client, world, make_concern):
    case = services.case_open(by=world.users["dsl_a"], concern=make_concern())
    sign_in(client, world.users["dsl_b"])
    assert client.get(reverse("cases:chronology_pdf", args=[case.reference])).status_code == 404
    assert client.get(reverse("pupil_chronology_pdf", args=[world.pupils["a"].pk])).status_code == 404


def test_markup_in_a_record_prints_as_text(client, world, make_concern):
    make_concern(what_happened="<img src=http://evil.example/x.png> <b>not bold</b>")
    sign_in(client, world.users["dsl_a"])
    _, pages = _pdf_text(client.get(reverse("pupil_chronology_pdf", args=[world.pupils["a"].pk])))
    assert "<b>not bold</b>" in " ".join(" ".join(pages).split())


def test_the_pdf_names_the_child_and_is_a_table_with_its_filters(client, world, make_concern):
    dsl, pupil = world.users["dsl_a"], world.pupils["a"]
    case = services.case_open(by=dsl, concern=make_concern(what_happened="Pushed at the lockers."))
    services.referral_make(by=dsl, case=case, agency="camhs", referred_on=timezone.localdate())
    sign_in(client, dsl)
    _, pages = _pdf_text(client.get(reverse("cases:chronology_pdf", args=[case.reference])))
    text = " ".join(" ".join(pages).split())
    # The header block: the child, their date of birth, UPN and school, and the case.
    assert pupil.display_name in text and pupil.upn in text and world.school_a.name in text
    assert f"{pupil.date_of_birth.day} {pupil.date_of_birth:%b %Y}" in text and case.reference in text
    # A table: date and time, what happened, who recorded it, source.
    for heading in ("Date and time", "What happened", "Who recorded it", "Source"):
        assert heading in text
    assert "Every kind of entry, every date" in text
    day = timezone.localdate()
    url = reverse("pupil_chronology_pdf", args=[pupil.pk]) + f"?kinds=referral&from={day:%Y-%m-%d}"
    _, pages = _pdf_text(client.get(url))
    text = " ".join(" ".join(pages).split())
    assert f"Referral from {day.day} {day:%b %Y}" in text
    assert "Pushed at the lockers." not in text, "printed with its filter"
