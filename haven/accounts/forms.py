from __future__ import annotations

from django import forms


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
        return self.cleaned_data["token"].strip().replace(" ", "").lower()


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
