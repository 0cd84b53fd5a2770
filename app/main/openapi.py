"""The portal's one OpenAPI 3.1 description of its machine endpoints, served at ``/api/openapi.json``.

Each area that has machine endpoints describes them in its own ``openapi`` module: ``PATHS`` (OpenAPI path items)
and ``COMPONENTS`` (``{"schemas": …, "parameters": …}``, names prefixed with the area's, such as ``OpenData…`` or
``Open311…``), and optionally ``TAGS``. ``build`` merges those of every area in ``app.AREAS`` that has one (an area
not yet registered there has no routes, so it is not described either), with the information, the server
(``PUBLIC_URL``) and the tags. The areas' modules are found by name, as ``app/accounts/mydata.py`` finds the
sections of a resident's data: the description does not know the areas in advance.

What is described: every route under ``/api/`` and ``/open311/`` (a test checks both ways that the description and
the URL map agree), and the health checks, which answer JSON to load balancers and orchestrators. What is not:
the HTML pages; ``/metrics`` (Prometheus' text format, for the operators' machines only, a 404 to anyone else);
the Atom feeds, the calendar files and the sitemap, whose formats have standards of their own.

The description is written in English, like the field names it documents; the error messages of the endpoints
follow the request's language. It is built once per process and application (``description``) and kept in
``app.extensions``: it changes only with the code and ``PUBLIC_URL``.
"""
from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec
from typing import Any

from flask import Flask

VERSION = "1.0.0"
_EXTENSION = "openapi_description"

TAG = "Service health"
TAGS = [
    {"name": TAG, "description": "Whether the portal is up and can serve: for load balancers and orchestrators."},
    {"name": "API description", "description": "This description."},
]

COMPONENTS: dict[str, dict] = {"schemas": {
    "Health": {"type": "object", "properties": {"status": {"const": "ok"}}, "required": ["status"],
               "additionalProperties": False},
    "Readiness": {
        "type": "object",
        "properties": {
            "ready": {"type": "boolean", "description": "Whether every configured dependency answered in time."},
            "checks": {"type": "object", "description": "Each dependency's answer (database; Redis and the job queue "
                                                        "when configured): `ok` or `failed: <reason>`. Only for "
                                                        "the operators' machines (`Authorization: Bearer "
                                                        "<METRICS_TOKEN>`).",
                       "additionalProperties": {"type": "string"}},
        },
        "required": ["ready"], "additionalProperties": False,
    },
}}

PATHS = {
    "/healthz": {"get": {
        "tags": [TAG], "operationId": "healthz", "summary": "Liveness",
        "description": "The process answers. No dependency is asked (`/readyz` says whether it can serve).",
        "responses": {"200": {"description": "Alive.", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Health"}}}}},
    }},
    "/readyz": {"get": {
        "tags": [TAG], "operationId": "readyz", "summary": "Readiness",
        "description": "Whether every configured dependency (database; Redis and the job queue when configured) "
                       "answers within a second.",
        "responses": {
            "200": {"description": "Ready to serve.", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Readiness"}}}},
            "503": {"description": "A dependency did not answer: send no traffic here for now.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Readiness"}}}},
        },
    }},
    "/api/openapi.json": {"get": {
        "tags": ["API description"], "operationId": "openapiDescription", "summary": "This description",
        "responses": {"200": {"description": "The OpenAPI 3.1 description of the portal's machine endpoints.",
                              "content": {"application/json": {"schema": {
                                  "type": "object", "required": ["openapi", "info", "paths"]}}}}},
    }},
}

INFO_DESCRIPTION = (
    "The machine endpoints of the Digital Executive Authority portal (Rəqəmsal İcra), which serves every district "
    "(city) executive authority of the country.\n\n"
    "- **Open data** (`/api/v1/accountability/…`): how fast and how well each authority answers residents' appeals. "
    "No sign-in and no key. Counts of one to four appeals, and the cells that would give them away, are `null`, "
    "so that no resident can be singled out.\n"
    "- **Open311 GeoReport v2** (`/open311/v2/…`), when this deployment serves it: the appeal categories as "
    "services, public appeals as requests, and filing appeals from other systems with a key issued by the portal's "
    "administrators.\n"
    "- **Service health** (`/healthz`, `/readyz`).\n\n"
    "Errors are JSON with the status code; the messages follow the request's language (`lang`, or Open311's "
    "`locale`): Azerbaijani by default, Russian or English."
)


def area_fragments(areas: tuple[str, ...]) -> list[tuple[str, Any]]:
    """``(area, its openapi module)`` for every area of ``areas`` that has one, in the order of ``areas``."""
    found = []
    for area in areas:
        name = f"app.{area}.openapi"
        if find_spec(name) is not None:
            found.append((area, import_module(name)))
    return found


def _merge_components(target: dict[str, dict], area: str, components: dict[str, dict]) -> None:
    for kind, items in components.items():
        into = target.setdefault(kind, {})
        for name, item in items.items():
            if name in into and into[name] != item:
                raise RuntimeError(f"OpenAPI component {kind}/{name} of {area} is described twice, differently")
            into[name] = item


def build(public_url: str, areas: tuple[str, ...]) -> dict:
    """The whole description: info, the server at ``public_url``, every area's paths and components, the tags."""
    paths: dict[str, dict] = {}
    components: dict[str, dict] = {}
    tags: dict[str, dict] = {}
    for area, module in area_fragments(areas):
        for path, item in module.PATHS.items():
            if path in paths:
                raise RuntimeError(f"OpenAPI path {path} of {area} is described by another area too")
            paths[path] = item
        _merge_components(components, area, getattr(module, "COMPONENTS", {}))
        for tag in getattr(module, "TAGS", []):
            tags.setdefault(tag["name"], tag)
    # A tag an area's operations use without describing it is still listed, so that every tag has its entry.
    for item in paths.values():
        for operation in item.values():
            for name in operation.get("tags", []) if isinstance(operation, dict) else []:
                tags.setdefault(name, {"name": name})
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": "Rəqəmsal İcra: open data, Open311 and service health",
            "version": VERSION,
            "summary": "The machine endpoints of the Digital Executive Authority portal.",
            "description": INFO_DESCRIPTION,
            "contact": {"name": "The portal's administrators", "url": f"{public_url}/developers"},
            "license": {"name": "Creative Commons Attribution 4.0", "identifier": "CC-BY-4.0"},
        },
        "servers": [{"url": public_url, "description": "This portal."}],
        "tags": list(tags.values()),
        "paths": dict(sorted(paths.items())),
        "components": components,
    }


def description(app: Flask) -> dict:
    """The description for ``app``, built at its first use in this process and kept."""
    built = app.extensions.get(_EXTENSION)
    if built is None:
        from app import AREAS

        built = build(app.config["PUBLIC_URL"].rstrip("/"), AREAS)
        app.extensions[_EXTENSION] = built
    return built
