"""Request plumbing shared by every blueprint: language, headers, template helpers."""
from __future__ import annotations

from flask import Flask, g, request, session
from flask_babel import gettext
from flask_login import current_user

from app import authz
from app.extensions import db, login_manager
from app.i18n import (
    LANGUAGE_NAMES,
    N_,
    ROLE_LABELS,
    current_lang,
    fmt_date,
    fmt_datetime,
    fmt_number,
    fmt_time,
    normalize_lang,
    switch_url,
    tr,
)
from app.models import LANGUAGES, User
from app.services import accounts

# No inline script or style anywhere: every asset is a file the app serves.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def init_app(app: Flask) -> None:
    """Wire the language hook, security headers, user loader and template helpers."""
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        # The cookie holds "id:session version" (User.get_id); a raised version (deactivation, a reset second
        # factor) means this session has ended, whatever the cookie's age.
        user_part, _sep, version = user_id.partition(":")
        try:
            user = db.session.get(User, int(user_part))
        except ValueError:
            return None
        if user is None or not user.active or version != str(user.session_version or 0):
            return None
        return user

    # Flask-Login flashes this when a page needs sign-in; N_ marks it for extraction.
    login_manager.login_message = N_("Sign in to see this page.")
    login_manager.localize_callback = gettext

    app.before_request(_remember_language)
    app.after_request(_security_headers)

    @app.context_processor
    def helpers() -> dict:
        return {
            "can": authz.template_can,
            "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
            "lang": current_lang(),
            "role_labels": ROLE_LABELS,
            "switch_url": switch_url,
            "tr": tr,
        }

    from app.services import appeal_queries, appeals, eservices

    app.jinja_env.globals.update(
        STATUS_LABELS=appeals.STATUS_LABELS,
        KIND_LABELS=appeals.KIND_LABELS,
        GROUND_LABELS=appeals.GROUND_LABELS,
        ACTION_LABELS=appeals.ACTION_LABELS,
        due_state=appeal_queries.due_state,
        SERVICE_STATUS_LABELS=eservices.STATUS_LABELS,
        SERVICE_SOURCE_LABELS=eservices.SOURCE_LABELS,
    )
    app.jinja_env.filters.update(datetime=fmt_datetime, date=fmt_date, time=fmt_time, number=fmt_number)


def _remember_language() -> None:
    """``?lang=`` switches the language for the session and the signed-in user's profile."""
    if "lang" not in request.args:
        return
    lang = normalize_lang(request.args.get("lang"))
    session["lang"] = lang
    g.lang_switched = True
    if current_user.is_authenticated:
        accounts.set_locale(current_user, lang)


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if session.get("_user_id"):
        # Pages for a signed-in person must not be kept by shared caches. The session says who is signed in
        # without a query: this hook also runs on the busy page, when the database cannot answer.
        headers.setdefault("Cache-Control", "no-store")
    return response
