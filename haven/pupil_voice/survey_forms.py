"""Forms for culture surveys: the pupils' form, built from a survey's own copy of its
questions, and the form a DSL, trust lead or LA officer uses to open one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from haven.core import clock
from haven.core.forms import choice_field
from haven.organisations.models import School

from .models import Survey
from .survey_questions import year_bands_for

NOT_SAY = "I'd rather not say"


class PupilSurveyForm(forms.Form):
    """One radio group per question, in the school's phase's words; every question needs an
    answer (each scale has "I'm not sure" or "Maybe"). The year band is optional."""

    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, survey: Survey, school: School, phase: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = survey.questions
        for question in survey.questions:
            self.fields[question["key"]] = forms.ChoiceField(
                label=question[phase],
                choices=[(a["value"], a[phase]) for a in question["answers"]],
                widget=forms.RadioSelect,
                error_messages={
                    "required": "Please choose an answer.",
                    "invalid_choice": "Please choose one of the answers.",
                },
            )
        self.fields["year_band"] = forms.ChoiceField(
            label="Which year are you in?" if phase == "secondary" else "Which year are you in at school?",
            help_text="You do not have to say. We only ask for a group of years, never your class.",
            choices=[*year_bands_for(school.phase), ("", NOT_SAY)],
            widget=forms.RadioSelect,
            required=False,
            error_messages={"invalid_choice": "Choose one of the year groups, or leave it out."},
        )

    def question_fields(self) -> list[forms.BoundField]:
        return [self[q["key"]] for q in self.questions]

    def answers(self) -> dict[str, str]:
        return {q["key"]: self.cleaned_data[q["key"]] for q in self.questions}


class SurveyOpenForm(forms.Form):
    """Title, dates and which of the user's schools. A user who looks after one school only
    (a DSL) is not asked which."""

    title = forms.CharField(
        label="Title",
        help_text="Pupils do not see this. For example 'Autumn 2026: how safe do pupils feel?'",
        required=False,
        max_length=200,
    )
    opens_on = forms.DateField(
        label="Opens on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a date, for example 2026-11-23."},
    )
    closes_on = forms.DateField(
        label="Closes on",
        help_text="Pupils can answer up to and including this day. Up to about a term after it opens.",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a date, for example 2026-12-11."},
    )
    which = forms.ChoiceField(
        label="Which schools?", widget=forms.RadioSelect, error_messages={"required": "Choose which schools."}
    )
    schools = forms.MultipleChoiceField(
        label="Chosen schools",
        help_text="Only used if you choose 'The schools I tick'.",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, schools: list[School], **kwargs: Any) -> None:
        today = clock.localdate()
        kwargs.setdefault("initial", {"opens_on": today, "closes_on": today + dt.timedelta(days=21), "which": "all"})
        super().__init__(*args, **kwargs)
        self.school_list = schools
        self.one_school = len(schools) == 1
        phases = sorted({s.phase for s in schools})
        labels = dict(School.Phase.choices)
        choice_field(self, "which").choices = [
            ("all", f"All my schools ({len(schools)})"),
            *((f"phase:{p}", f"{labels.get(p, p)} schools only") for p in phases if len(phases) > 1),
            ("chosen", "The schools I tick"),
        ]
        choice_field(self, "schools").choices = [(str(s.pk), s.name) for s in schools]
        if self.one_school:
            del self.fields["which"]
            del self.fields["schools"]

    def chosen_schools(self) -> list[School]:
        if self.one_school:
            return list(self.school_list)
        which = self.cleaned_data.get("which") or ""
        if which == "all":
            return list(self.school_list)
        if which.startswith("phase:"):
            return [s for s in self.school_list if s.phase == which.removeprefix("phase:")]
        ticked = set(self.cleaned_data.get("schools") or [])
        return [s for s in self.school_list if str(s.pk) in ticked]
