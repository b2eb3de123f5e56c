"""Odd values in URLs answer 404, never a database error (a NUL once made PostgreSQL fail)."""

import pytest

from conftest import sign_in


@pytest.mark.parametrize(
    "url",
    [
        "/concerns/%00/",
        "/cases/%00/",
        "/cases/triage/C-1%00/",
        "/cases/" + "K" * 200 + "/",
        "/pupils/99999999999999999999999/",
        "/pupils/99999999999999999999999/chronology/",
        "/schools/99999999999999999999999/roster/",
        "/tell/%00/",
        "/tell/%00/survey/",
        "/tell/%00/about/help/",
        "/pupil-voice/surveys/99999999999999999999999/",
        "/pupil-voice/surveys/99999999999999999999999.csv",
    ],
)
def test_it_answers_404(client, world, url):
    sign_in(client, world.users["dsl_a"])
    assert client.get(url).status_code == 404
