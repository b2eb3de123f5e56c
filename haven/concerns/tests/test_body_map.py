"""The body map of a concern: marks placed by part of the body and described in words, kept
with the concern (encrypted like its narrative), shown on the concern, its triage, the
chronology and the chronology's PDF; a half-filled mark comes back with its error beside it
and nothing lost."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from conftest import sign_in
from haven.audit.models import AuditEvent
from haven.concerns import bodymap
from haven.concerns.models import BodyMark, Category, Concern
from haven.concerns.services import ChildInConcern, MarkOnBody, concern_submit
from haven.concerns.tests.test_record_concern import _form
from haven.core.errors import ApplicationError
from haven.testing.factories import PupilFactory

BRUISE = "Round bruise, purple, about the size of a 50p coin"
SCRATCH = "Three thin red scratches, 4 cm long"


def test_regions_are_unique_and_each_side_draws_inside_its_figure():
    codes = [r.code for r in bodymap.REGIONS]
    assert len(codes) == len(set(codes))
    for region in bodymap.REGIONS:
        assert 0 < region.x < bodymap.FIGURE_WIDTH and 0 < region.y < bodymap.FIGURE_HEIGHT, region
    # Left and right are the child's: on the front the child's right is on the reader's left.
    front_right, front_left = bodymap.BY_CODE["front_right_hand"], bodymap.BY_CODE["front_left_hand"]
    back_right, back_left = bodymap.BY_CODE["back_right_hand"], bodymap.BY_CODE["back_left_hand"]
    assert front_right.x < front_left.x and back_right.x > back_left.x


def test_staff_record_two_marks_and_the_dsl_sees_them_everywhere_the_concern_shows(client, world):
    sign_in(client, world.users["staff_a"])
    r = client.post(
        reverse("concerns:new"),
        _form(
            world,
            mark_1_region="front_right_upper_arm",
            mark_1_description=BRUISE,
            mark_3_region="back_lower",  # a gap is fine: the marks are numbered as they come
            mark_3_description=SCRATCH,
        ),
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    concern = Concern.objects.get()
    assert concern.body_mark_count == 2
    marks = list(concern.body_marks.values_list("number", "region", "description", "recorded_by"))
    assert marks == [
        (1, "front_right_upper_arm", BRUISE, world.users["staff_a"].pk),
        (2, "back_lower", SCRATCH, world.users["staff_a"].pk),
    ]
    with connection.cursor() as cursor:  # kept encrypted, like the concern's own words
        cursor.execute("SELECT description FROM concerns_bodymark")
        assert all(BRUISE not in row[0] and SCRATCH not in row[0] for row in cursor.fetchall())
    event = AuditEvent.objects.get(object_type="concerns.concern", object_id=str(concern.pk))
    assert event.extra["body_marks"] == 2

    page = client.get(r["Location"])
    assert page.text.count('fill="#d4351c"') == 2  # two numbered marks on the outline
    assert "Right upper arm (front)</strong>: " + BRUISE in page.text
    assert "Lower back (back)</strong>: " + SCRATCH in page.text
    assert "Body map, front and back: 2 marks, described in words below" in page.text

    sign_in(client, world.users["dsl_a"])
    triage = client.get(reverse("cases:triage", args=[concern.reference]))
    assert "2 injuries or marks seen" in triage.text
    pupil = world.pupils["a"].pk
    chronology = client.get(reverse("pupil_chronology", args=[pupil]))
    assert f"Body map: 1. Right upper arm (front): {BRUISE}; 2. Lower back (back): {SCRATCH}" in chronology.text
    pdf = client.get(reverse("pupil_chronology_pdf", args=[pupil]))
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Body map: 1. Right upper arm (front)" in " ".join(text.split())
    assert "Front" in text and "Back" in text  # the outline is drawn, its labels real text


def test_a_half_filled_mark_comes_back_beside_its_row_with_everything_kept(client, world):
    sign_in(client, world.users["staff_a"])
    r = client.post(
        reverse("concerns:new"),
        _form(world, mark_1_region="front_face", mark_1_description="", mark_2_description=SCRATCH),
    )
    assert r.status_code == 400
    assert not Concern.objects.exists() and not BodyMark.objects.exists()
    html = r.content.decode()
    assert 'id="mark_1_error"' in html and "Describe mark 1: what you saw, its size and colour." in html
    assert 'id="mark_2_error"' in html and "Choose where on the body mark 2 is." in html
    assert '<option value="front_face" selected>' in html
    assert f'value="{SCRATCH}"' in html
    assert '<details class="fieldset body-map-fields" id="body-map" open>' in html
    assert "Sam said an older boy pushed him" in html  # the rest of the form is kept too


def test_a_forged_part_of_the_body_is_refused(client, world):
    sign_in(client, world.users["staff_a"])
    r = client.post(reverse("concerns:new"), _form(world, mark_1_region="tail", mark_1_description="A mark"))
    assert r.status_code == 400
    assert "Choose where on the body mark 1 is." in r.content.decode()
    assert not Concern.objects.exists()


def test_the_service_refuses_marks_a_form_could_not_send(world):
    child = world.pupils["a"].pk
    base = {
        "by": world.users["staff_a"],
        "school": world.school_a,
        "children": [ChildInConcern(world.pupils["a"].pk, "affected")],
        "occurred_at": timezone.now(),
        "location": "corridor",
        "category_ids": [Category.objects.get(code="bullying").pk],
        "what_happened": "Pushed.",
        "child_told_next_steps": "yes",
    }
    for marks, message in (
        ([MarkOnBody("front_face", "A mark", child)] * 13, "at most 12 marks"),
        ([MarkOnBody("nowhere", "A mark", child)], "not on a part of the body"),
        ([MarkOnBody("front_face", "   ", child)], "Describe mark 1"),
        ([MarkOnBody("front_face", "x" * 501, child)], "501 characters"),
        ([MarkOnBody("front_face", "A mark", world.pupils["b"].pk)], "not named in the concern"),
    ):
        with pytest.raises(ApplicationError, match=message):
            concern_submit(**base, marks=marks)
    assert not Concern.objects.exists()


def test_a_chronology_without_body_maps_asks_nothing_more(client, world, make_concern):
    make_concern()
    sign_in(client, world.users["dsl_a"])
    url = reverse("pupil_chronology", args=[world.pupils["a"].pk])
    client.get(url)
    with CaptureQueriesContext(connection) as plain:
        client.get(url)
    assert not any("concerns_bodymark" in q["sql"] for q in plain.captured_queries)


def test_each_childs_chronology_carries_only_the_marks_on_that_child(client, world):
    other = PupilFactory(school=world.school_a, legal_forename="Jordan", legal_surname="Lee")
    sign_in(client, world.users["staff_a"])
    r = client.post(
        reverse("concerns:new"),
        _form(
            world,
            child_2_query=f"#{other.pk}",
            child_2_role="alleged_harmer",
            mark_1_region="front_face",
            mark_1_description=BRUISE,
            mark_1_child="1",
            mark_2_region="front_right_hand",
            mark_2_description=SCRATCH,
            mark_2_child="2",
        ),
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    concern = Concern.objects.get()
    assert dict(concern.body_marks.values_list("number", "pupil")) == {1: world.pupils["a"].pk, 2: other.pk}
    sign_in(client, world.users["dsl_a"])
    mine = client.get(reverse("pupil_chronology", args=[world.pupils["a"].pk])).text
    assert BRUISE in mine and SCRATCH not in mine
    theirs = client.get(reverse("pupil_chronology", args=[other.pk])).text
    assert SCRATCH in theirs and BRUISE not in theirs
    page = client.get(reverse("concerns:detail", args=[concern.reference])).text
    assert "PupilA Example, <strong>Face (front)</strong>" in page and "Jordan Lee, <strong>Right hand" in page


def test_a_mark_on_a_child_not_named_is_refused_beside_it(client, world):
    sign_in(client, world.users["staff_a"])
    r = client.post(
        reverse("concerns:new"),
        _form(world, mark_1_region="front_face", mark_1_description=BRUISE, mark_1_child="3"),
    )
    assert r.status_code == 400
    assert "Mark 1 is on child 3, who is not named above: choose the child." in r.content.decode()
    assert not Concern.objects.exists()
