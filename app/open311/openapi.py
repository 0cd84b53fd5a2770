"""The Open311 endpoints described in OpenAPI 3.1, for the portal's description (``/api/openapi.json``).

``PATHS`` holds a path item for every route under ``/open311/v2`` (their Flask variables as path parameters, the
format among them: each path serves JSON and XML), ``COMPONENTS`` the schemas and parameters they reference, every
name prefixed with "Open311". Each operation lists every status its code answers; errors have the standard's
shape (``Open311Errors``) in JSON, ``<errors><error>`` in XML. Kept true to ``app/open311/api.py`` and
``georeport.py``: a fuzzer checks every answer against it.
"""
from __future__ import annotations

from app.models import KINDS, STATUSES
from app.models.appeal import TEXT_LIMIT
from app.open311.georeport import ATTRIBUTE_CODES

LOCALES = ["az", "ru", "en"]
PREFIX = "/open311/v2"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _param(name: str) -> dict:
    return {"$ref": f"#/components/parameters/{name}"}


def _nullable(kind: str, **extra) -> dict:
    return {"type": [kind, "null"], **extra}


TEXT = {"type": "string"}
MOMENT = {"type": "string", "format": "date-time"}
LOCALE = {"type": "string", "enum": LOCALES, "description": "The language of the item's texts (an extension)."}

