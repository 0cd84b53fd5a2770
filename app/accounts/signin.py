"""What the sign-in pages share: starting a signed-in session, where a user lands, emailed links' tokens.

Web helpers of the accounts area's views (the password pages and the two-factor pages), kept apart from both so
that neither view module imports the other.
"""
from __future__ import annotations

from flask import current_app, g, redirect, request, session, url_for
from flask_login import login_user

from app.accounts import service as accounts
from app.accounts import sessions
from app.kit.i18n import LANGUAGE_CHOSEN
from app.kit.redirects import local_path
from app.models import LANGUAGES


def auth_limit() -> str:
    """The rate limit of the sign-in, registration and reset forms (``RATELIMIT_AUTH``)."""
    return current_app.config["RATELIMIT_AUTH"]


def safe_next(target: str | None) -> str | None:
    """A path of this portal to return to after sign-in, or None (no open redirect: ``redirects.local_path``)."""
    return local_path(target)


def rotate_csrf_token() -> None:
    """Forget the CSRF token, so the next form gets a new one: a token read before signing in or out (by a page
    left open, or by someone who saw it) is refused afterwards. Flask-WTF keeps the raw token in the session and
    this request's signed one in ``g``, both under the field's name."""
    name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    session.pop(name, None)
    g.pop(name, None)


def sign_in(user, remember: bool) -> None:
    """Sign ``user`` in: a new server-side session (its key goes into both cookies), a new CSRF token, and the
    language: the one chosen on the pages before signing in, saved to the profile, or else the profile's."""
    sessions.start(user, remembered=remember, user_agent=request.user_agent.string, address=request.remote_addr)
    rotate_csrf_token()
    login_user(user, remember=remember)
    chosen = session.get("lang")
    if session.pop(LANGUAGE_CHOSEN, False) and chosen in LANGUAGES:
        # Someone reading the English pages who signs in keeps reading English, and the emails follow.
        accounts.set_locale(user, chosen)
    else:
        session["lang"] = user.locale


def landing_url(user) -> str:
    """Where a user lands after signing in: a supervisor on the national dashboard (their work), other staff in the
    office, residents in the cabinet. A supervisor who holds another staff role too lands in the office, which shows
    each role's part."""
    if user.role_names == {"supervisor"}:
        return url_for("accountability_office.supervision")
    return url_for("office.index") if user.is_staff else url_for("cabinet.index")


def exchange_link_token(key: str, token: str, endpoint: str):
    """Keep an emailed link's (already checked) token in the session and send the browser to ``endpoint``, the
    same page without the token in its address."""
    session[key] = token
    return redirect(url_for(endpoint))
