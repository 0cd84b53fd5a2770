"""News search and subscriptions in the browser: a visitor finds a published article by its words, subscribes,
confirms and unsubscribes; every page on the way has zero axe violations in az, ru and en."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage
from app.news import subscriptions as news_subscriptions
from tests.browser.test_accessibility import LANGS, assert_accessible
from tests.factories import create_reference_data, create_user
from tests.news_helpers import clear_search_index, publish

TEXTS = {
    "az": ("Kitabxanada oxu marafonu", "Uşaqlar üçün yay oxu marafonu başlayır.", "Marafon iyulda başlayır."),
    "ru": ("Марафон чтения в библиотеке", "Летний марафон чтения для детей.", "Марафон начнётся в июле."),
    "en": ("Reading marathon at the library", "A summer reading marathon for children.", "It starts in July."),
}
WORD = {"az": "marafon", "ru": "марафон", "en": "marathon"}


@pytest.fixture
def article(app):
    with app.app_context():
        clear_search_index()
        districts = create_reference_data()
        editor = create_user("editor@example.az", roles=[("editor", districts["GNC"])])
        article_id = publish(editor, districts["GNC"], TEXTS).id
    yield article_id
    with app.app_context():
        clear_search_index()


@pytest.mark.parametrize("lang", LANGS)
def test_a_visitor_searches_from_the_district_news_and_reads_the_article(page, article, lang):
    page.goto(f"/news/GNC?lang={lang}")
    assert_accessible(page, lang)
    page.fill("#news-q", WORD[lang])
    page.click(".news-search-box button[type=submit]")
    page.wait_for_load_state()
    assert "/news/search" in page.url
    first = page.locator(".news-results li").first
    assert first.locator("mark").first.inner_text().lower().startswith(WORD[lang][:5])
    assert_accessible(page, lang)
    first.locator("h3 a").click()
    page.wait_for_load_state()
    assert f"/news/article/{article}" in page.url
    assert TEXTS[lang][0] in page.locator("h1").inner_text()


@pytest.mark.parametrize("lang", LANGS)
def test_search_pages_with_no_result_and_with_errors(page, article, lang):
    page.goto(f"/news/search?lang={lang}")
    assert_accessible(page, lang)
    page.fill("#q", "!!! ???")
    with page.expect_navigation():
        page.click(".news-search-form button[type=submit]")
    assert page.locator("#q-error").is_visible() and page.locator(".error-summary").is_visible()
    assert_accessible(page, lang)
    page.fill("#q", "x" * 1000)
    with page.expect_navigation():
        page.click(".news-search-form button[type=submit]")
    assert page.locator("#q-error").is_visible()
    page.fill("#q", "nothingmatchesthis")
    page.select_option("#district", "MSL")
    with page.expect_navigation():
        page.click(".news-search-form button[type=submit]")
    assert page.locator(".news-results").count() == 0 and page.locator(".empty").is_visible()
    assert_accessible(page, lang)


def _last_link(app, recipient: str, pattern: str) -> str:
    with app.app_context():
        body = db.session.scalars(select(OutboxMessage.body).where(OutboxMessage.recipient == recipient)
                                  .order_by(OutboxMessage.id.desc())).first()
    return re.search(pattern, body).group(1)


@pytest.mark.parametrize("lang", LANGS)
def test_subscribe_confirm_and_unsubscribe(app, page, article, lang):
    email = f"reader-{lang}@example.az"
    page.goto(f"/news/GNC/subscribe?lang={lang}")
    assert_accessible(page, lang)
    # Nothing filled in: the errors beside the fields.
    page.fill("#email", "not an address")
    with page.expect_navigation():
        page.click(".news-subscribe input[type=submit]")
    assert page.locator("#email-error").is_visible() and page.locator(".error-summary").is_visible()
    assert_accessible(page, lang)
    page.fill("#email", email)
    page.check(f"input[name=lang][value={lang}]")
    page.click(".news-subscribe input[type=submit]")
    page.wait_for_load_state()
    assert "/news/GNC" in page.url and page.locator(".flash-success").is_visible()
    assert_accessible(page, lang)  # the district's news page with the subscription form

    page.goto(_last_link(app, email, r"https?://[^/\s]+(/news/subscription/confirm/\S+)"))
    assert page.locator("h1").is_visible()
    assert_accessible(page, lang)

    with app.app_context():
        from app.models import District, User, utcnow

        editor = db.session.scalar(select(User).where(User.email == "editor@example.az"))
        gnc = db.session.scalar(select(District).where(District.code == "GNC"))
        publish(editor, gnc, {"az": ("Yeni park", "", "mətn")}, published_at=utcnow())
        assert news_subscriptions.send_digests().sent == 1
    unsubscribe = _last_link(app, email, r"https?://[^/\s]+(/news/unsubscribe/\S+)")
    page.goto(unsubscribe)
    assert_accessible(page, lang)
    page.click("main form input[type=submit]")
    page.wait_for_load_state()
    assert_accessible(page, lang)
    page.goto(unsubscribe)  # used once: no longer works
    assert_accessible(page, lang)
