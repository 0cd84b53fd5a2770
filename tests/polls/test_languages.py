"""A poll's explanation in az, ru and en: the moderator writes it, residents read their language or Azerbaijani."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Poll, utcnow
from app.polls.demo import DEMO_POLLS
from app.polls.forms import to_local
from tests.factories import PASSWORD, create_reference_data, create_user
from tests.test_pages import check_page

EXPLANATION = {"az": "Parkda boş sahə var.", "ru": "В парке есть свободный участок.", "en": "The park has empty land."}


@pytest.fixture
def world(app):
    with app.app_context():
        gnc = create_reference_data()["GNC"]
        create_user("moderator@example.az", roles=[("moderator", gnc)])
        return {"gnc": gnc.id}


def poll_fields(**changes) -> dict[str, str]:
    now = utcnow()
    fields = {"direction": "public_spaces", "kind": "single", "results_visibility": "after_close",
              "question_az": "Parkda nə tikilsin?", "question_ru": "Что построить в парке?",
              "question_en": "What should the park get?", "options_az": "Uşaq meydançası\nFəvvarə",
              "description_az": EXPLANATION["az"], "description_ru": EXPLANATION["ru"],
              "description_en": EXPLANATION["en"],
              "opens_at": to_local(now - timedelta(minutes=1)), "closes_at": to_local(now + timedelta(days=5))}
    fields.update(changes)
    return fields


def new_poll(app, web, **changes) -> int:
    response = web.post("/office/polls/new", poll_fields(**changes), form_url="/office/polls/new")
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        return db.session.scalar(select(Poll.id).order_by(Poll.id.desc()))


def test_the_form_saves_the_explanation_in_three_languages_and_residents_read_theirs(app, web, client, world):
    web.login("moderator@example.az", PASSWORD)
    client.get("/?lang=en")
    form = client.get("/office/polls/new").get_data(as_text=True)
    check_page(form, "en")
    assert form.count("When empty, the Azerbaijani text is shown.") >= 2
    poll_id = new_poll(app, web)
    with app.app_context():
        poll = db.session.get(Poll, poll_id)
        assert (poll.description_az, poll.description_ru, poll.description_en) == tuple(EXPLANATION.values())
    for lang in ("az", "ru", "en"):
        html = client.get(f"/polls/{poll_id}?lang={lang}").get_data(as_text=True)
        assert EXPLANATION[lang] in html and all(EXPLANATION[o] not in html for o in EXPLANATION if o != lang)


def test_an_empty_english_explanation_falls_back_to_azerbaijani(app, web, client, world):
    web.login("moderator@example.az", PASSWORD)
    poll_id = new_poll(app, web, description_en="")
    en = client.get(f"/polls/{poll_id}?lang=en").get_data(as_text=True)
    assert EXPLANATION["az"] in en and EXPLANATION["ru"] not in en


def test_the_demo_explanations_are_written_in_three_languages():
    explained = [spec["description"] for spec in DEMO_POLLS if spec["description"]]
    assert explained and all(len(texts) == 3 and all(texts) for texts in explained)
