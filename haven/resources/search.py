"""Full-text search and "similar case studies" over the case-study bank.

The narrative fields are encrypted at rest (haven.core.fieldcrypt), so both run over the
blind index each save writes into ``search_tokens`` (haven.core.blindindex: keyed tokens of
stems and prefixes, no words): PostgreSQL ranks with ``ts_rank`` over
``to_tsvector('simple', search_tokens)``, the embedded SQLite database with FTS5's ``bm25``
over a table triggers keep from that column (migration 0006). Each token is kept once, so
ranking counts the distinct words shared, not how often they recur. The SQL is fixed; the
parameters are tokens of 16 letters a-p, so no search operator can be injected. Candidates
are limited in the same query to the case studies the user may read (a subquery from
haven.access), so ranking never looks at, or leaks the existence of, anything else.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from haven.core import blindindex

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


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text or "")]


def _tokens_ok(tokens: list[str]) -> list[str]:
    if not all(blindindex.TOKEN.match(t) for t in tokens):
        raise ValueError("A search token is not 16 letters a-p")
    return tokens


def text_matches(text: str) -> Q:
    """Case studies containing every word typed (or a word it begins, or one of its stem)."""
    q = Q()
    for alternatives in blindindex.query_tokens(text):
        if connection.vendor == "postgresql":
            sql = (
                "SELECT id FROM resources_casestudy"
                " WHERE to_tsvector('simple', search_tokens) @@ to_tsquery('simple', %s)"
            )
            q &= Q(pk__in=RawSQL(sql, [" | ".join(_tokens_ok(alternatives))]))  # noqa: S611 - fixed SQL, parameters only
        else:
            sql = "SELECT rowid FROM case_study_search_fts WHERE case_study_search_fts MATCH %s"
            q &= Q(pk__in=RawSQL(sql, [" OR ".join(_tokens_ok(alternatives))]))  # noqa: S611 - fixed SQL, parameters only
    return q


def rebuild(*, batch: int = 200) -> int:
    """Every case study's ``search_tokens`` written afresh under the current field key (after
    a key rotation); ``updated_at`` is left alone, as nothing a person wrote changed."""
    from .models import CaseStudy

    done = 0
    for study in CaseStudy.objects.order_by("pk").iterator(batch):
        tokens = blindindex.document_tokens(getattr(study, f) for f in CaseStudy.TEXT_FIELDS)
        done += CaseStudy.objects.filter(pk=study.pk).update(search_tokens=tokens)
    return done


def key_terms(text: str, limit: int = SIMILAR_TERMS) -> list[str]:
    """The words that say most about a text: its most frequent words that are not common ones."""
    counts = Counter(w for w in _words(text) if len(w) > 2 and w not in _STOP and not w.isdigit())
    return [w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


def ranked_ids(*, terms: list[str], among: QuerySet[Any], exclude: int | None = None, limit: int = 5) -> list[int]:
    """Ids of the case studies in ``among`` best matching any of the terms, best first."""
    if not terms:
        return []
    among_sql, among_params = among.values("pk").query.sql_with_params()
    tokens = _tokens_ok(blindindex.stem_tokens(terms))
    if connection.vendor == "postgresql":
        query = " | ".join(tokens)
        sql = (
            "SELECT id FROM resources_casestudy"
            " WHERE to_tsvector('simple', search_tokens) @@ to_tsquery('simple', %s)"
            f" AND id IN ({among_sql}) AND id <> %s"
            " ORDER BY ts_rank(to_tsvector('simple', search_tokens), to_tsquery('simple', %s)) DESC, id LIMIT %s"
        )
        params: list[Any] = [query, *among_params, exclude or 0, query, limit]
    else:
        query = " OR ".join(tokens)
        sql = (
            "SELECT rowid FROM case_study_search_fts WHERE case_study_search_fts MATCH %s"
            f" AND rowid IN ({among_sql}) AND rowid <> %s"
            " ORDER BY bm25(case_study_search_fts), rowid LIMIT %s"
        )
        params = [query, *among_params, exclude or 0, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]
