"""Forms for the Section 175 audit; the services hold the rules."""

from __future__ import annotations

from typing import Any

from django import forms

from haven.core.forms import DateInput

from . import standards
from .models import AuditRound, SchoolAudit


class RoundForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200, help_text="For example, Section 175 audit 2026-27.")
    opens_on = forms.DateField(label="Opens on", widget=DateInput())
    due_on = forms.DateField(label="Schools submit by", widget=DateInput())


class ReturnForm(forms.Form):
    comments = forms.CharField(
        label="Comments for the school",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Say what the school should look at again before submitting it again.",
    )


class AuditForm(forms.Form):
    """One set of fields per standard of the round: the answer, evidence, and the action."""

    version = forms.IntegerField(widget=forms.HiddenInput())
    staff_total = forms.IntegerField(label="Number of staff", min_value=0, max_value=10_000, required=False)
    staff_trained = forms.IntegerField(
        label="Staff trained in the last 12 months",
        min_value=0,
        max_value=10_000,
        required=False,
        help_text="Haven works out the percentage.",
    )
    training_needs = forms.CharField(
        label="Training needs",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Who needs what training this year, for example new staff or the deputy DSL's refresher.",
    )

    def __init__(self, *args: Any, audit_round: AuditRound, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.audit_round = audit_round
        choices = [("", "Choose…"), *standards.ANSWERS]
        for s in audit_round.standards:
            k, n = s["key"], s["number"]
            self.fields[f"{k}-answer"] = forms.ChoiceField(label=f"{n} {s['text']}", choices=choices, required=False)
            self.fields[f"{k}-evidence"] = forms.CharField(
                label=f"Evidence for {n}",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text="Needed when it is not fully met: what is in place so far.",
            )
            self.fields[f"{k}-action"] = forms.CharField(
                label=f"Action for {n}", required=False, help_text="Needed when not met: what will be done."
            )
            self.fields[f"{k}-owner"] = forms.CharField(label=f"Who will do it ({n})", required=False, max_length=200)
            self.fields[f"{k}-due"] = forms.DateField(label=f"By when ({n})", required=False, widget=DateInput())

    @classmethod
    def initial_for(cls, audit: SchoolAudit) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "version": audit.version,
            "staff_total": audit.staff_total,
            "staff_trained": audit.staff_trained,
            "training_needs": audit.training_needs,
        }
        for key, row in (audit.answers or {}).items():
            for name, value in row.items():
                initial[f"{key}-{name}"] = value
        return initial

    def sections(self) -> list[tuple[str, list[tuple[dict[str, Any], list[Any]]]]]:
        """(section title, [(standard, [bound fields])]) in the round's order."""
        out: list[tuple[str, list[tuple[dict[str, Any], list[Any]]]]] = []
        for s in self.audit_round.standards:
            if not out or out[-1][0] != s["section"]:
                out.append((s["section"], []))
            bound = [self[f"{s['key']}-{name}"] for name in ("answer", "evidence", "action", "owner", "due")]
            out[-1][1].append((s, bound))
        return out

    def answers(self) -> dict[str, dict[str, Any]]:
        d = self.cleaned_data
        return {
            s["key"]: {
                name: d.get(f"{s['key']}-{name}") or "" for name in ("answer", "evidence", "action", "owner", "due")
            }
            for s in self.audit_round.standards
        }
