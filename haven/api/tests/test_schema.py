"""The OpenAPI 3 document at /api/schema/: public, valid, and describing every endpoint."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.urls import get_resolver
from drf_spectacular.validation import validate_schema

from haven.api import urls as api_urls


@pytest.fixture
def schema(client, db):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_public_and_valid_openapi_3(schema):
    """Public: it describes the interface, no school's data, and integrators need it before a token."""
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)  # drf-spectacular's bundled OpenAPI 3 JSON Schema, through jsonschema


def test_it_generates_without_a_single_warning():
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_it_also_comes_as_yaml(client, db):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert b"openapi: 3." in response.content


def test_every_endpoint_is_described(schema):
    documented = set(schema["paths"])
    routes = {
        "/api/"
        + str(p.pattern)
        .replace("<api_reference:reference>", "{reference}")
        .replace("<api_id:pupil_id>", "{pupil_id}")
        .replace("<api_id:plan_id>", "{plan_id}")
        for p in api_urls.urlpatterns
        if str(p.pattern).startswith("v1/") and p.name
    }
    assert routes == documented
    assert get_resolver()  # the project's URLs load with the API in them


def test_every_operation_describes_its_problems_and_auth(schema):
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            assert op.get("summary"), (path, method)
            assert {"401", "429"} <= set(op["responses"]), (path, method)
            for code, response in op["responses"].items():
                if code.startswith("4"):
                    assert list(response["content"]) == ["application/problem+json"], (path, method, code)
            assert {"bearerAuth": []} in op["security"], (path, method)
    schemes = schema["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert set(schema["components"]["schemas"]["Problem"]["required"]) >= {"type", "title", "status", "detail"}


def test_it_says_attachments_are_not_in_the_api(schema):
    create = schema["paths"]["/api/v1/concerns/"]["post"]
    assert "Attachments are not accepted by the API" in create["description"]
    assert "UKCIS" in json.dumps(create)


def test_request_bodies_are_closed_and_bounded(schema):
    """They refuse unknown fields, and the schema says so (as it does the need for a child)."""
    components = schema["components"]["schemas"]
    for name in ("ConcernCreateRequest", "ConcernChildInputRequest", "AmendmentCreateRequest"):
        assert components[name]["additionalProperties"] is False
    create = components["ConcernCreateRequest"]["properties"]
    assert create["children"]["minItems"] == create["categories"]["minItems"] == 1
