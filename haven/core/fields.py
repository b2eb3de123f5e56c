"""Typed access to a model's own fields by name, and model fields every app may use."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.db import models

from . import clock


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
