"""The link checker task, against an HTTP server started here on the loopback (no internet)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from haven.resources.models import Resource
from haven.resources.tasks import check_resource_link, check_resource_links

pytestmark = pytest.mark.django_db


class Handler(BaseHTTPRequestHandler):
    seen: list[str] = []  # every path asked for, by any test's server

    def _answer(self, with_body: bool) -> None:
        Handler.seen.append(self.path)
        port = self.headers.get("Host", "").rsplit(":", 1)[-1]
        if self.path == "/ok":
            status = 200
        elif self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/ok")
            self.end_headers()
            return
        elif self.path == "/elsewhere":  # a redirect to a site that is not on the list
            self.send_response(302)
            self.send_header("Location", f"http://localhost:{port}/ok")
            self.end_headers()
            return
        elif self.path == "/no-head" and self.command == "HEAD":
            status = 405
        elif self.path == "/no-head":
            status = 200
        else:
            status = 404
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        if with_body:
            self.wfile.write(b"ok")

    def do_HEAD(self) -> None:
        self._answer(False)

    def do_GET(self) -> None:
        self._answer(True)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server(settings):
    # This server is on the loopback: allowed by name, and private addresses allowed.
    settings.HAVEN_LINK_CHECK_HOSTS = ["127.0.0.1"]
    settings.HAVEN_LINK_CHECK_PRIVATE_OK = True
    Handler.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def link(approved):
    def _link(url: str) -> Resource:
        return approved(title=f"Link {url}", url=url)

    return _link


@pytest.mark.parametrize(
    ("path", "status", "detail"),
    [
        ("/ok", "ok", "The site answered 200"),
        ("/moved", "ok", "The site answered 200"),
        ("/no-head", "ok", "The site answered 200"),
        ("/gone", "broken", "The site answered 404"),
    ],
)
def test_it_records_whether_each_link_works(server, link, path, status, detail):
    resource = link(server + path)
    assert check_resource_link.enqueue(resource.pk).return_value == status
    resource.refresh_from_db()
    assert resource.link_status == status
    assert resource.link_detail == detail
    assert resource.link_checked_at is not None


def test_a_server_that_is_not_there_is_a_broken_link(link, server):
    resource = link("http://127.0.0.1:9/nothing-listens-here")
    check_resource_link.enqueue(resource.pk)
    resource.refresh_from_db()
    assert resource.link_status == "broken"
    assert resource.link_detail.startswith("Could not connect")


def test_the_sweep_checks_every_approved_link_and_curators_see_the_broken_ones(client, world, server, link, propose):
    from django.urls import reverse

    from conftest import sign_in

    good, bad = link(server + "/ok"), link(server + "/gone")
    waiting = propose(title="Still a proposal", url=server + "/gone")
    Resource.objects.exclude(pk__in=[good.pk, bad.pk, waiting.pk]).update(url="")  # no internet in tests
    assert check_resource_links.enqueue().return_value == 2
    assert Resource.objects.get(pk=good.pk).link_status == "ok"
    assert Resource.objects.get(pk=bad.pk).link_status == "broken"
    assert Resource.objects.get(pk=waiting.pk).link_status == "unchecked"
    sign_in(client, world.users["la_officer_a"])
    assert "Broken when checked" in client.get(reverse("resources:detail", args=[bad.pk])).text


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000/admin/", "http://10.1.2.3/", "http://169.254.169.254/latest/meta-data/", "http://[::1]/"],
)
def test_links_into_private_networks_are_not_opened_even_when_their_host_is_listed(link, url, settings):
    settings.HAVEN_LINK_CHECK_HOSTS = ["127.0.0.1", "10.1.2.3", "169.254.169.254", "::1"]
    resource = link(url)
    assert check_resource_link.enqueue(resource.pk).return_value == "broken"
    resource.refresh_from_db()
    assert resource.link_detail == "Not checked: the link points inside a private network"


def test_a_site_not_on_the_list_is_not_called(link, server, settings):
    """V13.2.4: the server is up and answers, but it is not on HAVEN_LINK_CHECK_HOSTS."""
    settings.HAVEN_LINK_CHECK_HOSTS = ["gov.uk"]
    resource = link(server + "/ok")
    assert check_resource_link.enqueue(resource.pk).return_value == "broken"
    resource.refresh_from_db()
    assert resource.link_detail == (
        "Not checked: 127.0.0.1 is not on the list of sites the link checker may open (HAVEN_LINK_CHECK_HOSTS)"
    )
    assert Handler.seen == [], "no request reached the server"


def test_a_listed_site_allows_the_hosts_under_it_and_no_others(settings):
    from haven.resources.tasks import host_allowed

    settings.HAVEN_LINK_CHECK_HOSTS = ["gov.uk", "nspcc.org.uk"]
    assert host_allowed("www.gov.uk") and host_allowed("assets.publishing.service.gov.uk")
    assert host_allowed("WWW.NSPCC.ORG.UK.") and host_allowed("gov.uk")
    assert not host_allowed("notgov.uk") and not host_allowed("gov.uk.evil.example") and not host_allowed("")


def test_the_default_list_covers_every_link_the_resource_bank_seeds():
    import urllib.parse

    from haven.resources.seed import LOCAL, NATIONAL
    from haven.resources.tasks import host_allowed

    hosts = {urllib.parse.urlsplit(seed.url).hostname or "" for seed in (*NATIONAL, *LOCAL) if seed.url}
    assert hosts and all(host_allowed(h) for h in hosts), sorted(h for h in hosts if not host_allowed(h))


def test_a_redirect_to_a_site_not_on_the_list_is_not_followed(link, server):
    resource = link(server + "/elsewhere")
    assert check_resource_link.enqueue(resource.pk).return_value == "broken"
    resource.refresh_from_db()
    assert resource.link_detail.startswith("Not checked: localhost is not on the list")
    assert Handler.seen == ["/elsewhere"], "the redirect's target was not asked"


def test_a_name_that_resolves_into_a_private_network_is_refused_after_resolution(link, server, settings, monkeypatch):
    """SSRF by DNS: the name is on the list, but it resolves to the loopback. The address is
    checked where the connection is made, so the server is never reached."""
    import socket

    settings.HAVEN_LINK_CHECK_HOSTS = ["links.example.org"]
    settings.HAVEN_LINK_CHECK_PRIVATE_OK = False
    port = int(server.rsplit(":", 1)[1])
    real = socket.getaddrinfo

    def resolve(host, *args, **kwargs):
        return real("127.0.0.1" if host == "links.example.org" else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    resource = link(f"http://links.example.org:{port}/ok")
    assert check_resource_link.enqueue(resource.pk).return_value == "broken"
    resource.refresh_from_db()
    assert resource.link_detail == "Not checked: the link points inside a private network"
    assert Handler.seen == []
