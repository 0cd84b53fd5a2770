"""Reception through the web: booking and its calendar file, publishing, the day sheet, privacy by 404."""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.kit.calendar import BAKU, local_date
from app.models import Appeal, Category, District, ReceptionBooking, ReceptionSession, User, utcnow
from app.reception import service as reception
from tests.appeals.test_views import field_error
from tests.factories import PASSWORD, create_reference_data, create_user
from tests.test_pages import check_page

LANGS = ["az", "ru", "en"]


@pytest.fixture
def world(app):
    """Gəncə's head and official, Masallı's head, two residents; a reception next week and one today."""
    with app.app_context():
        districts = create_reference_data()
        gnc, msl = districts["GNC"], districts["MSL"]
        head = create_user("head@example.az", full_name="Elçin Hüseynov", roles=[("head", gnc)])
        create_user("official@example.az", roles=[("official", gnc)])
        create_user("head.msl@example.az", roles=[("head", msl)])
        create_user("citizen@example.az", full_name="Aygün Həsənova", locale="en")
        create_user("neighbour@example.az", full_name="Nurlan Sadıqov")
        next_week = local_date(utcnow()) + timedelta(days=7)
        coming = reception.publish(head, gnc.id, reception.SessionInput(
            host_id=head.id, day=next_week, start=time(10), end=time(11), slot_minutes=20,
            place="Qəbul otağı", topics="Mənzil, torpaq"))
        # A reception today, published and booked two days ago, so the desk can check residents in now.
        today = local_date(utcnow())
        earlier = datetime(today.year, today.month, today.day, tzinfo=BAKU) - timedelta(days=2)
        todays = reception.publish(head, gnc.id, reception.SessionInput(
            host_id=head.id, day=today, start=time(0, 0), end=time(23, 40), slot_minutes=20,
            place="Qəbul otağı"), now=earlier)
        neighbour = db.session.scalar(select(User).where(User.email == "neighbour@example.az"))
        booked = reception.book(neighbour, todays.id, todays.slots[0].id, "Torpaq sahəsi", now=earlier)
        return {"gnc": gnc.id, "msl": msl.id, "coming": coming.id, "slots": [s.id for s in coming.slots],
                "today": todays.id, "booked": booked.id}


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("lang", LANGS)
def test_a_resident_books_gets_the_calendar_file_cancels_and_books_again(app, web, client, world, lang):
    session_page = f"/reception/sessions/{world['coming']}"
    public = client.get(f"/reception/GNC?lang={lang}").get_data(as_text=True)
    assert session_page in public and "Elçin Hüseynov" in public and "3" in public
    web.login("citizen@example.az", PASSWORD)
    client.get(f"/?lang={lang}")
    page = client.get(session_page)
    check_page(page.get_data(as_text=True), lang)
    response = web.post(f"{session_page}/book", {"slot_id": str(world["slots"][1]), "topic": "Mənzil növbəsi"},
                        form_url=session_page)
    assert response.status_code == 302
    with app.app_context():
        booking = db.session.scalar(select(ReceptionBooking).where(ReceptionBooking.topic == "Mənzil növbəsi"))
        booking_id, number = booking.id, booking.number
    assert booking.queue_number == 2
    mine = client.get(response.headers["Location"])
    html = mine.get_data(as_text=True)
    assert number in html and "Elçin Hüseynov" in html
    check_page(html, lang)
    calendar = client.get(f"/cabinet/receptions/{booking_id}.ics")
    assert calendar.status_code == 200 and calendar.mimetype == "text/calendar"
    assert f"UID:{number}@" in calendar.get_data(as_text=True)
    assert number in client.get("/cabinet/receptions").get_data(as_text=True)

    cancel = web.post(f"/cabinet/receptions/{booking_id}/cancel", {"cancel-submit": "1"},
                      form_url=f"/cabinet/receptions/{booking_id}")
    assert cancel.status_code == 302
    again = web.post(f"{session_page}/book", {"slot_id": str(world["slots"][1]), "topic": "Yenə mənzil"},
                     form_url=session_page)
    assert again.status_code == 302
    with app.app_context():
        statuses = sorted(db.session.scalars(select(ReceptionBooking.status).where(
            ReceptionBooking.session_id == world["coming"])))
    assert statuses == ["booked", "cancelled"]


