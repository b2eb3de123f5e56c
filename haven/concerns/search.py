"""Full-text search over what staff wrote: the narrative, the child's words, the actions
taken and every amendment, which are encrypted at rest (haven.core.fieldcrypt).

The database cannot read them, so search goes through a blind index written at save time
(haven.core.blindindex): each word's Snowball English stem and its prefixes, as keyed
tokens with no words in them, one ``SearchEntry`` row per concern and per amendment.
PostgreSQL finds tokens with a GIN index on ``to_tsvector('simple', tokens)``, SQLite
with an FTS5 table that triggers keep from the same rows (migration 0007). "pushed" finds
"pushing" (same stem) and "bul" finds "bullying" (a prefix).

We chose an index written from the plain text at save time over a searchable encryption
scheme: it needs nothing beyond HMAC, keeps both databases' own full-text engines doing the
lookups (so search stays fast at a county's size), and its leak is small and stated (which
texts share a word). The services that save a concern or an amendment write its entry in
the same transaction; history loaded in bulk calls :func:`index_rows`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from haven.core import blindindex

from .models import Amendment, Concern, SearchEntry

MAX_TERMS = blindindex.MAX_TERMS

_POSTGRES = (
    "SELECT concern_id FROM concerns_searchentry WHERE to_tsvector('simple', tokens) @@ to_tsquery('simple', %s)"
)
_SQLITE = (
    "SELECT concern_id FROM concerns_searchentry WHERE id IN"
    " (SELECT rowid FROM concern_search_fts WHERE concern_search_fts MATCH %s)"
)


def concern_tokens(concern: Concern) -> str:
    return blindindex.document_tokens([concern.what_happened, concern.child_words, concern.actions_taken])


def index_concern(concern: Concern) -> None:
    SearchEntry.objects.create(concern=concern, tokens=concern_tokens(concern))


def index_amendment(amendment: Amendment) -> None:
    SearchEntry.objects.create(concern_id=amendment.concern_id, tokens=blindindex.document_tokens([amendment.text]))


def index_rows(rows: Iterable[tuple[int, str]], *, batch: int = 1000) -> int:
    """Writes entries for (concern id, plain text) pairs in batches; answers how many."""
    done = 0
    buffer: list[SearchEntry] = []
    for concern_id, text in rows:
        buffer.append(SearchEntry(concern_id=concern_id, tokens=blindindex.document_tokens([text])))
        if len(buffer) >= batch:
            SearchEntry.objects.bulk_create(buffer)
            done += len(buffer)
            buffer.clear()
    if buffer:
        SearchEntry.objects.bulk_create(buffer)
        done += len(buffer)
    return done


def _everything(batch: int) -> Iterator[tuple[int, str]]:
    fields = ("pk", "what_happened", "child_words", "actions_taken")
    for pk, what, words, actions in Concern.objects.order_by("pk").values_list(*fields).iterator(chunk_size=batch):
        yield pk, "\n".join((what, words, actions))
    yield from Amendment.objects.order_by("pk").values_list("concern_id", "text").iterator(batch)


def rebuild(*, batch: int = 1000) -> int:
    """The whole index written afresh under the current field key (after a key rotation,
    or a load that bypassed the services). Run inside a transaction."""
    SearchEntry.objects.all().delete()
    return index_rows(_everything(batch), batch=batch)


def concern_text_matches(text: str) -> Q:
    """A filter for concerns where every word typed (or a word it begins, or a word with the
    same stem) appears in the concern or one of its amendments. The SQL is fixed; the
    parameters are tokens of 16 letters a-p joined by the engine's "or", so no search
    operator can be injected."""
    q = Q()
    postgres = connection.vendor == "postgresql"
    for alternatives in blindindex.query_tokens(text):
        if not all(blindindex.TOKEN.match(t) for t in alternatives):
            raise ValueError("A search token is not 16 letters a-p")
        if postgres:
            q &= Q(pk__in=RawSQL(_POSTGRES, [" | ".join(alternatives)]))  # noqa: S611 - fixed SQL, parameters only
        else:
            q &= Q(pk__in=RawSQL(_SQLITE, [" OR ".join(alternatives)]))  # noqa: S611 - fixed SQL, parameters only
    return q
