"""The chronology page's entries, printed in Python: a 300-entry chronology through the template
engine's loop costs some 3,700 variable lookups and escapes (bench/README.md)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape as _escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from haven.core.chronology import Entry

register = template.Library()

_NEWLINES = re.compile(r"\r\n|\r")
_PARAGRAPHS = re.compile("\n{2,}")


def escape(value: str) -> str:
    """django.utils.html.escape without its lazy-string wrapper and SafeString (the same text:
    it is the standard library's ``html.escape``); a 300-entry page calls it some 2,000 times."""
    return _escape(str(value))


def linebreaks(value: str) -> str:
    """django.utils.html.linebreaks(value, autoescape=True), the same output, without the
    wrappers (normalize_newlines, keep_lazy) it goes through for each paragraph."""
    paragraphs = _PARAGRAPHS.split(_NEWLINES.sub("\n", str(value)))
    return "\n\n".join("<p>%s</p>" % _escape(p).replace("\n", "<br>") for p in paragraphs)  # noqa: UP031


@register.filter(is_safe=True)
def chronology_items(entries: Sequence[Entry]) -> SafeString:
    """The <li> of each entry, exactly as this loop printed them (autoescaped):

    {% for e in entries %}
      <li class="chronology-entry chronology-{{ e.kind }}">
        <p class="chronology-when"><time datetime="{{ e.iso }}">{{ e.when }}</time>{% if e.recorded_when %}
        <span class="hint">(recorded {{ e.recorded_when }})</span>{% endif %}{% if e.case %} <span class="hint">case
        {{ e.case }}</span>{% endif %}</p>
        <p><strong>{% if e.link %}<a href="{{ e.link }}">{{ e.title }}</a>{% else %}{{ e.title }}{% endif %}</strong>
        {% if e.by %} <span class="hint">by {{ e.by }}</span>{% endif %}</p>
        {% if e.text %}<div>{{ e.text|linebreaks }}</div>{% endif %}
      </li>
    {% empty %}
      <li>Nothing to show.</li>
    {% endfor %}

    (the lines of the <p> tags are one line each in the output).
    """
    if not entries:
        return mark_safe("\n  <li>Nothing to show.</li>\n")
    out: list[str] = []
    for e in entries:
        title = escape(e.title)
        out.append(
            f'\n  <li class="chronology-entry chronology-{escape(e.kind)}">\n'
            f'    <p class="chronology-when"><time datetime="{escape(e.iso)}">{escape(e.when)}</time>'
            + (f' <span class="hint">(recorded {escape(e.recorded_when)})</span>' if e.recorded_when else "")
            + (f' <span class="hint">case {escape(e.case)}</span>' if e.case else "")
            + "</p>\n    <p><strong>"
            + (f'<a href="{escape(e.link)}">{title}</a>' if e.link else title)
            + "</strong>"
            + (f' <span class="hint">by {escape(e.by)}</span>' if e.by else "")
            + "</p>\n    "
            + (f"<div>{linebreaks(e.text)}</div>" if e.text else "")
            + "\n  </li>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 (every value escaped above)
