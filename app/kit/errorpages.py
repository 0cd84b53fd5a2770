"""Error pages in the visitor's language; never a bare traceback, and never a second failure.

An error page must render when the database is the thing that failed: it is drawn for an anonymous visitor
(no query to load the signed-in user, whose row may be unreachable), and if even that template fails, a
minimal page of the same shape is written by hand. A database that refuses, times out or is locked is a
503 ("busy, try again"), not a 500: nothing of the request was saved, and the visitor can simply retry.
"""
from __future__ import annotations

import logging

from flask import Flask, g, jsonify, make_response, render_template, request
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from app.extensions import db, login_manager
from app.kit.errors import Invalid, NotAllowed, NotFound
from app.observability import request_id

log = logging.getLogger("reqemsal.errors")

TITLES = {
    400: _l("The request could not be understood"),
    403: _l("You do not have access to this page"),
    404: _l("Page not found"),
    405: _l("This action is not allowed here"),
    413: _l("The upload is too large"),
    422: _l("The request could not be carried out"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong on our side"),
    503: _l("The portal is busy right now"),
}
EXPLANATIONS = {
    400: _l("The form or address sent was not valid. Go back, reload the page and try again."),
    403: _l("Your account does not have the role this page needs. If you think it should, contact your district authority."),
    404: _l("The address may be mistyped, or the page was moved or removed."),
    405: _l("Use the links and buttons on the page instead of typing the address."),
    413: _l("The files sent are larger than the portal accepts. Send smaller files."),
    422: _l("What was sent breaks one of the portal's rules. Go back, check it and try again."),
    429: _l("You tried this too many times in a short while. Wait a few minutes and try again."),
    500: _l("The error was recorded. Try again in a few minutes; if it persists, contact the portal's support."),
    503: _l("Your request was not carried out and nothing was saved. Wait a minute and try again; "
            "if you were sending a form, send it again."),
}
# How long a refused visitor (or a client) is asked to wait before trying again, in seconds.
RETRY_AFTER = 30
# The database refused a connection, dropped it, timed out waiting for one, or is locked by another writer.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout)


def database_unavailable(error: BaseException | None) -> bool:
    """Whether ``error`` (or the error it wraps) means the database cannot answer now."""
    while error is not None:
        if isinstance(error, DATABASE_UNAVAILABLE):
            return True
        error = getattr(error, "original_exception", None)
    return False


def _as_anonymous() -> None:
    """Draw the page for an anonymous visitor: loading (or refreshing) the user would query the database."""
    g._login_user = login_manager.anonymous_user()


def _reference_line(reference: str | None) -> str:
    """The paragraph with the request id a resident can quote (5xx pages), or nothing."""
    if not reference:
        return ""
    text = gettext("Quote this reference if you contact support: %(id)s", id=reference)
    return f'<p class="error-reference">{escape(text)}</p>'


def _minimal(code: int, title: str, explanation: str, reference: str | None = None) -> str:
    """The error page without the site's template, when the template itself cannot be drawn."""
    home = gettext("Go to the home page")
    return (f'<!doctype html><html lang="{escape(str(get_locale() or "az"))}"><head><meta charset="utf-8">'
            f"<title>{escape(title)}</title></head><body><main id=\"main\"><h1>{escape(title)}</h1>"
            f'<p class="error-code">{escape(gettext("Error %(code)s", code=code))}</p><p>{escape(explanation)}</p>'
            f'{_reference_line(reference)}<p><a href="/">{escape(home)}</a></p></main></body></html>')


def _render(code: int, explanation: str | None = None):
    # A failure on our side carries the request's id, so that the visitor can quote it and we can find its lines.
    reference = request_id() if code >= 500 else None
    if request.path.startswith(("/healthz", "/readyz")) or request.accept_mimetypes.best == "application/json":
        body = {"error": code, "message": str(TITLES.get(code, code))}
        if reference:
            body["request_id"] = reference
        response = jsonify(body)
        response.status_code = code
        return _headers(response, code)
    title = TITLES.get(code, TITLES[500])
    explanation = explanation or EXPLANATIONS.get(code, EXPLANATIONS[500])
    try:
        body = render_template("errors/error.html", code=code, title=title, explanation=explanation,
                               reference=reference)
    except Exception:  # noqa: BLE001 - the error page must not fail in turn
        log.exception("the error page %s could not be drawn; a minimal one is sent", code)
        _as_anonymous()
        try:
            body = _minimal(code, str(title), str(explanation), reference)
        except Exception:  # noqa: BLE001 - not even the translations: English, as a last resort
            body = f'<!doctype html><title>Error {code}</title><p class="error-code">Error {code}</p>'
            if reference:
                body += f'<p class="error-reference">Reference: {escape(reference)}</p>'
    return _headers(make_response(body, code), code)


def _headers(response, code: int):
    if code == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER)
    if code >= 500:
        # An error page is about this moment: no cache may keep it.
        response.headers["Cache-Control"] = "no-store"
    return response


