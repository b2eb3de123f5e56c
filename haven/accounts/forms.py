from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth import forms as auth_forms
from django.core.validators import MaxLengthValidator

if TYPE_CHECKING:
    from django.http import HttpRequest

    from haven.accounts.models import User

# The field where a new password is chosen (a field's name, not a password).
_CHOSEN = "new_password1"


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
            "At least 12 characters. Not a common password, not only numbers, not like your name or email "
            "address, and without “Haven” or your school's name in it. A few unrelated words together make a good one."
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

    def validate_password_for_user(self, user: User, password_field_name: str = _CHOSEN) -> None:
        # The settings' validators judge the password chosen: their errors go on the field where
        # it is chosen, not on the one that repeats it (Django puts them on the second).
        super().validate_password_for_user(user, password_field_name=_CHOSEN)


class PasskeyNameForm(forms.Form):
    """The name of a passkey being added (the ceremony itself runs in the browser)."""

    name = forms.CharField(
        label="Name for this passkey",
        max_length=64,
        help_text="So you can tell your passkeys apart, for example “Work laptop” or “My phone”.",
        error_messages={"required": "Give the passkey a name, such as the device it is on."},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class EnrolPasswordForm(auth_forms.SetPasswordForm):  # type: ignore[type-arg]
    """Choosing one's own password from a set-up link: Django's form and the settings'
    validators, in Haven's words."""

    error_messages = {
        "password_mismatch": "The two passwords are not the same. Type your password in both boxes again.",
    }

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        new1, new2 = self.fields["new_password1"], self.fields["new_password2"]
        new1.label = "Choose a password"
        new1.help_text = (
            "At least 12 characters. Not a common password, not only numbers, not like your name or email "
            "address, and without “Haven” or your school's name in it. A few unrelated words together make a good one."
        )
        new1.error_messages["required"] = "Enter a password."
        new2.label = "The same password again"
        new2.help_text = ""
        new2.error_messages["required"] = "Type the password again."
        for field in (new1, new2):
            field.validators.append(MaxLengthValidator(256, message="A password can be at most 256 characters long."))
            field.widget.attrs.pop("autofocus", None)

    def validate_password_for_user(self, user: User, password_field_name: str = _CHOSEN) -> None:
        # The settings' validators judge the password chosen: their errors go on the field where
        # it is chosen, not on the one that repeats it (Django puts them on the second).
        super().validate_password_for_user(user, password_field_name=_CHOSEN)


class EnrolConfirmPasswordForm(forms.Form):
    """Replacing a lost second factor: the approved link and the person's own password, checked
    through ``authenticate`` so the sign-in lockout counts wrong guesses here too."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        max_length=256,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password."},
    )

    def __init__(self, user: User, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.request = request

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if authenticate(self.request, email=self.user.email, password=password) is None:
            raise forms.ValidationError("That is not your password. Check it and try again.")
        return password
