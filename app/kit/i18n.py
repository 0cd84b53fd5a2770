"""Language selection and locale-aware helpers for templates."""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from flask import g, has_request_context, request, session, url_for
from flask_babel import format_date, format_datetime, format_decimal, format_time, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape
from werkzeug.routing import BuildError

from app.models import LANGUAGES

DEFAULT_LOCALE = "az"


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it now."""
    return message

# Each language's name in itself, for the switcher.
LANGUAGE_NAMES = {"az": "Azərbaycanca", "ru": "Русский", "en": "English"}
# The session's mark that a visitor chose its "lang" with the switch (or came by an emailed link), rather than
# inheriting it from whoever signed out of this browser before: only a choice is saved to the profile at sign-in.
LANGUAGE_CHOSEN = "lang_chosen"


def normalize_lang(value: str | None) -> str:
    """A supported language code; anything unknown becomes Azerbaijani."""
    value = (value or "").strip().lower()
    return value if value in LANGUAGES else DEFAULT_LOCALE


def select_locale() -> str:
    """Flask-Babel's selector: the address's ``?lang=``, then the session's choice, then the profile, then az."""
    if not has_request_context():  # CLI commands and jobs: the default language
        return DEFAULT_LOCALE
    # The address wins even before the language hook has stored it (a page rendered by an earlier hook), so a link
    # from an email written in Russian opens in Russian at once.
    if "lang" in request.args:
        return normalize_lang(request.args.get("lang"))
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    if current_user and current_user.is_authenticated:
        return current_user.locale
    return DEFAULT_LOCALE


def current_lang() -> str:
    """The language of the current request ("az", "ru" or "en")."""
    return str(get_locale() or DEFAULT_LOCALE)


# Stands for the language in the switcher's address, built once per request for the three languages.
_ANY_LANG = "__lang__"


def switch_url(lang: str) -> str:
    """The current page's address in another language."""
    built = g.get("_switch_url")
    if built is None:
        built = g._switch_url = _address_in_any_language()
    return built.replace(f"lang={_ANY_LANG}", f"lang={lang}")


def _address_in_any_language() -> str:
    """The current page's address with ``lang=`` + ``_ANY_LANG`` (every page draws three language links: one
    address built instead of three)."""
    # The path's own values win over a query parameter of the same name (?code=… on /accountability/<code>).
    values = {**request.args.to_dict(flat=True), **(request.view_args or {}), "lang": _ANY_LANG}
    if request.endpoint and request.url_rule and request.method == "GET":
        try:
            return url_for(request.endpoint, **values)
        except (BuildError, KeyError, TypeError, ValueError):
            pass  # an error page for an address that does not build again: fall back to home
    return url_for("main.index", lang=_ANY_LANG)


def tr(obj: Any, field: str = "name") -> str:
    """A translated row's ``field`` (its name by default) in the current language, with ``Translated``'s Azerbaijani
    fallback: ``tr(district)``, ``tr(service, "title")``."""
    return obj.text_in(field, current_lang())


# --- Dates, times and amounts ------------------------------------------------------------------------------------
# One style per language across the portal (the language review, December 2026): days in the long form, never a
# two-digit year, times as HH:MM. The same CLDR pattern gives each language its own words: "25 dekabr 2026",
# "25 декабря 2026" (the genitive month), "25 December 2026". Machine formats (ISO in <time datetime>, exports,
# feeds) do not come through here.
DATE_PATTERN = "d MMMM y"
WEEKDAY_DATE_PATTERN = "EEEE, d MMMM y"
TIME_PATTERN = "HH:mm"
MONTH_PATTERN = "LLLL y"  # the month on its own: "dekabr 2026", "декабрь 2026", "December 2026"


def _date_pattern(style: str | None) -> str:
    # "full" keeps its meaning, the weekday in front; "short", "medium" and "long" all give the one long form, so
    # a page written for another style cannot bring back a two-digit year.
    return WEEKDAY_DATE_PATTERN if style == "full" else DATE_PATTERN


def fmt_datetime(value: datetime | None, style: str | None = None) -> str:
    """A timestamp in Baku time: the long date and HH:MM ("25 dekabr 2026, 10:00"); ``"full"`` adds the weekday."""
    return "" if value is None else format_datetime(value, f"{_date_pattern(style)}, {TIME_PATTERN}")


def fmt_date(value: date | datetime | None, style: str | None = None) -> str:
    """A day in the long form ("25 dekabr 2026", "25 декабря 2026", "25 December 2026"); ``"full"`` adds the
    weekday. A timestamp gives its day in Baku time."""
    return "" if value is None else format_date(value, _date_pattern(style))


def fmt_time(value: datetime | None, style: str | None = None) -> str:
    """A time of day in Baku time as HH:MM."""
    return "" if value is None else format_time(value, TIME_PATTERN)


def fmt_month(value: date | datetime | None) -> str:
    """A month and its year ("dekabr 2026", "декабрь 2026", "December 2026")."""
    return "" if value is None else format_date(value, MONTH_PATTERN)


