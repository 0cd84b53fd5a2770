"""News pages: the newsroom's forms and steps, the public lists, article page, events calendar and home page."""
from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from app.extensions import db
from app.kit import cache, storage
from app.kit.calendar import BAKU
from app.models import Article, ArticleImage, District, Tag, User, utcnow
from app.news import service as news
from tests.factories import (
    PASSWORD,
    create_article,
    create_reference_data,
    create_tags,
    create_user,
    image_bytes,
)
from tests.snapshots import replayed
from tests.test_pages import check_page

LANGS = ["az", "ru", "en"]


@pytest.fixture
def world(app):
    with app.app_context():
        return replayed("news views: world", _build_world)


def _build_world() -> dict:
    districts = create_reference_data()
    gnc, msl = districts["GNC"], districts["MSL"]
    tags = create_tags()
    editor = create_user("editor@example.az", full_name="Səbinə İsmayılova", roles=[("editor", gnc)])
    create_user("official@example.az", roles=[("official", gnc)])
    other = create_user("editor.msl@example.az", roles=[("editor", msl)])
    create_user("admin@example.az", roles=[("admin", None)])
    create_user("resident@example.az")
    published = create_article(editor, gnc, tags=[tags["culture"]])
    national = create_article(create_user("writer@example.az", roles=[("admin", None)]), None,
                              title="Milli xəbər")
    event = create_article(editor, gnc, kind="event", title="Yeni il yarmarkası",
                           starts_at=utcnow() + timedelta(days=1), place="Meydan")
    az_only = create_article(editor, gnc, title="Yalnız Azərbaycanca", langs=("az",))
    draft = create_article(editor, gnc, status="draft", title="Qaralama")
    msl_article = create_article(other, msl, status="draft", title="Masallı qaralaması")
    return {
        "gnc": gnc.id, "msl": msl.id, "tags": {slug: t.id for slug, t in tags.items()},
        "published": published.id, "national": national.id, "event": event.id, "az_only": az_only.id,
        "draft": draft.id, "msl_article": msl_article.id,
    }


def sign_in(web, client, email: str, lang: str = "en") -> None:
    web.login(email, PASSWORD)
    client.get(f"/?lang={lang}")


def article_form(**changes) -> dict:
    data = {
        "district": "", "kind": "news",
        "title_az": "Yeni park açıldı", "summary_az": "Gəncədə yeni park", "body_az": "Parkda **100** ağac əkildi.",
        "alt_az": "Parkda ağaclar",
        "title_ru": "Открылся новый парк", "summary_ru": "", "body_ru": "В парке посажено 100 деревьев.",
        "alt_ru": "Деревья в парке",
        "title_en": "A new park opened", "summary_en": "", "body_en": "100 trees were planted.",
        "alt_en": "Trees in the park",
        "starts_at": "", "ends_at": "", "place": "",
    }
    data.update(changes)
    return data


# --- Public pages -------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_public_news_pages_in_every_language(client, world, lang):
    month = datetime.now(BAKU).strftime("%Y-%m")
    for path in ["/news/", "/news/GNC", "/news/gnc?kind=event", f"/news/article/{world['published']}",
                 f"/news/article/{world['event']}", f"/news/article/{world['az_only']}", f"/news/events?month={month}",
                 "/news/events?district=GNC", "/", "/?district=GNC", "/news/?tag=culture&kind=news"]:
        response = client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}")
        assert response.status_code == 200, path
        check_page(response.get_data(as_text=True), lang)


def test_lists_show_only_published_articles(app, client, world):
    html = client.get("/news/GNC?lang=az").get_data(as_text=True)
    assert "Yeni park açıldı" in html and "Yeni il yarmarkası" in html
    assert "Qaralama" not in html and "Milli xəbər" not in html
    html = client.get("/news/?lang=az").get_data(as_text=True)
    with app.test_request_context(), force_locale("az"):
        by_district = gettext("News by district")
    assert "Milli xəbər" in html and "Yeni park açıldı" in html and "Masallı" not in html.split(by_district)[0]
    assert client.get(f"/news/article/{world['draft']}").status_code == 404
    assert client.get(f"/news/article/{world['msl_article']}").status_code == 404


