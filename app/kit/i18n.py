"""Language selection and locale-aware helpers for templates."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import has_request_context, request, session, url_for
from flask_babel import format_date, format_datetime, format_decimal, format_time, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.routing import BuildError

from app.models import LANGUAGES

DEFAULT_LOCALE = "az"


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it now."""
    return message

# Each language's name in itself, for the switcher.
LANGUAGE_NAMES = {"az": "Azərbaycanca", "ru": "Русский", "en": "English"}


def normalize_lang(value: str | None) -> str:
    """A supported language code; anything unknown becomes Azerbaijani."""
    value = (value or "").strip().lower()
    return value if value in LANGUAGES else DEFAULT_LOCALE


def select_locale() -> str:
    """Flask-Babel's selector: the session's choice, then the profile, then az."""
    if not has_request_context():  # CLI commands and jobs: the default language
        return DEFAULT_LOCALE
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    if current_user and current_user.is_authenticated:
        return current_user.locale
    return DEFAULT_LOCALE


def current_lang() -> str:
    """The language of the current request ("az", "ru" or "en")."""
    return str(get_locale() or DEFAULT_LOCALE)


def switch_url(lang: str) -> str:
    """The current page's address in another language."""
    # The path's own values win over a query parameter of the same name (?code=… on /accountability/<code>).
    values = {**request.args.to_dict(flat=True), **(request.view_args or {}), "lang": lang}
    if request.endpoint and request.url_rule and request.method == "GET":
        try:
            return url_for(request.endpoint, **values)
        except (BuildError, KeyError, TypeError, ValueError):
            pass  # an error page for an address that does not build again: fall back to home
    return url_for("main.index", lang=lang)


def tr(obj: Any, field: str = "name") -> str:
    """A translated row's ``field`` (its name by default) in the current language, with ``Translated``'s Azerbaijani
    fallback: ``tr(district)``, ``tr(service, "title")``."""
    return obj.text_in(field, current_lang())


def fmt_datetime(value: datetime | None, style: str = "medium") -> str:
    """A timestamp in the locale's format and Baku time."""
    return "" if value is None else format_datetime(value, style)


def fmt_date(value: date | datetime | None, style: str = "medium") -> str:
    """A date in the locale's format."""
    return "" if value is None else format_date(value, style)


def fmt_time(value: datetime | None, style: str = "short") -> str:
    """A time of day in the locale's format and Baku time."""
    return "" if value is None else format_time(value, style)


def fmt_number(value: float | int | None) -> str:
    """A number with the locale's separators."""
    return "" if value is None else format_decimal(value)


# Role names as the glossary gives them.
ROLE_LABELS = {
    "official": _l("Official"),
    "head": _l("Head of the executive authority"),
    "editor": _l("Editor"),
    "moderator": _l("Moderator"),
    "supervisor": _l("Supervisor"),
    "admin": _l("Administrator"),
}
