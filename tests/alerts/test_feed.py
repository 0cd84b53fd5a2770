"""The Atom feed of a district's public appeals and answers: valid Atom in the reader's language, only public
appeals, never a name or a contact, one category on request, 404 for what does not exist."""
from __future__ import annotations

import feedparser
import pytest

from app.extensions import db
from app.models import Appeal
from tests.alerts.conftest import answer, appeal_url, category, file_appeal, opens

SECRET_NAME = "Tofiq Məmmədov"
SECRET_ADDRESS = "Gəncə, Atatürk pr. 12, mənzil 7"
SECRET_PHONE = "+994 55 765 43 21"


@pytest.fixture
def appeals(app, world):
    """In Gəncə: a public utilities appeal, answered; a public roads appeal; one not published by its applicant;
    a confidential one. In Masallı: a public one."""
    private = {"applicant_name": SECRET_NAME, "applicant_address": SECRET_ADDRESS, "applicant_phone": SECRET_PHONE}
    water = file_appeal(app, subject="Suyun kəsilməsi & <təzyiq>", **private)
    answer(app, water, "Su verilir <b>artıq</b>.")
    road = file_appeal(app, category_code="roads", subject="Yolda çuxur var", **private)
    file_appeal(app, public=False, subject="Qonşu ilə mübahisə", **private)
    file_appeal(app, public=True, confidential=True, subject="Gizli şikayət", **private)
    file_appeal(app, "MSL", subject="Masallıda park")
    with app.app_context():
        numbers = {key: db.session.get(Appeal, appeal_id).number for key, appeal_id in (("water", water), ("road", road))}
    return {"water": water, "road": road, **{f"{key}_number": number for key, number in numbers.items()}}


def _feed(client, path: str):
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.mimetype == "application/atom+xml"
    parsed = feedparser.parse(response.get_data())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return response, parsed


def test_the_feed_lists_only_the_districts_public_appeals_and_answers(app, client, appeals):
    response, feed = _feed(client, "/alerts/GNC.atom?lang=en")
    assert feed.feed.language == "en" and feed.feed.title == "Public appeals: Ganja"
    titles = [entry.title for entry in feed.entries]
    assert sorted(titles) == sorted([
        f"Answered: {appeals['water_number']} · Suyun kəsilməsi & <təzyiq>",
        f"New appeal: {appeals['water_number']} · Suyun kəsilməsi & <təzyiq>",
        f"New appeal: {appeals['road_number']} · Yolda çuxur var"])
    answered = next(e for e in feed.entries if e.title.startswith("Answered"))
    assert answered.summary == "Su verilir <b>artıq</b>."  # text, escaped: nothing an official typed becomes markup
    assert answered.link == appeal_url(app, appeals["water"], "en")
    opens(client, answered.link, appeals["water_number"])
    assert answered.tags[0].term == "utilities" and answered.tags[0].label == "Utilities"
    assert answered.published_parsed and answered.updated_parsed
    assert {entry.id for entry in feed.entries} == {
        f"tag:portal.example.az,2026:appeal-{appeals['water']}", f"tag:portal.example.az,2026:appeal-{appeals['road']}",
        f"tag:portal.example.az,2026:appeal-{appeals['water']}-answer"}
    raw = response.get_data(as_text=True)
    for private in (SECRET_NAME, "Tofiq", SECRET_ADDRESS, "765 43 21", "citizen@example.az", "Rəşad",
                    "Qonşu", "Gizli", "Masallı"):
        assert private not in raw
    assert response.headers["Cache-Control"] == "public, max-age=300"


@pytest.mark.parametrize("lang,title,label", [("az", "Dərc olunmuş müraciətlər: Gəncə", "Yollar və nəqliyyat"),
                                              ("ru", "Опубликованные обращения: Гянджа", "Дороги и транспорт")])
def test_the_feed_speaks_the_readers_language(app, client, appeals, lang, title, label):
    _response, feed = _feed(client, f"/alerts/GNC.atom?lang={lang}")
    assert feed.feed.language == lang and feed.feed.title == title
    road = next(e for e in feed.entries if "Yolda" in e.title)
    assert road.tags[0].label == label and road.link == appeal_url(app, appeals["road"], lang)


def test_a_category_narrows_the_feed(client, appeals):
    _response, feed = _feed(client, "/alerts/GNC.atom?category=roads&lang=en")
    assert [entry.title for entry in feed.entries] == [f"New appeal: {appeals['road_number']} · Yolda çuxur var"]
    assert feed.feed.title == "Public appeals: Ganja · Roads and transport"
    [self_link] = [link.href for link in feed.feed.links if link.rel == "self"]
    assert self_link.startswith("https://portal.example.az/alerts/GNC.atom?") and "category=roads" in self_link


def test_an_empty_feed_is_valid_too(client, world):
    _response, feed = _feed(client, "/alerts/QBA.atom")
    assert feed.entries == [] and feed.feed.language == "az"


def test_unknown_district_or_category_is_404(app, client, world):
    with app.app_context():
        category("health").active = False
        db.session.commit()
    for path in ("/alerts/ZZZ.atom", "/alerts/GNC.atom?category=nonsense", "/alerts/GNC.atom?category=health",
                 "/alerts/GNC.rss"):
        assert client.get(path).status_code == 404, path
