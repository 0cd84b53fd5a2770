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
# The tests that read the catalogues and the source alone: run once, in the SQLite run (tests/conftest.py).
CATALOGUES_ONLY = pytest.mark.database_independent


def catalogue(lang: str):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=lang)


@pytest.fixture(scope="module")
def source_messages(tmp_path_factory) -> list:
    """Every translatable string in the code and templates, extracted now, with its context and its files."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    extract(pot, locations=True)
    with open(pot, "rb") as fh:
        return [m for m in read_po(fh) if m.id]


@pytest.fixture(scope="module")
def source_ids(source_messages) -> set[tuple[str | None, str]]:
    """Every translatable string in the code and templates as (context, msgid): a context is a message of its own."""
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in source_messages}


@CATALOGUES_ONLY
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_ui_string_is_translated(lang, source_ids):
    cat = catalogue(lang)
    translated = {}
    for message in cat:
        if not message.id:
            continue
        key = (message.context, message.id if isinstance(message.id, str) else message.id[0])
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if all(strings) and not message.fuzzy:
            translated[key] = message
    missing = sorted(source_ids - set(translated), key=lambda key: (key[1], key[0] or ""))
    assert missing == [], f"{lang}: {len(missing)} strings lack a translation; run 'flask translate update'"


@CATALOGUES_ONLY
@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_their_placeholders(lang):
    wrong = []
    for message in catalogue(lang):
        if not message.id or not message.string:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            # An empty plural form is not translated yet: test_every_ui_string_is_translated reports it.
            if text and set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(source)):
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
    # The page's own query is kept and its language replaced, in each of the three links (built once a request).
    html = client.get("/news/?q=yol&lang=ru").get_data(as_text=True)
    for code in ("az", "ru", "en"):
        assert f'href="/news/?q=yol&amp;lang={code}" lang="{code}"' in html


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


# --- The language review's classes of defect (../shared/LANGUAGE-REVIEW.md, issue 17) --------------------------------
# Each test reads the catalogues (or the extracted source) as they are, so a new string that brings a defect back
# fails here, not in a reviewer's reading months later.

# English words the portal uses in several senses: every use says which one with a message context (pgettext),
# since one msgid has one translation ("Answers" of a poll are options, of a form the applicant's data).
AMBIGUOUS = ("Active", "Answers", "Name", "Place")


def _text(value) -> str:
    return value if isinstance(value, str) else " || ".join(value)


def _area(path: str) -> str:
    """The area of a source file: app/<area>/… and templates/<area>/…, else the file itself (app/cli.py)."""
    parts = Path(path).parts
    return parts[1] if len(parts) > 2 else path


def _entries(lang: str):
    """(context, msgid, msgstr) of every translated entry, plural forms joined."""
    for message in catalogue(lang):
        if message.id and message.string:
            yield message.context, _text(message.id), _text(message.string)


@CATALOGUES_ONLY
def test_words_with_several_senses_always_carry_a_context(source_messages):
    with_context = {m.id for m in source_messages if m.context}
    bare = {}
    for m in source_messages:
        if not m.context and (m.id in AMBIGUOUS or m.id in with_context):
            bare[m.id] = sorted({_area(path) for path, _line in m.locations})
    assert bare == {}, f"use pgettext(context, msgid) for these words (found bare in these areas): {bare}"


@CATALOGUES_ONLY
def test_a_context_split_gives_each_sense_its_own_translation(source_messages):
    # A split is only worth its context when some language translates the senses differently.
    for word in AMBIGUOUS:
        contexts = sorted({m.context for m in source_messages if m.id == word and m.context})
        if len(contexts) < 2:
            continue
        differs = False
        for lang in ("az", "ru"):
            cat = catalogue(lang)
            texts = {_text(cat.get(word, context).string) for context in contexts if cat.get(word, context)}
            differs = differs or len(texts) > 1
        assert differs, f"{word!r}: contexts {contexts} are translated alike in az and ru"


# "Вы" is capitalised, as official Russian portals write to a person.
LOWER_CASE_ADDRESS = re.compile(r"(?<![А-Яа-яЁё])(вы|вас|вам|вами|ваш[а-яё]*)(?![А-Яа-яЁё])")


@CATALOGUES_ONLY
def test_russian_addresses_the_reader_with_a_capital_vy():
    wrong = [(msgid, text) for _context, msgid, text in _entries("ru") if LOWER_CASE_ADDRESS.search(text)]
    assert wrong == [], f"{len(wrong)} entries write вы/вас/ваш… in lower case: {wrong[:5]}"


# In Azerbaijani "sorğu" is both a poll and a request: the portal keeps it for polls.
ABOUT_POLLS = re.compile(r"poll|vote|voting|ballot|topic", re.IGNORECASE)


@CATALOGUES_ONLY
def test_azerbaijani_says_sorgu_only_about_polls():
    wrong = [(msgid, text) for context, msgid, text in _entries("az")
             if "sorğu" in text.lower() and not ABOUT_POLLS.search(f"{context or ''} {msgid}")]
    assert wrong == [], f"'sorğu' outside polls (say 'tələb' for a request): {wrong}"


# One term each; the words the review replaced must not come back.
RETIRED_TERMS = [
    ("ru", re.compile(r"эл\. почт", re.IGNORECASE), "электронная почта"),
    ("ru", re.compile(r"(?<![А-Яа-яЁё])орган(а|у|ом|е|ы|ов|ам|ами|ах)? власти", re.IGNORECASE),
     "исполнительная власть"),
    ("ru", re.compile(r"обложк", re.IGNORECASE), "главное изображение"),
    ("ru", re.compile(r"Исполнительная власть районов"), "Исполнительные власти районов (plural)"),
    ("az", re.compile(r"defolt", re.IGNORECASE), "standart olaraq"),
    ("az", re.compile(r"üz qabığı", re.IGNORECASE), "əsas şəkil"),
    ("az", re.compile(r"situasiya", re.IGNORECASE), "həyat hadisəsi"),
    # Gəncə, Sumqayıt, Mingəçevir, Şirvan and Naftalan are cities: "%(district)s rayonunun …" is wrong for them.
    ("az", re.compile(r"%\(district\)s rayon"), "%(district)s üzrə / %(district)s sakinləri"),
]


@CATALOGUES_ONLY
@pytest.mark.parametrize(("lang", "pattern", "instead"), RETIRED_TERMS,
                         ids=[f"{lang}-{number}" for number, (lang, _p, _i) in enumerate(RETIRED_TERMS)])
def test_retired_terms_are_not_used(lang, pattern, instead):
    wrong = [(msgid, text) for _context, msgid, text in _entries(lang) if pattern.search(text)]
    assert wrong == [], f"{lang}: say {instead!r}: {wrong[:5]}"


@CATALOGUES_ONLY
def test_citizen_proposals_and_consultations_have_their_glossary_names_in_russian():
    # The Azerbaijani catalogue follows the glossary: "təşəbbüs" is a citizen proposal (ru "инициатива", not
    # "предложение", which is the appeal kind) and "ictimai müzakirə" a public consultation ("общественное").
    az = {(context, msgid): text for context, msgid, text in _entries("az")}
    wrong = []
    for context, msgid, text in _entries("ru"):
        az_text = az.get((context, msgid), "").lower()
        if "təşəbbüs" in az_text and "предложени" in text.lower():
            wrong.append((msgid, text))
        if "ictimai müzakirə" in az_text and "обсужд" in text.lower() and "общественн" not in text.lower():
            wrong.append((msgid, text))
    assert wrong == [], f"{len(wrong)} entries: {wrong[:5]}"


@CATALOGUES_ONLY
def test_decimals_in_examples_take_a_comma():
    # Azerbaijani and Russian write 12,5; the number fields accept both.
    example = {"az": "məsələn", "ru": "например"}
    wrong = []
    for lang, word in example.items():
        for _context, msgid, text in _entries(lang):
            if (word in text.lower() or msgid.startswith("Service index =")) and re.search(r"\d\.\d", text):
                wrong.append((lang, msgid, text))
    assert wrong == []


# A date pattern or example date with a two-digit year: CLDR "yy", strftime "%y", "ДД.ММ.ГГ", "GG.AA.İİ", "15.12.26".
# A pattern letter pair stands alone (not inside a word such as "hakimiyyəti"): no letter on either side.
NOT_A_LETTER_BEFORE, NOT_A_LETTER_AFTER = r"(?<![^\W\d_])", r"(?![^\W\d_])"
TWO_DIGIT_YEAR = re.compile(rf"{NOT_A_LETTER_BEFORE}(yy|YY|ГГ|İİ){NOT_A_LETTER_AFTER}|%y|\b\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2}}\b")


@CATALOGUES_ONLY
@pytest.mark.parametrize(("text", "two_digits"), [
    ("dd.MM.yy", True), ("%d.%m.%y", True), ("ДД.ММ.ГГ", True), ("GG.AA.İİ", True), ("например 15.12.26", True),
    ("YYYY-MM-DD", False), ("ГГГГ-ММ-ДД", False), ("İİİİ-AA-GG", False), ("2026-12-15 09:00", False),
])
def test_the_two_digit_year_check_sees_one(text, two_digits):
    assert bool(TWO_DIGIT_YEAR.search(text)) is two_digits


@CATALOGUES_ONLY
@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_date_pattern_has_a_two_digit_year(lang):
    wrong = [(msgid, text) for _context, msgid, text in _entries(lang) if TWO_DIGIT_YEAR.search(text)]
    assert wrong == []


@CATALOGUES_ONLY
def test_residents_are_zhiteli_in_russian():
    # "Гражданин" is the glossary's citizen (and "приём граждан" the reception's name); a resident is "житель".
    wrong = [(msgid, text) for _context, msgid, text in _entries("ru")
             # ("гражданская инициатива", the glossary's citizen proposal, is an adjective: not a person)
             if re.search(r"\bresidents?\b", msgid, re.IGNORECASE) and re.search(r"граждан(?!ск)", text.lower())]
    assert wrong == [], f"{len(wrong)} entries: {wrong[:5]}"