# Whole numbers already written, per language: pages show the same few counts again and again, and Babel takes
# about 40 µs to format one (a supervisor's dashboard shows some 190). Bounded, in case of a long-lived process.
_WRITTEN: dict[tuple[str, int], str] = {}
MAX_WRITTEN = 50_000


def fmt_number(value: float | int | None) -> str:
    """A number with the locale's separators."""
    if value is None:
        return ""
    if type(value) is not int:
        return format_decimal(value)
    key = (current_lang(), value)
    found = _WRITTEN.get(key)
    if found is None:
        found = format_decimal(value)
        if len(_WRITTEN) < MAX_WRITTEN:
            _WRITTEN[key] = found
    return found


# A figure that is not there yet (no answers in the period) or is hidden (a small count): the tables' dash.
NO_FIGURE = Markup('<span class="muted">—</span>')


def fmt_figure(value: float | int | None, suffix: str = "") -> Markup:
    """A table's figure for the pages: the number with the locale's separators and ``suffix``, or a muted dash for
    None. A function rather than a template macro: the accountability tables show hundreds of figures, and a
    macro's call cost about 15 µs each (the national table's 519 figures were a tenth of its time)."""
    if value is None:
        return NO_FIGURE
    return escape(fmt_number(value)) + suffix


# The currency's one word in each language (the language review found "AZN", "manat" and "ман." side by side).
# A unit, not a sentence: it is the same in every message, like the languages' own names above.
CURRENCY_WORDS = {"az": "manat", "ru": "манат", "en": "manat"}


def fmt_money(value: Decimal | float | int | str | None) -> str:
    """An amount in manat with the locale's separators and the language's currency word: "2,50 manat",
    "12 500 манат", "2.50 manat"; whole amounts without decimals, others with two."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    pattern = "#,##0" if amount == amount.to_integral_value() else "#,##0.00"
    return f"{format_decimal(amount, pattern)} {CURRENCY_WORDS.get(current_lang(), CURRENCY_WORDS[DEFAULT_LOCALE])}"


# --- Alphabetical order ---------------------------------------------------------------------------------------
# No ICU here, so each language's alphabet is written out: Azerbaijani puts x after h and q after k, and has ç ə ğ
# ı ö ş ü as letters of their own; Russian puts ё beside е (as ICU's Russian order does); English ignores accents.
ALPHABETS = {
    "az": "abcçdeəfgğhxıijkqlmnoöprsştuüvyz",
    "ru": "абвгдежзийклмнопрстуфхцчшщъыьэюя",
    "en": "abcdefghijklmnopqrstuvwxyz",
}
_RANKS = {lang: {letter: rank for rank, letter in enumerate(letters)} for lang, letters in ALPHABETS.items()}
# Letters read as another at the first level: ё as е; on an English page an Azerbaijani name's ə and ı as e and i.
_FOLD = {"ru": {"ё": "е"}, "en": {"ə": "e", "ı": "i"}}


def _lower(text: str, lang: str) -> str:
    if lang == "az":  # Azerbaijani capitals: I is the capital of ı, İ of i (Python's lower() knows neither).
        text = text.replace("I", "ı").replace("İ", "i")
    return unicodedata.normalize("NFC", text.lower())


def collation_key(text: str | None, lang: str | None = None) -> tuple:
    """A sort key for ``text`` by the alphabet of ``lang`` (the page's language by default).

    Letters of the alphabet sort by their place in it; a letter from outside sorts by its base letter (ö on an
    English page as o), or after the alphabet; spaces and punctuation come before digits, digits before letters.
    Ties are broken by the text itself, so equal keys mean equal texts."""
    lang = lang if lang in ALPHABETS else DEFAULT_LOCALE
    ranks, fold = _RANKS[lang], _FOLD.get(lang, {})
    weights = []
    for char in _lower(text or "", lang):
        char = fold.get(char, char)
        if char in ranks:
            weights.append((3, ranks[char]))
        elif char.isdigit():
            weights.append((2, int(char) if char.isascii() else ord(char)))
        elif char.isalpha():
            base = unicodedata.normalize("NFD", char)[0]
            base = fold.get(base, base)
            weights.append((3, ranks[base]) if base in ranks else (4, ord(char)))
        elif unicodedata.category(char).startswith("M"):
            continue  # a combining mark left over: it does not change the letter's place
        else:
            weights.append((1, ord(char)))
    return tuple(weights), text or ""


Row = TypeVar("Row")


def by_name(rows: Iterable[Row], field: str = "name", lang: str | None = None) -> list[Row]:
    """``Translated`` rows (districts, departments, …) sorted by their ``field`` as shown in ``lang`` (the page's
    language by default), by that language's alphabet: the Azerbaijani order on an Azerbaijani page, the Russian
    order of the Russian names on a Russian one, the English order of the English names on an English one."""
    lang = lang or current_lang()
    return sorted(rows, key=lambda row: collation_key(row.text_in(field, lang), lang))


# Role names as the glossary gives them.
ROLE_LABELS = {
    "official": _l("Official"),
    "head": _l("Head of the executive authority"),
    "editor": _l("Editor"),
    "moderator": _l("Moderator"),
    "supervisor": _l("Supervisor"),
    "admin": _l("Administrator"),
}
