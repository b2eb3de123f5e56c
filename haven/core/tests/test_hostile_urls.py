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


# Python's str.isdigit() says yes to "²" and to digits of other scripts, which int() refuses;
# a number past the database's integer makes PostgreSQL fail. Filters and hidden fields that
# take an id read it with core.converters.parse_id and treat such values as no id at all.
ODD_IDS = ["²", "١٢", "9" * 30, "0", "-1"]


@pytest.mark.parametrize("value", ODD_IDS)
@pytest.mark.parametrize(
    ("user", "url", "param"),
    [
        ("dsl_a", "/cases/", "category"),
        ("dsl_a", "/pupils/", "school"),
        ("dsl_a", "/pupil-voice/", "school"),
        ("staff_a", "/concerns/pupil-search/", "school"),
        ("dsl_a", "/network/", "pyramid"),
        ("la_officer_a", "/enquiries/", "school"),
        ("la_officer_a", "/insights/", "school"),
    ],
)
def test_an_odd_id_in_a_filter_is_no_filter_not_an_error(client, world, user, url, param, value):
    sign_in(client, world.users[user])
    response = client.get(url, {param: value})
    assert response.status_code == 200, (url, value)


def test_a_term_written_in_other_digits_is_the_current_term(client, world):
    sign_in(client, world.users["la_officer_a"])
    assert client.get("/insights/report/", {"term": "²⁰²⁶-autumn"}).status_code == 200


@pytest.mark.parametrize("urn", ["12345²", "١٢٣٤٥٦"])
def test_a_urn_is_six_ascii_digits(urn):
    from django.core.exceptions import ValidationError

    from haven.organisations.validators import validate_urn

    with pytest.raises(ValidationError):
        validate_urn(urn)
