"""A blind index: search over encrypted text (haven.core.fieldcrypt) without words in the database.

At save time each word of the plain text is normalised (Unicode NFKC, case-folded), then
reduced to its Snowball English stem ("pushing" and "pushed" both give "push") and to its
prefixes of 3 to 20 letters ("pus", "push", "pushi", ...). Each of these is turned into a
short keyed token: HMAC-SHA256 under a key derived from the field key (a separate purpose,
so the tokens say nothing about the encryption key), its first 8 bytes written as 16 letters
a-p. A document's tokens are stored once each, sorted, space-separated: no order, no count,
no word. A search word becomes the tokens of its stem and of itself as a prefix, and matches
a document holding either, which is what the stemmed prefix search of PostgreSQL's English
configuration did before ("pushed" finds "pushing"; "bul" finds "bullying").

What a stolen database still shows: which documents share a token (so how common a word or
prefix is), and the length of each text. Without the field key no token can be tried
against a guessed word. Tokens are letters only, so they can be given to a full-text engine
as they are and no search operator can be injected.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable

import snowballstemmer  # type: ignore[import-untyped]

from . import fieldcrypt

MIN_PREFIX = 3
MAX_PREFIX = 20
MAX_TERMS = 8
PURPOSE = "search index"
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")
TOKEN = re.compile(r"^[a-p]{16}$")
_local = threading.local()


def _stem(word: str) -> str:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:  # a Snowball stemmer keeps state between calls: one per thread
        stemmer = _local.stemmer = snowballstemmer.stemmer("english")
    return str(stemmer.stemWord(word))


def words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text or "").casefold())


def _token(key: bytes, term: str) -> str:
    return hmac.new(key, term.encode(), hashlib.sha256).digest()[:8].hex().translate(_LETTERS)


def _forms(word: str) -> set[str]:
    forms = {_stem(word)}
    forms.update(word[:n] for n in range(MIN_PREFIX, min(len(word), MAX_PREFIX) + 1))
    return forms


def document_tokens(texts: Iterable[str]) -> str:
    """The tokens stored for some texts: sorted, each once, space-separated."""
    key = fieldcrypt.purpose_key(PURPOSE)
    forms: set[str] = set()
    for text in texts:
        for word in words(text):
            forms |= _forms(word)
    return " ".join(sorted({_token(key, f) for f in forms}))


def query_tokens(text: str) -> list[list[str]]:
    """For each word typed (at most MAX_TERMS), the tokens any of which a document must hold:
    its stem, and the word itself as a prefix when it has 3 letters or more."""
    key = fieldcrypt.purpose_key(PURPOSE)
    out: list[list[str]] = []
    for word in words(text)[:MAX_TERMS]:
        alternatives = {_stem(word)}
        if len(word) >= MIN_PREFIX:
            alternatives.add(word[:MAX_PREFIX])
        out.append(sorted({_token(key, a) for a in alternatives}))
    return out


def stem_tokens(terms: Iterable[str]) -> list[str]:
    """The tokens of the stems of some words (for "similar" ranking: any may match)."""
    key = fieldcrypt.purpose_key(PURPOSE)
    return sorted({_token(key, _stem(w)) for term in terms for w in words(term)})


# Every index written with these tokens registers how to write itself afresh (each app's
# ready()), so a key rotation (manage.py rotate_field_key) rebuilds them all.
_REBUILDERS: dict[str, Callable[[int], int]] = {}


def on_rebuild(name: str, rebuild: Callable[[int], int]) -> None:
    _REBUILDERS[name] = rebuild


def rebuild_all(*, batch: int = 500) -> dict[str, int]:
    """Each registered index written afresh under the current key: name -> rows written."""
    return {name: rebuild(batch) for name, rebuild in sorted(_REBUILDERS.items())}