SCHEMAS = {
    "Open311Error": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {
            "code": {"type": "integer", "description": "The HTTP status of the answer."},
            "description": {"type": "string", "description": "What is wrong, in the answer's language; a "
                                                               "parameter's problem starts with its name."},
            "locale": LOCALE,
        },
    },
    "Open311Errors": {"type": "array", "minItems": 1, "items": _ref("Open311Error")},
    "Open311Discovery": {
        "type": "object",
        "required": ["changeset", "contact", "key_service", "endpoints"],
        "properties": {
            "changeset": MOMENT,
            "contact": TEXT,
            "key_service": TEXT,
            "endpoints": {"type": "array", "items": {
                "type": "object",
                "required": ["specification", "url", "changeset", "type", "formats"],
                "properties": {
                    "specification": TEXT,
                    "url": TEXT,
                    "changeset": MOMENT,
                    "type": {"type": "string", "enum": ["production", "test"]},
                    "formats": {"type": "array", "items": {"type": "string",
                                                           "enum": ["application/json", "application/xml"]}},
                },
            }},
            "locale": LOCALE,
        },
    },
    "Open311Service": {
        "type": "object",
        "required": ["service_code", "service_name", "description", "metadata", "type"],
        "properties": {
            "service_code": {"type": "string", "description": "The appeal category's code."},
            "service_name": TEXT,
            "description": TEXT,
            "metadata": {"type": "boolean", "description": "Always true: every service has attributes."},
            "type": {"type": "string", "enum": ["realtime"]},
            "keywords": TEXT,
            "group": {"type": "string", "description": "The department the category's appeals go to."},
            "locale": LOCALE,
        },
    },
    "Open311Services": {"type": "array", "items": _ref("Open311Service")},
    "Open311AttributeValue": {
        "type": "object",
        "required": ["key", "name"],
        "properties": {"key": TEXT, "name": TEXT},
    },
    "Open311Attribute": {
        "type": "object",
        "required": ["variable", "code", "datatype", "required", "order", "description"],
        "properties": {
            "variable": {"type": "boolean"},
            "code": {"type": "string", "enum": list(ATTRIBUTE_CODES)},
            "datatype": {"type": "string", "enum": ["string", "number", "datetime", "text", "singlevaluelist",
                                                    "multivaluelist"]},
            "required": {"type": "boolean"},
            "datatype_description": TEXT,
            "order": {"type": "integer", "minimum": 1},
            "description": TEXT,
            "values": {"type": "array", "items": _ref("Open311AttributeValue")},
        },
    },
    "Open311ServiceDefinition": {
        "type": "object",
        "required": ["service_code", "attributes"],
        "properties": {
            "service_code": TEXT,
            "attributes": {"type": "array", "items": _ref("Open311Attribute")},
            "locale": LOCALE,
        },
    },
    "Open311Update": {
        "type": "object",
        "description": "One dated step of the appeal's public history (an extension, as FixMyStreet's updates).",
        "required": ["update_id", "updated_datetime", "status", "description"],
        "properties": {
            "update_id": TEXT,
            "updated_datetime": MOMENT,
            "status": {"type": "string", "enum": list(STATUSES), "description": "The appeal's detailed status "
                                                                                  "after this step."},
            "description": {"type": "string", "description": "The step, or the authority's answer itself."},
        },
    },
    "Open311ServiceRequest": {
        "type": "object",
        "required": ["service_request_id", "status", "service_code", "requested_datetime", "updated_datetime"],
        "properties": {
            "service_request_id": {"type": "string", "description": "The appeal's registration number, such as "
                                                                      "GNC-2026-000123."},
            "status": {"type": "string", "enum": ["open", "closed"]},
            "status_notes": TEXT,
            "service_name": TEXT,
            "service_code": TEXT,
            "description": {"type": "string", "description": "The appeal's subject (its text is not published)."},
            "agency_responsible": TEXT,
            "service_notice": TEXT,
            "requested_datetime": MOMENT,
            "updated_datetime": MOMENT,
            "expected_datetime": {"type": ["string", "null"], "format": "date-time",
                                  "description": "The law's deadline for the answer."},
            "address": {"type": "null", "description": "Always null: the address_string a request is filed with is "
                                                       "the appellant's postal address as often as the place, and "
                                                       "no answer names the appellant; lat and long give the "
                                                       "place."},
            "address_id": {"type": "null"},
            "zipcode": {"type": "null"},
            "lat": _nullable("number", minimum=-90, maximum=90),
            "long": _nullable("number", minimum=-180, maximum=180),
            "media_url": {"type": "null"},
            "detailed_status": {"type": "string", "enum": list(STATUSES), "description": "The appeal's status in "
                                                                                           "the portal (extension)."},
            "kind": {"type": "string", "enum": list(KINDS), "description": "The appeal's kind (extension)."},
            "updates": {"type": "array", "items": _ref("Open311Update")},
            "locale": LOCALE,
        },
    },
    "Open311ServiceRequests": {"type": "array", "items": _ref("Open311ServiceRequest")},
    "Open311Filed": {
        "type": "object",
        "required": ["service_request_id", "service_notice", "account_id"],
        "properties": {
            "service_request_id": TEXT,
            "service_notice": TEXT,
            "account_id": {"type": "null"},
            "token": {"type": "string", "description": "For tokens/{token} (the request is filed at once)."},
            "locale": LOCALE,
        },
    },
    "Open311FiledList": {"type": "array", "minItems": 1, "maxItems": 1, "items": _ref("Open311Filed")},
    "Open311TokenAnswer": {
        "type": "object",
        "required": ["service_request_id", "token"],
        "properties": {"service_request_id": TEXT, "token": TEXT, "locale": LOCALE},
    },
    "Open311TokenAnswers": {"type": "array", "minItems": 1, "maxItems": 1, "items": _ref("Open311TokenAnswer")},
    "Open311NewRequest": {
        "type": "object",
        "required": ["api_key", "service_code", "description", "first_name", "last_name"],
        "description": "The law does not accept anonymous appeals: first_name and last_name, an email or a phone, "
                       "and the address_string or the phone are required. The api_key may also be sent in the "
                       "query string.",
        "properties": {
            "api_key": {"type": "string", "description": "The key an administrator issued."},
            "service_code": {"type": "string", "description": "A service_code from services.{format}."},
            "jurisdiction_id": {"type": "string", "description": "The district's code; by default the key's."},
            "description": {"type": "string", "maxLength": TEXT_LIMIT, "description": "The appeal's text."},
            "first_name": TEXT,
            "last_name": TEXT,
            "email": {"type": "string", "maxLength": 254},
            "phone": {"type": "string", "maxLength": 32},
            "address_string": {"type": "string", "maxLength": 300,
                               "description": "The appellant's postal address; never published."},
            "lat": {"type": "number", "minimum": -90, "maximum": 90},
            "long": {"type": "number", "minimum": -180, "maximum": 180},
            "attribute[kind]": {"type": "string", "enum": list(KINDS)},
            "attribute[subject]": {"type": "string", "maxLength": 200},
            "attribute[publish]": {"type": "string", "enum": ["yes", "no"]},
            "attribute[confidential]": {"type": "string", "enum": ["yes", "no"]},
            "idempotency_key": {"type": "string", "maxLength": 64, "description": "As the Idempotency-Key header."},
            "locale": {"type": "string", "enum": LOCALES},
        },
    },
}

PARAMETERS = {
    "Open311Format": {
        "name": "format", "in": "path", "required": True,
        "description": "The answer's format. Another one answers 404 (a JSON error).",
        "schema": {"type": "string", "enum": ["json", "xml"]},
    },
    "Open311Locale": {
        "name": "locale", "in": "query", "required": False,
        "description": "The answer's language (default: Accept-Language, else az). Another value answers 400.",
        "schema": {"type": "string", "enum": LOCALES},
    },
    "Open311AcceptLanguage": {
        "name": "Accept-Language", "in": "header", "required": False,
        "description": "The answer's language when no locale is given: the best of az, ru and en, else az.",
        "schema": {"type": "string"},
    },
    "Open311Jurisdiction": {
        "name": "jurisdiction_id", "in": "query", "required": False,
        "description": "A district's three-letter code, such as GNC; an unknown or inactive one answers 404.",
        "schema": {"type": "string"},
    },
}

COMMON = [_param("Open311Format"), _param("Open311Locale"), _param("Open311AcceptLanguage"),
          _param("Open311Jurisdiction")]
