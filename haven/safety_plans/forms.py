"""The safety plan form: every part of Annex A on one page, in its order."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from haven.core import clock
from haven.core.fields import model_field
from haven.core.forms import DateInput

from . import rules
from .models import REVIEW_REASONS, PlanVersion

YES_NO = [("", "Not answered"), ("yes", "Yes"), ("no", "No")]
_TO_BOOL = {"yes": True, "no": False, "": None}
_FROM_BOOL = {True: "yes", False: "no", None: ""}


def _text(label: str, *, rows: int = 3, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label, required=False, strip=True, help_text=help_text, widget=forms.Textarea(attrs={"rows": rows})
    )


def _model_label(name: str) -> str:
    return str(model_field(PlanVersion, name).verbose_name)


def _model_help(name: str) -> str:
    return str(model_field(PlanVersion, name).help_text)


class ConsiderationAnswerField(forms.ChoiceField):
    """The answer to one consideration, carrying its question for the page."""

    question = ""


class PlanForm(forms.Form):
    """Annex A. ``review`` adds why the plan is being reviewed (every version after sign-off)."""

    based_on = forms.IntegerField(widget=forms.HiddenInput, required=False)
    referrer_name_role = forms.CharField(label="Referrer name and role", max_length=200)
    referrer_contact = forms.CharField(
        label="Referrer contact details", max_length=200, required=False, help_text="Email address and phone number."
    )
    schools_affected = forms.CharField(label=_model_label("schools_affected"), max_length=300)
    schools_harmed = forms.CharField(
        label=_model_label("schools_harmed"),
        max_length=300,
        required=False,
        help_text="Name both schools when the children are at different schools.",
    )
    on_premises = forms.ChoiceField(label="Did the incident happen on school premises?", choices=YES_NO, required=False)
    where_otherwise = forms.CharField(label="If not, where did it happen?", max_length=300, required=False)
    review_date = forms.DateField(
        label="Date for the risk assessment and safety plan review",
        widget=DateInput,
        help_text="Every plan has a review date. A review is also due after any new concern about the child.",
        error_messages={"required": "Set a date to review this plan: every plan has one."},
    )

    at_risk = forms.MultipleChoiceField(
        label="Based on the available information, who may be at risk?",
        choices=list(rules.AT_RISK.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    at_risk_others = forms.CharField(label="Others at risk (please specify)", max_length=300, required=False)
    support_from = _text(_model_label("support_from"), help_text=_model_help("support_from"))
    needs_actions = _text("Action required to reduce the risks")
    risky_places = _text(_model_label("risky_places"), help_text=_model_help("risky_places"))
    safe_places = _text(_model_label("safe_places"), help_text=_model_help("safe_places"))
    places_actions = _text("Actions required to reduce the risks in those places")

    controls = forms.MultipleChoiceField(
        label="Practical controls in place",
        choices=list(rules.CONTROLS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    trusted_adult = forms.CharField(label="Named trusted adult", max_length=200, required=False)
    staff_informed = forms.CharField(label="Staff who have been told about this plan", max_length=300, required=False)
    controls_notes = _text("How the controls work", help_text="Times, places, who supervises, what changes online.")

    def __init__(self, *args: Any, review: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.review = review
        for a in rules.PlanAction:
            label = rules.ACTION_LABELS[a]
            self.fields[f"action_{a}_taken"] = forms.ChoiceField(
                label=f"{label}: yes or no", choices=YES_NO, required=False
            )
            self.fields[f"action_{a}_on"] = forms.DateField(label=f"{label}: date", required=False, widget=DateInput)
            self.fields[f"action_{a}_notes"] = forms.CharField(label=f"{label}: notes", required=False, max_length=500)
        for key, question in rules.CONSIDERATIONS.items():
            answer = ConsiderationAnswerField(
                label="Answer", choices=[("", "Not answered"), *rules.CONSIDERATION_ANSWERS.items()], required=False
            )
            self.fields[f"consider_{key}_answer"] = answer
            self.fields[f"consider_{key}_notes"] = _text("Notes", rows=2)
            answer.question = question
        for key, question in (*rules.VIEW_QUESTIONS_CHILD, *rules.VIEW_QUESTIONS_PARENTS):
            self.fields[key] = _text(question, rows=2)
        for key, question in rules.CHILD_PAGE:
            self.fields[key] = _text(
                question, rows=3, help_text="In the child's own words where you can: short sentences, everyday words."
            )
        if review:
            self.fields["reason"] = forms.ChoiceField(
                label="Why is the plan being reviewed?",
                choices=[("", "Choose a reason"), *REVIEW_REASONS],
                error_messages={"required": "Choose why the plan is being reviewed."},
            )
            self.fields["reason_notes"] = _text("What has happened (optional unless the reason is other)", rows=2)

    def clean_review_date(self) -> dt.date:
        day: dt.date = self.cleaned_data["review_date"]
        if day < clock.localdate():
            raise forms.ValidationError("The review date must be today or later.")
        return day

    # --- for the template ---------------------------------------------------------------
    def action_rows(self) -> list[tuple[str, Any, Any, Any]]:
        return [
            (rules.ACTION_LABELS[a], self[f"action_{a}_taken"], self[f"action_{a}_on"], self[f"action_{a}_notes"])
            for a in rules.PlanAction
        ]

    def consideration_rows(self) -> list[tuple[str, str, Any, Any]]:
        return [
            (key, question, self[f"consider_{key}_answer"], self[f"consider_{key}_notes"])
            for key, question in rules.CONSIDERATIONS.items()
        ]

    def child_views(self) -> list[Any]:
        return [self[k] for k, _ in rules.VIEW_QUESTIONS_CHILD]

    def parent_views(self) -> list[Any]:
        return [self[k] for k, _ in rules.VIEW_QUESTIONS_PARENTS]

    def child_page(self) -> list[Any]:
        return [self[k] for k, _ in rules.CHILD_PAGE]

    # --- to and from the services' content ---------------------------------------------
    def content(self) -> dict[str, Any]:
        d = self.cleaned_data
        simple = (
            "referrer_name_role",
            "referrer_contact",
            "schools_affected",
            "schools_harmed",
            "where_otherwise",
            "review_date",
            "at_risk",
            "at_risk_others",
            "support_from",
            "needs_actions",
            "risky_places",
            "safe_places",
            "places_actions",
            "controls",
            "trusted_adult",
            "staff_informed",
            "controls_notes",
            *(k for k, _ in rules.VIEW_QUESTIONS_CHILD),
            *(k for k, _ in rules.VIEW_QUESTIONS_PARENTS),
            *(k for k, _ in rules.CHILD_PAGE),
        )
        out: dict[str, Any] = {k: d.get(k) for k in simple}
        out["on_premises"] = _TO_BOOL[d.get("on_premises") or ""]
        out["actions"] = {
            a.value: {
                "taken": _TO_BOOL[d.get(f"action_{a}_taken") or ""],
                "on": d.get(f"action_{a}_on"),
                "notes": d.get(f"action_{a}_notes") or "",
            }
            for a in rules.PlanAction
        }
        out["considerations"] = {
            key: {"answer": d.get(f"consider_{key}_answer") or "", "notes": d.get(f"consider_{key}_notes") or ""}
            for key in rules.CONSIDERATIONS
        }
        return out

    @staticmethod
    def initial_from(content: dict[str, Any]) -> dict[str, Any]:
        initial = {k: v for k, v in content.items() if k not in ("actions", "considerations", "on_premises")}
        initial["on_premises"] = _FROM_BOOL.get(content.get("on_premises"), "")
        for a, row in (content.get("actions") or {}).items():
            initial[f"action_{a}_taken"] = _FROM_BOOL.get(row.get("taken"), "")
            initial[f"action_{a}_on"] = row.get("on")
            initial[f"action_{a}_notes"] = row.get("notes", "")
        for key, row in (content.get("considerations") or {}).items():
            initial[f"consider_{key}_answer"] = row.get("answer", "")
            initial[f"consider_{key}_notes"] = row.get("notes", "")
        return initial


RATING_CHOICES_A = [("", "Choose A"), *((str(k), f"{k}: {v.lower()}") for k, v in sorted(rules.HAZARD.items()))]
RATING_CHOICES_B = [("", "Choose B"), *((str(k), f"{k}: {v.lower()}") for k, v in sorted(rules.LIKELIHOOD.items()))]


class RiskLineForm(forms.Form):
    hazard = forms.CharField(
        label="Risk (hazard)",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Describe the risk on this line, or tick remove."},
    )
    hazard_rating = forms.TypedChoiceField(
        label="A: hazard rating",
        choices=RATING_CHOICES_A,
        coerce=int,
        error_messages={
            "required": "Choose the hazard rating (A): 1, 2 or 3.",
            "invalid_choice": (
                "The hazard rating (A) must be 1 (minor effect), 2 (moderate effect) or 3 (major effect)."
            ),
        },
    )
    likelihood = forms.TypedChoiceField(
        label="B: likelihood",
        choices=RATING_CHOICES_B,
        coerce=int,
        error_messages={
            "required": "Choose the likelihood (B): 2, 4 or 6.",
            "invalid_choice": "The likelihood (B) must be 2 (unlikely), 4 (possible) or 6 (probable).",
        },
    )
    measures = _text("Measures of control", rows=2)
    contingency = _text("Contingency plan", rows=2)


RiskLineFormSet = forms.formset_factory(
    RiskLineForm, extra=2, can_delete=True, max_num=30, validate_max=True, absolute_max=40
)


def risk_lines_from(formset: Any) -> list[dict[str, Any]]:
    lines = []
    for form in formset.forms:
        if not form.has_changed() and not form.initial:
            continue
        if formset.can_delete and formset._should_delete_form(form):
            continue
        d = form.cleaned_data
        if not d:
            continue
        lines.append({k: d.get(k) for k in ("hazard", "hazard_rating", "likelihood", "measures", "contingency")})
    return lines


class CloseForm(forms.Form):
    reason = forms.CharField(
        label="Why is the plan closing?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why the plan is closing."},
    )
