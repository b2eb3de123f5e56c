"""The link checker: a background task (django-tasks) that opens each resource's link and
records whether it works, so curators see broken links before schools do.

It is the one part of Haven that calls out to the internet, so it calls only where it may
(ASVS V13.2.4, V13.2.5, V1.3.6):

- only hosts on the allowlist ``HAVEN_LINK_CHECK_HOSTS`` (an entry allows itself and every
  host under it: ``gov.uk`` allows ``www.gov.uk``), a redirect's target included;
- only public addresses: the host is resolved, every address checked, and the connection made
  to the address that was checked, so a name that resolves to a public address for the check
  and a private one a moment later (DNS rebinding) gets nowhere;
- never through a proxy from the environment; with a 10-second timeout and at most 5
  redirects. It reads no page, only the status.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.error
import urllib.parse
import urllib.request
from http.client import HTTPMessage
from typing import IO, Any

from django.conf import settings
from django_tasks import task

from haven.core import clock

TIMEOUT_SECONDS = 10
USER_AGENT = "Haven resource bank link checker"


class NotChecked(ValueError):
    """A link the checker will not open; the message says why, for the curator."""


class PrivateAddress(NotChecked):
    """The link leads to an address inside a private network (ASVS 1.3.6: no server-side
    request forgery): the checker runs on Haven's server, beside its database."""


class HostNotAllowed(NotChecked):
    """The link's site is not on ``HAVEN_LINK_CHECK_HOSTS``."""


def host_allowed(host: str) -> bool:
    host = host.rstrip(".").lower()
    return any(host == entry or host.endswith("." + entry) for entry in settings.HAVEN_LINK_CHECK_HOSTS)


def _refuse_unlisted(url: str) -> None:
    host = urllib.parse.urlsplit(url).hostname or ""
    if not host_allowed(host):
        raise HostNotAllowed(
            f"{host or 'this site'} is not on the list of sites the link checker may open (HAVEN_LINK_CHECK_HOSTS)"
        )


def _public_address(host: str, port: int) -> tuple[Any, ...]:
    """Resolve ``host`` and return one address to connect to, having refused the name if any
    of its addresses is loopback, private, link-local or otherwise not public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise urllib.error.URLError(exc) from exc
    if not settings.HAVEN_LINK_CHECK_PRIVATE_OK:
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
            if not address.is_global:
                raise PrivateAddress("the link points inside a private network")
    return infos[0]


def _checked_connection(address: tuple[str, int], timeout: Any = None, source_address: Any = None) -> socket.socket:
    """http.client's socket.create_connection, to the address that was checked."""
    family, socktype, proto, _, sockaddr = _public_address(*address)
    sock = socket.socket(family, socktype, proto)
    try:
        if timeout is not None and timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:  # type: ignore[attr-defined]
            sock.settimeout(timeout)
        sock.connect(sockaddr)
    except BaseException:
        sock.close()
        raise
    return sock


class _HTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _checked_connection


class _HTTPSConnection(http.client.HTTPSConnection):
    # TLS is wrapped around the checked socket with the host's name: certificate and SNI as usual.
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _checked_connection


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_HTTPConnection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_HTTPSConnection, req)


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    max_redirections = 5

    def redirect_request(
        self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str, headers: HTTPMessage, newurl: str
    ) -> urllib.request.Request | None:
        _refuse_unlisted(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _open(url: str, method: str) -> int:
    _refuse_unlisted(url)
    request = urllib.request.Request(url, method=method, headers={"User-Agent": USER_AGENT})  # noqa: S310 - http(s) only, checked below
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), _HTTPHandler(), _HTTPSHandler(), _CheckedRedirects()
    )
    with opener.open(request, timeout=TIMEOUT_SECONDS) as response:
        status: int = response.status
        return status


def probe(url: str) -> tuple[bool, str]:
    """(works, what happened). HEAD first; servers that refuse HEAD are asked with GET."""
    if not url.lower().startswith(("http://", "https://")):
        return False, "Not a web link"
    try:
        try:
            status = _open(url, "HEAD")
        except urllib.error.HTTPError as exc:
            if exc.code not in (403, 405, 501):
                raise
            status = _open(url, "GET")
    except NotChecked as exc:
        return False, f"Not checked: {exc}"
    except urllib.error.HTTPError as exc:
        return False, f"The site answered {exc.code}"
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return False, f"Could not connect: {reason}"[:200]
    return 200 <= status < 400, f"The site answered {status}"


@task()
def check_resource_link(resource_id: int) -> str:
    """Check one resource's link and record the result on it."""
    from .models import Resource

    resource = Resource.objects.get(pk=resource_id)
    if not resource.url:
        return Resource.LinkStatus.UNCHECKED
    works, detail = probe(resource.url)
    status = Resource.LinkStatus.OK if works else Resource.LinkStatus.BROKEN
    # An update of these three fields only: a curator's edit in the meantime is kept.
    Resource.objects.filter(pk=resource_id).update(link_status=status, link_checked_at=clock.now(), link_detail=detail)
    return status


@task()
def check_resource_links() -> int:
    """Queue a check of every approved resource's link (run weekly by the worker's scheduler
    or ``manage.py check_resource_links``). Returns how many were queued."""
    from .models import Resource

    ids = list(Resource.objects.filter(status=Resource.Status.APPROVED).exclude(url="").values_list("pk", flat=True))
    for pk in ids:
        check_resource_link.enqueue(pk)
    return len(ids)
