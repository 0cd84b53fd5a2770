"""Language and formats (issue 17): the language kept across signing in and emailed links, each language's
alphabetical order, one long date style per language, one currency word per language.

The last tests read pages of the seeded demo portal, built once for them (``demo_portal``); they come last in this
file, so that the tests before them, which empty the tables after each run, never empty it under them.
"""
from __future__ import annotations

import csv
import re
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

import pytest
from babel.dates import get_month_names
from flask import render_template_string, session
from flask_babel import force_locale
from sqlalchemy import select

from app.extensions import db
from app.kit import mail
from app.kit.calendar import BAKU
from app.kit.i18n import by_name, collation_key, fmt_date, fmt_datetime, fmt_money, fmt_month, fmt_time, select_locale
from app.kit.reference import active_districts
from app.models import OutboxMessage, User
from tests.conftest import Browserless, empty_tables
from tests.factories import PASSWORD, create_appeal, create_reference_data, create_service, create_user

NEW_PASSWORD = "Yeni-Parol-Bakı-2027"
DISTRICTS_CSV = Path(__file__).resolve().parents[2] / "app" / "data" / "districts.csv"


def html_lang(response) -> str:
    """The language a page was rendered in (its <html lang>)."""
    return re.search(r'<html lang="([a-z]+)"', response.get_data(as_text=True)).group(1)


def newest_mail(app, template: str) -> OutboxMessage:
    """The newest outbox row written from ``template`` (detached: its columns are loaded)."""
    with app.app_context():
        entry = db.session.scalars(select(OutboxMessage).where(OutboxMessage.template == template)
                                   .order_by(OutboxMessage.id.desc())).first()
        assert entry is not None, f"no {template} email"
        db.session.expunge(entry)
        return entry


def link_in(body: str, path: str) -> str:
    """The path and query of the link to ``path`` in an email body (the portal's own address dropped)."""
    match = re.search(r"https://portal\.example\.az(" + re.escape(path) + r"\S*)", body)
    assert match, body
    return match.group(1)


def profile_locale(app, email: str) -> str:
    with app.app_context():
        return db.session.scalar(select(User.locale).where(User.email == email))


# --- 1. The language chosen on the page survives signing in --------------------------------------------------


def test_signing_in_from_an_english_page_lands_in_english_and_saves_it(app, client, web):
    with app.app_context():
        create_user("resident@example.az", locale="az")
    assert html_lang(client.get("/auth/login?lang=en")) == "en"
    response = web.login("resident@example.az", PASSWORD)
    assert response.status_code == 302
    assert html_lang(client.get(response.headers["Location"])) == "en"
    assert html_lang(client.get("/cabinet/")) == "en"
    assert profile_locale(app, "resident@example.az") == "en"
    # Another device, where nobody chose a language, signs in to the profile's language: now English.
    other = app.test_client()
    assert Browserless(other).login("resident@example.az", PASSWORD).status_code == 302
    assert html_lang(other.get("/cabinet/")) == "en"


def test_signing_in_without_choosing_a_language_takes_the_profiles(app, client, web):
    with app.app_context():
        create_user("resident@example.az", locale="ru")
    assert html_lang(client.get("/auth/login")) == "az"  # a visitor who chose nothing reads the default
    response = web.login("resident@example.az", PASSWORD)
    assert html_lang(client.get(response.headers["Location"])) == "ru"
    assert profile_locale(app, "resident@example.az") == "ru"


def test_the_next_person_on_a_shared_browser_does_not_inherit_the_previous_ones_language(app, client, web):
    with app.app_context():
        create_user("first@example.az", locale="ru")
        create_user("second@example.az", locale="az")
    web.login("first@example.az", PASSWORD)
    assert html_lang(client.get("/cabinet/")) == "ru"
    web.post("/auth/logout", {}, form_url="/cabinet/")
    assert html_lang(client.get("/")) == "ru"  # the browser still reads Russian: nobody chose it, though
    response = web.login("second@example.az", PASSWORD)
    assert html_lang(client.get(response.headers["Location"])) == "az"
    assert profile_locale(app, "second@example.az") == "az"
    # A choice made on the page after signing out does count.
    web.post("/auth/logout", {}, form_url="/cabinet/")
    client.get("/?lang=en")
    web.login("first@example.az", PASSWORD)
    assert html_lang(client.get("/cabinet/")) == "en" and profile_locale(app, "first@example.az") == "en"


