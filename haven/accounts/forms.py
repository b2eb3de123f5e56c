from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.validators import MaxLengthValidator

if TYPE_CHECKING:
    from haven.accounts.models import User


class SignInForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={
            "required": "Enter your email address.",
            "invalid": "Enter an email address like name@school.org.uk.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        error_messages={"required": "Enter your password."},
        max_length=256,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Code",
        max_length=16,
        error_messages={"required": "Enter the code from your app, or a recovery code."},
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "spellcheck": "false"}),
    )

    def clean_token(self) -> str:
        token: str = self.cleaned_data["token"]
        return token.strip().replace(" ", "").lower()


class ConfirmDeviceForm(forms.Form):
    token = forms.RegexField(
        label="6-digit code from your app",
        regex=r"^\s*\d{3}\s?\d{3}\s*$",
        error_messages={
            "required": "Enter the 6 digits your authenticator app shows.",
            "invalid": "Enter the 6 digits your authenticator app shows, like 123 456.",
        },
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's own form (the current password checked, the new one twice, the settings'
    validators) in Haven's words."""

    error_messages = {
        "password_incorrect": "That is not your current password. Check it and try again.",
        "password_mismatch": "The two new passwords are not the same. Type the new password in both boxes again.",
    }

    def __init__(self, user: User, *args: Any, temporary: bool = False, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        old, new1, new2 = self.fields["old_password"], self.fields["new_password1"], self.fields["new_password2"]
        old.label = "The temporary password you were given" if temporary else "Your current password"
        old.error_messages["required"] = "Enter your current password."
        new1.label = "New password"
        new1.help_text = (
            "At least 12 characters. Not a common password, not only numbers, and not like your name or email "
            "address. A few unrelated words together make a good one."
        )
        new1.error_messages["required"] = "Enter a new password."
        new2.label = "New password again"
        new2.help_text = ""
        new2.error_messages["required"] = "Type the new password again."
        for field in (old, new1, new2):
            # Hashing is slow on purpose: a megabyte of "password" is refused before it.
            field.validators.append(MaxLengthValidator(256, message="A password can be at most 256 characters long."))
            field.widget.attrs.pop("autofocus", None)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        new = cleaned.get("new_password2")
        if new and "new_password2" not in self.errors and new == cleaned.get("old_password"):
            self.add_error("new_password2", "Choose a new password, not the one you have now.")
        return cleaned
