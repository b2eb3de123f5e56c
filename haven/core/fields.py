"""Typed access to a model's own fields by name."""

from __future__ import annotations

from typing import Any, cast

from django.db import models


def model_field(model: type[models.Model] | models.Model, name: str) -> models.Field[Any, Any]:
    """``_meta.get_field(name)`` for a field the model declares itself. ``get_field`` may also
    answer a reverse relation, which has no label or column; these names never are one."""
    return cast("models.Field[Any, Any]", model._meta.get_field(name))


def pk_column(model: type[models.Model]) -> str:
    """The column of the primary key (every concrete model has one)."""
    pk = model._meta.pk
    assert pk is not None and pk.column is not None
    return pk.column
