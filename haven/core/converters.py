"""URL converters: a value that cannot be a reference never reaches the database (a NUL
character in a path made PostgreSQL fail)."""

from __future__ import annotations


class ReferenceConverter:
    """C-140001-00042, K-140001-00007: letters, digits and hyphens only."""

    regex = r"[A-Za-z0-9-]{1,24}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class IdConverter:
    """A record id, short enough to fit a database integer (a longer one would make
    PostgreSQL fail instead of answering 404)."""

    regex = r"[0-9]{1,15}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