def test_filters_by_kind_and_tag(client, world):
    html = client.get("/news/GNC?kind=event&lang=az").get_data(as_text=True)
    assert "Yeni il yarmarkası" in html and "Yeni park açıldı" not in html
    html = client.get("/news/GNC?tag=culture&lang=az").get_data(as_text=True)
    assert "Yeni park açıldı" in html and "Yeni il yarmarkası" not in html


@pytest.mark.parametrize("path, status", [
    ("/news/?tag=no-such-tag", 200), ("/news/GNC?tag=%00%ff", 200), ("/news/?page=abc", 200),
    ("/news/?page=99", 404), ("/news/?page=99999999999999999999", 200), ("/news/XYZ", 404),
    ("/news/article/99999", 404), ("/news/article/99999999999", 404), ("/news/events?month=2026-99", 200),
    ("/news/events?month=x&district=NOPE", 404), ("/news/images/1/480.jpg", 404), ("/news/?kind=<script>", 200),
    ("/news/article/1/event.ics", 404), ("/news/%00ab", 404), ("/news/events?district=G%00C", 404),
    ("/news/?tag=a%00b", 200), ("/?district=%00", 200),
])
def test_bad_addresses_are_empty_lists_or_404_never_500(client, world, path, status):
    assert client.get(path).status_code == status


def test_an_unknown_tag_says_so(client, world):
    html = client.get("/news/?tag=no-such-tag&lang=en").get_data(as_text=True)
    assert "There is no such topic." in html


def test_the_article_page_has_open_graph_tags_and_related_articles(client, world, app):
    with app.app_context():
        editor = db.session.scalar(select(User).where(User.email == "editor@example.az"))
        tag = db.session.get(Tag, world["tags"]["culture"])
        create_article(editor, db.session.get(District, world["gnc"]), title="Mədəniyyət günləri", tags=[tag])
    html = client.get(f"/news/article/{world['published']}?lang=en").get_data(as_text=True)
    assert '<meta property="og:title" content="Yeni park açıldı (en)">' in html
    assert '<meta property="og:type" content="article">' in html
    assert 'property="og:url" content="http://localhost/news/article/' in html
    assert 'property="article:published_time"' in html
    related = html.split('id="related-title"')[1]
    assert "Mədəniyyət günləri" in related


def test_a_missing_language_shows_azerbaijani_with_a_notice_and_lang(client, world):
    html = client.get(f"/news/article/{world['az_only']}?lang=ru").get_data(as_text=True)
    assert "news-fallback" in html
    assert re.search(r'<h1 lang="az">Yalnız Azərbaycanca</h1>', html)
    assert '<div class="news-body" lang="az">' in html
    html = client.get(f"/news/article/{world['az_only']}?lang=az").get_data(as_text=True)
    assert "news-fallback" not in html and '<h1 lang="az">' not in html


def test_an_event_downloads_as_ics(client, world):
    response = client.get(f"/news/article/{world['event']}/event.ics?lang=en")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    body = response.get_data(as_text=True)
    assert body.startswith("BEGIN:VCALENDAR") and "SUMMARY:Yeni il yarmarkası (en)" in body
    assert "LOCATION:Meydan" in body
    assert client.get(f"/news/article/{world['published']}/event.ics").status_code == 404


def test_the_events_calendar_lists_the_months_events(client, world, app):
    with app.app_context():
        start = db.session.get(Article, world["event"]).starts_at.astimezone(BAKU)
    html = client.get(f"/news/events?month={start:%Y-%m}&lang=az").get_data(as_text=True)
    assert "Yeni il yarmarkası" in html and f"/news/article/{world['event']}/event.ics" in html
    html = client.get(f"/news/events?month={start:%Y-%m}&district=MSL&lang=az").get_data(as_text=True)
    assert "Yeni il yarmarkası" not in html


