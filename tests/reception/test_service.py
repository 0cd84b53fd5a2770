"""Reception: publishing sessions, booking seats (also under concurrency), cancelling, reminders, the day itself."""
from __future__ import annotations

import os
import threading
from datetime import date, datetime, time, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.appeals.service import AppealInput
from app.extensions import db
from app.kit.calendar import BAKU
from app.kit.errors import Invalid, NotAllowed, NotFound
from app.models import Appeal, Category, Notification, OutboxMessage, ReceptionBooking, ReceptionSession, ReceptionSlot
from app.reception import service as reception
from tests.factories import create_reference_data, create_user
from tests.snapshots import replayed

# Monday 7 December 2026, 09:00 in Baku; the reception is on Thursday 10 December.
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=BAKU)
THURSDAY = date(2026, 12, 10)


@pytest.fixture
def world(ctx):
    """Built once, then put back (tests/snapshots.py)."""
    return replayed("reception service: world", _build_world)


def _build_world():
    districts = create_reference_data()
    gnc, msl = districts["GNC"], districts["MSL"]
    return {
        "gnc": gnc,
        "msl": msl,
        "head": create_user("head@example.az", full_name="Elçin Hüseynov", roles=[("head", gnc)]),
        "deputy": create_user("deputy@example.az", full_name="Aydın Qasımov", roles=[("head", gnc)]),
        "official": create_user("official@example.az", roles=[("official", gnc)]),
        "other_head": create_user("head.msl@example.az", roles=[("head", msl)]),
        "citizen": create_user("citizen@example.az", full_name="Aygün Həsənova"),
        "neighbour": create_user("neighbour@example.az", full_name="Nurlan Sadıqov", locale="ru"),
        "unconfirmed": create_user("new@example.az", confirmed=False),
    }


def session_input(host, **changes) -> reception.SessionInput:
    values = dict(host_id=host.id, day=THURSDAY, start=time(10), end=time(12), slot_minutes=20, seats_per_slot=1,
                  cutoff_hours=24, place="Gəncə ş., Heydər Əliyev pr. 1, qəbul otağı", topics="")
    values.update(changes)
    return reception.SessionInput(**values)


def publish(world, **changes) -> ReceptionSession:
    return reception.publish(world["head"], world["gnc"].id, session_input(world["head"], **changes), now=NOW)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- Publishing ---------------------------------------------------------------------------------


def test_publishing_cuts_the_session_into_slots(world):
    session = publish(world, seats_per_slot=2)
    assert [s.starts_at.astimezone(BAKU).strftime("%H:%M") for s in session.slots] == [
        "10:00", "10:20", "10:40", "11:00", "11:20", "11:40"]
    assert session.cutoff_at == datetime(2026, 12, 9, 10, tzinfo=BAKU)
    view = reception.session_view(session.id)
    assert (view.free, view.total) == (12, 12)


@pytest.mark.parametrize(("changes", "field"), [
    ({"day": date(2026, 12, 1)}, "day"),  # in the past
    ({"end": time(9)}, "end"),  # ends before it starts
    ({"slot_minutes": 3}, "slot_minutes"),
    ({"slot_minutes": 180}, "slot_minutes"),  # longer than the session
    ({"seats_per_slot": 0}, "seats_per_slot"),
    ({"cutoff_hours": -1}, "cutoff_hours"),
    ({"place": " "}, "place"),
    ({"day": None}, "day"),
    ({"start": None}, "start"),
])
def test_bad_sessions_are_refused_and_nothing_is_stored(world, changes, field):
    with pytest.raises(Invalid) as refused:
        publish(world, **changes)
    assert field in refused.value.errors
    assert count(ReceptionSession) == 0 and count(ReceptionSlot) == 0


def test_a_host_cannot_be_in_two_receptions_at_once(world):
    publish(world)
    with pytest.raises(Invalid) as refused:
        publish(world, start=time(11, 30), end=time(13))
    assert "start" in refused.value.errors
    # Touching end to start is no overlap, and the deputy may receive at the same time.
    publish(world, start=time(12), end=time(13))
    reception.publish(world["head"], world["gnc"].id, session_input(world["deputy"]), now=NOW)
    assert count(ReceptionSession) == 3


def test_only_a_head_of_the_district_publishes_and_hosts(world):
    with pytest.raises(NotFound):
        reception.publish(world["official"], world["gnc"].id, session_input(world["head"]), now=NOW)
    with pytest.raises(NotFound):
        reception.publish(world["other_head"], world["gnc"].id, session_input(world["other_head"]), now=NOW)
    with pytest.raises(Invalid) as refused:
        publish(world, host_id=world["official"].id)
    assert "host_id" in refused.value.errors