def test_bad_booking_input_comes_back_beside_its_field_and_stores_nothing(app, web, client, world):
    session_page = f"/reception/sessions/{world['coming']}"
    web.login("citizen@example.az", PASSWORD)
    client.get("/?lang=en")
    before = count(app, ReceptionBooking)
    no_time = web.post(f"{session_page}/book", {"topic": "Mənzil"}, form_url=session_page)
    assert no_time.status_code == 422 and "Choose one of the offered times" in field_error(no_time.get_data(as_text=True), "slot_id")
    long_topic = web.post(f"{session_page}/book", {"slot_id": str(world["slots"][0]), "topic": "x" * 301},
                          form_url=session_page)
    assert long_topic.status_code == 422 and "300" in field_error(long_topic.get_data(as_text=True), "topic")
    strange = web.post(f"{session_page}/book", {"slot_id": "abc", "topic": "Mənzil"}, form_url=session_page)
    assert strange.status_code == 422
    assert count(app, ReceptionBooking) == before
    web.post(f"{session_page}/book", {"slot_id": str(world["slots"][0]), "topic": "Mənzil"}, form_url=session_page)
    twice = web.post(f"{session_page}/book", {"slot_id": str(world["slots"][2]), "topic": "Torpaq"}, form_url=session_page)
    assert twice.status_code == 422 and "already have a booking" in twice.get_data(as_text=True)
    assert count(app, ReceptionBooking) == before + 1
    assert client.post("/reception/sessions/999999/book", data={}).status_code in (400, 404)


def test_visitors_and_unconfirmed_residents_cannot_book(app, web, client, world):
    session_page = f"/reception/sessions/{world['coming']}"
    assert "/auth/login" in client.get(session_page).get_data(as_text=True)
    assert client.post(f"{session_page}/book", data={}).status_code == 400  # no token: refused before anything
    with app.app_context():
        create_user("new@example.az", confirmed=False)
    web.login("new@example.az", PASSWORD)
    assert web.post(f"{session_page}/book", {"slot_id": str(world["slots"][0]), "topic": "Mənzil"},
                    form_url=session_page).status_code == 403


def words(lang: str, english: str) -> str:
    """The English words an error must contain; in az and ru only that an error is there."""
    return english if lang == "en" else ""


@pytest.mark.parametrize("lang", LANGS)
def test_the_head_publishes_a_reception_and_bad_input_is_shown_beside_its_field(app, web, client, world, lang):
    web.login("head@example.az", PASSWORD)
    client.get(f"/?lang={lang}")
    day = (local_date(utcnow()) + timedelta(days=14)).isoformat()
    fields = {"host_id": "", "day": day, "start": "14:00", "end": "13:00", "slot_minutes": "15",
              "seats_per_slot": "2", "cutoff_hours": "24", "place": "Qəbul otağı", "topics": ""}
    with app.app_context():
        fields["host_id"] = str(db.session.scalar(select(User.id).where(User.email == "head@example.az")))
    before = count(app, ReceptionSession)
    wrong = web.post("/office/reception/new", fields)
    assert wrong.status_code == 422 and words(lang, "end after it starts") in field_error(wrong.get_data(as_text=True), "end")
    past = web.post("/office/reception/new", {**fields, "day": "2020-01-06", "end": "16:00"})
    assert past.status_code == 422 and words(lang, "past") in field_error(past.get_data(as_text=True), "day")
    garbled = web.post("/office/reception/new", {**fields, "day": "next tuesday", "slot_minutes": "many"})
    assert garbled.status_code == 422
    assert count(app, ReceptionSession) == before
    made = web.post("/office/reception/new", {**fields, "end": "16:00"})
    assert made.status_code == 302
    sheet = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "Qəbul otağı" in sheet
    assert count(app, ReceptionSession) == before + 1
    overlap = web.post("/office/reception/new", {**fields, "start": "15:00", "end": "17:00"})
    assert overlap.status_code == 422 and words(lang, "already receives") in field_error(overlap.get_data(as_text=True), "start")


