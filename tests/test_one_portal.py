"""Issue 17, tried as a new user would, in each language: the places where people live in the portal follow what
happens in every area.

A resident files an appeal: the district's official sees it on "today" and the header's unread count goes up; the
official answers: the answer reaches the resident's notification centre and overview. The resident books a
reception: the overview shows it. A resident proposes a poll topic: the moderator's landing page and notification
centre show it. Everything goes through the pages, as people use them.
"""
from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.kit.calendar import local_date
from app.models import Appeal, Category, PollTopic, User, utcnow
from app.reception import service as reception
from tests.conftest import Browserless
from tests.factories import PASSWORD, create_reference_data, create_user

LANGS = ["az", "ru", "en"]


@pytest.fixture
def town(app):
    """Gəncə with a resident, an official, the head (who holds receptions) and a moderator; a reception next week."""
    with app.app_context():
        gnc = create_reference_data()["GNC"]
        head = create_user("head@example.az", full_name="Elçin Hüseynov", roles=[("head", gnc)])
        create_user("official@example.az", full_name="Rəşad Quliyev", roles=[("official", gnc)])
        create_user("moderator@example.az", roles=[("moderator", gnc)])
        resident = create_user("resident@example.az", full_name="Aygün Həsənova")
        resident.district_id = gnc.id
        db.session.commit()
        day = local_date(utcnow()) + timedelta(days=7)
        session = reception.publish(head, gnc.id, reception.SessionInput(
            host_id=head.id, day=day, start=time(10), end=time(11), slot_minutes=20, place="Qəbul otağı"))
        category = db.session.scalars(select(Category).order_by(Category.id)).first()
        return {"gnc": gnc.id, "category": category.id, "session": session.id,
                "slot": session.slots[0].id}


def signed_in(app, email: str, lang: str) -> tuple[Browserless, object]:
    """A fresh browser of ``email``, on pages in ``lang``."""
    client = app.test_client()
    web = Browserless(client)
    client.get(f"/?lang={lang}")
    assert web.login(email, PASSWORD).status_code == 302
    return web, client


def unread_in_header(html: str) -> int:
    badge = re.search(r'class="badge badge-unread"[^>]*>(\d+)<', html)
    return int(badge.group(1)) if badge else 0


@pytest.mark.parametrize("lang", LANGS)
def test_what_happens_in_the_areas_reaches_the_cabinets_and_the_notification_centres(app, town, lang):
    resident, resident_client = signed_in(app, "resident@example.az", lang)
    official, official_client = signed_in(app, "official@example.az", lang)
    before = unread_in_header(official_client.get("/office/").get_data(as_text=True))

    # The resident files an appeal through the form.
    filed = resident.post("/appeals/new", {
        "district_id": str(town["gnc"]), "category_id": str(town["category"]), "kind": "complaint",
        "subject": "Küçədə su yoxdur", "text": "Üç gündür ki, küçəmizdə su yoxdur.", "applicant_name": "Aygün Həsənova",
        "applicant_address": "Gəncə ş., Nizami küç. 5", "applicant_phone": "+994 50 123 45 67",
        "submission_token": f"journey-{lang}"})
    assert filed.status_code == 302
    with app.app_context():
        appeal = db.session.scalar(select(Appeal))
        appeal_id, number = appeal.id, appeal.number

    # The official's "today" shows it (no official assigned yet) and their header counts one more unread.
    today = official_client.get("/office/").get_data(as_text=True)
    assert unread_in_header(today) == before + 1
    assert "/office/appeals" in today
    centre = official_client.get("/cabinet/notifications").get_data(as_text=True)
    assert number in centre

    # The official takes it and answers it.
    office = f"/office/appeals/{appeal_id}"
    assert official.post(f"{office}/register", {"register-department_id": ""}, form_url=office).status_code == 302
    with app.app_context():
        official_id = db.session.scalar(select(User.id).where(User.email == "official@example.az"))
    assert official.post(f"{office}/assign", {"assign-assignee_id": str(official_id)}, form_url=office).status_code == 302
    answer = "Su təchizatı bərpa olunub."
    assert official.post(f"{office}/answer", {"answer-answer": answer}, form_url=office).status_code == 302

    # The answer is in the resident's notification centre, counted in the header, and on the overview.
    overview = resident_client.get("/cabinet/").get_data(as_text=True)
    assert unread_in_header(overview) >= 1
    centre = resident_client.get("/cabinet/notifications").get_data(as_text=True)
    assert number in centre and "/cabinet/notifications/" in centre
    assert f"/cabinet/appeals/{appeal_id}" in overview or number in overview

    # The resident books a reception: the overview shows the booking, with its place.
    session_page = f"/reception/sessions/{town['session']}"
    booked = resident.post(f"{session_page}/book", {"slot_id": str(town["slot"]), "topic": "Mənzil növbəsi"},
                           form_url=session_page)
    assert booked.status_code == 302
    overview = resident_client.get("/cabinet/").get_data(as_text=True)
    assert "Qəbul otağı" in overview and "/cabinet/receptions/" in overview

    # The resident proposes a poll topic: the moderator's landing page and notification centre show it.
    proposed = resident.post("/cabinet/poll-topics/new", {
        "district_id": str(town["gnc"]), "direction": "public_spaces", "kind": "single",
        "question": "Parkda nə tikilsin?", "description": "", "options": "Uşaq meydançası\nFəvvarə"})
    assert proposed.status_code == 302
    with app.app_context():
        topic_id = db.session.scalar(select(PollTopic.id).where(PollTopic.question == "Parkda nə tikilsin?"))
    moderator, moderator_client = signed_in(app, "moderator@example.az", lang)
    landing = moderator_client.get("/office/").get_data(as_text=True)
    assert "/office/polls" in landing and unread_in_header(landing) >= 1
    centre = moderator_client.get("/cabinet/notifications").get_data(as_text=True)
    assert "Parkda nə tikilsin?" in centre or f"/office/polls/topics/{topic_id}" in centre
    # Every page above was in the chosen language.
    assert f'lang="{lang}"' in landing and f'lang="{lang}"' in overview
