"""Every write about concerns: one function per use case, transactional, audited."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from haven.access.policy import Capability, can, may_amend_concern
from haven.audit.context import COMMAND, AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.core import clock
from haven.core.errors import ApplicationError
from haven.core.models import counter_next
from haven.organisations.models import School
from haven.people.models import Pupil

from . import bodymap, files, search
from .models import Amendment, Attachment, BodyMark, Category, ChildRole, Concern, ConcernChild, Location
from .rules import UKCIS_NUDES_ADVICE, Prompt, age_on, statutory_prompts

if TYPE_CHECKING:
    from haven.accounts.models import User

MAX_NARRATIVE = 20_000
FUTURE_SLACK = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class MarkOnBody:
    """One mark for the body map: a code of haven.concerns.bodymap.REGIONS, what was seen, and
    on which of the concern's children."""

    region: str
    description: str
    pupil_id: int


@dataclass(frozen=True)
class ChildInConcern:
    pupil_id: int
    role: str


def categories_valid_for(school: School, on: dt.date) -> Any:
    """Categories a concern at this school may use for something that happened on ``on``."""
    return Category.objects.filter(
        Q(authority__isnull=True) | Q(authority_id=school.authority_id),
        valid_from__lte=on,
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))


def text_checked(value: str, *, field: str, label: str, required: bool = False) -> str:
    """Free text from a form or the API, trimmed; refused (naming the field) when required
    and empty, or over the length a record may hold."""
    value = (value or "").strip()
    if required and not value:
        raise ApplicationError(f"Enter {label}.", field=field)
    if len(value) > MAX_NARRATIVE:
        raise ApplicationError(
            f"{label.capitalize()} is {len(value):,} characters; the most is {MAX_NARRATIVE:,}. "
            "Keep the key facts here and add the rest as an attachment or an amendment.",
            field=field,
        )
    return value


def reference_next(prefix: str, school: School) -> str:
    """C-140001-00042: the school's URN makes it unique everywhere, the number counts up."""
    return f"{prefix}-{school.urn}-{counter_next(f'{prefix}:{school.pk}'):05d}"


