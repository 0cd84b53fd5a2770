"""The GeoReport v2 endpoints under ``/open311/v2``: discovery, services, a service's definition, requests (read and
file) and tokens, each as ``.json`` or ``.xml``.

Every answer is in one language: the ``locale`` parameter (az, ru or en; anything else is an error), else the best
of ``Accept-Language``, else Azerbaijani; ``Content-Language`` names it. Errors have the standard's shape, a list
of ``{"code", "description"}`` (``<errors><error>`` in XML), in the format and language asked for; an address with
another format than json or xml answers a JSON error. The reads are public; filing needs a key (``api_key``), is
rate limited per key and, being a machine's call authenticated by its key, is exempt from the CSRF check that
every form of the portal carries.
"""
from __future__ import annotations

import logging
import re
from contextlib import ExitStack

from flask import current_app, g, request
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from app.authz import api_key, public
from app.extensions import client_address, csrf, db, limiter
from app.kit.errorpages import EXPLANATIONS, RETRY_AFTER, TITLES, carried_headers, database_unavailable
from app.kit.errors import Invalid, NotAllowed, NotFound
from app.models import LANGUAGES
from app.open311 import api_bp, georeport, keys, queries, render
from app.open311 import service as filing_service

log = logging.getLogger("reqemsal.open311")
DEFAULT_LOCALE = "az"
ATTRIBUTE = re.compile(r"attribute\[([^\[\]]{1,40})\]")


# --- Language, format and errors -------------------------------------------------------------------------------


def _fmt() -> str:
    return g.get("open311_format", "json")


def _lang() -> str:
    return g.get("open311_lang", DEFAULT_LOCALE)


def _errors(status: int, messages: list[str], headers: dict | None = None):
    """An error response in the standard's shape, in the format and language of the request."""
    items = [georeport.error_item(status, str(message), _lang()) for message in messages]
    return render.respond(_fmt(), "errors", items, _lang(), status=status, headers=headers)


@api_bp.before_request
def _language_and_format():
    """Choose the answer's format (from the address) and language (``locale``, else ``Accept-Language``), and
    speak that language until the answer is sent, error pages included."""
    fmt = (request.view_args or {}).get("format")
    g.open311_format = fmt if fmt in georeport.FORMATS else "json"
    asked = request.values.get("locale")
    chosen = (asked or "").strip().lower()
    lang = chosen if chosen in LANGUAGES else (request.accept_languages.best_match(LANGUAGES) or DEFAULT_LOCALE)
    g.open311_lang = lang
    stack = ExitStack()
    stack.enter_context(force_locale(lang))
    g.open311_locale = stack
    if fmt not in georeport.FORMATS:
        return _errors(404, [_("This address answers in json or xml only: end it with .json or .xml.")])
    if chosen and chosen not in LANGUAGES:
        return _errors(400, [_("locale: use az, ru or en.")])
    return None


@api_bp.teardown_request
def _language_back(error=None) -> None:
    """The request's language ends with it (a test may run several requests in one application context)."""
    stack = g.pop("open311_locale", None)
    if stack is not None:
        stack.close()


NOT_FOUND = {
    "district": lambda: _("jurisdiction_id: no active district has this code. Use a district's three-letter code, "
                          "such as GNC."),
    "service": lambda: _("service_code: no active service has this code; services.json lists them."),
    "request": lambda: _("No public appeal has this service_request_id."),
    "token": lambda: _("No request was filed with this token."),
}


@api_bp.errorhandler(NotFound)
def _not_found(error: NotFound):
    db.session.rollback()
    kind = error.args[0] if error.args else None
    return _errors(404, [NOT_FOUND[kind]() if kind in NOT_FOUND else _("Not found.")])


@api_bp.errorhandler(Invalid)
def _invalid(error: Invalid):
    db.session.rollback()
    return _errors(400, [f"{name}: {message}" if name else str(message) for name, message in error.errors.items()])


@api_bp.errorhandler(NotAllowed)
def _not_allowed(error: NotAllowed):
    db.session.rollback()
    message = error.args[0] if isinstance(error, filing_service.Refused) else _("This api_key may not do this.")
    return _errors(403, [message])


@api_bp.errorhandler(filing_service.Busy)
def _busy(error: filing_service.Busy):
    db.session.rollback()
    return _errors(503, [EXPLANATIONS[503]], {"Retry-After": str(RETRY_AFTER)})


@api_bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    code = error.code or 500
    if code == 429:
        return _errors(429, [_("Too many requests with this api_key. Wait a minute and send the request again.")],
                       {"Retry-After": str(RETRY_AFTER)})
    if code in (413, 503):
        return _errors(code, [EXPLANATIONS[code]], carried_headers(error))
    return _errors(code, [TITLES.get(code) or TITLES[500]], carried_headers(error))


