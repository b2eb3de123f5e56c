"""Forms for pupils (short, plain words sized to the school's phase) and for DSLs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms

from .models import Contact, HappenedTo, ReportMessage, When, Where

if TYPE_CHECKING:
    from haven.organisations.models import School

PRIMARY_PHASES = {"nursery", "primary"}

# Pictures for primary pupils: emoji drawn by the device's own fonts (nothing loaded).
WHERE_PICTURES: dict[str, str] = {
    Where.CLASSROOM: "🏫",
    Where.CORRIDOR: "🚪",
    Where.TOILETS: "🚻",
    Where.CHANGING_ROOMS: "👕",
    Where.PLAYGROUND: "⚽",
    Where.DINING_HALL: "🍽️",
    Where.TRANSPORT: "🚌",
    Where.ONLINE: "📱",
    Where.COMMUNITY: "🏠",
    Where.OTHER: "❓",
}

LABELS = {
    "primary": {
        "what_happened": (
            "What happened?",
            "Tell us in your own words. You can write as much or as little as you like.",
        ),
        "where": ("Where did it happen?", ""),
        "when": ("When did it happen?", ""),
        "who_involved": ("Who was there?", "You do not have to say."),
        "happened_to": ("Who did it happen to?", ""),
        "contact": ("Would you like a grown-up to talk to you?", ""),
        "pupil_name": ("Your name", "You do not have to tell us your name."),
    },
    "secondary": {
        "what_happened": (
            "What happened?",
            "Write it in your own words. Include anything you think matters: what was said or done, and what "
            "happened after.",
        ),
        "where": ("Where did it happen?", ""),
        "when": ("When did it happen?", ""),
        "who_involved": (
            "Who was involved?",
            "Names, year groups or usernames, if you know them. You can leave this out.",
        ),
        "happened_to": ("Who did it happen to?", ""),
        "contact": ("Would you like someone to talk to you about it?", ""),
        "pupil_name": (
            "Your name",
            "You can stay anonymous. If you give your name it helps us help you, "
            "and only the safeguarding team sees it.",
        ),
    },
}


def phase_of(school: School) -> str:
    return "primary" if school.phase in PRIMARY_PHASES else "secondary"


class PupilReportForm(forms.Form):
    what_happened = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), required=False)
    where = forms.ChoiceField(choices=Where.choices, widget=forms.RadioSelect, required=False)
    when = forms.ChoiceField(choices=When.choices, widget=forms.RadioSelect, required=False)
    who_involved = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    happened_to = forms.ChoiceField(choices=HappenedTo.choices, widget=forms.RadioSelect, required=False)
    contact = forms.ChoiceField(choices=Contact.choices, widget=forms.RadioSelect, required=False)
    pupil_name = forms.CharField(required=False, widget=forms.TextInput(attrs={"autocomplete": "off"}))

    def __init__(self, *args: Any, phase: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, (label, hint) in LABELS[phase].items():
            self.fields[name].label = label
            self.fields[name].help_text = hint
        # Required in words, checked by the service (so the message is the pupil's, not Django's).
        self.fields["what_happened"].widget.attrs["aria-required"] = "true"


class CheckForm(forms.Form):
    reference = forms.CharField(
        label="Your reference",
        help_text="It looks like ABCD-2345.",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    passphrase = forms.CharField(
        label="Your secret words",
        help_text="The five words you were given, with spaces between them.",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}),
    )


class PupilMessageForm(forms.Form):
    body = forms.CharField(label="Write back", widget=forms.Textarea(attrs={"rows": 5}), required=False)


class StaffMessageForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of message",
        choices=[(ReportMessage.Kind.REPLY, "Reply"), (ReportMessage.Kind.QUESTION, "Ask a question")],
        widget=forms.RadioSelect,
        initial=ReportMessage.Kind.REPLY,
    )
    body = forms.CharField(
        label="Message to the pupil",
        help_text="The pupil reads this when they check with their reference. Write as you would speak to the child.",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
    )


class CloseForm(forms.Form):
    reason = forms.CharField(label="Why are you closing it?", widget=forms.Textarea(attrs={"rows": 3}), required=False)


class MaliciousForm(forms.Form):
    reason = forms.CharField(
        label="Why do you think it is malicious?",
        help_text="A report marked as malicious is kept, with your reason. It never leads to a sanction by itself.",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )


class VoiceSettingsForm(forms.Form):
    reporting_email = forms.EmailField(
        label="The school's own reporting email",
        required=False,
        help_text="Shown to pupils as another way to tell. Leave empty if you do not have one.",
    )
    trusted_adults = forms.CharField(
        label="Trusted adults pupils can talk to",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="One a line, for example 'Mrs Patel, Head of Year 8, Room 12'.",
    )
