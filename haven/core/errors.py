"""A domain refusal that views turn into a clear message and the API into a 4xx problem."""

from __future__ import annotations

from django import forms


class ApplicationError(Exception):
    """The user asked for something the rules do not allow; ``field`` names the form field."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code

    def add_to(self, form: forms.BaseForm) -> None:
        """Show the refusal on the form: under the field it names when the form has that
        field, otherwise at the top of the form."""
        form.add_error(self.field if self.field in getattr(form, "fields", {}) else None, self.message)
