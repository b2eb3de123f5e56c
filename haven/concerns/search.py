"""Full-text search over what staff wrote: the narrative, the child's words, the actions
taken and every amendment. PostgreSQL uses an English text-search index (stemming:
"pushed" finds "pushing"); the embedded SQLite database uses FTS5 with the Porter stemmer.
Both are kept by the database itself (migration 0003), so no code path can forget them.
"""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

_WORD = re.compile(r"[\w']+", re.UNICODE)
MAX_TERMS = 8


def _terms(text: str) -> list[str]:
    return [t.strip("'") for t in _WORD.findall(text or "") if t.strip("'")][:MAX_TERMS]


_POSTGRES = (
    "SELECT id FROM concerns_concern WHERE to_tsvector('english', what_happened || ' ' || child_words"
    " || ' ' || actions_taken) @@ to_tsquery('english', %s)"
    " UNION SELECT concern_id FROM concerns_amendment WHERE to_tsvector('english', text) @@ to_tsquery('english', %s)"
)
_SQLITE = "SELECT concern_id FROM concern_fts WHERE concern_fts MATCH %s"


def concern_text_matches(text: str) -> Q:
    """A filter for concerns where every word typed (or a word it begins) appears in the
    concern or one of its amendments. The SQL is fixed; the words are parameters, and each
    is reduced to letters and digits (PostgreSQL) or quoted (FTS5), so no search operator
    can be injected."""
    q = Q()
    for term in _terms(text):
        if connection.vendor == "postgresql":
            word = re.sub(r"[^\w]", "", term)
            if word:
                q &= Q(pk__in=RawSQL(_POSTGRES, [f"{word}:*", f"{word}:*"]))  # noqa: S611 - fixed SQL, parameters only
        else:
            quoted = '"' + term.replace('"', '""') + '"*'
            q &= Q(pk__in=RawSQL(_SQLITE, [quoted]))  # noqa: S611 - fixed SQL, parameters only
    return q