def test_the_home_page_shows_the_chosen_districts_latest_news(client, world):
    html = client.get("/?district=GNC&lang=az").get_data(as_text=True)
    assert "Yeni park açıldı" in html and "Milli xəbər" not in html
    html = client.get("/?district=MSL&lang=az").get_data(as_text=True)
    assert "Yeni park açıldı" not in html
    html = client.get("/?lang=az").get_data(as_text=True)
    assert "Milli xəbər" in html


def test_list_and_article_pages_run_a_fixed_number_of_statements(client, world, app, count_queries):
    """5 or 30 articles: the same statements on a cache miss; a cache hit reads no article row at all."""
    def statements(path: str) -> int:
        cache.clear(app)
        with count_queries() as q:
            assert client.get(path).status_code == 200
        return q.count

    paths = ["/news/", "/news/GNC", "/news/GNC?tag=culture", f"/news/article/{world['published']}", "/",
             "/news/events"]
    before = {path: statements(path) for path in paths}
    with app.app_context():
        editor = db.session.scalar(select(User).where(User.email == "editor@example.az"))
        gnc = db.session.get(District, world["gnc"])
        tag = db.session.get(Tag, world["tags"]["culture"])
        for i in range(26):
            create_article(editor, gnc, title=f"Xəbər {i}", tags=[tag],
                           kind="event" if i % 3 == 0 else "news")
    after = {path: statements(path) for path in paths}
    assert after == before
    # Served from the cache: only the tags of the filter and the districts of the page footer are read.
    client.get("/news/GNC")
    with count_queries() as q:
        client.get("/news/GNC")
    assert not any("FROM articles" in s for s in q.statements)


# --- The newsroom -----------------------------------------------------------------------------------


def test_the_newsroom_pages_render_in_every_language(client, web, world):
    sign_in(web, client, "editor@example.az")
    for lang in LANGS:
        for path in ["/office/news/", "/office/news/?status=draft", "/office/news/new",
                     f"/office/news/{world['draft']}", f"/office/news/{world['draft']}/edit",
                     f"/office/news/{world['draft']}/preview", f"/office/news/{world['event']}/edit"]:
            response = client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}")
            assert response.status_code == 200, path
            check_page(response.get_data(as_text=True), lang)


def test_an_editor_writes_with_a_picture_schedules_and_it_appears_at_its_time(client, web, world, app, runner,
                                                                               monkeypatch):
    """The must-show path through the forms: three languages, a cover, a schedule, publish-due on a clock."""
    sign_in(web, client, "editor@example.az")
    data = article_form(district=str(world["gnc"]), tags=[str(world["tags"]["culture"])],
                        cover=(io.BytesIO(image_bytes(1700, 900)), "park.jpg"))
    response = web.post("/office/news/new", data, form_url="/office/news/new", content_type="multipart/form-data")
    assert response.status_code == 302
    article_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    html = client.get(f"/office/news/{article_id}/preview?lang=en").get_data(as_text=True)
    assert "A new park opened" in html and "<strong>100</strong>" not in html.split("news-body")[0]
    assert 'alt="Trees in the park"' in html

    when = (datetime.now(BAKU) + timedelta(hours=3)).replace(second=0, microsecond=0)
    response = web.post(f"/office/news/{article_id}/schedule", {"schedule-publish_at": when.strftime("%Y-%m-%dT%H:%M")},
                        form_url=f"/office/news/{article_id}")
    assert response.status_code == 302
    assert "A new park opened" not in client.get("/news/GNC?lang=en").get_data(as_text=True)
    assert client.get(f"/news/article/{article_id}").status_code == 404

    # The clock of publish-due: first an hour before the time, then just after it.
    monkeypatch.setattr(news, "utcnow", lambda: when - timedelta(hours=1))
    assert "Published 0 scheduled articles." in runner.invoke(args=["news", "publish-due"]).output
    assert "A new park opened" not in client.get("/news/GNC?lang=en").get_data(as_text=True)
    monkeypatch.setattr(news, "utcnow", lambda: when + timedelta(minutes=1))
    assert "Published 1 scheduled articles." in runner.invoke(args=["news", "publish-due"]).output
    assert "Published 0 scheduled articles." in runner.invoke(args=["news", "publish-due"]).output

    html = client.get("/news/GNC?lang=en").get_data(as_text=True)
    assert "A new park opened" in html
    page = client.get(f"/news/article/{article_id}?lang=ru")
    assert page.status_code == 200 and "Открылся новый парк" in page.get_data(as_text=True)
    with app.app_context():
        image = db.session.get(Article, article_id).cover_image
        src = f"/news/images/{image.id}/480.jpg"
    assert src in page.get_data(as_text=True)
    picture = client.get(src)
    assert picture.status_code == 200 and picture.mimetype == "image/jpeg" and b"SecretCam" not in picture.data


