"""An event's place in az, ru and en: the editor writes it, visitors read their language or Azerbaijani."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Article, ArticleVersion
from app.news import demo as news_demo
from tests.factories import PASSWORD, create_reference_data, create_tags, create_user
from tests.test_pages import check_page

PLACE = {"az": "Heydər Əliyev meydanı", "ru": "Площадь Гейдара Алиева", "en": "Heydar Aliyev Square"}


@pytest.fixture
def world(app):
    with app.app_context():
        gnc = create_reference_data()["GNC"]
        create_tags()
        create_user("editor@example.az", roles=[("editor", gnc)])
        return {"gnc": gnc.id}


def event_form(district_id: int, **changes) -> dict:
    """A whole event in three languages, starting in 2030."""
    data = {
        "district": str(district_id), "kind": "event",
        "title_az": "Yeni il yarmarkası", "summary_az": "", "body_az": "Yarmarka meydanda keçiriləcək.", "alt_az": "",
        "title_ru": "Новогодняя ярмарка", "summary_ru": "", "body_ru": "Ярмарка пройдёт на площади.", "alt_ru": "",
        "title_en": "New Year fair", "summary_en": "", "body_en": "The fair is held on the square.", "alt_en": "",
        "starts_at": "2030-12-28T12:00", "ends_at": "2030-12-28T18:00",
        "place": PLACE["az"], "place_ru": PLACE["ru"], "place_en": PLACE["en"],
    }
    data.update(changes)
    return data


def write(web, client, data: dict):
    return web.post("/office/news/new", data, form_url="/office/news/new", content_type="multipart/form-data")


def publish(web, article_id: int) -> None:
    response = web.post(f"/office/news/{article_id}/step/published", {}, form_url=f"/office/news/{article_id}")
    assert response.status_code == 302


def new_article_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.max(Article.id)))


def test_the_form_saves_the_place_in_three_languages_and_visitors_read_theirs(app, web, client, world):
    web.login("editor@example.az", PASSWORD)
    client.get("/?lang=en")
    form = client.get("/office/news/new").get_data(as_text=True)
    check_page(form, "en")
    assert 'name="place_ru"' in form and 'name="place_en"' in form
    assert write(web, client, event_form(world["gnc"])).status_code == 302
    article_id = new_article_id(app)
    with app.app_context():
        article = db.session.get(Article, article_id)
        assert (article.place_az, article.place_ru, article.place_en) == (PLACE["az"], PLACE["ru"], PLACE["en"])
    # The edit form shows the three places again.
    edit = client.get(f"/office/news/{article_id}/edit").get_data(as_text=True)
    assert all(f'value="{PLACE[lang]}"' in edit for lang in PLACE)
    publish(web, article_id)
    for lang in ("az", "ru", "en"):
        page = client.get(f"/news/article/{article_id}?lang={lang}").get_data(as_text=True)
        assert PLACE[lang] in page and all(PLACE[other] not in page for other in PLACE if other != lang)
    calendar = client.get(f"/news/article/{article_id}/event.ics?lang=ru").get_data(as_text=True)
    assert f"LOCATION:{PLACE['ru']}" in calendar


def test_an_empty_english_place_falls_back_to_azerbaijani(app, web, client, world):
    web.login("editor@example.az", PASSWORD)
    assert write(web, client, event_form(world["gnc"], place_en="")).status_code == 302
    article_id = new_article_id(app)
    with app.app_context():
        assert db.session.get(Article, article_id).place_en is None
    publish(web, article_id)
    en = client.get(f"/news/article/{article_id}?lang=en").get_data(as_text=True)
    assert PLACE["az"] in en and PLACE["ru"] not in en
    events = client.get("/news/events?month=2030-12&lang=en").get_data(as_text=True)
    assert PLACE["az"] in events
    ru = client.get("/news/events?month=2030-12&lang=ru").get_data(as_text=True)
    assert PLACE["ru"] in ru


@pytest.mark.parametrize("lang, english", [("en", "Enter where the event takes place"), ("ru", ""), ("az", "")])
def test_an_events_azerbaijani_place_is_required_beside_its_field(app, web, client, world, lang, english):
    web.login("editor@example.az", PASSWORD)
    client.get(f"/?lang={lang}")
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Article))
    refused = write(web, client, event_form(world["gnc"], place=""))
    assert refused.status_code == 422
    match = re.search(r'id="place-error">(.*?)</p>', refused.get_data(as_text=True), re.S)
    assert match and english in match.group(1)
    long_place = write(web, client, event_form(world["gnc"], place_ru="x" * 301))
    assert long_place.status_code == 422 and 'id="place_ru-error"' in long_place.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Article)) == before


def test_a_changed_translation_is_named_in_the_versions(app, web, client, world):
    web.login("editor@example.az", PASSWORD)
    client.get("/?lang=en")
    assert write(web, client, event_form(world["gnc"], place_en="")).status_code == 302
    article_id = new_article_id(app)
    changed = web.post(f"/office/news/{article_id}/edit", event_form(world["gnc"], place_en="Heydar Aliyev Square, Ganja"),
                       form_url=f"/office/news/{article_id}/edit", content_type="multipart/form-data")
    assert changed.status_code == 302
    with app.app_context():
        latest = db.session.scalar(select(ArticleVersion).where(ArticleVersion.article_id == article_id)
                                   .order_by(ArticleVersion.number.desc()))
        assert latest.changed_list == ["place_en"]
    assert "place (English)" in client.get(f"/office/news/{article_id}").get_data(as_text=True)


def test_the_demo_events_have_their_place_in_three_languages():
    events = [spec for spec in news_demo.DEMO_ARTICLES if spec["kind"] == "event"]
    assert events and all(len(spec["place"]) == 3 and all(spec["place"]) for spec in events)