@api_bp.errorhandler(Exception)
def _crash(error: Exception):
    if isinstance(error, HTTPException):
        return _http_error(error)
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the database is gone: the answer must still go out
        log.warning("rollback failed after an Open311 error", exc_info=True)
    if database_unavailable(error):
        log.error("database unavailable on %s %s: %s", request.method, request.path, error)
        return _errors(503, [EXPLANATIONS[503]], {"Retry-After": str(RETRY_AFTER)})
    log.exception("unhandled error on %s %s", request.method, request.path)
    return _errors(500, [TITLES[500]])


def _respond(kind: str, document, status: int = 200):
    return render.respond(_fmt(), kind, document, _lang(), status=status)


def _joined(name: str) -> str:
    """A parameter the standard lets a client give comma-delimited, several times over: one comma-delimited text."""
    return ",".join(request.args.getlist(name))


# --- Reading ---------------------------------------------------------------------------------------------------


@api_bp.get("/discovery.<format>")
@public
def discovery(format: str):
    """Where this endpoint is, its formats, and how to get a key."""
    queries.jurisdiction(request.args.get("jurisdiction_id"))
    return _respond("discovery", georeport.discovery(current_app.config["PUBLIC_URL"].rstrip("/"),
                                                     current_app.config["APP_ENV"] == "production", _lang()))


@api_bp.get("/services.<format>")
@public
def services(format: str):
    """The services: the active appeal categories."""
    district = queries.jurisdiction(request.args.get("jurisdiction_id"))
    categories = queries.services()
    groups = queries.groups(categories, district)
    return _respond("services", [georeport.service_item(c, groups.get(c.id), _lang()) for c in categories])


@api_bp.get("/services/<service_code>.<format>")
@public
def service_definition(service_code: str, format: str):
    """A service's definition: the attributes a request for it carries."""
    queries.jurisdiction(request.args.get("jurisdiction_id"))
    return _respond("service_definition", georeport.service_definition(queries.service(service_code), _lang()))


@api_bp.get("/requests.<format>")
@public
def requests_list(format: str):
    """The public appeals the standard's filters ask for, newest first."""
    district = queries.jurisdiction(request.args.get("jurisdiction_id"))
    filters = queries.read_filters(ids=_joined("service_request_id"), service_codes=_joined("service_code"),
                                   start_date=request.args.get("start_date", ""),
                                   end_date=request.args.get("end_date", ""), status=_joined("status"),
                                   district=district)
    return _respond("service_requests", [georeport.request_item(r, _lang()) for r in queries.public_requests(filters)])


@api_bp.get("/requests/<service_request_id>.<format>")
@public
def request_one(service_request_id: str, format: str):
    """One public appeal by its registration number."""
    district = queries.jurisdiction(request.args.get("jurisdiction_id"))
    return _respond("service_requests", [georeport.request_item(queries.public_request(service_request_id, district),
                                                                _lang())])


@api_bp.get("/tokens/<token>.<format>")
@public
def token(token: str, format: str):
    """The id of the request filed with the server's ``token``."""
    queries.jurisdiction(request.args.get("jurisdiction_id"))
    return _respond("service_requests", [georeport.token_item(queries.number_for_token(token), token, _lang())])


# --- Filing ------------------------------------------------------------------------------------------------------


def _filing_limit() -> str:
    return current_app.config["RATELIMIT_OPEN311"]


def _limit_key() -> str:
    """One rate-limit budget per key presented (its hash: the key itself is kept nowhere); per client without one."""
    presented = (request.values.get("api_key") or "").strip()
    if presented:
        return "open311:" + keys.hash_key(presented[: keys.PRESENTED_MAX])[:32]
    return "open311-nokey:" + client_address()


def _value(name: str) -> str:
    """A form field (or query parameter) as text. NUL is dropped: nobody types one, and PostgreSQL refuses it in text
    (the address's NULs are dropped by ``DropNul``, the body's here)."""
    return request.values.get(name, "").replace("\x00", "")


def _filing() -> filing_service.Filing:
    """What the client sent: form fields (or query parameters), the attributes, the idempotency key."""
    attributes = {}
    for name in request.values:
        # A multipart part may come without a name (None).
        match = ATTRIBUTE.fullmatch(name) if isinstance(name, str) else None
        if match:
            attributes[match.group(1)] = _value(name)
    return filing_service.Filing(
        api_key=_value("api_key"), service_code=_value("service_code"), jurisdiction_id=_value("jurisdiction_id"),
        description=_value("description"), first_name=_value("first_name"), last_name=_value("last_name"),
        email=_value("email"), phone=_value("phone"), address_string=_value("address_string"), lat=_value("lat"),
        long=_value("long"), attributes=attributes,
        idempotency_key=request.headers.get("Idempotency-Key") or _value("idempotency_key"), locale=_lang(),
    )


@api_bp.post("/requests.<format>")
@api_key("open311.file")
@csrf.exempt
@limiter.limit(_filing_limit, key_func=_limit_key)
def file_request(format: str):
    """File an appeal with a key: 201 with the new request's id, or 200 with the id an earlier send filed."""
    filed = filing_service.file_request(_filing())
    return _respond("service_requests", [georeport.filed_item(filed.appeal, filed.token, _lang())],
                    status=200 if filed.replayed else 201)