def test_the_newsroom_lists_its_district_and_offers_the_steps(client, web, world):
    sign_in(web, client, "editor@example.az")
    html = client.get("/office/news/?lang=en").get_data(as_text=True)
    assert "Qaralama" in html and "Masallı qaralaması" not in html
    html = client.get(f"/office/news/{world['draft']}?lang=en").get_data(as_text=True)
    assert "Publish now" in html and "Send for review" in html and 'name="schedule-publish_at"' in html
    response = web.post(f"/office/news/{world['draft']}/step/published", {}, form_url=f"/office/news/{world['draft']}")
    assert response.status_code == 302
    assert "Qaralama" in client.get("/news/GNC?lang=az").get_data(as_text=True)
    response = web.post(f"/office/news/{world['draft']}/step/archived", {}, form_url=f"/office/news/{world['draft']}")
    assert response.status_code == 302
    assert "Qaralama" not in client.get("/news/GNC?lang=az").get_data(as_text=True)


def test_an_official_writes_but_cannot_publish(client, web, world):
    sign_in(web, client, "official@example.az")
    html = client.get(f"/office/news/{world['draft']}?lang=en").get_data(as_text=True)
    assert "Send for review" in html and "Publish now" not in html and "schedule-publish_at" not in html
    response = web.post(f"/office/news/{world['draft']}/step/published", {}, form_url=f"/office/news/{world['draft']}")
    assert response.status_code == 422
    assert "Only an editor" in response.get_data(as_text=True)


def test_another_districts_article_is_404_everywhere(client, web, world):
    sign_in(web, client, "editor.msl@example.az")
    draft = world["draft"]
    for path in [f"/office/news/{draft}", f"/office/news/{draft}/edit", f"/office/news/{draft}/preview",
                 f"/office/news/?scope={world['gnc']}", "/office/news/new?scope=national"]:
        assert client.get(path).status_code == 404, path
    token_page = "/office/news/"
    assert web.post(f"/office/news/{draft}/edit", article_form(), form_url=token_page).status_code == 404
    assert web.post(f"/office/news/{draft}/step/published", {}, form_url=token_page).status_code == 404
    assert web.post(f"/office/news/{draft}/schedule", {"schedule-publish_at": "2030-01-01T10:00"},
                    form_url=token_page).status_code == 404
    response = web.post("/office/news/new", article_form(district=str(world["gnc"])), form_url=token_page)
    assert response.status_code == 404


def test_residents_have_no_newsroom(client, web, world):
    sign_in(web, client, "resident@example.az")
    assert client.get("/office/news/").status_code == 403
    assert client.get(f"/office/news/{world['draft']}").status_code == 403


