"""Validators for organisation identifiers."""

from django.core.exceptions import ValidationError


def validate_urn(value: str) -> None:
    """A school's Unique Reference Number (URN): exactly six digits, as GIAS issues them."""
    if not (isinstance(value, str) and len(value) == 6 and value.isascii() and value.isdigit()):
        raise ValidationError("A URN is six digits, for example 123456.", code="invalid_urn")
