"""The link checker: a background task (django-tasks) that opens each resource's link and
records whether it works, so curators see broken links before schools do."""

from __future__ import annotations

import ipaddress
import socket
import urllib.error
import urllib.parse
import urllib.request
from http.client import HTTPMessage
from typing import IO

from django.conf import settings
from django_tasks import task

from haven.core import clock

TIMEOUT_SECONDS = 10
USER_AGENT = "Haven resource bank link checker"


class PrivateAddress(ValueError):
    """The link leads to an address inside a private network (ASVS 1.3.6: no server-side
    request forgery): the checker runs on Haven's server, beside its database."""


def _refuse_private(url: str) -> None:
    """Refuse a link whose host resolves to a loopback, private, link-local or otherwise
    non-public address. (A host that resolves differently a moment later is not caught;
    the checker only learns whether a page answers, and reads none of it.)"""
    if settings.HAVEN_LINK_CHECK_PRIVATE_OK:
        return
    parts = urllib.parse.urlsplit(url)
    try:
        infos = socket.getaddrinfo(parts.hostname or "", parts.port or 80, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise urllib.error.URLError(exc) from exc
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address.is_global:
            raise PrivateAddress("the link points inside a private network")


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    max_redirections = 5

    def redirect_request(
        self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str, headers: HTTPMessage, newurl: str
    ) -> urllib.request.Request | None:
        _refuse_private(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _open(url: str, method: str) -> int:
    _refuse_private(url)
    request = urllib.request.Request(url, method=method, headers={"User-Agent": USER_AGENT})  # noqa: S310 - http(s) only, checked below
    opener = urllib.request.build_opener(_CheckedRedirects())
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
    except PrivateAddress as exc:
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