# --- Booking --------------------------------------------------------------------------------------


def test_booking_gives_number_queue_number_and_a_calendar_file_by_email(world):
    session = publish(world)
    booking = reception.book(world["citizen"], session.id, session.slots[2].id, "Mənzil növbəsi", now=NOW)
    assert booking.number == f"GNC-Q-{booking.id:06d}" and booking.queue_number == 3
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.template == "reception_booked"))
    assert mail.recipient == "citizen@example.az" and booking.number in mail.subject
    assert mail.attachment_names == f"{booking.number}.ics"
    assert "10:40" in mail.body or "10:40:00" in mail.body
    calendar = reception.ics(booking)
    assert "DTSTART:20261210T064000Z" in calendar and "DTEND:20261210T070000Z" in calendar  # Baku is UTC+4
    assert calendar.startswith("BEGIN:VCALENDAR\r\n") and f"UID:{booking.number}@" in calendar
    assert count(Notification) == 1
    assert reception.session_view(session.id).free == 5


def test_seats_fill_in_order_and_queue_numbers_follow_the_slots(world):
    session = publish(world, seats_per_slot=2)
    first = reception.book(world["citizen"], session.id, session.slots[1].id, "Torpaq", now=NOW)
    second = reception.book(world["neighbour"], session.id, session.slots[1].id, "Su", now=NOW)
    assert (first.seat, first.queue_number, second.seat, second.queue_number) == (1, 3, 2, 4)
    third = create_user("third@example.az")
    with pytest.raises(Invalid) as taken:
        reception.book(third, session.id, session.slots[1].id, "Yol", now=NOW)
    assert "just taken" in taken.value.errors["slot_id"]


@pytest.mark.parametrize(("when", "words"), [
    (datetime(2026, 12, 9, 10, 0, tzinfo=BAKU), "closed"),  # at the cut-off
    (datetime(2026, 12, 10, 11, 0, tzinfo=BAKU), "already taken place"),
])
def test_late_bookings_are_refused(world, when, words):
    session = publish(world)
    with pytest.raises(Invalid) as refused:
        reception.book(world["citizen"], session.id, session.slots[0].id, "Mənzil", now=when)
    assert words in refused.value.errors[None]
    assert count(ReceptionBooking) == 0


def test_the_booking_state_says_when_and_why_a_day_takes_no_booking(world):
    session = publish(world)
    cutoff = datetime(2026, 12, 9, 10, 0, tzinfo=BAKU)
    assert reception.booking_state(session, NOW) == "open"
    assert reception.booking_state(session, cutoff - timedelta(seconds=1)) == "open"
    assert reception.booking_state(session, cutoff) == "closed"
    assert reception.booking_state(session, datetime(2026, 12, 10, 10, 0, tzinfo=BAKU)) == "over"
    assert [v.state for v in reception.upcoming(world["gnc"], now=cutoff)] == ["closed"]
    view = reception.session_view(session.id, world["citizen"], now=cutoff)
    assert view.state == "closed" and view.mine is None
    world["gnc"].active = False
    assert reception.booking_state(session, NOW) == "withdrawn"
    world["gnc"].active = True
    reception.cancel_session(world["head"], session.id, "Başçı ezamiyyətdədir", now=NOW)
    assert reception.booking_state(session, NOW) == "cancelled"


def test_the_session_view_shows_a_resident_their_own_live_booking_only(world):
    session = publish(world)
    booking = reception.book(world["citizen"], session.id, session.slots[0].id, "Mənzil", now=NOW)
    assert reception.session_view(session.id, world["citizen"], now=NOW).mine == booking
    assert reception.session_view(session.id, world["neighbour"], now=NOW).mine is None
    assert reception.session_view(session.id, None, now=NOW).mine is None
    reception.cancel_booking(world["citizen"], booking.id, now=NOW)
    assert reception.session_view(session.id, world["citizen"], now=NOW).mine is None


