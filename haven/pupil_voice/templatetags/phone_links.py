"""``{% for part in text|phone_parts %}``: a pupil's page's text cut where it gives a helpline,
so the template prints each number as one a phone can call (a ``tel:`` link); no HTML here."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django import template

register = template.Library()

# The numbers the pupils' pages give, as printed; each is dialled without its spaces.
_NUMBERS = re.compile(r"(?<![\d ])(999|0800 1111|0808 800 5000)(?!\d)")


@dataclass(frozen=True)
class Part:
    text: str
    tel: str = ""  # the number to dial, when this part is one


@register.filter
def phone_parts(text: str) -> list[Part]:
    parts: list[Part] = []
    at = 0
    for m in _NUMBERS.finditer(text):
        parts.append(Part(text[at : m.start()]))
        parts.append(Part(m.group(1), tel=m.group(1).replace(" ", "")))
        at = m.end()
    parts.append(Part(text[at:]))
    return [p for p in parts if p.text]