ERROR_TEXT = {
    400: "A parameter is wrong (each error names it) or the locale is not az, ru or en.",
    403: "No api_key, an unknown or revoked one, or one that may not file to this district.",
    404: "Nothing of the kind: an unknown format, jurisdiction, service, public request or token.",
    413: "The request is larger than the portal accepts.",
    429: "Too many filings with this api_key: wait (Retry-After) and send again.",
    503: "The database is busy: nothing was done; try again (Retry-After).",
}


def _content(schema: str | None) -> dict:
    content: dict = {"application/xml": {}}
    content["application/json"] = {"schema": _ref(schema)} if schema else {}
    return content


def _responses(ok: dict, *errors: int) -> dict:
    responses = dict(ok)
    for code in (*errors, 503):
        responses[str(code)] = {"description": ERROR_TEXT[code], "content": _content("Open311Errors")}
    return responses


def _get(summary: str, description: str, schema: str, params: list, operation_id: str) -> dict:
    return {"get": {
        "tags": ["Open311"],
        "summary": summary,
        "description": description,
        "operationId": operation_id,
        "parameters": params,
        "responses": _responses({"200": {"description": summary, "content": _content(schema)}}, 400, 404),
    }}


def _path_param(name: str, description: str, pattern: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "string", "pattern": pattern}}


def _list_param(name: str, description: str, pattern: str | None = None) -> dict:
    schema: dict = {"type": "string"}
    if pattern:
        schema["pattern"] = pattern
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


REQUEST_FILTERS = [
    _list_param("service_request_id", "Registration numbers, comma-delimited (at most 200); overrides the other "
                                      "filters."),
    _list_param("service_code", "Service codes, comma-delimited."),
    _list_param("start_date", "Earliest requested_datetime: a W3C date-time or a date; with end_date at most 90 "
                              "days apart (default: the last 90 days)."),
    _list_param("end_date", "Latest requested_datetime: a W3C date-time or a date (its whole day)."),
    _list_param("status", "open, closed, or both comma-delimited."),
]

PATHS = {
    f"{PREFIX}/discovery.{{format}}": _get(
        "Discovery", "Where this endpoint is, its formats, and how to get a key.", "Open311Discovery", COMMON,
        "open311Discovery"),
    f"{PREFIX}/services.{{format}}": _get(
        "Services", "The services: the active appeal categories.", "Open311Services", COMMON, "open311Services"),
    f"{PREFIX}/services/{{service_code}}.{{format}}": _get(
        "Service definition", "The attributes a request for the service carries as attribute[code].",
        "Open311ServiceDefinition",
        [_path_param("service_code", "A service's code.", "^[a-z0-9-]{1,40}$"), *COMMON],
        "open311ServiceDefinition"),
    f"{PREFIX}/requests.{{format}}": {
        **_get("Service requests", "The public appeals (newest first, at most 200) the filters ask for; never the "
                                   "appellant's name or contacts.", "Open311ServiceRequests",
               [*COMMON, *REQUEST_FILTERS], "open311Requests"),
        "post": {
            "tags": ["Open311"],
            "summary": "File a service request",
            "description": "File an appeal with an api_key, as the web form files one: the same registration "
                           "number, deadline and notifications. 201 answers a new appeal; 200 the appeal an earlier "
                           "send with the same idempotency key filed. Rate limited per key.",
            "operationId": "open311FileRequest",
            "parameters": [
                *COMMON,
                {"name": "Idempotency-Key", "in": "header", "required": False,
                 "description": "Two sends with the same one under the same key file one appeal.",
                 "schema": {"type": "string", "maxLength": 64}},
            ],
            "requestBody": {"required": True, "content": {
                "application/x-www-form-urlencoded": {"schema": _ref("Open311NewRequest")},
                "multipart/form-data": {"schema": _ref("Open311NewRequest")},
            }},
            "responses": _responses({
                "201": {"description": "Filed.", "content": _content("Open311FiledList")},
                "200": {"description": "Filed before, with the same idempotency key.",
                        "content": _content("Open311FiledList")},
            }, 400, 403, 404, 413, 429),
        },
    },
    f"{PREFIX}/requests/{{service_request_id}}.{{format}}": _get(
        "Service request", "One public appeal by its registration number; a non-public one answers as an unknown "
                           "number does.", "Open311ServiceRequests",
        [_path_param("service_request_id", "A registration number, such as GNC-2026-000123.", "^[A-Za-z0-9-]{1,40}$"),
         *COMMON],
        "open311Request"),
    f"{PREFIX}/tokens/{{token}}.{{format}}": _get(
        "Request id from a token", "The id of the request filed with this token (the filing's answer gives it).",
        "Open311TokenAnswers",
        [_path_param("token", "The token a filing answered.", "^[A-Za-z0-9_-]{1,64}$"), *COMMON],
        "open311Token"),
}

COMPONENTS = {"schemas": SCHEMAS, "parameters": PARAMETERS}