def test_bad_bookings_are_refused_and_nothing_is_stored(world):
    session = publish(world)
    other = publish(world, day=date(2026, 12, 11))
    cases = [
        (session.id, other.slots[0].id, "Mənzil", "slot_id"),  # a slot of another session
        (session.id, 999_999, "Mənzil", "slot_id"),
        (session.id, None, "Mənzil", "slot_id"),
        (session.id, session.slots[0].id, "", "topic"),
        (session.id, session.slots[0].id, "x" * 301, "topic"),
    ]
    for session_id, slot_id, topic, field in cases:
        with pytest.raises(Invalid) as refused:
            reception.book(world["citizen"], session_id, slot_id, topic, now=NOW)
        assert field in refused.value.errors
    with pytest.raises(NotFound):
        reception.book(world["citizen"], 999_999, None, "Mənzil", now=NOW)
    with pytest.raises(NotAllowed):
        reception.book(world["unconfirmed"], session.id, session.slots[0].id, "Mənzil", now=NOW)
    assert count(ReceptionBooking) == 0 and count(OutboxMessage) == 0


def test_one_live_booking_per_resident_per_session_and_cancelling_frees_the_seat(world):
    session = publish(world)
    booking = reception.book(world["citizen"], session.id, session.slots[0].id, "Mənzil", now=NOW)
    with pytest.raises(Invalid) as twice:
        reception.book(world["citizen"], session.id, session.slots[1].id, "Torpaq", now=NOW)
    assert "already have a booking" in twice.value.errors[None]
    reception.cancel_booking(world["citizen"], booking.id, now=NOW)
    # The same seat is free for someone else, and the resident may book again.
    reception.book(world["neighbour"], session.id, session.slots[0].id, "Su", now=NOW)
    again = reception.book(world["citizen"], session.id, session.slots[1].id, "Torpaq", now=NOW)
    assert again.status == "booked" and count(ReceptionBooking) == 3


def test_cancelling_after_the_cutoff_or_someone_elses_booking_is_refused(world):
    session = publish(world)
    booking = reception.book(world["citizen"], session.id, session.slots[0].id, "Mənzil", now=NOW)
    with pytest.raises(NotFound):
        reception.cancel_booking(world["neighbour"], booking.id, now=NOW)
    with pytest.raises(Invalid):
        reception.cancel_booking(world["citizen"], booking.id, now=datetime(2026, 12, 9, 12, tzinfo=BAKU))
    assert db.session.get(ReceptionBooking, booking.id).status == "booked"


def test_a_cancelled_session_tells_every_booked_resident_and_takes_no_bookings(world):
    session = publish(world)
    reception.book(world["citizen"], session.id, session.slots[0].id, "Mənzil", now=NOW)
    reception.book(world["neighbour"], session.id, session.slots[1].id, "Su", now=NOW)
    with pytest.raises(Invalid):
        reception.cancel_session(world["head"], session.id, " ", now=NOW)
    with pytest.raises(NotFound):
        reception.cancel_session(world["other_head"], session.id, "Xəstəlik", now=NOW)
    reception.cancel_session(world["head"], session.id, "Başçı ezamiyyətdədir", now=NOW)
    told = db.session.scalars(select(Notification).where(Notification.text.contains("ezamiyyətdədir"))).all()
    assert {n.user_id for n in told} == {world["citizen"].id, world["neighbour"].id}
    neighbour_note = next(n for n in told if n.user_id == world["neighbour"].id)
    assert "отменён" in neighbour_note.text  # in the resident's own language
    assert {b.status for b in db.session.scalars(select(ReceptionBooking))} == {"cancelled"}
    with pytest.raises(Invalid) as refused:
        reception.book(create_user("x@example.az"), session.id, session.slots[2].id, "Yol", now=NOW)
    assert "cancelled" in refused.value.errors[None]


# --- Reminders ----------------------------------------------------------------------------------------


def test_reminders_go_the_working_day_before_and_once(world):
    monday = publish(world, day=date(2026, 12, 14))
    booking = reception.book(world["citizen"], monday.id, monday.slots[0].id, "Mənzil", now=NOW)
    # Thursday: Monday is not the next working day yet.
    assert reception.remind(now=datetime(2026, 12, 10, 18, tzinfo=BAKU)) == 0
    # Friday is the working day before Monday.
    friday = datetime(2026, 12, 11, 18, tzinfo=BAKU)
    assert reception.remind(now=friday) == 1
    assert reception.remind(now=friday + timedelta(hours=1)) == 0
    assert db.session.get(ReceptionBooking, booking.id).reminded_at is not None


# --- On the day ---------------------------------------------------------------------------------------