@transaction.atomic
def concern_submit(
    *,
    by: User,
    school: School,
    children: Sequence[ChildInConcern],
    occurred_at: dt.datetime,
    location: str,
    category_ids: Iterable[int],
    what_happened: str,
    child_words: str = "",
    actions_taken: str = "",
    child_told_next_steps: str,
    urgent: bool = False,
    location_detail: str = "",
    online_platform: str = "",
    attachments: Sequence[UploadedFile[bytes]] = (),
    source: str = "web",
    time_known: bool = True,
    marks: Sequence[MarkOnBody] = (),
    ctx: AuditContext = COMMAND,
) -> Concern:
    """Record a concern (policy §4-§5: every concern, in the child's own words).

    Refuses, with a message naming the field: no child; a child not on this school's roll
    (including a forged id from another school); a time in the future; a location of
    "online" with no platform; an unknown or retired category; a narrative over the limit;
    attachments that are too big or not an allowed kind by their content; any image or
    video for sharing nudes and semi-nudes (UKCIS advice, DESIGN §3 rule 7); and a mark on the
    body map at no known part of the body, or without words.
    """
    if not can(by, Capability.RECORD_CONCERN, school=school):
        raise ApplicationError("You cannot record concerns at this school.", code="forbidden")
    now = clock.now()
    if not children:
        raise ApplicationError("Add at least one child: who is this concern about?", field="children")
    roles = {c.role for c in children}
    if not roles <= set(ChildRole.values):
        raise ApplicationError("Choose each child's role from the list.", field="children")
    pupil_ids = [c.pupil_id for c in children]
    if len(set(pupil_ids)) != len(pupil_ids):
        raise ApplicationError("A child is named twice: give each child once, with one role.", field="children")
    pupils = {p.pk: p for p in Pupil.objects.filter(pk__in=pupil_ids, school=school, left_on__isnull=True)}
    if len(pupils) != len(pupil_ids):
        raise ApplicationError("One of the children is not on this school's roll.", field="children")
    if occurred_at > now + FUTURE_SLACK:
        raise ApplicationError("When it happened cannot be in the future.", field="occurred_at")
    if occurred_at < now - dt.timedelta(days=365 * 20):
        raise ApplicationError("Check the date it happened: it is more than 20 years ago.", field="occurred_at")
    if location not in Location.values:
        raise ApplicationError("Choose where it happened from the list.", field="location")
    online_platform = (online_platform or "").strip()[:100]
    if location == Location.ONLINE and not online_platform:
        raise ApplicationError(
            "Name the app, game or website (for example Snapchat), so hot spots online can be seen.",
            field="online_platform",
        )
    category_ids = list({int(c) for c in category_ids})
    if not category_ids:
        raise ApplicationError("Choose at least one kind of concern.", field="categories")
    categories = list(categories_valid_for(school, occurred_at.date()).filter(pk__in=category_ids))
    if len(categories) != len(category_ids):
        raise ApplicationError("One of the kinds of concern chosen is not in use for that date.", field="categories")
    what_happened = text_checked(what_happened, field="what_happened", label="what happened", required=True)
    child_words = text_checked(child_words, field="child_words", label="the child's words")
    actions_taken = text_checked(actions_taken, field="actions_taken", label="the actions taken")
    if child_told_next_steps not in Concern.ToldNextSteps.values:
        raise ApplicationError("Say whether the child was told what happens next.", field="child_told_next_steps")

    checked = _check_attachments(attachments, nudes=any(c.nudes_images for c in categories))
    marks = _check_marks(marks, pupil_ids=set(pupil_ids))

    concern = Concern(
        school=school,
        reference=reference_next("C", school),
        recorded_by=by,
        recorded_at=now,
        occurred_at=min(occurred_at, now),
        occurred_time_known=time_known,
        location=location,
        location_detail=(location_detail or "").strip()[:200],
        online_platform=online_platform,
        what_happened=what_happened,
        child_words=child_words,
        actions_taken=actions_taken,
        child_told_next_steps=child_told_next_steps,
        urgent=urgent,
        source=source,
        body_mark_count=len(marks),
    )
    # The fields' own checks (choices, lengths). The database enforces the rest and nothing
    # here can break it: school and recorded_by are rows in hand, the reference comes from its
    # counter, and occurred_at <= recorded_at by construction (each would be a query otherwise).
    concern.full_clean(
        exclude=["categories", "case", "school", "recorded_by"], validate_unique=False, validate_constraints=False
    )
    concern.save()
    search.index_concern(concern)
    Concern.categories.through.objects.bulk_create(
        [Concern.categories.through(concern=concern, category=category) for category in categories]
    )
    ConcernChild.objects.bulk_create(
        [ConcernChild(concern=concern, pupil=pupils[c.pupil_id], role=c.role) for c in children]
    )
    for upload, content_type, data in checked:
        _attachment_store(concern=concern, by=by, upload=upload, content_type=content_type, data=data)
    BodyMark.objects.bulk_create(
        [
            BodyMark(
                concern=concern,
                pupil_id=m.pupil_id,
                number=n,
                region=m.region,
                description=m.description,
                recorded_by=by,
                recorded_at=now,
            )
            for n, m in enumerate(marks, start=1)
        ]
    )
    audit_record(
        Event.CONCERN_SUBMITTED,
        ctx=ctx,
        actor=by,
        obj=concern,
        school=school,
        extra={
            "urgent": urgent,
            "children": len(children),
            "attachments": len(checked),
            "body_marks": len(marks),
            "source": source,
        },
    )
    if urgent and not clock.writing_history():  # history (haven.core.clock) is recorded, never emailed
        from .alerts import urgent_concern_alerts_write

        # In this transaction: the alerts are saved with the concern or not at all (haven.alerts).
        urgent_concern_alerts_write(concern)
    return concern


