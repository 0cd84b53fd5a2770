"""Request plumbing shared by every blueprint: language, headers, template helpers."""
from __future__ import annotations

from flask import Flask, g, request, session
from flask_babel import gettext
from flask_login import current_user, user_loaded_from_cookie

from app import authz
from app.accounts import service as accounts
from app.accounts import sessions
from app.extensions import login_manager
from app.kit import audit
from app.kit.files import PRIVATE
from app.kit.headers import security_headers
from app.kit.i18n import (
    LANGUAGE_CHOSEN,
    LANGUAGE_NAMES,
    N_,
    ROLE_LABELS,
    by_name,
    current_lang,
    fmt_date,
    fmt_datetime,
    fmt_figure,
    fmt_money,
    fmt_month,
    fmt_number,
    fmt_time,
    normalize_lang,
    switch_url,
    tr,
)
from app.models import LANGUAGES, User


def init_app(app: Flask) -> None:
    """Wire the language hook, security headers, user loader and template helpers."""
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        # Both cookies hold "id:session key" (User.get_id): they open the account only while that session's row is
        # active, so signing out, a password change or reset, deactivation end them wherever they were copied.
        return sessions.load(user_id)

    @user_loaded_from_cookie.connect_via(app)
    def _remembered(sender: Flask, user: User) -> None:
        # Flask-Login restores a remembered user without the session's identifier, so "strong" protection found
        # it missing at the next request and signed the person out (and deleted the remember-me cookie): mark the
        # restored session as this browser's, as login_user does.
        session["_id"] = login_manager._session_identifier_generator()

    # Flask-Login flashes this when a page needs sign-in; N_ marks it for extraction.
    login_manager.login_message = N_("Sign in to see this page.")
    login_manager.localize_callback = gettext

    app.before_request(_remember_language)
    app.before_request(_name_the_client)
    # A command or a test run after a request in the same thread must not inherit its address.
    app.teardown_request(lambda error: audit.bind_client(None))
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

    # Every visible date, time and amount goes through these (one style per language: app/kit/i18n.py).
    app.jinja_env.filters.update(datetime=fmt_datetime, date=fmt_date, time=fmt_time, month=fmt_month,
                                 number=fmt_number, money=fmt_money, by_name=by_name)
    app.jinja_env.globals["figure"] = fmt_figure  # the figures' tables (templates/accountability/_macros.html)


def _name_the_client() -> None:
    """The audit trail's entries from this request carry the client's address (after the trusted proxies)."""
    audit.bind_client(request.remote_addr)


def _remember_language() -> None:
    """``?lang=`` switches the language for the session and the signed-in user's profile; a visitor's choice is
    marked as one, so that signing in keeps it (``accounts.signin.sign_in``)."""
    if "lang" not in request.args:
        return
    lang = normalize_lang(request.args.get("lang"))
    session["lang"] = lang
    g.lang_switched = True
    if current_user.is_authenticated:
        accounts.set_locale(current_user, lang)
    else:
        session[LANGUAGE_CHOSEN] = True


def _security_headers(response):
    headers = response.headers
    for name, value in security_headers(request.is_secure):
        headers.setdefault(name, value)
    if session.get("_user_id") and not (response.cache_control.public or response.cache_control.no_store):
        # Whatever a signed-in person gets (a page, a download, an export) is kept by no cache, neither a proxy's
        # nor the browser's, unless it was marked public (a published proposal's picture): a view's own
        # ``no-cache`` (send_file's default) is not enough, since it still lets the copy be stored. The session
        # says who is signed in without a query: this hook also runs on the busy page, when the database cannot
        # answer.
        headers["Cache-Control"] = PRIVATE
    return response