def test_the_chosen_language_survives_the_second_step_of_signing_in(app, client, web):
    with app.app_context():
        create_user("official@example.az", locale="az", two_factor=True)
    client.get("/auth/login?lang=ru")
    response = web.login("official@example.az", PASSWORD)
    assert response.status_code == 302 and "/auth/" not in response.headers["Location"]
    assert html_lang(client.get(response.headers["Location"])) == "ru"
    assert profile_locale(app, "official@example.az") == "ru"


def test_the_address_language_wins_in_the_locale_selector(app):
    with app.test_request_context("/about?lang=ru"):
        session["lang"] = "en"
        assert select_locale() == "ru"
    with app.test_request_context("/about?lang=xx"):
        assert select_locale() == "az"
    with app.test_request_context("/about"):
        session["lang"] = "en"
        assert select_locale() == "en"


# --- 2. A link from an email opens in the email's language -----------------------------------------------------


def test_a_reset_link_opens_in_the_language_of_its_email_and_its_token_still_works(app, client, web):
    with app.app_context():
        create_user("resident@example.az", locale="ru")
    # Asked for from an Azerbaijani page: the email goes out in the account's language, Russian.
    assert web.post("/auth/reset?lang=az", {"email": "resident@example.az"}, form_url="/auth/reset").status_code == 200
    email = newest_mail(app, "reset")
    assert email.locale == "ru"
    path = link_in(email.body, "/auth/reset/")
    assert path.endswith("?lang=ru")
    # Followed on another device, where nobody chose a language: the token moves into the session as always.
    device = app.test_client()
    followed = device.get(path)
    assert followed.status_code == 302 and followed.headers["Location"].endswith("/auth/new-password")
    page = device.get("/auth/new-password")
    assert page.status_code == 200 and html_lang(page) == "ru" and "пароль" in page.get_data(as_text=True).lower()
    saved = Browserless(device).post("/auth/new-password", {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert saved.status_code == 302
    assert html_lang(device.get(saved.headers["Location"])) == "ru"
    assert Browserless(app.test_client()).login("resident@example.az", NEW_PASSWORD).status_code == 302


def test_a_confirmation_link_from_an_english_registration_opens_in_english(app, client, web):
    form = {"full_name": "Aygün Həsənova", "email": "new@example.az", "password": PASSWORD,
            "password_again": PASSWORD, "consent": "y"}
    assert web.post("/auth/register?lang=en", form, form_url="/auth/register?lang=en").status_code == 302
    email = newest_mail(app, "confirm")
    assert email.locale == "en"
    path = link_in(email.body, "/auth/confirm/")
    assert path.endswith("?lang=en")
    device = app.test_client()
    device.get("/about?lang=ru")  # this browser was reading Russian
    followed = device.get(path)
    assert followed.status_code == 302
    landed = device.get(followed.headers["Location"])
    assert html_lang(landed) == "en" and "Your email address is confirmed" in landed.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User.confirmed_at).where(User.email == "new@example.az")) is not None


def test_every_link_to_the_portal_in_an_email_carries_its_language_and_no_other(app, ctx):
    body = ("Reset: https://portal.example.az/auth/reset/abc.def-ghi\n"
            "Article: https://portal.example.az/news/article/5?lang=en\n"
            "Case: https://portal.example.az/cabinet/appeals/7#answer.\n"
            "Filter: https://portal.example.az/services/?district=3, then apply.\n"
            "Home: https://portal.example.az\n"
            "Elsewhere: https://www.e-gov.az/az/services and https://portal.example.az.evil.example/x\n")
    assert mail.localized_links(body, "ru") == (
        "Reset: https://portal.example.az/auth/reset/abc.def-ghi?lang=ru\n"
        "Article: https://portal.example.az/news/article/5?lang=en\n"  # written for its own language: kept
        "Case: https://portal.example.az/cabinet/appeals/7?lang=ru#answer.\n"
        "Filter: https://portal.example.az/services/?district=3&lang=ru, then apply.\n"
        "Home: https://portal.example.az?lang=ru\n"
        "Elsewhere: https://www.e-gov.az/az/services and https://portal.example.az.evil.example/x\n")
    # The builders themselves stay plain: the verification address printed on a document carries no language.
    assert mail.absolute("/verify/ABC") == "https://portal.example.az/verify/ABC"


