"""Languages: complete catalogues, switching, remembering, locale formatting."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale

from app.cli import extract
from app.extensions import db
from app.kit.i18n import fmt_datetime, fmt_number
from app.models import LANGUAGES, User
from tests.factories import PASSWORD, create_user

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")


def catalogue(lang: str):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=lang)


@pytest.fixture(scope="module")
def source_ids(tmp_path_factory) -> set[str]:
    """Every translatable string in the code and templates, extracted now."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    extract(pot)
    with open(pot, "rb") as fh:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_ui_string_is_translated(lang, source_ids):
    cat = catalogue(lang)
    translated = {}
    for message in cat:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if all(strings) and not message.fuzzy:
            translated[key] = message
    missing = sorted(source_ids - set(translated))
    assert missing == [], f"{lang}: {len(missing)} strings lack a translation; run 'flask translate update'"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_their_placeholders(lang):
    wrong = []
    for message in catalogue(lang):
        if not message.id or not message.string:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            if set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(source)):
                wrong.append((source, text))
    assert wrong == []


def test_lang_parameter_switches_and_is_remembered(client):
    assert '<html lang="ru">' in client.get("/?lang=ru").get_data(as_text=True)
    # Remembered for the session without the parameter.
    assert '<html lang="ru">' in client.get("/about").get_data(as_text=True)
    assert '<html lang="en">' in client.get("/about?lang=en").get_data(as_text=True)


def test_unknown_language_falls_back_to_azerbaijani(client):
    client.get("/?lang=ru")
    html = client.get("/?lang=xx").get_data(as_text=True)
    assert '<html lang="az">' in html


def test_default_language_is_azerbaijani(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="az">' in html and "Daxil ol" in html


def test_each_language_renders_its_own_words(client):
    assert "Войти" in client.get("/?lang=ru").get_data(as_text=True)
    assert "Sign in" in client.get("/?lang=en").get_data(as_text=True)


def test_switching_language_signed_in_saves_it_on_the_profile(app, web, client):
    with app.app_context():
        create_user()
    web.login("resident@example.az", PASSWORD)
    client.get("/cabinet/?lang=en")
    with app.app_context():
        assert db.session.scalar(db.select(User.locale)) == "en"
    # A new device signs in and gets the profile's language.
    other = app.test_client()
    from tests.conftest import Browserless

    Browserless(other).login("resident@example.az", PASSWORD)
    assert '<html lang="en">' in other.get("/cabinet/").get_data(as_text=True)


def test_language_switcher_keeps_the_current_page(client):
    html = client.get("/about?lang=az").get_data(as_text=True)
    assert 'href="/about?lang=ru"' in html and 'href="/about?lang=en"' in html


def test_dates_and_numbers_follow_the_locale(app):
    moment = datetime(2026, 3, 20, 9, 30, tzinfo=UTC)
    with app.test_request_context():
        with force_locale("ru"):
            assert "мар" in fmt_datetime(moment) and "13:30" in fmt_datetime(moment)
            assert fmt_number(1234567.5) == "1\xa0234\xa0567,5"
        with force_locale("en"):
            assert "Mar" in fmt_datetime(moment) and fmt_number(1234567.5) == "1,234,567.5"
        with force_locale("az"):
            assert "mar" in fmt_datetime(moment).lower()
            assert fmt_number(1234567.5) == "1.234.567,5"
