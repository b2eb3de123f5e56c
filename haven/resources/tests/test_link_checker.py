"""The link checker task, against an HTTP server started here on the loopback (no internet)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from haven.resources.models import Resource
from haven.resources.tasks import check_resource_link, check_resource_links

pytestmark = pytest.mark.django_db


class Handler(BaseHTTPRequestHandler):
    def _answer(self, with_body: bool) -> None:
        if self.path == "/ok":
            status = 200
        elif self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/ok")
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
    settings.HAVEN_LINK_CHECK_PRIVATE_OK = True  # this server is on the loopback
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
def test_links_into_private_networks_are_not_opened(link, url):
    resource = link(url)
    assert check_resource_link.enqueue(resource.pk).return_value == "broken"
    resource.refresh_from_db()
    assert resource.link_detail == "Not checked: the link points inside a private network"


def test_a_redirect_into_a_private_network_is_not_followed(link, server, settings, monkeypatch):
    """The public site (here: the test server, allowed) redirects to the loopback, which is not."""
    from haven.resources import tasks

    checked = []

    def refuse_redirect_targets(url: str) -> None:
        checked.append(url)
        if len(checked) > 1:  # the first is the link itself, the next the redirect's target
            raise tasks.PrivateAddress("the link points inside a private network")

    monkeypatch.setattr(tasks, "_refuse_private", refuse_redirect_targets)
    resource = link(server + "/moved")
    assert check_resource_link.enqueue(resource.pk).return_value == "broken"
    resource.refresh_from_db()
    assert resource.link_detail == "Not checked: the link points inside a private network"
    assert checked[-1].endswith("/ok")
