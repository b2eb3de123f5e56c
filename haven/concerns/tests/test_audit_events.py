"""Through the concern and taxonomy pages, each event is audited under its own name, from the
page channel, with the old and new value of what changed (never what a child or member of
staff wrote)."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.audit.models import Action, AuditEvent
from haven.concerns.models import Amendment, Category, Concern

PDF = b"%PDF-1.4\n" + b"0" * 64


def _last(event: str, **filters) -> AuditEvent:
    return AuditEvent.objects.filter(event=event, **filters).latest("seq")


def _form(world, **overrides):
    then = timezone.localtime() - dt.timedelta(hours=3)
    data = {
        "school": world.school_a.pk,
        "child_1_query": f"#{world.pupils['a'].pk}",
        "child_1_role": "affected",
        "occurred_on": then.date().isoformat(),
        "occurred_time": then.strftime("%H:%M"),
        "location": "corridor",
        "categories": [Category.objects.get(code="bullying").pk],
        "what_happened": "Pushed into the lockers twice this week.",
        "child_words": "He keeps shoving me",
        "actions_taken": "Listened.",
        "child_told_next_steps": "yes",
    }
    data.update(overrides)
    return data


def test_recording_reading_amending_and_downloading_on_the_pages(client, world):
    staff = world.users["staff_a"]
    sign_in(client, staff)
    r = client.post(
        reverse("concerns:new"),
        _form(world, attachments=SimpleUploadedFile("notes.pdf", PDF)),
        HTTP_USER_AGENT="Test browser",
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    concern = Concern.objects.get()
    submitted = _last("concern.submitted", object_id=str(concern.pk))
    assert (submitted.channel, submitted.action, submitted.actor) == ("page", Action.CREATE, staff)
    assert (submitted.ip_address, submitted.user_agent) == ("127.0.0.1", "Test browser")
    assert submitted.extra == {"urgent": False, "children": 1, "attachments": 1, "body_marks": 0, "source": "web"}
    assert submitted.school_id == world.school_a.pk

    client.get(reverse("concerns:detail", args=[concern.reference]))
    assert _last("concern.viewed", object_id=str(concern.pk)).channel == "page"

    r = client.post(
        reverse("concerns:amend", args=[concern.reference]), {"kind": "addition", "text": "She told me more."}
    )
    assert r.status_code == 302
    amendment = Amendment.objects.get()
    added = _last("amendment.added", object_id=str(amendment.pk))
    assert (added.channel, added.extra) == ("page", {"concern": concern.pk, "kind": "addition"})

    attachment = concern.attachments.get()
    client.get(reverse("concerns:attachment", args=[concern.reference, attachment.pk]))
    downloaded = _last("attachment.downloaded", object_id=str(attachment.pk))
    assert (downloaded.channel, downloaded.action) == ("page", Action.EXPORT)


def test_a_refused_amendment_names_who_tried_from_the_page(client, world, make_concern):
    concern = make_concern()
    head = world.users["head_a"]  # reads the concern, may not amend it
    sign_in(client, head)
    r = client.post(reverse("concerns:amend", args=[concern.reference]), {"kind": "addition", "text": "More."})
    assert r.status_code == 404
    refused = _last("access.refused", object_type="concerns.concern")
    assert (refused.actor, refused.channel, refused.extra["reason"]) == (head, "page", "amend")


def test_retiring_a_category_records_its_end_date_old_and_new(client, world):
    officer = world.users["la_officer_a"]
    sign_in(client, officer)
    today = timezone.localdate()
    client.post(reverse("taxonomy"), {"action": "add", "name": "Vaping pressure", "valid_from": today.isoformat()})
    category = Category.objects.get(authority=world.authority, name="Vaping pressure")
    added = _last("category.added", object_id=str(category.pk))
    assert (added.channel, added.actor, added.authority_id) == ("page", officer, world.authority.pk)

    ends = today + dt.timedelta(days=1)
    client.post(reverse("taxonomy"), {"action": "retire", "category": category.pk, "valid_to": ends.isoformat()})
    retired = _last("category.retired", object_id=str(category.pk))
    assert (retired.channel, retired.action) == ("page", Action.UPDATE)
    assert retired.extra["changes"] == {"valid_to": [None, ends.isoformat()]}
    assert retired.extra["valid_to"] == ends.isoformat()
