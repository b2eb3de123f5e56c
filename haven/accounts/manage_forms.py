"""Forms for the administrator's people pages. They offer only the roles an organisation
can hold, so a wrong combination is refused with a message, not a database error."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

from haven.access.roles import Role
from haven.core.forms import choice_field

from .manage_selectors import Organisation, organisation_key
from .manage_services import role_fit_refusal, roles_for
from .models import Membership


class PersonAddForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="Their work email address: they sign in with it. If it already has a Haven account, "
        "the role is added to that account.",
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    full_name = forms.CharField(
        label="Full name",
        max_length=200,
        help_text="As colleagues know them. An existing account keeps the name it has.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    job_title = forms.CharField(
        label="Job title", max_length=200, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    role = forms.ChoiceField(label="Role")

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        field = choice_field(self, "role")
        field.choices = [("", "Choose a role"), *((r.value, r.label) for r in roles_for(organisation))]
        field.error_messages["invalid_choice"] = role_fit_refusal(organisation, "")
        field.help_text = (
            "Safeguarding leads, headteachers, trust leads, advice officers and governors must set up "
            "two-factor sign-in the first time they sign in."
        )

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"]
        return email.strip().lower()


class RoleGrantForm(forms.Form):
    """One choice of "role at organisation", grouped by organisation, so that only roles an
    organisation can hold are offered and no script is needed to narrow a second list."""

    grant = forms.ChoiceField(label="Role to give")

    def __init__(
        self, *args: Any, organisations: Iterable[Organisation], held: Iterable[Membership] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        held_keys = {(self._key_of(m), m.role) for m in held}
        self._targets: dict[str, tuple[Organisation, str]] = {}
        groups: list[tuple[str, list[tuple[str, str]]]] = []
        for organisation in organisations:
            key = organisation_key(organisation)
            options = []
            for role in roles_for(organisation):
                if (key, role.value) in held_keys:
                    continue
                value = f"{key}:{role.value}"
                self._targets[value] = (organisation, role.value)
                options.append((value, f"{role.label} at {organisation}"))
            if options:
                groups.append((str(organisation), options))
        choice_field(self, "grant").choices = [("", "Choose a role"), *groups]
        self.fields["grant"].error_messages["invalid_choice"] = (
            "Choose a role from the list: it offers only roles your organisations can hold that this person "
            "does not already have."
        )

    @staticmethod
    def _key_of(membership: Membership) -> str:
        organisation = membership.school or membership.trust or membership.authority
        return organisation_key(organisation) if organisation is not None else ""

    @property
    def has_choices(self) -> bool:
        return bool(self._targets)

    def clean_grant(self) -> tuple[Organisation, str]:
        return self._targets[self.cleaned_data["grant"]]


def role_filter_choices(organisations: Iterable[Organisation]) -> list[tuple[str, str]]:
    """The roles the people list can filter by: those the administrator's organisations can hold."""
    offered = {role for organisation in organisations for role in roles_for(organisation)}
    return [("", "Any role"), *((r.value, r.label) for r in Role if r in offered)]
