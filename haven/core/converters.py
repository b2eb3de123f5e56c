"""URL converters: a value that cannot be a reference never reaches the database (a NUL
character in a path made PostgreSQL fail)."""

from __future__ import annotations

import re
from collections.abc import Callable


class ReferenceConverter:
    """C-140001-00042, K-140001-00007: letters, digits and hyphens only."""

    regex = r"[A-Za-z0-9-]{1,24}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


# No record id is larger than this (the largest integer JSON carries exactly). A larger one
# cannot be a record's, and would overflow a database integer: SQLite raises OverflowError,
# PostgreSQL an error of its own, where the answer should be "not found".
MAX_ID = 2**53
_ID_TEXT = re.compile(r"[0-9]{1,16}")


def parse_id(value: object) -> int | None:
    """A record id given as text (a form's hidden field, "#123" typed or chosen), or None
    when it cannot be one: not plain digits, zero, or over :data:`MAX_ID`. Whoever asks
    then answers as for a record that does not exist."""
    text = value.strip() if isinstance(value, str) else str(value) if isinstance(value, int) else ""
    if not _ID_TEXT.fullmatch(text):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


class IdConverter:
    """A record id, short enough to fit a database integer (a longer one would make
    PostgreSQL fail instead of answering 404): 15 digits are always within MAX_ID."""

    regex = r"[0-9]{1,15}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


def reference_urls(viewname: str) -> Callable[[str], str]:
    """``reverse(viewname, args=[reference])`` for many references (a chronology's concerns, a
    dashboard's rows): the URL is reversed once, and each reference, which the converter above
    prints as it is, is put in its place. A value the converter would refuse is reversed
    normally, so it fails as ``reverse`` does."""
    from django.urls import reverse

    placeholder = "REFERENCE0PLACEHOLDER"
    head, _, tail = reverse(viewname, args=[placeholder]).partition(placeholder)
    pattern = re.compile(ReferenceConverter.regex)

    def url(reference: str) -> str:
        if pattern.fullmatch(reference):
            return f"{head}{reference}{tail}"
        return reverse(viewname, args=[reference])

    return url
