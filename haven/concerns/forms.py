"""The concern form: fast on a phone, working without JavaScript, losing nothing typed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone

from haven.core import clamd, clock
from haven.core.forms import DateInput, TimeInput, model_choice_field

from . import bodymap, files
from .models import Amendment, Category, ChildRole, Concern, Location
from .selectors import picked_pupil_id, pupils_matching, pupils_on_roll

CHILD_ROWS = 6
MARK_ROWS = 6  # marks on the body map the form offers (three shown, three more behind "More marks")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


@dataclass
class ChildRow:
    index: int
    query: str = ""
    role: str = ""
    pupil: Any = None
    choices: list[Any] = field(default_factory=list)
    error: str = ""


def _row_number(value: object) -> int:
    text = str(value or "1").strip()
    return int(text) if text.isascii() and text.isdigit() and 1 <= int(text) <= CHILD_ROWS else 0


@dataclass
class MarkRow:
    """One mark on the body map as typed: where (a part of the body) and what was seen."""

    index: int
    region: str = ""
    description: str = ""
    child: int = 1  # which child of the form's rows (1 to 6) the mark is on
    error: str = ""
    pupil: Any = None

    @property
    def filled(self) -> bool:
        return bool(self.region or self.description)


class ConcernForm(forms.Form):
    occurred_on = forms.DateField(
        label="Date it happened",
        widget=DateInput(),
        error_messages={"required": "Enter the date it happened.", "invalid": "Enter a real date, like 21/11/2026."},
    )
    occurred_time = forms.TimeField(
        label="Time it happened",
        required=False,
        help_text="Blank if not known.",
        widget=TimeInput(),
        error_messages={"invalid": "Enter a time like 13:45."},
    )
    location = forms.ChoiceField(
        label="Where it happened",
        choices=[("", "Choose a place"), *Location.choices],
        error_messages={"required": "Choose where it happened."},
    )
    online_platform = forms.CharField(
        label="If online: which app, game or website",
        required=False,
        max_length=100,
        help_text="Snapchat, TikTok, WhatsApp, Roblox…",
    )
    location_detail = forms.CharField(label="More about where", required=False, max_length=200)
    categories = forms.ModelMultipleChoiceField(
        label="What kind of concern is it?",
        queryset=Category.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose all that apply. If you are not sure, choose the closest and say so below.",
        error_messages={"required": "Choose at least one kind of concern."},
    )
    what_happened = forms.CharField(
        label="What happened",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What you saw, heard or were told. Facts, not opinions.",
        error_messages={"required": "Enter what happened."},
    )
    child_words = forms.CharField(
        label="The child's exact words",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What the child said, in their words, even if rude or unclear.",
    )
    actions_taken = forms.CharField(
        label="What you have done so far",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    child_told_next_steps = forms.ChoiceField(
        label="Did you tell the child what happens next?",
        choices=Concern.ToldNextSteps.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether you told the child what happens next."},
    )
    urgent = forms.BooleanField(
        label="This is urgent: a child may be at risk of harm now",
        required=False,
        help_text="Every safeguarding lead is alerted at once.",
    )
    attachments = MultipleFileField(
        label="Attachments",
        required=False,
        help_text="Optional: notes written by hand (a photo or scan), a document. Up to 5 files, 10 MB each.",
    )

    def __init__(self, *args: Any, school: School, pupil: Pupil | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pupil = pupil  # "record a concern about this child": the first child, chosen
        self.school = school
        from .services import categories_valid_for

        model_choice_field(self, "categories").queryset = categories_valid_for(
            school, clock.localdate()
        ).select_related("parent")
        if not self.is_bound:
            # Today's date, but never a time: "leave blank if you do not know" means blank.
            self.initial.setdefault("occurred_on", clock.localdate())
        self.child_rows = self._child_rows()
        data = self.data if self.is_bound else {}
        self.mark_rows = [
            MarkRow(
                index=i,
                region=str(data.get(f"mark_{i}_region") or "").strip()[:40],
                description=str(data.get(f"mark_{i}_description") or "").strip(),
                child=_row_number(data.get(f"mark_{i}_child")),
            )
            for i in range(1, MARK_ROWS + 1)
        ]
        self.region_choices = bodymap.choices()

    def _child_rows(self) -> list[ChildRow]:
        data = self.data if self.is_bound else {}
        rows = []
        for i in range(1, CHILD_ROWS + 1):
            query = (data.get(f"child_{i}_query") or "").strip()[:100]
            picked = (data.get(f"child_{i}_pupil") or "").strip()
            if picked.isascii() and picked.isdigit():  # chosen from the list of pupils matching a name
                query = f"#{picked}"[:100]  # an id that cannot be a pupil's is not found, as any other
            if i == 1 and not self.is_bound and self.pupil is not None:
                query = f"{self.pupil.display_name} (Year {self.pupil.year_group}) #{self.pupil.pk}"
            rows.append(ChildRow(index=i, query=query, role=data.get(f"child_{i}_role") or ""))
        return rows

    def clean_attachments(self) -> list[Any]:
        """Each file through the virus checker when one is configured (haven.core.clamd), here
        rather than in concern_submit so that no scan runs inside its transaction. Too many or
        too large files are left to concern_submit, which refuses them without a scan."""
        uploads: list[Any] = self.cleaned_data["attachments"]
        if len(uploads) <= files.MAX_ATTACHMENTS:
            for upload in uploads:
                if not upload.size or upload.size <= files.MAX_ATTACHMENT_BYTES:
                    try:
                        clamd.scan_upload(upload)
                    except clamd.ScanRefused as exc:
                        raise clamd.form_error(exc) from exc
        return uploads

    def _marks(self) -> list[MarkRow]:
        """The body map's filled rows, numbered in order; a row with only half filled in is
        an error beside that row (and one line in the summary at the top)."""
        for row in self.mark_rows:
            if not row.filled:
                continue
            named = next((c for c in self.child_rows if c.index == row.child and c.pupil is not None), None)
            if row.region not in bodymap.BY_CODE:
                row.error = f"Choose where on the body mark {row.index} is."
            elif named is None and not any(c.error for c in self.child_rows):
                row.error = (
                    f"Mark {row.index} is on child {row.child or '?'}, who is not named above: choose the child."
                )
            elif not row.description:
                row.error = f"Describe mark {row.index}: what you saw, its size and colour."
            elif len(row.description) > bodymap.DESCRIPTION_MAX:
                row.error = (
                    f"Mark {row.index} is {len(row.description)} characters long; "
                    f"the most is {bodymap.DESCRIPTION_MAX}."
                )
            row.pupil = named.pupil if named else None
        if any(r.error for r in self.mark_rows):
            self.add_error(None, "Check the body map: " + " ".join(r.error for r in self.mark_rows if r.error))
        return [r for r in self.mark_rows if r.filled and not r.error]

    @property
    def more_children_open(self) -> bool:
        """Children 2 to 6 sit behind "Another child involved", open once one is named."""
        return any(r.query or r.error or r.role for r in self.child_rows[1:])

    @property
    def marks_open(self) -> bool:
        return any(r.filled for r in self.mark_rows)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        chosen = []
        # Children picked from the list ("#id") are looked up together, in one query.
        picked = {row.index: picked_pupil_id(row.query) for row in self.child_rows if row.query}
        on_roll = pupils_on_roll(school_id=self.school.pk, ids=[i for i in picked.values() if i is not None])
        for row in self.child_rows:
            if not row.query:
                continue
            pupil_id = picked[row.index]
            if pupil_id is not None:
                matches = [on_roll[pupil_id]] if pupil_id in on_roll else []
            else:
                matches = pupils_matching(school_id=self.school.pk, query=row.query)
            if not matches:
                row.error = f"No pupil on the roll matches “{row.query}”. Check the spelling, or use their UPN."
            elif len(matches) > 1:
                row.choices = matches
                row.error = f"{len(matches)} pupils match “{row.query}”: choose one."
            else:
                row.pupil = matches[0]
                row.query = f"{row.pupil.display_name} (Year {row.pupil.year_group}) #{row.pupil.pk}"
            if row.role not in ChildRole.values:
                row.error = (row.error + " " if row.error else "") + "Choose this child's role."
            if row.pupil and not row.error:
                chosen.append(row)
        if any(r.error for r in self.child_rows):
            self.add_error(None, "Check the children named: " + " ".join(r.error for r in self.child_rows if r.error))
        elif not chosen:
            self.add_error(None, "Name at least one child, with their role.")
        cleaned["children"] = chosen
        cleaned["marks"] = self._marks()
        on, at = cleaned.get("occurred_on"), cleaned.get("occurred_time")
        cleaned["time_known"] = at is not None
        if on:
            cleaned["occurred_at"] = timezone.make_aware(dt.datetime.combine(on, at or dt.time(0, 0)))
            if on > clock.localdate():
                self.add_error("occurred_on", "The date it happened cannot be in the future.")
            elif cleaned["occurred_at"] > clock.now() + dt.timedelta(minutes=5):
                self.add_error("occurred_time", "The time it happened cannot be later than now.")
        if cleaned.get("location") == Location.ONLINE and not cleaned.get("online_platform"):
            self.add_error("online_platform", "Name the app, game or website.")
        return cleaned


if TYPE_CHECKING:
    _AmendmentModelForm = forms.ModelForm[Amendment]
    from haven.organisations.models import School
    from haven.people.models import Pupil
else:
    _AmendmentModelForm = forms.ModelForm  # not generic at run time


class AmendmentForm(_AmendmentModelForm):
    class Meta:
        model = Amendment
        fields = ["kind", "text"]
        labels = {"kind": "Is this a correction or an addition?", "text": "Your amendment"}
        widgets = {"kind": forms.RadioSelect, "text": forms.Textarea(attrs={"rows": 4})}
        error_messages = {"text": {"required": "Enter your amendment."}, "kind": {"required": "Choose one."}}


def category_groups(form: ConcernForm) -> list[tuple[str, list[Any], int]]:
    """The category checkboxes grouped under their parent (the policy's main kinds), in
    taxonomy order, each with how many of its boxes are ticked (the page opens those)."""
    categories = model_choice_field(form, "categories").queryset
    assert categories is not None  # set by the form
    by_pk = {c.pk: c for c in categories}
    groups: dict[int, tuple[str, list[Any]]] = {}
    for widget in form["categories"]:
        category = by_pk.get(int(str(widget.data["value"])))
        if category is None:
            continue
        top = category.parent if category.parent_id else category
        groups.setdefault(top.pk, (top.name, []))[1].append(widget)
    return [(name, widgets, sum(1 for w in widgets if w.data["selected"])) for name, widgets in groups.values()]