def _check_marks(marks: Sequence[MarkOnBody], *, pupil_ids: set[int]) -> list[MarkOnBody]:
    if len(marks) > bodymap.MAX_MARKS:
        raise ApplicationError(f"Put at most {bodymap.MAX_MARKS} marks on the body map.", field="marks")
    checked = []
    for n, mark in enumerate(marks, start=1):
        if mark.region not in bodymap.BY_CODE:
            raise ApplicationError(f"Mark {n} on the body map is not on a part of the body Haven knows.", field="marks")
        description = (mark.description or "").strip()
        if not description:
            raise ApplicationError(f"Describe mark {n} on the body map: what was seen.", field="marks")
        if len(description) > bodymap.DESCRIPTION_MAX:
            raise ApplicationError(
                f"Mark {n} on the body map is {len(description)} characters long; "
                f"the most is {bodymap.DESCRIPTION_MAX}.",
                field="marks",
            )
        if mark.pupil_id not in pupil_ids:
            raise ApplicationError(f"Mark {n} on the body map is on a child not named in the concern.", field="marks")
        checked.append(MarkOnBody(mark.region, description, mark.pupil_id))
    return checked


def _check_attachments(
    attachments: Sequence[UploadedFile[bytes]], *, nudes: bool
) -> list[tuple[UploadedFile[bytes], str, bytes]]:
    if len(attachments) > files.MAX_ATTACHMENTS:
        raise ApplicationError(f"Attach at most {files.MAX_ATTACHMENTS} files.", field="attachments")
    checked = []
    for upload in attachments:
        if upload.size and upload.size > files.MAX_ATTACHMENT_BYTES:
            raise ApplicationError(
                f"{upload.name} is {upload.size / 1024 / 1024:.1f} MB; the most is "
                f"{files.MAX_ATTACHMENT_BYTES // 1024 // 1024} MB.",
                field="attachments",
            )
        data = upload.read()
        name = upload.name or "The attachment"
        content_type = files.sniff(data)
        if content_type == files.DOCX and (refusal := files.docx_refusal(name, data)):
            raise ApplicationError(refusal, field="attachments")  # before any part is opened
        if nudes and files.may_hold_images(data, content_type):
            raise ApplicationError(UKCIS_NUDES_ADVICE, field="attachments", code="nudes_image")
        if content_type in (files.SVG, files.MARKUP):
            raise ApplicationError(
                f"{upload.name} is a web page, an SVG picture or other markup, which Haven does not keep: it can "
                "hold hidden pictures or scripts. Save it as a PDF, or copy its words into a plain text file.",
                field="attachments",
            )
        if content_type not in files.ALLOWED_TYPES:
            raise ApplicationError(
                f"{upload.name} is not a kind of file Haven keeps. Attach a PDF, a Word document, a text file "
                "or a photo (JPEG or PNG) of written notes.",
                field="attachments",
            )
        if refusal := files.extension_refusal(name, content_type):
            raise ApplicationError(refusal, field="attachments")
        checked.append((upload, content_type, data))
    return checked


def _attachment_store(
    *, concern: Concern, by: User, upload: UploadedFile[bytes], content_type: str, data: bytes
) -> Attachment:
    digest = hashlib.sha256(data).hexdigest()
    attachment = Attachment(
        concern=concern,
        original_name=(upload.name or "attachment")[-200:],
        content_type=content_type,
        size=len(data),
        sha256=digest,
        uploaded_by=by,
    )
    # Stored under a name of our own: the uploader's name never reaches the file system.
    attachment.file.save(f"{digest[:32]}", ContentFile(data), save=False)
    attachment.save()
    return attachment


@transaction.atomic
def amendment_add(*, by: User, concern: Concern, kind: str, text: str, ctx: AuditContext = COMMAND) -> Amendment:
    """Append a correction or addition; the concern itself never changes (DESIGN §11).

    Only the member of staff who recorded the concern and the school's safeguarding leads
    may amend it (access.policy.may_amend_concern): reading it is not enough."""
    if not may_amend_concern(by, concern):
        raise ApplicationError(
            "Only the person who recorded this concern or a safeguarding lead can amend it.", code="forbidden"
        )
    text = text_checked(text, field="text", label="the amendment", required=True)
    if kind not in Amendment.Kind.values:
        raise ApplicationError("Choose whether this corrects or adds to the concern.", field="kind")
    amendment = Amendment.objects.create(concern=concern, kind=kind, text=text, author=by)
    search.index_amendment(amendment)
    audit_record(
        Event.AMENDMENT_ADDED,
        ctx=ctx,
        actor=by,
        obj=amendment,
        school=concern.school_id,
        extra={"concern": concern.pk, "kind": kind},
    )
    return amendment