def test_an_official_cannot_publish_but_works_the_day_sheet(app, web, client, world):
    web.login("official@example.az", PASSWORD)
    client.get("/?lang=en")
    assert client.get("/office/reception/new").status_code == 403
    sheet = client.get(f"/office/reception/{world['today']}")
    html = sheet.get_data(as_text=True)
    assert sheet.status_code == 200 and "Nurlan Sadıqov" in html and "Torpaq sahəsi" in html
    checked = web.post(f"/office/reception/bookings/{world['booked']}/mark", {"status": "checked_in"},
                       form_url=f"/office/reception/{world['today']}")
    assert checked.status_code == 302
    with app.app_context():
        assert db.session.get(ReceptionBooking, world["booked"]).status == "checked_in"
    bogus = web.post(f"/office/reception/bookings/{world['booked']}/mark", {"status": "vanished"},
                     form_url=f"/office/reception/{world['today']}", follow_redirects=True)
    assert bogus.status_code == 200 and "Unknown step" in bogus.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ReceptionBooking, world["booked"]).status == "checked_in"


@pytest.mark.parametrize("lang", LANGS)
def test_the_head_checks_in_records_the_outcome_and_registers_an_oral_appeal(app, web, client, world, lang):
    web.login("head@example.az", PASSWORD)
    client.get(f"/?lang={lang}")
    sheet_url = f"/office/reception/{world['today']}"
    booking_url = f"/office/reception/bookings/{world['booked']}"
    assert web.post(f"{booking_url}/mark", {"status": "checked_in"}, form_url=sheet_url).status_code == 302
    empty = web.post(f"{booking_url}/outcome", {"outcome-outcome": ""}, form_url=booking_url)
    assert empty.status_code == 422 and words(lang, "outcome") in field_error(empty.get_data(as_text=True), "outcome-outcome").lower()
    assert web.post(f"{booking_url}/outcome", {"outcome-outcome": "Sənədlər yoxlanılacaq."},
                    form_url=booking_url).status_code == 302
    with app.app_context():
        category = db.session.scalars(select(Category)).first().id
    oral = {"oral-category_id": str(category), "oral-kind": "application", "oral-subject": "Torpaq sahəsi",
            "oral-text": "Torpaq sahəsinin sənədləşdirilməsini xahiş edirəm.", "oral-applicant_name": "Nurlan Sadıqov",
            "oral-applicant_address": "", "oral-applicant_phone": ""}
    anonymous = web.post(f"{booking_url}/appeal", oral, form_url=booking_url)
    assert anonymous.status_code == 422
    assert {"az": "anonim", "ru": "анонимн", "en": "anonymous"}[lang] in field_error(
        anonymous.get_data(as_text=True), "oral-applicant_address").lower()
    assert count(app, Appeal) == 0
    made = web.post(f"{booking_url}/appeal", {**oral, "oral-applicant_phone": "+994 50 111 22 33"}, form_url=booking_url)
    assert made.status_code == 302
    with app.app_context():
        appeal = db.session.scalar(select(Appeal))
        assert (appeal.source, appeal.status) == ("reception", "registered")
        booking = db.session.get(ReceptionBooking, world["booked"])
        assert booking.appeal_id == appeal.id and booking.status == "attended"
        number = appeal.number
    assert number in client.get(booking_url).get_data(as_text=True)
    web.post("/auth/logout", {}, form_url="/cabinet/")
    web.login("neighbour@example.az", PASSWORD)
    assert number in client.get("/cabinet/appeals").get_data(as_text=True)


def test_the_head_cancels_a_reception_and_residents_are_told(app, web, client, world):
    session_page = f"/reception/sessions/{world['coming']}"
    web.login("citizen@example.az", PASSWORD)
    web.post(f"{session_page}/book", {"slot_id": str(world["slots"][0]), "topic": "Mənzil"}, form_url=session_page)
    web.post("/auth/logout", {}, form_url="/cabinet/")
    web.login("head@example.az", PASSWORD)
    sheet = f"/office/reception/{world['coming']}"
    no_reason = web.post(f"{sheet}/cancel", {"cancel-reason": ""}, form_url=sheet)
    assert no_reason.status_code == 422
    assert web.post(f"{sheet}/cancel", {"cancel-reason": "Başçı ezamiyyətdədir"}, form_url=sheet).status_code == 302
    with app.app_context():
        assert db.session.get(ReceptionSession, world["coming"]).status == "cancelled"
    assert "ezamiyyətdədir" in client.get(session_page).get_data(as_text=True)


