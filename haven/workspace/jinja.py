"""The Jinja2 environment of the hot row templates (haven/workspace/jinja2/), which
``{% rows %}`` (haven/workspace/templatetags/rows.py) prints into the Django pages.

The pages are Django templates. Only the loops that print many rows (the dashboard's triage,
open-case and overdue rows, the chronology's entries) are Jinja2 macros: Django's engine spends
some 0.65 ms per printed field across a 300-entry chronology, Jinja2's compiled Python a
fraction of that (bench/README.md). Autoescaping is on (settings.TEMPLATES), and a macro so
called returns ``markupsafe.Markup``, every value in it escaped once by Jinja2; Django prints it
as it is (``__html__``).

markupsafe escapes as Django does but for the quotes: ``&#34;`` and ``&#39;`` where Django
prints ``&quot;`` and ``&#x27;``. ``django_quotes`` writes them as Django does, over the whole
fragment at once, so the pages stay byte-identical to the Django loops they replace. Only an
escaped quote can print either entity: a value's own ``&`` is escaped to ``&amp;``, and the
templates' text has neither.
"""

from __future__ import annotations

import re
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from haven.workspace.templatetags.dashboard import day, day_time, urls_for

_NEWLINES = re.compile(r"\r\n|\r")
_PARAGRAPHS = re.compile("\n{2,}")
_BR = Markup("<br>")
_P = Markup("<p>%s</p>")
_BETWEEN = Markup("\n\n")
_QUOTES = ((Markup("&#34;"), Markup("&quot;")), (Markup("&#39;"), Markup("&#x27;")))


def django_quotes(html: Markup) -> Markup:
    """Escaped quotes as django.utils.html.escape prints them (see above)."""
    for markupsafe_entity, django_entity in _QUOTES:
        html = html.replace(markupsafe_entity, django_entity)
    return html


def linebreaks(value: Any) -> Markup:
    """Django's ``linebreaks`` filter with autoescaping (django.utils.html.linebreaks): newlines
    normalised, a paragraph for each run of blank lines, ``<br>`` for each other newline, each
    line escaped once (by ``Markup.join``). A record's text is plain text: always escaped."""
    paragraphs = _PARAGRAPHS.split(_NEWLINES.sub("\n", str(value)))
    return _BETWEEN.join(_P % _BR.join(p.split("\n")) for p in paragraphs)


def environment(**options: Any) -> Environment:
    """The Jinja2 environment of the hot row templates: autoescaping always on, whatever the
    settings say (a record's text is never trusted as HTML)."""
    options.pop("autoescape", None)
    env = Environment(autoescape=True, **options)
    env.filters.update(linebreaks=linebreaks, day=day, day_time=day_time)
    env.globals.update(urls_for=urls_for)
    return env
