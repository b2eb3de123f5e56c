"""Encrypted, verified connections to the database and Redis in production (ASVS V12.3.1,
V12.3.2).

On one machine the database and Redis are reached over the loopback or a unix socket, which
never leave the machine. Anywhere else, a connection carries pupils' records and the
rate-limit salts across a network, so production refuses to start unless it is TLS with the
server's certificate checked: ``sslmode=verify-full`` (or ``verify-ca``) in ``DATABASE_URL``,
and ``rediss://`` for ``HAVEN_REDIS_URL`` (redis-py checks the certificate and host name of a
rediss:// URL by default; ``ssl_cert_reqs=none`` is refused).
"""

from __future__ import annotations

import ipaddress
import urllib.parse

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}
VERIFIED_SSLMODES = {"verify-full", "verify-ca"}


def _is_local(host: str) -> bool:
    """The loopback, or a unix socket (an empty host, or a path, as libpq takes it)."""
    host = urllib.parse.unquote(host or "").strip("[]").lower()
    if not host or host.startswith("/") or host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def database_url_problem(url: str) -> str | None:
    """Why ``DATABASE_URL`` may not be used in production, or None when it may."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qs(parts.query)
    # libpq also takes the host (a socket directory, say) from ?host=.
    hosts = [parts.hostname or "", *query.get("host", [])]
    if all(_is_local(h) for h in hosts):
        return None
    sslmode = (query.get("sslmode") or [""])[-1]
    if sslmode in VERIFIED_SSLMODES:
        return None
    remote = next(h for h in hosts if not _is_local(h))
    return (
        f"DATABASE_URL points at {remote}, another machine, so in production it must end "
        "?sslmode=verify-full (or verify-ca), so that the connection is encrypted and the server's "
        f"certificate checked; it says sslmode={sslmode or '(none)'}."
    )


def redis_url_problem(url: str) -> str | None:
    """Why ``HAVEN_REDIS_URL`` may not be used in production, or None when it may."""
    if not url or url.startswith("unix://"):
        return None
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "rediss":
        reqs = (urllib.parse.parse_qs(parts.query).get("ssl_cert_reqs") or ["required"])[-1].lower()
        if reqs in {"none", "optional"}:
            return f"HAVEN_REDIS_URL must check the server's certificate: remove ssl_cert_reqs={reqs}."
        return None
    if _is_local(parts.hostname or ""):
        return None
    return (
        f"HAVEN_REDIS_URL points at {parts.hostname}, another machine, so in production it must start "
        "rediss:// (Redis over TLS, the server's certificate checked)."
    )


def service_identity_problems(database_url: str, redis_url: str) -> list[str]:
    """Where Haven authenticates to its data layers with an unchanging password rather than
    an identity (ASVS V13.2.1): the database should be reached by peer authentication over
    its unix socket (the operating system vouches for the ``haven`` user) or with a client
    certificate (``sslcert``/``sslkey``), and Redis over its unix socket or with a client
    certificate. ``manage.py check --deploy`` warns of each (docs/deploy.md, section 10)."""
    problems = []
    if database_url and urllib.parse.urlsplit(database_url).password:
        problems.append(
            "DATABASE_URL carries a password: connect as the haven user by peer authentication over the unix "
            "socket (postgres://haven@%2Frun%2Fpostgresql/haven) or with a client certificate (sslcert, sslkey)"
        )
    if redis_url and urllib.parse.urlsplit(redis_url).password:
        problems.append(
            "HAVEN_REDIS_URL carries a password: reach Redis over its unix socket (unix:///run/redis/redis.sock) "
            "with the haven user in its group, or with a client certificate"
        )
    return problems
