"""Typed access to a model's own fields by name, and model fields every app may use."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact

from . import clock, fieldcrypt


def model_field(model: type[models.Model] | models.Model, name: str) -> models.Field[Any, Any]:
    """``_meta.get_field(name)`` for a field the model declares itself. ``get_field`` may also
    answer a reverse relation, which has no label or column; these names never are one."""
    return cast("models.Field[Any, Any]", model._meta.get_field(name))


def pk_column(model: type[models.Model]) -> str:
    """The column of the primary key (every concrete model has one)."""
    pk = model._meta.pk
    assert pk is not None and pk.column is not None
    return pk.column


class ClockDateTimeField(models.DateTimeField):  # type: ignore[type-arg]  # generic only in the stubs
    """A date and time whose ``auto_now`` / ``auto_now_add`` come from :mod:`haven.core.clock`
    (Django's own take ``timezone.now``), so history written through the services is
    stamped at the moment it happened."""

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        if self.auto_now or (self.auto_now_add and add):
            value: dt.datetime = clock.now()
            setattr(model_instance, self.attname, value)
            return value
        return super().pre_save(model_instance, add)


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]  # generic only in the stubs
    """Text encrypted at rest under the field key (haven.core.fieldcrypt): the database holds
    ``hv1$<key id>$<nonce>$<ciphertext>``, bound to its table and column; the model holds the
    plain text. Empty stays empty.

    Ciphertext cannot be compared, so the only lookups are ``isnull`` and ``exact`` with the
    empty string; any other (``icontains``, ``startswith``, ``exact`` with words, ``in``)
    raises FieldError instead of silently matching nothing. Search goes through a blind index
    written at save time (haven.concerns.search)."""

    description = "Text encrypted at rest"

    def associated_data(self) -> str:
        return f"{self.model._meta.db_table}.{self.column}"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None:
            return None
        return fieldcrypt.decrypt(value, aad=self.associated_data())

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None:
            return None
        return fieldcrypt.encrypt(value, aad=self.associated_data())

    def _refuse(self, name: str) -> FieldError:
        return FieldError(
            f"{self.model.__name__}.{self.name} is encrypted at rest: the database cannot compare it "
            f"(__{name}). Only __isnull and the empty string can be asked; search through the blind index."
        )

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "exact":
            return _EmptyOnlyExact
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        raise self._refuse(lookup_name)

    def get_transform(self, lookup_name: str) -> Any:
        raise self._refuse(lookup_name)


class _EmptyOnlyExact(Exact):
    """``exact`` on an encrypted field: only ``""`` (stored as ``""``) can be compared."""

    def get_prep_lookup(self) -> Any:
        if self.rhs != "" or hasattr(self.rhs, "resolve_expression"):
            field = self.lhs.output_field
            raise FieldError(
                f"{field.model.__name__}.{field.name} is encrypted at rest: it can only be compared with the "
                "empty string."
            )
        return super().get_prep_lookup()