@pytest.mark.parametrize("changes, field, message", [
    ({"cover": (io.BytesIO(b"%PDF-1.4 a document"), "notes.jpg")}, "cover", "is not a JPEG or PNG picture"),
    ({"cover": (io.BytesIO(b"\xff\xd8\xff" + b"\x00" * (8 * 1024 * 1024 + 1)), "big.jpg")}, "cover", "larger than 8 MB"),
    ({"cover": (io.BytesIO(image_bytes(800, 600)), "p.jpg"), "alt_en": ""}, "alt_en", "Describe the picture"),
    ({"kind": "event", "starts_at": "2030-05-02T10:00", "ends_at": "2030-05-01T10:00", "place": "Park"}, "ends_at",
     "cannot end before it starts"),
    ({"kind": "event", "starts_at": "not a time", "place": "Park"}, "starts_at", "Enter the day and time"),
    ({"title_az": ""}, "title_az", "Write the title in Azerbaijani"),
])
def test_bad_input_comes_back_beside_its_field_and_nothing_is_stored(client, web, world, app, changes, field, message):
    sign_in(web, client, "editor@example.az")
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Article))
    data = article_form(district=str(world["gnc"]), **changes)
    response = web.post("/office/news/new", data, form_url="/office/news/new", content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(rf'id="{field}-error">.*?{re.escape(message)}', html, re.S), html[html.find("error-summary"):][:800]
    assert 'class="error-summary"' in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Article)) == before
        assert db.session.scalar(select(func.count()).select_from(ArticleImage)) == 0
        assert not any(storage.current().directory.iterdir())


def test_a_schedule_in_the_past_is_refused_beside_the_field(client, web, world):
    sign_in(web, client, "editor@example.az")
    past = (datetime.now(BAKU) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = web.post(f"/office/news/{world['draft']}/schedule", {"schedule-publish_at": past},
                        form_url=f"/office/news/{world['draft']}")
    assert response.status_code == 422
    assert re.search(r'id="schedule-publish_at-error">.*?in the past', response.get_data(as_text=True), re.S)


def test_a_nul_character_in_the_form_is_dropped_not_a_server_error(client, web, world, app):
    sign_in(web, client, "editor@example.az")
    response = web.post("/office/news/new", article_form(district=str(world["gnc"]), title_az="Park\x00 açıldı",
                                                         body_az="Mətn\x00", alt_az="", alt_ru="", alt_en=""),
                        form_url="/office/news/new")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Article).where(
            Article.texts.any(title="Park açıldı"))) == 1


def test_a_script_in_the_body_never_reaches_the_page(client, web, world, app):
    sign_in(web, client, "editor@example.az")
    body = ("Salam <script>alert(1)</script> <img src=x onerror=alert(2)> "
            "<a href=\"javascript:alert(3)\">link</a>")
    response = web.post("/office/news/new", article_form(district=str(world["gnc"]), body_az=body, alt_az="",
                                                         alt_ru="", alt_en=""), form_url="/office/news/new")
    assert response.status_code == 302
    article_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    web.post(f"/office/news/{article_id}/step/published", {}, form_url=f"/office/news/{article_id}")
    html = client.get(f"/news/article/{article_id}?lang=az").get_data(as_text=True)
    body_html = html.split('class="news-body"')[1].split("</div>")[0]
    assert "Salam" in body_html
    for bad in ("<script", "onerror", "javascript:", "alert("):
        assert bad not in body_html


def test_editing_keeps_versions_shown_on_the_article_page(client, web, world):
    sign_in(web, client, "editor@example.az")
    response = web.post("/office/news/new", article_form(district=str(world["gnc"]), alt_az="", alt_ru="", alt_en=""),
                        form_url="/office/news/new")
    article_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    response = web.post(f"/office/news/{article_id}/edit",
                        article_form(title_en="A new park opened in Ganja", alt_az="", alt_ru="", alt_en=""),
                        form_url=f"/office/news/{article_id}/edit")
    assert response.status_code == 302
    html = client.get(f"/office/news/{article_id}?lang=en").get_data(as_text=True)
    versions = html.split('id="versions-title"')[1]
    assert "title (English)" in versions and "Səbinə İsmayılova" in versions
