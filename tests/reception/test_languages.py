"""A reception's place and topics in az, ru and en: the head writes them, residents read their language or Azerbaijani."""
from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from app.appeals.demo import RECEPTION_PLACE, _demo_session
from app.extensions import db
from app.kit.calendar import local_date
from app.models import OutboxMessage, ReceptionBooking, ReceptionSession, User, utcnow
from app.reception import service as reception
from tests.appeals.test_views import field_error
from tests.conftest import Browserless
from tests.factories import PASSWORD, create_reference_data, create_user
from tests.test_pages import check_page

PLACE = {"az": "Qəbul otağı, 1-ci mərtəbə", "ru": "Приёмная, 1-й этаж", "en": "Reception room, ground floor"}
TOPICS = {"az": "Mənzil, torpaq", "ru": "Жильё, земля", "en": "Housing, land"}


@pytest.fixture
def world(app):
    """Gəncə's head; a resident reading Russian and one reading English; a session with no English texts."""
    with app.app_context():
        gnc = create_reference_data()["GNC"]
        head = create_user("head@example.az", full_name="Elçin Hüseynov", roles=[("head", gnc)])
        create_user("ru@example.az", locale="ru")
        create_user("en@example.az", locale="en")
        session = reception.publish(head, gnc.id, reception.SessionInput(
            host_id=head.id, day=local_date(utcnow()) + timedelta(days=7), start=time(10), end=time(11),
            slot_minutes=20, place=PLACE["az"], place_ru=PLACE["ru"], topics=TOPICS["az"], topics_ru=TOPICS["ru"]))
        return {"gnc": gnc.id, "head": head.id, "session": session.id, "slots": [s.id for s in session.slots]}


def session_form(app, **changes) -> dict:
    """The head's form for a reception in two weeks, every text in three languages."""
    with app.app_context():
        head_id = db.session.scalar(select(User.id).where(User.email == "head@example.az"))
    fields = {"host_id": str(head_id), "day": (local_date(utcnow()) + timedelta(days=14)).isoformat(),
              "start": "14:00", "end": "15:00", "slot_minutes": "20", "seats_per_slot": "1", "cutoff_hours": "24",
              "place": PLACE["az"], "place_ru": PLACE["ru"], "place_en": PLACE["en"],
              "topics": TOPICS["az"], "topics_ru": TOPICS["ru"], "topics_en": TOPICS["en"]}
    fields.update(changes)
    return fields


def sessions(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ReceptionSession))


@pytest.mark.parametrize("lang", ["az", "ru", "en"])
def test_the_heads_form_saves_the_place_and_topics_in_three_languages(app, web, client, world, lang):
    web.login("head@example.az", PASSWORD)
    client.get(f"/?lang={lang}")
    form = client.get("/office/reception/new").get_data(as_text=True)
    check_page(form, lang)
    assert 'name="place_ru"' in form and 'name="topics_en"' in form
    made = web.post("/office/reception/new", session_form(app))
    assert made.status_code == 302
    with app.app_context():
        saved = db.session.scalar(select(ReceptionSession).order_by(ReceptionSession.id.desc()))
        assert (saved.place_az, saved.place_ru, saved.place_en) == (PLACE["az"], PLACE["ru"], PLACE["en"])
        assert (saved.topics_az, saved.topics_ru, saved.topics_en) == (TOPICS["az"], TOPICS["ru"], TOPICS["en"])
    # The day sheet speaks the head's language.
    assert PLACE[lang] in client.get(made.headers["Location"]).get_data(as_text=True)


def test_empty_translations_are_stored_as_missing(app, web, client, world):
    web.login("head@example.az", PASSWORD)
    made = web.post("/office/reception/new", session_form(app, place_ru="  ", place_en="", topics_ru="", topics_en=""))
    assert made.status_code == 302
    with app.app_context():
        saved = db.session.scalar(select(ReceptionSession).order_by(ReceptionSession.id.desc()))
        assert (saved.place_ru, saved.place_en, saved.topics_ru, saved.topics_en) == (None, None, None, None)