@transaction.atomic
def concern_acknowledge(*, by: User, concern: Concern, ctx: AuditContext = COMMAND) -> Concern:
    """The DSL has received the concern; the member of staff sees that it arrived."""
    if concern.acknowledged_at is None:
        was = concern.status
        concern.acknowledged_by = by
        concern.acknowledged_at = clock.now()
        if concern.status == Concern.Status.NEW:
            concern.status = Concern.Status.ACKNOWLEDGED
        concern.save(update_fields=["acknowledged_by", "acknowledged_at", "status"])
        audit_record(
            Event.CONCERN_ACKNOWLEDGED,
            ctx=ctx,
            actor=by,
            obj=concern,
            school=concern.school_id,
            changes={
                "acknowledged": (False, True),
                **({"status": (was, concern.status)} if was != concern.status else {}),
            },
            extra={"status": concern.status, "acknowledged": True},
        )
    return concern


def concern_lock(concern: Concern) -> Concern:
    """The concern's triage state as it is now, locked until the transaction ends: two
    safeguarding leads triaging it at once are served one after the other, the second seeing
    the first's change."""
    fresh = Concern.objects.select_for_update().get(pk=concern.pk)
    concern.case_id, concern.status = fresh.case_id, fresh.status
    concern.acknowledged_at, concern.acknowledged_by_id = fresh.acknowledged_at, fresh.acknowledged_by_id
    return concern


def concern_prompts(concern: Concern) -> list[Prompt]:
    """The statutory prompts (DESIGN §3 rules 3 and 4) this concern raises on its own: its
    categories, and its children's ages when it happened."""
    day = timezone.localtime(concern.occurred_at).date()
    ages = [age_on(c.pupil.date_of_birth, day) for c in concern.children.select_related("pupil")]
    return statutory_prompts(categories=concern.categories.all(), children_ages=ages)


@transaction.atomic
def concern_close_no_further_action(
    *, by: User, concern: Concern, rationale: str, statutory_override: str = "", ctx: AuditContext = COMMAND
) -> Concern:
    """Close a concern with no further action; the rationale is required (policy §11). Where
    the police starting point or the under-13 rule applies, closing it so needs an explicit
    explanation of why they are not followed, kept with the rationale."""
    if not can(by, Capability.WRITE_SCHOOL_RECORDS, school=concern.school):
        raise ApplicationError("Only the school's safeguarding leads can do this.", code="forbidden")
    rationale = text_checked(rationale, field="rationale", label="why no further action is needed", required=True)
    concern_lock(concern)
    if concern.case_id:
        raise ApplicationError("This concern is part of a case: close the case instead.")
    if concern.status == Concern.Status.NO_FURTHER_ACTION:
        raise ApplicationError("This concern is already closed with no further action.")
    prompts = concern_prompts(concern)
    if prompts:
        override = text_checked(
            statutory_override,
            field="statutory_override",
            label="why the statutory starting point is not followed",
            required=False,
        )
        if not override:
            raise ApplicationError(
                " ".join(p.text for p in prompts) + " To close it with no further action, explain why.",
                field="statutory_override",
                code="statutory_prompt",
            )
        rationale += f"\n\nWhy the statutory starting point was not followed: {override}"
    concern_acknowledge(by=by, concern=concern, ctx=ctx)
    was = concern.status
    concern.status = Concern.Status.NO_FURTHER_ACTION
    concern.closed_rationale = rationale
    concern.save(update_fields=["status", "closed_rationale"])
    audit_record(
        Event.CONCERN_CLOSED,
        ctx=ctx,
        actor=by,
        obj=concern,
        school=concern.school_id,
        changes={"status": (was, concern.status)},
        extra={"status": concern.status},
    )
    return concern
