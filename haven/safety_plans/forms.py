"""The safety plan form: every part of Annex A on one page, in its order, each part a
section the DSL opens (a ``<details>``); each question asked as the kind of answer it asks
for (an account in words, or yes or no with a note)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.forms.utils import ErrorDict

from haven.core import clock
from haven.core.fields import model_field
from haven.core.forms import DateInput

from . import rules
from .models import REVIEW_REASONS, PlanVersion
from .services import MAX_RISK_LINES

YES_NO = [("yes", "Yes"), ("no", "No")]
CONSIDER_CHOICES = list(rules.YES_NO_ANSWERS.items())
_TO_BOOL = {"yes": True, "no": False, "": None}
_FROM_BOOL = {True: "yes", False: "no", None: ""}


def _text(label: str, *, rows: int = 3, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label, required=False, strip=True, help_text=help_text, widget=forms.Textarea(attrs={"rows": rows})
    )


def _yes_no(label: str, choices: list[tuple[str, str]] = YES_NO) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        required=False,
        widget=forms.RadioSelect(attrs={"class": "radio-inline"}),
        error_messages={"invalid_choice": "Choose one of the answers shown."},
    )


def _note(label: str) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, strip=True, widget=forms.Textarea(attrs={"rows": 2, "class": "note"})
    )


def _model_label(name: str) -> str:
    return str(model_field(PlanVersion, name).verbose_name)


def _model_help(name: str) -> str:
    return str(model_field(PlanVersion, name).help_text)


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
    on_premises = _yes_no("Did the incident happen on school premises?")
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

    def __init__(
        self,
        *args: Any,
        review: bool = False,
        case_records: dict[str, list[dict[str, Any]]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.review = review
        # Rows the case already answers (parents informed, referrals): shown, never typed.
        self.case_records = case_records or {}
        for a in rules.PlanAction:
            if a.value in self.case_records:
                continue
            label = rules.ACTION_LABELS[a]
            self.fields[f"action_{a}_taken"] = _yes_no(f"{label}: yes or no")
            self.fields[f"action_{a}_on"] = forms.DateField(label="Date", required=False, widget=DateInput)
            self.fields[f"action_{a}_notes"] = forms.CharField(label="Notes", required=False, max_length=500)
        for key, question in rules.CONSIDERATIONS.items():
            if key in rules.OPEN_QUESTIONS:
                self.fields[f"consider_{key}"] = _text(question, rows=3)
            else:
                self.fields[f"consider_{key}_answer"] = _yes_no(question, CONSIDER_CHOICES)
                self.fields[f"consider_{key}_notes"] = _note("Note")
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
    def action_rows(self) -> list[dict[str, Any]]:
        """Each action: the case's records it carries (read-only), or its three fields."""
        rows = []
        for a in rules.PlanAction:
            records = self.case_records.get(a.value)
            row: dict[str, Any] = {"key": a.value, "label": rules.ACTION_LABELS[a]}
            if records:
                row["records"] = [
                    {**r, "taken": "Yes" if r["taken"] else "No", "on": dt.date.fromisoformat(r["on"])} for r in records
                ]
            else:
                row.update(taken=self[f"action_{a}_taken"], on=self[f"action_{a}_on"], notes=self[f"action_{a}_notes"])
            rows.append(row)
        return rows

    def consideration_groups(self) -> list[tuple[str, list[dict[str, Any]]]]:
        return [
            (
                title,
                [
                    {"key": key, "open": True, "text": self[f"consider_{key}"]}
                    if key in rules.OPEN_QUESTIONS
                    else {"key": key, "answer": self[f"consider_{key}_answer"], "notes": self[f"consider_{key}_notes"]}
                    for key in keys
                ],
            )
            for title, keys in rules.CONSIDERATION_GROUPS
        ]

    def child_views(self) -> list[Any]:
        return [self[k] for k, _ in rules.VIEW_QUESTIONS_CHILD]

    def parent_views(self) -> list[Any]:
        return [self[k] for k, _ in rules.VIEW_QUESTIONS_PARENTS]

    def child_page(self) -> list[Any]:
        return [self[k] for k, _ in rules.CHILD_PAGE]

    def sections_with_errors(self) -> set[str]:
        return {section_of(name) for name in self.errors}

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
            key: (
                {"text": d.get(f"consider_{key}") or ""}
                if key in rules.OPEN_QUESTIONS
                else {"answer": d.get(f"consider_{key}_answer") or "", "notes": d.get(f"consider_{key}_notes") or ""}
            )
            for key in rules.CONSIDERATIONS
        }
        return out

    @staticmethod
    def initial_from(content: dict[str, Any]) -> dict[str, Any]:
        """The form's fields from a version's content (or the case's prefill), whatever the
        version's shape: an open question answered yes/no by an older version starts as text."""
        initial = {k: v for k, v in content.items() if k not in ("actions", "considerations", "on_premises")}
        initial["on_premises"] = _FROM_BOOL.get(content.get("on_premises"), "")
        for a, row in (content.get("actions") or {}).items():
            initial[f"action_{a}_taken"] = _FROM_BOOL.get(row.get("taken"), "")
            initial[f"action_{a}_on"] = row.get("on")
            initial[f"action_{a}_notes"] = row.get("notes", "")
        considerations = content.get("considerations") or {}
        for key in rules.CONSIDERATIONS:
            row = considerations.get(key) or {}
            if key in rules.OPEN_QUESTIONS:
                initial[f"consider_{key}"] = rules.consideration_read(key, row)[0]
            else:
                answer = row.get("answer", "")
                initial[f"consider_{key}_answer"] = answer if answer in rules.YES_NO_ANSWERS else ""
                initial[f"consider_{key}_notes"] = row.get("notes", "")
        if "referred_police" not in considerations and (considerations.get("crime") or {}).get("answer"):
            # An older version asked "a crime? referred to the police?" as one question.
            initial["consider_crime_notes"] = ". ".join(
                filter(
                    None,
                    [
                        "Asked before as one question with whether it was referred to the police",
                        rules.CONSIDERATION_ANSWERS.get(considerations["crime"]["answer"], ""),
                        considerations["crime"].get("notes", ""),
                    ],
                )
            )
            initial["consider_crime_answer"] = ""
        return initial