@pytest.mark.parametrize("lang, english", [("en", "Enter where the reception takes place"), ("ru", ""), ("az", "")])
def test_the_azerbaijani_place_is_required_beside_its_field(app, web, client, world, lang, english):
    web.login("head@example.az", PASSWORD)
    client.get(f"/?lang={lang}")
    before = sessions(app)
    # Russian and English alone are not enough: Azerbaijani is what every other language falls back to.
    refused = web.post("/office/reception/new", session_form(app, place=""), form_url="/office/reception/new")
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert english in field_error(html, "place") and field_error(html, "place")
    assert sessions(app) == before


def test_a_translation_too_long_is_refused_beside_its_field(app, web, client, world):
    web.login("head@example.az", PASSWORD)
    client.get("/?lang=en")
    before = sessions(app)
    long_place = web.post("/office/reception/new", session_form(app, place_en="x" * 301))
    assert long_place.status_code == 422 and "300" in field_error(long_place.get_data(as_text=True), "place_en")
    long_topics = web.post("/office/reception/new", session_form(app, topics_ru="x" * 2001))
    assert long_topics.status_code == 422 and "2000" in field_error(long_topics.get_data(as_text=True), "topics_ru")
    assert sessions(app) == before


def test_public_pages_show_the_readers_language_and_fall_back_to_azerbaijani(client, world):
    session_page = f"/reception/sessions/{world['session']}"
    for path in [session_page, "/reception/GNC"]:
        ru = client.get(f"{path}?lang=ru").get_data(as_text=True)
        assert PLACE["ru"] in ru and TOPICS["ru"] in ru and PLACE["az"] not in ru
        # No English was written: the English page shows the Azerbaijani texts.
        en = client.get(f"{path}?lang=en").get_data(as_text=True)
        assert PLACE["az"] in en and TOPICS["az"] in en and PLACE["ru"] not in en
        az = client.get(f"{path}?lang=az").get_data(as_text=True)
        assert PLACE["az"] in az and PLACE["ru"] not in az


def test_the_booking_page_email_and_calendar_speak_the_residents_language(app, world):
    session_page = f"/reception/sessions/{world['session']}"
    for email, slot, expected, other in [("ru@example.az", 0, PLACE["ru"], PLACE["az"]),
                                         ("en@example.az", 1, PLACE["az"], PLACE["ru"])]:
        client = app.test_client()
        web = Browserless(client)
        web.login(email, PASSWORD)
        booked = web.post(f"{session_page}/book", {"slot_id": str(world["slots"][slot]), "topic": "Mənzil"},
                          form_url=session_page)
        assert booked.status_code == 302
        page = client.get(booked.headers["Location"]).get_data(as_text=True)
        assert expected in page and other not in page
        with app.app_context():
            booking = db.session.scalar(select(ReceptionBooking).join(User, User.id == ReceptionBooking.citizen_id)
                                        .where(User.email == email))
            mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.template == "reception_booked",
                                                                 OutboxMessage.recipient == email))
            booking_id = booking.id
        assert expected in mail.body and other not in mail.body
        calendar = client.get(f"/cabinet/receptions/{booking_id}.ics").get_data(as_text=True)
        assert "LOCATION:" + expected.replace(",", "\\,") in calendar


def test_the_demo_reception_is_written_in_three_languages(app):
    with app.app_context():
        gnc = create_reference_data()["GNC"]
        head = create_user("head@example.az", roles=[("head", gnc)])
        starts = utcnow() + timedelta(days=3)
        session, created = _demo_session(gnc, head, starts, starts + timedelta(hours=2), utcnow())
        assert created
        assert [session.text_in("place", lang) for lang in ("az", "ru", "en")] == list(RECEPTION_PLACE)
        assert len({session.text_in("topics", lang) for lang in ("az", "ru", "en")}) == 3
