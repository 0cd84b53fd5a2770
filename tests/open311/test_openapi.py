"""The Open311 part of the OpenAPI description: a valid document, a path for every route (and no path without one),
and real answers, errors included, matching the schemas and status codes it declares."""
from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from app.open311.openapi import COMPONENTS, PATHS
from tests.open311.conftest import filing, public_appeal


def document() -> dict:
    return {"openapi": "3.1.0", "info": {"title": "Open311", "version": "1"}, "paths": PATHS,
            "components": COMPONENTS}


def schema_of(name: str) -> Draft202012Validator:
    """A validator for the component ``name``, its references resolved within the document."""
    return Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": COMPONENTS})


def test_the_description_is_valid_openapi_with_prefixed_names():
    validate(document())
    assert all(name.startswith("Open311") for part in COMPONENTS.values() for name in part)


def test_every_open311_route_is_described_and_nothing_else(app):
    routed = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/open311/"):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
            routed.setdefault(path, set()).update(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    described = {path: {m for m in item if m in ("get", "post")} for path, item in PATHS.items()}
    assert routed == described


def _declared(path: str, method: str) -> dict:
    return PATHS[path][method]["responses"]


CASES = [
    ("/open311/v2/discovery.{format}", "/open311/v2/discovery.json", "Open311Discovery"),
    ("/open311/v2/services.{format}", "/open311/v2/services.json?locale=ru", "Open311Services"),
    ("/open311/v2/services/{service_code}.{format}", "/open311/v2/services/roads.json", "Open311ServiceDefinition"),
    ("/open311/v2/requests.{format}", "/open311/v2/requests.json", "Open311ServiceRequests"),
    ("/open311/v2/requests/{service_request_id}.{format}", "/open311/v2/requests/{number}.json",
     "Open311ServiceRequests"),
]


@pytest.mark.parametrize("path, url, schema", CASES, ids=[c[0] for c in CASES])
def test_answers_match_their_declared_schema(app, client, world, path, url, schema):
    with app.app_context():
        number = public_appeal(world.resident, world.gnc, location_lat=40.5, location_lon=46.1)
    answer = client.get(url.format(number=number))
    assert str(answer.status_code) in _declared(path, "get")
    errors = list(schema_of(schema).iter_errors(answer.json))
    assert not errors, errors[0].message
    assert "application/xml" in _declared(path, "get")["200"]["content"]


ERRORS = [
    ("get", "/open311/v2/services/{service_code}.{format}", "/open311/v2/services/nothing.json", 404),
    ("get", "/open311/v2/requests.{format}", "/open311/v2/requests.json?start_date=soon", 400),
    ("get", "/open311/v2/requests.{format}", "/open311/v2/requests.json?locale=xx", 400),
    ("get", "/open311/v2/requests/{service_request_id}.{format}", "/open311/v2/requests/GNC-1.json", 404),
    ("get", "/open311/v2/tokens/{token}.{format}", "/open311/v2/tokens/none.json", 404),
    ("get", "/open311/v2/services.{format}", "/open311/v2/services.yaml", 404),
    ("post", "/open311/v2/requests.{format}", "/open311/v2/requests.json", 403),
]


@pytest.mark.parametrize("method, path, url, status", ERRORS, ids=[f"{e[2]} {e[3]}" for e in ERRORS])
def test_errors_are_declared_and_match_the_error_schema(client, world, method, path, url, status):
    answer = client.open(url, method=method.upper(), data={} if method == "post" else None)
    assert answer.status_code == status and str(status) in _declared(path, method)
    assert not list(schema_of("Open311Errors").iter_errors(answer.json))


def test_a_filing_and_its_token_match_their_schemas(client, world):
    filed = client.post("/open311/v2/requests.json", data={**filing(), "api_key": world.key})
    assert str(filed.status_code) in _declared("/open311/v2/requests.{format}", "post")
    assert not list(schema_of("Open311FiledList").iter_errors(filed.json))
    token = client.get(f"/open311/v2/tokens/{filed.json[0]['token']}.json")
    assert not list(schema_of("Open311TokenAnswers").iter_errors(token.json))
    refused = client.post("/open311/v2/requests.json", data={**filing(lat="x"), "api_key": world.key})
    assert refused.status_code == 400 and not list(schema_of("Open311Errors").iter_errors(refused.json))