def test_the_booking_email_has_a_long_date_a_short_time_and_a_link_in_its_language(app, client, web):
    from app.reception import service as reception

    now = datetime(2026, 12, 7, 9, 0, tzinfo=BAKU)  # Monday; the reception is on Thursday 10 December, 10:00–12:00
    with app.test_request_context(), force_locale("en"):
        districts = create_reference_data()
        head = create_user("head@example.az", roles=[("head", districts["GNC"])])
        citizen = create_user("citizen@example.az", locale="ru")
        day = reception.publish(head, districts["GNC"].id, reception.SessionInput(
            host_id=head.id, day=date(2026, 12, 10), start=time(10), end=time(12), slot_minutes=20, seats_per_slot=1,
            cutoff_hours=24, place="Gəncə ş., Heydər Əliyev pr. 1", topics=""), now=now)
        booking = reception.book(citizen, day.id, day.slots[2].id, "Mənzil növbəsi", now=now)
        booking_id = booking.id
        db.session.remove()
    email = newest_mail(app, "reception_booked")
    assert email.locale == "ru"
    # Thursday 10 December 2026, 10:40 in Baku: not "10:40:00 Azərbaycan Standart Vaxtı".
    assert "четверг, 10 декабря 2026, 10:40" in email.body
    assert "10:40:00" not in email.body and "Vaxtı" not in email.body and "Standard Time" not in email.body
    assert "9 декабря 2026, 10:00" in email.body  # the cancellation cutoff, a day before
    path = link_in(email.body, f"/cabinet/receptions/{booking_id}")
    assert path == f"/cabinet/receptions/{booking_id}?lang=ru"
    # The resident reads the portal in English in this browser; the email's link opens the booking in Russian.
    client.get("/?lang=en")
    web.login("citizen@example.az", PASSWORD)
    page = client.get(path)
    assert page.status_code == 200 and html_lang(page) == "ru"
    assert "10 декабря 2026" in page.get_data(as_text=True)


# --- 3. Each language's alphabetical order ---------------------------------------------------------------------

# The project's districts in each language's order: Azerbaijani puts x after h and q after k (Xaçmaz before
# İsmayıllı, Qəbələ before Lənkəran) and ə after e (Gəncə before Göygöl, Səbail before Sumqayıt); Russian keeps ё
# beside е (Гёйгёль before Губа); English is plain a–z.
EXPECTED = {
    "az": ["Cəlilabad", "Gəncə", "Göygöl", "Xaçmaz", "İsmayıllı", "Qəbələ", "Quba", "Qusar", "Lənkəran", "Masallı",
           "Mingəçevir", "Naftalan", "Səbail", "Sumqayıt", "Şamaxı", "Şəki", "Şəmkir", "Şirvan", "Yevlax", "Zaqatala"],
    "ru": ["Габала", "Гёйгёль", "Губа", "Гусар", "Гянджа", "Джалилабад", "Евлах", "Закатала", "Исмаиллы", "Лянкяран",
           "Масаллы", "Мингячевир", "Нафталан", "Сабаил", "Сумгайыт", "Хачмаз", "Шамахы", "Шамкир", "Шеки", "Ширван"],
    "en": ["Ganja", "Goygol", "Ismayilli", "Jalilabad", "Khachmaz", "Lankaran", "Masally", "Mingachevir", "Naftalan",
           "Qabala", "Quba", "Qusar", "Sabail", "Shaki", "Shamakhi", "Shamkir", "Shirvan", "Sumqayit", "Yevlakh",
           "Zaqatala"],
}


def csv_names(lang: str) -> list[str]:
    with open(DISTRICTS_CSV, encoding="utf-8", newline="") as fh:
        return [row[f"name_{lang}"] for row in csv.DictReader(fh)]


