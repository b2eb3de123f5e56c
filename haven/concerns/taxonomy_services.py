"""An authority's own categories of concern (DESIGN §3 rule 11: categories are versioned
with valid-from and valid-to; the national list comes with Haven and is read-only here)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.text import slugify

from haven.audit.context import COMMAND, AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.core.errors import ApplicationError
from haven.organisations.models import Authority

from .models import Category

if TYPE_CHECKING:
    from haven.accounts.models import User

FLAGS = ("sexual", "police_starting_point", "nudes_images", "criminal_exploitation")


@transaction.atomic
def category_add(
    *,
    by: User,
    authority: Authority,
    name: str,
    parent: Category | None,
    valid_from: dt.date,
    flags: dict[str, bool],
    description: str = "",
    ctx: AuditContext = COMMAND,
) -> Category:
    """Add a category for the authority's schools, in use from ``valid_from``."""
    name = (name or "").strip()[:200]
    if not name:
        raise ApplicationError("Enter a name.", field="name")
    if parent is not None and (parent.parent_id is not None or parent.authority_id not in (None, authority.pk)):
        raise ApplicationError("Choose a top-level category as the group.", field="parent")
    code = slugify(name)[:50] or "category"
    if Category.objects.filter(authority=authority, code=code, valid_to__isnull=True).exists():
        raise ApplicationError("Your authority already has a category with this name in use.", field="name")
    category = Category(
        authority=authority,
        code=code,
        name=name,
        parent=parent,
        valid_from=valid_from,
        description=(description or "").strip(),
        position=(parent.position if parent else 900) + 5,
        **{f: bool(flags.get(f)) for f in FLAGS},
    )
    category.full_clean()
    category.save()
    audit_record(
        Event.CATEGORY_ADDED,
        ctx=ctx,
        actor=by,
        obj=category,
        authority=authority,
        extra={"name": name, "valid_from": valid_from.isoformat()},
    )
    return category


@transaction.atomic
def category_retire(*, by: User, category: Category, valid_to: dt.date, ctx: AuditContext = COMMAND) -> Category:
    """Stop offering a category from ``valid_to``; concerns already recorded keep it."""
    if category.authority_id is None:
        raise ApplicationError("National categories change with Haven releases, not here.")
    if category.valid_to is not None:
        raise ApplicationError("This category is already retired.")
    if valid_to <= category.valid_from:
        raise ApplicationError("The end date must be after the date it came into use.", field="valid_to")
    category.valid_to = valid_to
    category.save(update_fields=["valid_to"])
    audit_record(
        Event.CATEGORY_RETIRED,
        ctx=ctx,
        actor=by,
        obj=category,
        authority=category.authority_id,
        changes={"valid_to": (None, valid_to.isoformat())},
        extra={"valid_to": valid_to.isoformat()},
    )
    return category
