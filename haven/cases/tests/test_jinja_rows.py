"""The Jinja2 side of the hot row templates (haven/workspace/jinja.py): its ``linebreaks`` and its
escaping print exactly what Django's filter and escape print, once."""

from __future__ import annotations

import pytest
from django.template.defaultfilters import linebreaks_filter
from django.utils.html import escape
from markupsafe import Markup
from markupsafe import escape as markupsafe_escape

from haven.workspace.jinja import django_quotes, linebreaks

TEXTS = [
    "<script>alert(\"x\")</script> & 'quotes'",
    "one\r\ntwo\rthree\n\n\nfour\n\nfive\n",
    "\n\nleading & trailing\n\n",
    "already &#39;escaped&#34; &amp; &lt;b&gt; by whoever typed it",
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_linebreaks_prints_what_django_s_filter_prints(text):
    out = django_quotes(linebreaks(text))
    assert isinstance(out, Markup)
    assert str(out) == str(linebreaks_filter(text, autoescape=True))


@pytest.mark.parametrize("text", TEXTS)
def test_values_are_escaped_once_as_django_escapes_them(text):
    assert str(django_quotes(markupsafe_escape(text))) == str(escape(text))


def test_a_macro_s_values_are_escaped_once_in_the_page():
    from django.template import engines

    env = engines["jinja2"].env  # type: ignore[attr-defined]
    macro = env.from_string('{% macro m(v) %}<b title="{{ v }}">{{ v }}</b>{{ v|linebreaks }}{% endmacro %}').module.m
    hostile = "<script>alert(\"x\")</script> & 'q'\nline"
    html = engines["django"].from_string("{{ html }}").render({"html": django_quotes(macro(hostile))})
    once = escape(hostile)
    assert html == f'<b title="{once}">{once}</b><p>{escape(hostile.splitlines()[0])}<br>line</p>'