@pytest.mark.parametrize("lang", ["az", "ru", "en"])
def test_the_districts_sort_by_the_alphabet_of_each_language(lang):
    names = csv_names(lang)
    assert sorted(names, key=lambda name: collation_key(name, lang)) == EXPECTED[lang]
    assert sorted(reversed(names), key=lambda name: collation_key(name, lang)) == EXPECTED[lang]


def test_letter_case_and_the_two_azerbaijani_i_do_not_move_a_name():
    # Capitals weigh as their small letters: İ as i, I as ı (Python's lower() makes both i).
    assert collation_key("İSMAYILLI", "az")[0] == collation_key("ismayıllı", "az")[0]
    assert collation_key("ŞƏKİ", "az")[0] == collation_key("şəki", "az")[0]
    # Capital I is the capital of ı, which comes before i: "Ilısu" before "İmişli".
    assert sorted(["İmişli", "Ilısu"], key=lambda t: collation_key(t, "az")) == ["Ilısu", "İmişli"]
    assert sorted(["ŞƏKİ", "Sabirabad", "Zərdab"], key=lambda t: collation_key(t, "az")) == ["Sabirabad", "ŞƏKİ", "Zərdab"]
    # On an English page an Azerbaijani name left untranslated sorts by its plain letters.
    assert sorted(["Zaqatala", "Şəki", "Göygöl"], key=lambda t: collation_key(t, "en")) == ["Göygöl", "Şəki", "Zaqatala"]


@pytest.mark.parametrize("lang", ["az", "ru", "en"])
def test_district_lists_on_the_pages_follow_the_pages_language(app, client, lang):
    with app.app_context():
        districts = create_reference_data()
        create_service(districts.values())
        with force_locale(lang):
            assert [d.text_in("name", lang) for d in active_districts()] == EXPECTED[lang]
        assert [d.text_in("name", lang) for d in by_name(districts.values(), lang=lang)] == EXPECTED[lang]
    # The catalogue's district filter and the service's "Offered by" list.
    html = client.get(f"/services/?lang={lang}").get_data(as_text=True)
    select_html = re.search(r'<select id="district".*?</select>', html, re.S).group(0)
    assert re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', select_html) == EXPECTED[lang]
    service = client.get(f"/services/residence-certificate?lang={lang}").get_data(as_text=True)
    offered = re.search(r"</h2>\s*<p>([^<]+)</p>", service[service.index("<h2>", service.index('<dt>')):]).group(1)
    assert offered.split(", ") == EXPECTED[lang]


# --- 4. One date style per language ----------------------------------------------------------------------------

LONG = {"az": "25 dekabr 2026", "ru": "25 декабря 2026", "en": "25 December 2026"}
WEEKDAY = {"az": "cümə, 25 dekabr 2026", "ru": "пятница, 25 декабря 2026", "en": "Friday, 25 December 2026"}
MONTH = {"az": "dekabr 2026", "ru": "декабрь 2026", "en": "December 2026"}


@pytest.mark.parametrize("lang", ["az", "ru", "en"])
def test_one_long_date_and_a_short_time_in_each_language(app, lang):
    moment = datetime(2026, 12, 25, 6, 5, 30, tzinfo=UTC)  # 10:05 in Baku
    with app.test_request_context(), force_locale(lang):
        assert fmt_date(date(2026, 12, 25)) == LONG[lang]
        assert fmt_date(moment) == LONG[lang]
        for style in ("short", "medium", "long"):  # whatever a page asks for, no short form comes back
            assert fmt_date(date(2026, 12, 25), style) == LONG[lang]
            assert fmt_datetime(moment, style) == f"{LONG[lang]}, 10:05"
        assert fmt_datetime(moment) == f"{LONG[lang]}, 10:05"
        assert fmt_date(moment, "full") == WEEKDAY[lang]
        assert fmt_datetime(moment, "full") == f"{WEEKDAY[lang]}, 10:05"
        assert fmt_time(moment) == "10:05"
        assert fmt_month(date(2026, 12, 1)) == MONTH[lang]
        assert fmt_date(None) == fmt_datetime(None) == fmt_time(None) == ""


