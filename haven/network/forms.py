"""Forms for pyramids and network meetings; the services hold the rules."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django import forms

from haven.core.forms import DateInput, TimeInput, choice_field

from .models import ActionItem, Invitation

LONDON = ZoneInfo("Europe/London")


class PyramidForm(forms.Form):
    name = forms.CharField(label="Name of the pyramid", max_length=200)


class MeetingForm(forms.Form):
    """Times are typed in UK time and stored in UTC."""

    pyramid = forms.ChoiceField(label="For", help_text="The DSLs and deputies of its schools are invited.")
    title = forms.CharField(label="Title", max_length=200)
    date = forms.DateField(label="Date", widget=DateInput())
    start = forms.TimeField(label="Starts at", widget=TimeInput(), help_text="UK time, for example 15:30.")
    end = forms.TimeField(label="Ends at", widget=TimeInput())
    venue = forms.CharField(label="Venue", max_length=300, required=False)
    online_link = forms.URLField(
        label="Online meeting link",
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text="Give a venue, a link, or both.",
    )
    agenda = forms.CharField(label="Agenda", required=False, widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args: Any, pyramids: list[Any] | None = None, with_pyramid: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if with_pyramid:
            choice_field(self, "pyramid").choices = [(str(p.pk), p.name) for p in pyramids or []] + [
                ("all", "Whole authority")
            ]
        else:
            del self.fields["pyramid"]

    def times(self) -> tuple[dt.datetime, dt.datetime]:
        d = self.cleaned_data
        return (
            dt.datetime.combine(d["date"], d["start"], tzinfo=LONDON),
            dt.datetime.combine(d["date"], d["end"], tzinfo=LONDON),
        )


class InviteesForm(forms.Form):
    invitees = forms.MultipleChoiceField(
        label="Invited",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="DSLs, deputies and headteachers of the meeting's schools.",
    )

    def __init__(self, *args: Any, memberships: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices: dict[str, str] = {}
        for m in memberships:
            choices.setdefault(str(m.user_id), f"{m.user.full_name} ({m.get_role_display()}, {m.school.name})")
        choice_field(self, "invitees").choices = list(choices.items())


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label="Minutes",
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Shared with every school invited: describe practice and patterns, never a child.",
    )
    confirm_anonymous = forms.BooleanField(
        label="I have checked: the words flagged do not refer to a child", required=False
    )


class ActionForm(forms.Form):
    text = forms.CharField(label="Action", max_length=500)
    owner = forms.ChoiceField(label="Owner")
    due_on = forms.DateField(label="Due by", widget=DateInput())

    def __init__(self, *args: Any, invitations: list[Invitation], **kwargs: Any):
        super().__init__(*args, **kwargs)
        choice_field(self, "owner").choices = [("", "Choose someone invited")] + [
            (str(i.user_id), f"{i.user.full_name}{f' ({i.school.name})' if i.school else ''}") for i in invitations
        ]


ATTENDANCE_CHOICES = list(Invitation.Attendance.choices)
ACTION_STATUS_CHOICES = ActionItem.Status.choices
