"""News feeds, sitemap and search: a published article appears in each, in its language, and nothing else does."""
from __future__ import annotations

import re
from datetime import timedelta

import feedparser
import pytest

from app.extensions import db
from app.models import User, utcnow
from app.news import search as news_search
from tests.factories import create_reference_data, create_user
from tests.news_helpers import clean_search_index, clear_search_index, publish  # noqa: F401 (a fixture)
from tests.snapshots import replayed
from tests.test_pages import check_page

WATER = ("Su təchizatı bərpa olundu", "Nizami küçəsində su təchizatı bərpa edildi.",
         "Gəncə şəhərində təmir işləri başa çatdı və məktəblərin həyətində yeni su xətti çəkildi.")
WATER_RU = ("Водоснабжение восстановлено", "На улице Низами восстановили водоснабжение.",
            "Ремонт в Гяндже завершён, во дворах школ проложили новую водопроводную линию.")
WATER_EN = ("Water supply restored", "Water supply was restored on Nizami street.",
            "Repairs in Ganja are complete and a new water line was laid in the school yards.")


pytestmark = pytest.mark.usefixtures("clean_search_index")


@pytest.fixture
def newsroom(app):
    """Districts, an editor of Gəncə, one published article in three languages and a draft.
    Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("news feeds: newsroom", _build_newsroom)


def _build_newsroom():
    districts = create_reference_data()
    editor = create_user("editor@example.az", roles=[("editor", districts["GNC"])])
    published = publish(editor, districts["GNC"], {"az": WATER, "ru": WATER_RU, "en": WATER_EN})
    draft = publish(editor, districts["GNC"], {"az": ("Qaralama xəbər su", "Hələ dərc olunmayıb", "Gizli mətn su")},
                    status="draft")
    masalli = publish(editor, districts["MSL"], {"az": ("Masallıda yeni park", "Park açıldı", "Parkda ağaclar əkildi")})
    return {"districts": districts, "editor": editor.id, "published": published.id, "draft": draft.id,
            "masalli": masalli.id}


# --- Atom feeds -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang,title", [("az", WATER[0]), ("ru", WATER_RU[0]), ("en", WATER_EN[0])])
def test_district_feed_lists_the_published_article_in_its_language(client, newsroom, lang, title):
    response = client.get(f"/news/GNC/feed/{lang}.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.get_data())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.language == lang
    titles = [entry.title for entry in feed.entries]
    assert titles == [title]  # not the draft, not Masallı's article
    entry = feed.entries[0]
    assert entry.title_detail.language == lang
    assert entry.link.endswith(f"/news/article/{newsroom['published']}?lang={lang}")
    assert entry.published_parsed and entry.updated_parsed


def test_national_feed_has_every_district_and_falls_back_to_azerbaijani(client, newsroom):
    feed = feedparser.parse(client.get("/news/feed/en.atom").get_data())
    assert not feed.bozo
    assert feed.feed.language == "en"
    by_title = {entry.title: entry for entry in feed.entries}
    assert set(by_title) == {WATER_EN[0], "Masallıda yeni park"}
    # Masallı's article has no English text: the Azerbaijani one, marked as such.
    assert by_title["Masallıda yeni park"].title_detail.language == "az"


def test_feed_escapes_what_editors_typed(app, client, newsroom):
    with app.app_context():
        editor = db.session.get(User, newsroom["editor"])
        publish(editor, newsroom["districts"]["GNC"], {"az": ("<b>Qalın</b> & \"dırnaq\"", "x < y", "mətn")})
    feed = feedparser.parse(client.get("/news/GNC/feed/az.atom").get_data())
    assert not feed.bozo
    assert feed.entries[0].title == "<b>Qalın</b> & \"dırnaq\""


def test_feed_of_unknown_language_or_district_is_404(client, newsroom):
    assert client.get("/news/feed/fr.atom").status_code == 404
    assert client.get("/news/XXX/feed/az.atom").status_code == 404


def test_list_pages_link_their_feeds(client, newsroom):
    for path, feed in [("/news/?lang=ru", "/news/feed/ru.atom"), ("/news/GNC?lang=en", "/news/GNC/feed/en.atom")]:
        html = client.get(path).get_data(as_text=True)
        assert re.search(rf'<link rel="alternate" type="application/atom\+xml"[^>]*href="[^"]*{re.escape(feed)}"', html), path


# --- Sitemap -------------------------------------------------------------------------------------------------


def _sitemap_urls(client) -> tuple[list[str], str]:
    index = client.get("/sitemap.xml")
    assert index.status_code == 200 and index.mimetype == "application/xml"
    locations = re.findall(r"<loc>([^<]+)</loc>", index.get_data(as_text=True))
    bodies = []
    for location in locations:
        response = client.get(location.replace("http://localhost", ""))
        assert response.status_code == 200, location
        bodies.append(response.get_data(as_text=True))
    text = "\n".join(bodies)
    return re.findall(r"<loc>([^<]+)</loc>", text), text


def test_sitemap_lists_public_pages_and_published_articles_in_each_language(client, newsroom):
    urls, text = _sitemap_urls(client)
    for lang in ("az", "ru", "en"):
        assert f"http://localhost/about?lang={lang}" in urls
        assert f"http://localhost/news/GNC?lang={lang}" in urls
        assert f"http://localhost/commitments/MSL?lang={lang}" in urls
        assert f"http://localhost/news/article/{newsroom['published']}?lang={lang}" in urls
    # Masallı's article is written in Azerbaijani only: one address, no alternates that would repeat it.
    assert f"http://localhost/news/article/{newsroom['masalli']}?lang=az" in urls
    assert f"http://localhost/news/article/{newsroom['masalli']}?lang=ru" not in urls
    assert not any(f"/news/article/{newsroom['draft']}?" in url for url in urls)
    # Each language's address names every language's, and the default.
    entry = re.search(rf"<url><loc>http://localhost/news/article/{newsroom['published']}\?lang=ru</loc>.*?</url>", text).group()
    for lang in ("az", "ru", "en", "x-default"):
        assert f'hreflang="{lang}"' in entry
    assert "/auth/" not in text and "/office" not in text and "/cabinet" not in text


def test_sitemap_slices_are_bounded(client, newsroom):
    assert client.get("/sitemap-news-2.xml").status_code == 404
    assert client.get("/sitemap-news-0.xml").status_code == 404


# --- Search ------------------------------------------------------------------------------------------------------


def test_search_finds_the_published_article_in_the_visitors_language(client, newsroom):
    response = client.get("/news/search?q=su+təchizatı&lang=az")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    check_page(html, "az")
    assert f'/news/article/{newsroom["published"]}' in html
    assert "<mark>Su</mark> <mark>təchizatı</mark> bərpa olundu" in html
    assert "Qaralama" not in html and "Masallıda" not in html
    # In Russian, the Russian text (a different word form still matches).
    html = client.get("/news/search?q=водоснабжения&lang=ru").get_data(as_text=True)
    assert f'/news/article/{newsroom["published"]}' in html and "<mark>Водоснабжение</mark>" in html
    html = client.get("/news/search?q=WATER+line&lang=en").get_data(as_text=True)
    assert "<mark>Water</mark> supply restored" in html and "new <mark>water</mark> <mark>line</mark>" in html


def test_search_matches_body_words_by_prefix_and_ranks_title_first(app, client, newsroom):
    with app.app_context():
        editor = db.session.get(User, newsroom["editor"])
        body_only = publish(editor, newsroom["districts"]["GNC"],
                            {"az": ("Yol təmiri", "Küçələr", "Təmirdən sonra məktəb yolu açıldı.")},
                            published_at=utcnow() - timedelta(minutes=1)).id
    html = client.get("/news/search?q=məktəb&lang=az").get_data(as_text=True)
    # "məktəb" finds "məktəblərin" (in the water article's body) and "məktəb" itself.
    assert f'/news/article/{newsroom["published"]}' in html and f'/news/article/{body_only}' in html
    assert "<mark>məktəblərin</mark>" in html


def test_search_narrows_to_a_district(client, newsroom):
    html = client.get("/news/search?q=park&district=MSL&lang=az").get_data(as_text=True)
    assert f'/news/article/{newsroom["masalli"]}' in html
    html = client.get("/news/search?q=park&district=GNC&lang=az").get_data(as_text=True)
    assert f'/news/article/{newsroom["masalli"]}' not in html
    # An unknown district code searches the whole country.
    html = client.get("/news/search?q=park&district=ZZZ&lang=az").get_data(as_text=True)
    assert f'/news/article/{newsroom["masalli"]}' in html


def test_search_highlights_safely(app, client, newsroom):
    with app.app_context():
        editor = db.session.get(User, newsroom["editor"])
        publish(editor, newsroom["districts"]["GNC"],
                {"az": ("<script>alert(1)</script> bayram", "<b>bayram</b> & <i>şənlik</i>", "x")})
    html = client.get("/news/search?q=bayram&lang=az").get_data(as_text=True)
    assert "<script>alert" not in html and "<b>" not in html
    # Escaped first, then marked.
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>bayram</mark>" in html
    assert "&lt;b&gt;<mark>bayram</mark>&lt;/b&gt; &amp; &lt;i&gt;şənlik&lt;/i&gt;" in html


@pytest.mark.parametrize("query,message", [
    ("!!! ??? ...", "Type at least one word"),
    ('"*^(-:) OR NEAR', None),
    ("\x00\xff", None),
    ("\x00 !!!", "Type at least one word"),  # NUL is dropped before the view (app/middleware.py); the rest is punctuation
    ("a" * 1000, "at most 200 characters"),
    ("su " * 300, "at most 200 characters"),
])
def test_search_bad_input_is_a_clear_message_never_a_database_error(client, newsroom, query, message):
    response = client.get("/news/search", query_string={"q": query, "lang": "en"})
    html = response.get_data(as_text=True)
    if message is None:
        # Operators are words like any other: searched for, not obeyed.
        assert response.status_code == 200
        assert "0 articles found" in html or "article found" in html
        return
    assert response.status_code == 422
    check_page(html, "en")
    assert message in html
    assert 'class="error-summary"' in html and 'aria-invalid="true"' in html


@pytest.mark.parametrize("query", ["'", '"', "su'", 'su"*', "NOT su", "su AND", "(", "su:*", "&|!", "_", "NEAR(su)"])
def test_search_engine_syntax_never_reaches_the_engine(ctx, query):
    create_reference_data()
    try:
        news_search.search(query, "az")
    except news_search.Invalid:
        pass  # no word at all: the clear message


def test_search_is_three_statements_whatever_the_results(ctx, count_queries, newsroom):
    with count_queries() as counter:
        page = news_search.search("su", "az")
    assert page.total == 1 and counter.count == 3


def test_empty_search_shows_the_form(client, newsroom):
    for lang in ("az", "ru", "en"):
        response = client.get(f"/news/search?lang={lang}")
        assert response.status_code == 200
        check_page(response.get_data(as_text=True), lang)


def test_index_follows_the_article(app, newsroom):
    """Archiving takes an article out of search; publishing it again brings it back; reindex rebuilds all."""
    from app.models import Article
    from app.news.signals import article_changed

    with app.app_context():
        article = db.session.get(Article, newsroom["published"])
        article.status = "archived"
        db.session.commit()
        article_changed.send(article.id)
        assert news_search.search("təchizatı", "az").total == 0
        article.status = "published"
        db.session.commit()
        article_changed.send(article.id)
        assert news_search.search("təchizatı", "az").total == 1
        clear_search_index()
        if db.engine.dialect.name == "sqlite":
            assert news_search.search("təchizatı", "az").total == 0
            assert news_search.reindex_all() == 4  # three texts of one article, one of Masallı's
        assert news_search.search("təchizatı", "az").total == 1


def test_reindex_command_shows_progress_and_a_summary(runner, app, newsroom):
    result = runner.invoke(args=["news", "reindex"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        expected = "Indexed 4 texts" if db.engine.dialect.name == "sqlite" else "PostgreSQL maintains"
    assert expected in result.output


def test_an_article_written_and_published_in_the_newsroom_appears_in_feed_sitemap_and_search(app, client):
    """Through the newsroom's own use cases: write, schedule, publish-due, edit, archive."""
    from app.news import service as news

    with app.test_request_context():
        districts = create_reference_data()
        editor = create_user("editor@example.az", roles=[("editor", districts["GNC"])])
        data = news.ArticleInput(kind="news", district_id=districts["GNC"].id, texts={
            "az": news.TextInput("Kitabxanada oxu marafonu", "Uşaqlar üçün yay oxu marafonu", "Marafon **iyulda** başlayır."),
            "ru": news.TextInput("Марафон чтения в библиотеке", "Летний марафон чтения для детей", "Марафон начнётся в июле."),
        })
        article = news.save(editor, None, data)
        article_id = article.id
        news.transition(editor, article_id, "scheduled", publish_at=utcnow() + timedelta(hours=1))
        assert news_search.search("marafon", "az").total == 0
        assert news.publish_due(now=utcnow() + timedelta(hours=2)) == [article_id]
        db.session.remove()

    feed = feedparser.parse(client.get("/news/GNC/feed/ru.atom").get_data())
    assert [(e.title, e.title_detail.language) for e in feed.entries] == [("Марафон чтения в библиотеке", "ru")]
    urls, _text = _sitemap_urls(client)
    assert f"http://localhost/news/article/{article_id}?lang=ru" in urls
    html = client.get("/news/search?q=marafonu&lang=az").get_data(as_text=True)
    assert "Kitabxanada oxu <mark>marafonu</mark>" in html
    html = client.get("/news/search?q=марафона&lang=ru").get_data(as_text=True)
    assert f"/news/article/{article_id}" in html

    with app.test_request_context():
        editor = db.session.scalar(db.select(User).where(User.email == "editor@example.az"))
        data.texts["az"] = news.TextInput("Kitabxanada yay festivalı", "Uşaqlar üçün festival", "Festival iyulda.")
        news.save(editor, article_id, data)
        db.session.remove()
    html = client.get("/news/search?q=festival&lang=az").get_data(as_text=True)
    assert f"/news/article/{article_id}" in html
    assert "0 articles found" in client.get("/news/search?q=marafonu&lang=en").get_data(as_text=True)

    with app.test_request_context():
        editor = db.session.scalar(db.select(User).where(User.email == "editor@example.az"))
        news.transition(editor, article_id, "archived")
        db.session.remove()
    assert feedparser.parse(client.get("/news/GNC/feed/ru.atom").get_data()).entries == []
    assert f"/news/article/{article_id}" not in client.get("/news/search?q=festival&lang=az").get_data(as_text=True)
    urls, _text = _sitemap_urls(client)
    assert not any(f"/news/article/{article_id}?" in url for url in urls)