def test_another_districts_head_and_another_resident_get_404(app, web, client, world):
    web.login("head.msl@example.az", PASSWORD)
    for path in [f"/office/reception/{world['today']}", f"/office/reception/bookings/{world['booked']}",
                 f"/office/reception?district={world['gnc']}", f"/office/reception/new?district={world['gnc']}"]:
        assert client.get(path).status_code == 404, path
    for path, data in [(f"/office/reception/bookings/{world['booked']}/mark", {"status": "checked_in"}),
                       (f"/office/reception/{world['today']}/cancel", {"cancel-reason": "Yox"}),
                       (f"/office/reception/bookings/{world['booked']}/outcome", {"outcome-outcome": "Yox"})]:
        assert web.post(path, data, form_url="/office/reception").status_code == 404, path
    assert "Nurlan" not in client.get("/office/reception").get_data(as_text=True)
    web.post("/auth/logout", {}, form_url="/cabinet/")
    web.login("citizen@example.az", PASSWORD)
    for path in [f"/cabinet/receptions/{world['booked']}", f"/cabinet/receptions/{world['booked']}.ics",
                 f"/office/reception/{world['today']}"]:
        assert client.get(path).status_code in (403, 404), path
    assert client.get(f"/cabinet/receptions/{world['booked']}").status_code == 404
    assert web.post(f"/cabinet/receptions/{world['booked']}/cancel", {"cancel-submit": "1"},
                    form_url="/cabinet/receptions").status_code == 404
    with app.app_context():
        assert db.session.get(ReceptionBooking, world["booked"]).status == "booked"


def test_public_pages_never_name_a_resident(client, world):
    for path in ["/reception/", "/reception/GNC", f"/reception/sessions/{world['today']}",
                 f"/reception/sessions/{world['coming']}"]:
        html = client.get(path).get_data(as_text=True)
        assert "Nurlan" not in html and "Torpaq sahəsi" not in html, path
    assert client.get("/reception/ZZZ").status_code == 404
    assert client.get("/reception/sessions/999999").status_code == 404


@pytest.mark.parametrize("lang", LANGS)
def test_every_reception_page_keeps_the_portals_promises(app, web, client, world, lang):
    for path in ["/reception/", "/reception/GNC", f"/reception/sessions/{world['coming']}"]:
        response = client.get(f"{path}?lang={lang}")
        assert response.status_code == 200, path
        check_page(response.get_data(as_text=True), lang)
    web.login("head@example.az", PASSWORD)
    for path in ["/office/reception", "/office/reception/new", f"/office/reception/{world['today']}",
                 f"/office/reception/bookings/{world['booked']}"]:
        response = client.get(f"{path}?lang={lang}")
        assert response.status_code == 200, path
        check_page(response.get_data(as_text=True), lang)
    web.post("/auth/logout", {}, form_url="/cabinet/")
    web.login("neighbour@example.az", PASSWORD)
    for path in ["/cabinet/receptions", f"/cabinet/receptions/{world['booked']}"]:
        response = client.get(f"{path}?lang={lang}")
        assert response.status_code == 200, path
        check_page(response.get_data(as_text=True), lang)
    with app.app_context():
        assert db.session.get(District, world["gnc"]).code == "GNC"
    assert re.search(r"GNC-Q-\d{6}", client.get("/cabinet/receptions").get_data(as_text=True))


def test_reception_pages_run_a_fixed_number_of_statements_whatever_the_bookings(app, web, client, world, count_queries):
    """The day sheet, the public schedule and the resident's list cost the same with 1 or 12 bookings."""
    def statements(path: str) -> int:
        with count_queries() as q:
            assert client.get(path).status_code == 200
        return q.count

    web.login("head@example.az", PASSWORD)
    sheet, schedule = f"/office/reception/{world['today']}", "/reception/GNC"
    before = {path: statements(path) for path in (sheet, schedule, "/office/reception")}
    with app.app_context():
        session = db.session.get(ReceptionSession, world["today"])
        earlier = session.starts_at - timedelta(days=2)
        for i in range(11):
            resident = create_user(f"resident{i}@example.az", full_name=f"Sakin {i}")
            reception.book(resident, session.id, session.slots[i + 1].id, f"Mövzu {i}", now=earlier)
            reception.publish(
                db.session.scalar(select(User).where(User.email == "head@example.az")), world["gnc"],
                reception.SessionInput(host_id=session.host_id, day=local_date(utcnow()) + timedelta(days=20 + i),
                                       start=time(10), end=time(11), slot_minutes=20, place="Qəbul otağı"))
    after = {path: statements(path) for path in before}
    assert after == before


# --- A day whose booking has closed; a resident who already booked (issue 17) ------------------------------


