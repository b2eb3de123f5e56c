"""``{% rows template macro arg ... %}``: a hot row loop, a macro of a Jinja2 template of the
``jinja2`` backend (haven/workspace/jinja2/, haven/workspace/jinja.py), printed into a Django
page. The macro's output is ``markupsafe.Markup``, every value in it escaped by Jinja2; Django
prints it as it is (``__html__``), so nothing is escaped twice and nothing is marked safe here.
Its escaped quotes are written as Django writes them (``haven.workspace.jinja.django_quotes``)."""

from __future__ import annotations

from typing import Any, cast

from django import template
from django.template import engines
from django.template.backends.jinja2 import Jinja2
from markupsafe import Markup

from haven.workspace.jinja import django_quotes

register = template.Library()


@register.simple_tag
def rows(template_name: str, macro: str, *args: Any) -> Markup:
    env = cast(Jinja2, engines["jinja2"]).env
    html: Markup = getattr(env.get_template(template_name).module, macro)(*args)
    return django_quotes(html)