def carried_headers(error: HTTPException) -> dict[str, str]:
    """The headers an HTTP error carries besides its own page's type: ``Allow`` on a 405 (RFC 9110 requires it),
    ``Retry-After`` on a 429 or 503, ``WWW-Authenticate``; kept when the portal draws its own page instead."""
    try:
        headers = error.get_headers()
    except Exception:  # noqa: BLE001 - an error built without a request has nothing more to say
        return {}
    return {name: value for name, value in headers if name.lower() != "content-type"}


def _rollback() -> None:
    """Forget the failed request's half-done work; a connection that is already gone has nothing to roll back."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the database is unreachable: the pool replaces the connection later
        log.warning("rollback failed after an error; the connection is discarded", exc_info=True)


def unavailable():
    """The busy page (503), drawn without touching the database."""
    _rollback()
    _as_anonymous()
    return _render(503)


def init_app(app: Flask) -> None:
    """Register the handlers for HTTP errors, CSRF failures, an unreachable database and crashes."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return _render(
            400,
            _l("The form's security token is missing or has expired. Go back, reload the page and send the form again."),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        if code == 500 and database_unavailable(getattr(error, "original_exception", None)):
            log.error("database unavailable on %s %s: %s", request.method, request.path, error.original_exception)
            return unavailable()
        if code not in TITLES:
            return error
        response = _render(code)
        response.headers.update(carried_headers(error))
        return response

    @app.errorhandler(Exception)
    def crash(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        if database_unavailable(error):
            # Logged without the traceback: the cause is the database, and under load there are many.
            log.error("database unavailable on %s %s: %s", request.method, request.path, error)
            return unavailable()
        _rollback()
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _render(500)

    _init_domain_errors(app)
    _init_storage_errors(app)


def _init_domain_errors(app: Flask) -> None:
    """The use cases' errors that reach no form, as pages: not found 404, not allowed 403, invalid 422.

    Views do not catch these to turn them into the same pages; they catch only what they show otherwise
    (``Invalid`` beside a form's fields, ``NotAllowed`` as a 404 where a record's existence must not show)."""

    @app.errorhandler(NotFound)
    def not_found(error: NotFound):
        _rollback()
        return _render(404)

    @app.errorhandler(NotAllowed)
    def not_allowed(error: NotAllowed):
        _rollback()
        return _render(403)

    @app.errorhandler(Invalid)
    def invalid(error: Invalid):
        _rollback()
        return _render(422)


def _init_storage_errors(app: Flask) -> None:
    """A file storage that cannot answer (S3 down, a full disk) is a 503 like the database: try again later."""
    from app.kit.storage import StorageUnavailable

    @app.errorhandler(StorageUnavailable)
    def storage_unavailable(error: StorageUnavailable):
        # Uploads that fail report it beside the file field; this is a download, or a use case that has no form.
        log.error("file storage unavailable on %s %s: %s", request.method, request.path, error)
        _rollback()
        return _render(503)