def test_check_in_attendance_outcome_and_an_oral_appeal(world):
    session = publish(world)
    booking = reception.book(world["citizen"], session.id, session.slots[0].id, "Mənzil növbəsi", now=NOW)
    absent = reception.book(world["neighbour"], session.id, session.slots[1].id, "Su", now=NOW)
    with pytest.raises(Invalid):
        reception.mark(world["official"], booking.id, "checked_in", now=NOW)  # not the day yet
    on_the_day = datetime(2026, 12, 10, 9, 50, tzinfo=BAKU)
    with pytest.raises(NotFound):
        reception.mark(world["other_head"], booking.id, "checked_in", now=on_the_day)
    reception.mark(world["official"], booking.id, "checked_in", now=on_the_day)
    reception.mark(world["official"], absent.id, "no_show", now=on_the_day)
    with pytest.raises(Invalid):
        reception.mark(world["official"], absent.id, "checked_in", now=on_the_day)
    sheet_session, sheet = reception.day_sheet(world["head"], session.id)
    assert [(b.queue_number, b.citizen.full_name, b.status) for b in sheet] == [
        (1, "Aygün Həsənova", "checked_in"), (2, "Nurlan Sadıqov", "no_show")]

    with pytest.raises(Invalid):
        reception.record_outcome(world["head"], booking.id, "")
    reception.record_outcome(world["head"], booking.id, "Mənzil növbəsindəki yeri yoxlanılacaq.")
    category = db.session.scalars(select(Category)).first()
    data = AppealInput(district_id=None, category_id=category.id, kind="application", subject="Mənzil növbəsi",
                       text="Mənzil növbəsindəki yerimin yoxlanılmasını xahiş edirəm.", applicant_name="",
                       applicant_address="Gəncə ş., Nizami küç. 5")
    appeal = reception.register_oral_appeal(world["head"], booking.id, data)
    assert (appeal.source, appeal.status, appeal.district_id) == ("reception", "registered", world["gnc"].id)
    assert appeal.citizen_id == world["citizen"].id and appeal.applicant_name == "Aygün Həsənova"
    assert appeal.number.startswith("GNC-") and appeal.due_at is not None
    assert db.session.get(ReceptionBooking, booking.id).appeal_id == appeal.id
    with pytest.raises(Invalid):
        reception.register_oral_appeal(world["head"], booking.id, data)
    assert count(Appeal) == 1


def test_an_oral_appeal_without_contact_is_refused_with_the_laws_reason(world):
    session = publish(world)
    booking = reception.book(world["citizen"], session.id, session.slots[0].id, "Mənzil", now=NOW)
    reception.mark(world["head"], booking.id, "checked_in", now=datetime(2026, 12, 10, 10, tzinfo=BAKU))
    category = db.session.scalars(select(Category)).first()
    data = AppealInput(district_id=None, category_id=category.id, kind="application", subject="Mənzil",
                       text="Mətn", applicant_name="", applicant_address="", applicant_phone="")
    with pytest.raises(Invalid) as refused:
        reception.register_oral_appeal(world["head"], booking.id, data)
    assert "anonymous" in refused.value.errors["applicant_address"]
    assert count(Appeal) == 0 and db.session.get(ReceptionBooking, booking.id).appeal_id is None


# --- Two residents never hold the same seat ----------------------------------------------------------


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="simultaneous bookings are tested on PostgreSQL (SQLite serialises writers)")
def test_twenty_residents_race_for_the_last_seat_and_exactly_one_wins(app, world):
    session = publish(world, start=time(10), end=time(10, 40))
    reception.book(world["citizen"], session.id, session.slots[0].id, "Mənzil", now=NOW)
    last_slot, session_id = session.slots[1].id, session.id
    racers = [create_user(f"racer{i}@example.az").id for i in range(20)]
    barrier = threading.Barrier(20)
    won, lost, errors = [], [], []

    def race(user_id: int) -> None:
        with app.test_request_context(), force_locale("en"):
            try:
                from app.models import User

                user = db.session.get(User, user_id)
                db.session.close()
                barrier.wait()
                won.append(reception.book(user, session_id, last_slot, "Son yer", now=NOW).id)
            except Invalid as refused:
                lost.append(refused.errors)
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=race, args=(user_id,)) for user_id in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and len(won) == 1 and len(lost) == 19
    assert all("just taken" in refusal["slot_id"] for refusal in lost)
    db.session.expire_all()
    holders = db.session.scalars(select(ReceptionBooking).where(ReceptionBooking.slot_id == last_slot)).all()
    assert len(holders) == 1 and holders[0].id == won[0]
    assert count(ReceptionBooking) == 2
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.template == "reception_booked")) == 2
