"""Filters for the DSL dashboard's rows (cases/dashboard.html). The rows themselves are
template loops; these give them plain text, autoescaped by the template as any other value:

- ``reference_url``: a concern's or case's address, as ``{% url view reference %}`` gives it,
  with the URL reversed once per view name (``haven.core.converters.reference_urls``) rather
  than once per row.
- ``day`` and ``day_time``: the ``date`` filter's "j M Y" and "j M Y, H:i" in UK time, without
  its format parsing for each of the page's hundred dates.

None of them returns HTML."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf
from django.utils import timezone
from django.utils.dates import MONTHS_3

from haven.core.converters import reference_urls

register = template.Library()

_MONTHS = [""] + [str(MONTHS_3[m]).title() for m in range(1, 13)]


@lru_cache(maxsize=64)
def _urls(viewname: str, urlconf: str, prefix: str) -> Callable[[str], str]:
    return reference_urls(viewname)


@receiver(setting_changed)
def _forget_urls(*, setting: str, **kwargs: object) -> None:
    if setting == "ROOT_URLCONF":
        _urls.cache_clear()


def urls_for(viewname: str) -> Callable[[str], str]:
    """``{% url viewname reference %}`` as a function of the reference, reversed once (the URL
    conf and script prefix in force are part of the cache's key, so a test's own URLs or a
    sub-path deployment are respected). The Jinja2 row templates call it once per loop."""
    return _urls(viewname, str(get_urlconf() or settings.ROOT_URLCONF), get_script_prefix())


@register.filter
def reference_url(reference: str, viewname: str) -> str:
    """``{% url viewname reference %}`` for a reference (see ``urls_for``)."""
    return urls_for(viewname)(str(reference))


@register.filter
def day(value: dt.date | dt.datetime | None) -> str:
    """The date filter's "j M Y" (a time in UK time)."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value)
    return f"{value.day} {_MONTHS[value.month]} {value.year:04d}"


@register.filter
def day_time(value: dt.datetime | None) -> str:
    """The date filter's "j M Y, H:i", in UK time."""
    if not value:
        return ""
    at = timezone.localtime(value)
    return f"{at.day} {_MONTHS[at.month]} {at.year:04d}, {at.hour:02d}:{at.minute:02d}"
