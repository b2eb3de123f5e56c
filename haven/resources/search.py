"""Full-text search and "similar case studies" over the case-study bank.

PostgreSQL ranks with ``ts_rank`` over an English ``tsvector`` (stemmed: "returned" finds
"return"); the embedded SQLite database ranks with FTS5's ``bm25`` over a Porter-stemmed
index (migration 0002). The SQL is fixed; the words are parameters, each reduced to letters
and digits, so no search operator can be injected. Candidates are limited in the same query
to the case studies the user may read (a subquery from haven.access), so ranking never looks
at, or leaks the existence of, anything else.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

# ruff: noqa: S608 - the SQL is built from constants and Django's own compiled subquery; words are parameters

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
MAX_TERMS = 8
SIMILAR_TERMS = 16
# Words too common in case studies to say what one is about.
_STOP = frozenset(
    [
        "a",
        "about",
        "after",
        "again",
        "all",
        "also",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "done",
        "during",
        "each",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "just",
        "made",
        "more",
        "most",
        "not",
        "now",
        "of",
        "on",
        "once",
        "one",
        "only",
        "or",
        "other",
        "our",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "school",
        "pupil",
        "pupils",
        "child",
        "children",
        "staff",
        "year",
        "students",
        "student",
        "dsl",
    ]
)
_BODY = (
    "title || ' ' || context || ' ' || what_happened || ' ' || school_response || ' ' || what_worked || ' ' || "
    "outcome || ' ' || differently"
)


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text or "")]


def text_matches(text: str) -> Q:
    """Case studies containing every word typed (or a word it begins)."""
    q = Q()
    for word in _words(text)[:MAX_TERMS]:
        if connection.vendor == "postgresql":
            sql = (
                f"SELECT id FROM resources_casestudy WHERE to_tsvector('english', {_BODY}) @@ to_tsquery('english', %s)"
            )
            q &= Q(pk__in=RawSQL(sql, [f"{word}:*"]))  # noqa: S611 - fixed SQL, parameters only
        else:
            sql = "SELECT case_study_id FROM case_study_fts WHERE case_study_fts MATCH %s"
            q &= Q(pk__in=RawSQL(sql, [f'"{word}"*']))  # noqa: S611 - fixed SQL, parameters only
    return q


def key_terms(text: str, limit: int = SIMILAR_TERMS) -> list[str]:
    """The words that say most about a text: its most frequent words that are not common ones."""
    counts = Counter(w for w in _words(text) if len(w) > 2 and w not in _STOP and not w.isdigit())
    return [w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


def ranked_ids(*, terms: list[str], among: QuerySet[Any], exclude: int | None = None, limit: int = 5) -> list[int]:
    """Ids of the case studies in ``among`` best matching any of the terms, best first."""
    if not terms:
        return []
    among_sql, among_params = among.values("pk").query.sql_with_params()
    if connection.vendor == "postgresql":
        query = " | ".join(terms)
        sql = (
            f"SELECT id FROM resources_casestudy WHERE to_tsvector('english', {_BODY}) @@ to_tsquery('english', %s)"
            f" AND id IN ({among_sql}) AND id <> %s"
            f" ORDER BY ts_rank(to_tsvector('english', {_BODY}), to_tsquery('english', %s)) DESC, id LIMIT %s"
        )
        params: list[Any] = [query, *among_params, exclude or 0, query, limit]
    else:
        query = " OR ".join(f'"{t}"' for t in terms)
        sql = (
            "SELECT case_study_id FROM case_study_fts WHERE case_study_fts MATCH %s"
            f" AND case_study_id IN ({among_sql}) AND case_study_id <> %s"
            " ORDER BY bm25(case_study_fts), case_study_id LIMIT %s"
        )
        params = [query, *among_params, exclude or 0, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]