APPEAL_DATES = {  # filed Monday 16 March 2026 at 09:00; due 15 working days later, after Novruz and Ramazan
    "az": ("16 mart 2026, 09:00", "15 aprel 2026"),
    "ru": ("16 марта 2026, 09:00", "15 апреля 2026"),
    "en": ("16 March 2026, 09:00", "15 April 2026"),
}


@pytest.mark.parametrize("lang", ["az", "ru", "en"])
def test_an_appeals_dates_read_in_the_long_form_of_each_language(app, client, web, lang):
    with app.test_request_context(), force_locale("en"):
        districts = create_reference_data()
        citizen = create_user("citizen@example.az")
        appeal_id = create_appeal(citizen, districts["GNC"], now=datetime(2026, 3, 16, 9, tzinfo=BAKU)).id
        db.session.remove()
    web.login("citizen@example.az", PASSWORD)
    html = client.get(f"/cabinet/appeals/{appeal_id}?lang={lang}").get_data(as_text=True)
    received, due = APPEAL_DATES[lang]
    assert received in html and due in html
    assert list_two_digit_years(html, lang) == []
    listing = client.get(f"/cabinet/appeals?lang={lang}").get_data(as_text=True)
    assert due in listing and list_two_digit_years(listing, lang) == []


# --- 5. One currency word per language -------------------------------------------------------------------------

FEES = {"az": "2,50 manat", "ru": "2,50 манат", "en": "2.50 manat"}


@pytest.mark.parametrize("lang", ["az", "ru", "en"])
def test_fees_show_the_languages_one_currency_word_and_decimal_separator(app, client, lang):
    with app.app_context():
        districts = create_reference_data()
        service = create_service([districts["GNC"]])
        service.fee = Decimal("2.50")
        db.session.commit()
    for path in ("/services/", "/services/residence-certificate"):
        html = client.get(f"{path}?lang={lang}").get_data(as_text=True)
        assert FEES[lang] in html, path
        assert "AZN" not in html and "ман." not in html


@pytest.mark.parametrize(("lang", "amounts"), [
    ("az", ["12.500,50 manat", "3 manat"]),
    ("ru", ["12\xa0500,50 манат", "3 манат"]),
    ("en", ["12,500.50 manat", "3 manat"]),
])
def test_amounts_use_the_locales_separators(app, lang, amounts):
    with app.test_request_context(), force_locale(lang):
        assert [fmt_money(Decimal("12500.50")), fmt_money(3)] == amounts
        assert fmt_money(None) == ""
        # The commitments' cost macro says it the same way.
        rendered = render_template_string('{% from "components/commitments.html" import money %}{{ money(cost) }}',
                                          cost=Decimal("12500.50"))
        assert rendered == amounts[0]


# --- Pages of the seeded demo portal -------------------------------------------------------------------------

# A year written with two digits: 25.12.26, 12/25/26, "dek 26", "Dec '26".
NUMERIC_SHORT_YEAR = re.compile(r"(?<![\d.,/])\d{1,2}[./]\d{1,2}[./]\d{2}(?![\d./])")


def _months(lang: str, width: str) -> set[str]:
    return {name for context in ("format", "stand-alone") for name in get_month_names(width, context, lang).values()}


def list_two_digit_years(html: str, lang: str) -> list[str]:
    """Every date on a page whose year has two digits ("25.12.26", "dek 26"), or that is not in the long form: an
    abbreviated month ("25 dek 2026") or the month first ("December 25, 2026")."""
    text = re.sub(r"<[^>]+>", " ", html)  # the words shown, not the attributes (ISO dates, ids, addresses)
    found = NUMERIC_SHORT_YEAR.findall(text)
    abbreviated = {name for name in _months(lang, "abbreviated") if name not in _months(lang, "wide")}
    months = "|".join(re.escape(name) for name in sorted(abbreviated | _months(lang, "wide"), key=len, reverse=True))
    found += re.findall(rf"(?<!\w)(?:{months}) ['’]?\d{{2}}(?![\d,:])", text)
    found += re.findall(rf"(?<!\w)(?:{months}) \d{{1,2}}, \d{{4}}", text)
    if abbreviated:
        short = "|".join(re.escape(name) for name in sorted(abbreviated, key=len, reverse=True))
        found += re.findall(rf"\b\d{{1,2}} (?:{short}) \d{{4}}\b", text)
    return found