def closed_day(app, district_id: int) -> tuple[int, int]:
    """A Gəncə reception tomorrow at 10:00 whose booking closes 48 hours before: closed now, not yet held."""
    with app.app_context():
        head = db.session.scalar(select(User).where(User.email == "head@example.az"))
        tomorrow = local_date(utcnow()) + timedelta(days=1)
        session = reception.publish(head, district_id, reception.SessionInput(
            host_id=head.id, day=tomorrow, start=time(10), end=time(11), slot_minutes=30, place="Qəbul otağı",
            cutoff_hours=48), now=utcnow() - timedelta(days=5))
        return session.id, session.slots[0].id


@pytest.mark.parametrize("lang", LANGS)
def test_a_day_whose_booking_has_closed_says_so_and_offers_no_time_and_no_form(app, web, client, world, lang):
    session_id, slot_id = closed_day(app, world["gnc"])
    page = f"/reception/sessions/{session_id}"
    with app.app_context():
        session = db.session.get(ReceptionSession, session_id)
        assert reception.booking_state(session) == "closed"
    for signed_in in (False, True):
        if signed_in:
            web.login("citizen@example.az", PASSWORD)
        response = client.get(f"{page}?lang={lang}")
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        check_page(html, lang)
        notice = re.search(r'<p class="notice">(.*?)</p>', html, re.S)
        assert notice and (lang != "en" or "Booking for this reception closed on" in notice.group(1))
        assert "<form" not in html.split('id="main"', 1)[1].split("</main>", 1)[0]
        assert 'name="slot_id"' not in html and "/auth/login?next=" not in html
    # The district's list says the same instead of counting free places.
    listing = client.get(f"/reception/GNC?lang={lang}").get_data(as_text=True)
    row = re.search(rf'href="/reception/sessions/{session_id}".*?</tr>', listing, re.S).group()
    assert 'class="badge"' in row
    # A booking sent anyway (a page left open) is refused and nothing is written.
    before = count(app, ReceptionBooking)
    refused = web.post(f"{page}/book", {"slot_id": str(slot_id), "topic": "Mənzil"},
                       form_url=f"/reception/sessions/{world['coming']}")
    assert refused.status_code == 422 and "<form" not in refused.get_data(as_text=True).split('id="main"', 1)[1]
    assert count(app, ReceptionBooking) == before


@pytest.mark.parametrize("lang", LANGS)
def test_a_resident_who_already_booked_the_day_is_led_to_the_booking(app, web, client, world, lang):
    page = f"/reception/sessions/{world['coming']}"
    web.login("citizen@example.az", PASSWORD)
    client.get(f"/?lang={lang}")
    assert web.post(f"{page}/book", {"slot_id": str(world["slots"][0]), "topic": "Mənzil"}, form_url=page).status_code == 302
    with app.app_context():
        citizen = db.session.scalar(select(User).where(User.email == "citizen@example.az"))
        booking = db.session.scalar(select(ReceptionBooking).where(ReceptionBooking.citizen_id == citizen.id))
        link, number = f'href="/cabinet/receptions/{booking.id}"', booking.number
    html = client.get(page).get_data(as_text=True)
    check_page(html, lang)
    assert link in html and number in html
    assert 'name="slot_id"' not in html  # no second booking offered
    again = web.post(f"{page}/book", {"slot_id": str(world["slots"][2]), "topic": "Torpaq"}, form_url=page)
    assert again.status_code == 422 and link in again.get_data(as_text=True)
    assert count(app, ReceptionBooking) == 2  # the neighbour's and this one
    assert client.get(f"/cabinet/receptions/{booking.id}").status_code == 200
    # Nobody else is led to it: another resident sees the form, a visitor the sign-in button.
    web.post("/auth/logout", {}, form_url="/cabinet/")
    web.login("neighbour@example.az", PASSWORD)
    other = client.get(page).get_data(as_text=True)
    assert link not in other and 'name="slot_id"' in other
    web.post("/auth/logout", {}, form_url="/cabinet/")
    visitor = client.get(page).get_data(as_text=True)
    assert link not in visitor and "/auth/login?next=" in visitor


def test_the_home_page_card_counts_the_coming_reception_days(client, world):
    html = client.get("/?lang=en").get_data(as_text=True)
    card = re.search(r'<li class="card">\s*<h3><a href="/reception/">.*?</li>', html, re.S)
    assert card and "Coming reception days: 1" in card.group()  # next week's; today's has started
