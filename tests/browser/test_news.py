"""News in the browser: every page passes axe in az, ru and en (forms with errors included), and the journey
write → schedule → publish (publish-due in-process on a controlled clock) → read."""
from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.kit.calendar import BAKU
from app.models import Article, ArticleText, User
from app.news import service as news
from tests.browser.test_accessibility import LANGS, assert_accessible, sign_in
from tests.factories import create_article, create_reference_data, create_tags, create_user, image_bytes
from tests.snapshots import replayed


class _Upload:
    def __init__(self, name: str, data: bytes):
        self.filename, self.stream = name, io.BytesIO(data)


@pytest.fixture
def newsroom(app):
    """Gəncə's editor; a published article with a cover in three languages, one in Azerbaijani only, an event, a draft.
    Built once, then put back (tests/snapshots.py)."""
    with app.test_request_context():
        return replayed("browser news: newsroom", _build_newsroom)


def _build_newsroom() -> dict:
    gnc = create_reference_data()["GNC"]
    tags = create_tags()
    editor = create_user("editor@example.az", full_name="Səbinə İsmayılova", roles=[("editor", gnc)])
    data = news.ArticleInput(kind="news", district_id=gnc.id, tag_ids=[tags["roads"].id], texts={
        "az": news.TextInput("Nizami küçəsi təmir olundu", "Yeni asfalt", "Küçədə **yeni** asfalt döşəndi.", "Yeni asfaltlı küçə"),
        "ru": news.TextInput("Улица Низами отремонтирована", "Новый асфальт", "Уложен **новый** асфальт.", "Улица с новым асфальтом"),
        "en": news.TextInput("Nizami street repaired", "New asphalt", "**New** asphalt was laid.", "A street with new asphalt"),
    })
    article = news.save(editor, None, data, _Upload("street.jpg", image_bytes(1200, 700)))
    news.transition(editor, article.id, "published")
    az_only = create_article(editor, gnc, title="Yalnız Azərbaycanca xəbər", langs=("az",), tags=[tags["roads"]])
    event = create_article(editor, gnc, kind="event", title="Yeni il yarmarkası", place="Meydan")
    draft = create_article(editor, gnc, status="draft", title="Qaralama")
    return {"article": article.id, "az_only": az_only.id, "event": event.id, "draft": draft.id,
            "month": event.starts_at.astimezone(BAKU).strftime("%Y-%m")}


@pytest.mark.parametrize("lang", LANGS)
def test_every_news_page_has_no_axe_violation(page, lang, newsroom):
    for path in ["/news/", "/news/GNC", "/news/GNC?kind=event", "/news/?tag=roads", "/news/?tag=no-such-tag",
                 f"/news/article/{newsroom['article']}", f"/news/article/{newsroom['az_only']}",
                 f"/news/article/{newsroom['event']}", f"/news/events?month={newsroom['month']}",
                 "/news/events?district=GNC", "/?district=GNC"]:
        page.goto(f"{path}{'&' if '?' in path else '?'}lang={lang}")
        assert_accessible(page, lang)

    sign_in(page, "editor@example.az")
    for path in ["/office/news/", "/office/news/new", f"/office/news/{newsroom['draft']}",
                 f"/office/news/{newsroom['draft']}/preview", f"/office/news/{newsroom['article']}/edit"]:
        page.goto(f"{path}?lang={lang}")
        assert_accessible(page, lang)
    # The form sent empty, and a schedule in the past: the errors beside the fields.
    page.goto(f"/office/news/new?lang={lang}")
    with page.expect_navigation():
        page.click("input[type=submit]")
    assert page.locator(".error-summary").is_visible() and page.locator("#title_az-error").is_visible()
    assert_accessible(page, lang)
    page.goto(f"/office/news/{newsroom['draft']}?lang={lang}")
    page.fill("#schedule-publish_at", "2020-01-01T10:00")
    with page.expect_navigation():
        page.click("#schedule-submit")
    assert page.locator("#schedule-publish_at-error").is_visible()
    assert_accessible(page, lang)


