"""Nothing Haven answers is kept by the browser: on a shared school computer a case must not
come back from the history after sign-out (issue 15)."""

from __future__ import annotations

from django.urls import reverse

from conftest import sign_in


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_case_pages_and_the_dashboard_are_not_stored(client, world, make_concern):
    from haven.cases.services import case_open

    case = case_open(by=world.users["dsl_a"], concern=make_concern(), title="In the corridor")
    sign_in(client, world.users["dsl_a"])
    for url in (
        reverse("cases:dashboard"),
        reverse("cases:detail", args=[case.reference]),
        reverse("cases:chronology", args=[case.reference]),
        reverse("records:pupil_detail", args=[world.pupils["a"].pk]),
        reverse("home:home"),
    ):
        r = client.get(url)
        assert r.status_code == 200, url
        assert _no_store(r), url


def test_api_json_is_not_stored(client, world):
    sign_in(client, world.users["dsl_a"])
    r = client.get("/api/v1/cases/")
    assert r.status_code == 200
    assert _no_store(r)


def test_the_sign_in_page_and_a_404_are_not_stored(client, world):
    assert _no_store(client.get("/"))
    assert _no_store(client.get("/no-such-page/"))
