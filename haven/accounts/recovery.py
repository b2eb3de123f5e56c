"""Recovery codes kept only as salted password hashes (ASVS V6.5.2).

A recovery code has 40 random bits (``xxxxx-xxxxx``, ten hex digits): too few for a plain
hash, which anyone holding a copy of the database could reverse by trying every code. Each is
stored as Argon2id with its own random salt, at OWASP's minimum cost (19 MiB, two passes, one
lane: some 25 ms here), so trying every code for one stored hash takes years of computing,
while making ten codes or checking one typed stays well under a second.

The parameters are Haven's own rather than the settings' password hashers: a password is
hashed once at a time, ten codes are hashed together, and the costly defaults would make
that seconds. Nothing else reads these hashes.
"""

from __future__ import annotations

import re

from django.contrib.auth.hashers import Argon2PasswordHasher


class RecoveryCodeHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19_456  # KiB
    parallelism = 1


_HASHER = RecoveryCodeHasher()
# What a typed recovery code is once spaces and hyphens are gone: Haven's are ten hex
# digits; older ones (django-otp's own) eight base32 letters. A six-digit app code is not one.
_SHAPE = re.compile(r"^[a-z0-9]{8,16}$")


def normalise(typed: str) -> str:
    return re.sub(r"[\s-]+", "", typed or "").lower()


def looks_like_a_code(typed: str) -> bool:
    return bool(_SHAPE.match(normalise(typed)))


def code_hash(code: str) -> str:
    """The stored form of a code: Argon2id, its own salt, of the code without spaces or hyphens."""
    return _HASHER.encode(normalise(code), _HASHER.salt())


def code_matches(typed: str, stored: str) -> bool:
    return _HASHER.verify(normalise(typed), stored)
