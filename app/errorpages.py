"""Error pages in the visitor's language; never a bare traceback."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.extensions import db

log = logging.getLogger("reqemsal.errors")

TITLES = {
    400: _l("The request could not be understood"),
    403: _l("You do not have access to this page"),
    404: _l("Page not found"),
    405: _l("This action is not allowed here"),
    413: _l("The upload is too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong on our side"),
}
EXPLANATIONS = {
    400: _l("The form or address sent was not valid. Go back, reload the page and try again."),
    403: _l("Your account does not have the role this page needs. If you think it should, contact your district authority."),
    404: _l("The address may be mistyped, or the page was moved or removed."),
    405: _l("Use the links and buttons on the page instead of typing the address."),
    413: _l("The files sent are larger than the portal accepts. Send smaller files."),
    429: _l("You tried this too many times in a short while. Wait a few minutes and try again."),
    500: _l("The error was recorded. Try again in a few minutes; if it persists, contact the portal's support."),
}


def _render(code: int, explanation: str | None = None):
    if request.path.startswith("/healthz") or request.accept_mimetypes.best == "application/json":
        return jsonify({"error": code, "message": str(TITLES.get(code, code))}), code
    return (
        render_template(
            "errors/error.html",
            code=code,
            title=TITLES.get(code, TITLES[500]),
            explanation=explanation or EXPLANATIONS.get(code, EXPLANATIONS[500]),
        ),
        code,
    )


def init_app(app: Flask) -> None:
    """Register the handlers for HTTP errors, CSRF failures and crashes."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return _render(
            400,
            _l("The form's security token is missing or has expired. Go back, reload the page and send the form again."),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        if code not in TITLES:
            return error
        return _render(code)

    @app.errorhandler(Exception)
    def crash(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        db.session.rollback()
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _render(500)