def section_of(name: str) -> str:
    """The form section (its ``<details>``) a field sits in, so a section with an error opens."""
    if name.startswith("action_"):
        return "actions"
    if name.startswith("consider_"):
        return "consider"
    if name.startswith("risk"):
        return "risks"
    if name.startswith(("child_", "parents_")):
        return "views"
    if name in {k for k, _ in rules.CHILD_PAGE}:
        return "child"
    if name in (
        "at_risk",
        "at_risk_others",
        "support_from",
        "needs_actions",
        "risky_places",
        "safe_places",
        "places_actions",
    ):
        return "needs"
    if name in ("controls", "trusted_adult", "staff_informed", "controls_notes"):
        return "controls"
    if name in ("reason", "reason_notes", "based_on", "__all__"):
        return "why"
    return "basic"


RATING_CHOICES_A = [("", "Choose A"), *((str(k), f"{k}: {v.lower()}") for k, v in sorted(rules.HAZARD.items()))]
RATING_CHOICES_B = [("", "Choose B"), *((str(k), f"{k}: {v.lower()}") for k, v in sorted(rules.LIKELIHOOD.items()))]


class RiskLineForm(forms.Form):
    hazard = forms.CharField(
        label="Risk (hazard)",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Describe the risk on this line, or tick “Remove this line”."},
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
    RiskLineForm,
    extra=1,
    can_delete=True,
    max_num=MAX_RISK_LINES,
    validate_max=True,
    absolute_max=MAX_RISK_LINES + 10,
)


def risk_formset(data: Any = None, *, initial: list[dict[str, Any]] | None = None) -> Any:
    """The risk lines: a saved line is removed by ticking "Remove this line"; a new one is
    left out by leaving it empty (and its error says so)."""
    formset = RiskLineFormSet(data, prefix="risk", initial=initial)
    for form in formset.forms[formset.initial_form_count() :]:
        form.fields["hazard"].error_messages["required"] = (
            "Describe the risk on this line, or leave the whole line empty."
        )
    return formset


def shown_unchecked(form: Any, formset: Any) -> None:
    """Show a posted form again as typed, with nothing checked (no errors)."""
    for f in [form, *formset.forms]:
        f._errors = ErrorDict()
        f.cleaned_data = {}
    formset._errors = []
    formset._non_form_errors = formset.error_class()


def risk_formset_with_another_line(data: Any) -> Any:
    """The posted risk lines and one more empty line, up to the most a plan holds (the "Add
    another risk" button): what was typed stays, and the new line's first field has focus."""
    data = data.copy()
    try:
        total = int(data.get("risk-TOTAL_FORMS", "0"))
    except ValueError:
        total = 0
    data["risk-TOTAL_FORMS"] = str(max(0, min(total, MAX_RISK_LINES - 1)) + 1)
    formset = risk_formset(data)
    formset.forms[-1].fields["hazard"].widget.attrs["autofocus"] = True
    return formset


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