def long_dates(html: str, lang: str) -> list[str]:
    """The long-form dates on a page: "25 dekabr 2026", "25 декабря 2026", "25 December 2026"."""
    text = re.sub(r"<[^>]+>", " ", html)
    months = "|".join(re.escape(name) for name in _months(lang, "wide"))
    return re.findall(rf"\b\d{{1,2}} (?:{months}) \d{{4}}\b", text)


@pytest.fixture(scope="module")
def demo_portal(app):
    """The demo portal (every area's demo rows), built once for the page tests below."""
    from app.accountability import stats
    from app.accounts import two_factor
    from app.administration import seed
    from app.appeals import demo
    from app.commitments import service as commitments
    from app.consultations import demo as consultation_demo
    from app.eservices import demo as eservice_seed
    from app.news import demo as news_demo
    from app.polls import demo as poll_demo
    from app.proposals import demo as proposal_demo

    empty_tables(app)
    with app.app_context():
        seed.seed_reference_data()
        seed.seed_demo_users()
        two_factor.seed_demo()
        demo.seed_demo_appeals(60)
        demo.seed_demo_receptions()
        commitments.seed_demo()
        eservice_seed.seed_catalogue()
        eservice_seed.seed_demo_applications(*demo.demo_service_people())
        news_demo.seed_demo_news()
        consultation_demo.seed_demo_consultations()
        poll_demo.seed_demo()
        proposal_demo.seed_demo()
        stats.rebuild()
    yield
    empty_tables(app)


PUBLIC_PAGES = ["/", "/appeals/public", "/reception/", "/accountability/", "/commitments/", "/services/", "/polls/",
                "/proposals/", "/consultations/", "/news/", "/news/events"]
SIGNED_IN_PAGES = {
    "citizen@demo.az": ["/cabinet/", "/cabinet/appeals", "/cabinet/receptions", "/cabinet/services", "/cabinet/polls",
                        "/cabinet/proposals", "/cabinet/sessions"],
    "official.gnc@demo.az": ["/office/appeals?status=all", "/office/reception", "/office/services?status=all",
                             "/office/proposals"],
    "admin@demo.az": ["/admin/users", "/admin/audit", "/admin/calendar", "/office/news/", "/office/polls"],
}


@pytest.fixture(scope="module")
def visitors(app, demo_portal):
    """A browser per demo account, signed in once (a second factor's code works once), and one signed out."""
    from app.accounts import two_factor
    from app.administration.seed import DEMO_PASSWORD

    browsers = {None: app.test_client()}
    for email in SIGNED_IN_PAGES:
        browsers[email] = app.test_client()
        response = Browserless(browsers[email]).login(email, DEMO_PASSWORD, totp_secret=two_factor.DEMO_TOTP_SECRET)
        assert response.status_code == 302 and "/auth/" not in response.headers["Location"], email
    return browsers


def _pages(visitors, lang: str) -> dict[str, str]:
    pages = {}
    for email, paths in [(None, PUBLIC_PAGES), *SIGNED_IN_PAGES.items()]:
        for path in paths:
            response = visitors[email].get(f"{path}{'&' if '?' in path else '?'}lang={lang}")
            assert response.status_code == 200, (email, path)
            pages[f"{email or 'visitor'} {path}"] = response.get_data(as_text=True)
    return pages


@pytest.mark.shared_tables
@pytest.mark.parametrize("lang", ["az", "ru", "en"])
def test_no_page_shows_a_two_digit_year_and_dates_are_long(visitors, lang):
    pages = _pages(visitors, lang)
    assert all(f'<html lang="{lang}">' in html for html in pages.values())
    short = {name: list_two_digit_years(html, lang) for name, html in pages.items()}
    assert {name: found for name, found in short.items() if found} == {}
    dated = [name for name, html in pages.items() if long_dates(html, lang)]
    assert len(dated) >= 10, dated  # most of these lists show dates, all in the long form