def find_through_search(page, title: str) -> None:
    """→ search: the visitor types the title into the search box of the district's news and finds the article,
    its words marked, on a page with no axe violation; then opens it."""
    page.goto("/news/GNC?lang=en")
    page.fill("#news-q", title)
    page.click(".news-search-box button[type=submit]")
    page.wait_for_load_state()
    result = page.locator(".news-results li").filter(has_text=title)
    assert result.count() == 1
    assert [m.lower() for m in result.locator("h3 mark").all_inner_texts()][-2:] == ["central", "park"]
    assert_accessible(page, "en")
    result.locator("h3 a").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == title


def test_write_schedule_publish_read(page, app, newsroom):
    sign_in(page, "editor@example.az")
    page.goto("/office/news/new?lang=en")
    page.check("#kind-0")
    page.fill("#title_az", "Mərkəzi parkda yeni fəvvarə")
    page.fill("#summary_az", "Fəvvarə axşamlar işıqlandırılır.")
    page.fill("#body_az", "Parkda **yeni fəvvarə** istifadəyə verildi.")
    page.fill("#title_ru", "Новый фонтан в центральном парке")
    page.fill("#body_ru", "В парке открыт **новый фонтан**.")
    page.fill("#title_en", "A new fountain in the central park")
    page.fill("#body_en", "A **new fountain** opened in the park.")
    page.set_input_files("#cover", files=[{"name": "fountain.jpg", "mimeType": "image/jpeg",
                                          "buffer": image_bytes(1400, 800)}])
    page.fill("#alt_az", "Işıqlı fəvvarə")
    page.fill("#alt_ru", "Освещённый фонтан")
    page.fill("#alt_en", "A lit fountain")
    page.locator("input[name=tags]").first.check()
    page.click("#submit")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "A new fountain in the central park"
    article_id = int(page.url.split("?")[0].rstrip("/").split("/")[-1])

    page.get_by_role("link", name="Preview", exact=True).click()
    page.wait_for_load_state()
    assert page.locator(".news-preview").is_visible()
    assert page.locator("img.news-cover").get_attribute("alt") == "A lit fountain"
    page.go_back()

    when = (datetime.now(BAKU) + timedelta(hours=2)).replace(second=0, microsecond=0)
    page.fill("#schedule-publish_at", when.strftime("%Y-%m-%dT%H:%M"))
    with page.expect_navigation():
        page.click("#schedule-submit")
    assert page.locator(".flash-success").is_visible()
    with app.app_context():
        assert db.session.get(Article, article_id).status == "scheduled"

    # Invisible until its time.
    page.context.clear_cookies()
    page.goto("/news/GNC?lang=en")
    assert page.locator("text=A new fountain in the central park").count() == 0
    # publish-due, in-process, first before the time and then after it.
    with app.app_context():
        assert news.publish_due(now=when - timedelta(minutes=30)) == []
        assert news.publish_due(now=when + timedelta(minutes=1)) == [article_id]

    find_through_search(page, "A new fountain in the central park")
    page.goto("/news/GNC?lang=en")
    page.get_by_role("link", name="A new fountain in the central park").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "A new fountain in the central park"
    assert page.locator(".news-body strong").inner_text() == "new fountain"
    assert_accessible(page, "en")
    page.goto(f"/news/article/{article_id}?lang=ru")
    assert page.locator("h1").inner_text() == "Новый фонтан в центральном парке"
    with app.app_context():
        editor = db.session.scalar(select(User).where(User.email == "editor@example.az"))
        assert editor is not None
        assert db.session.scalar(select(ArticleText.title).where(ArticleText.article_id == article_id,
                                                                 ArticleText.lang == "az")) == "Mərkəzi parkda yeni fəvvarə"
