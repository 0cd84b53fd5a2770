"""Personal reception with the head of the authority: publishing sessions, booking seats, the day itself.

A session is cut into slots when it is published; each slot has ``seats_per_slot``
seats. A booking takes the lowest free seat of a slot. Two partial unique
indexes (one seat per live booking, one live booking per resident and session)
make the database refuse a double booking whatever the timing; on PostgreSQL the
slot row is also locked so that simultaneous residents queue instead of failing
on a seat another one has just left free.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app import authz
from app.appeals import service as appeals
from app.extensions import db
from app.kit import audit, mail, notify
from app.kit.calendar import BAKU, add_working_days, local_date
from app.kit.errors import Invalid, NotAllowed, NotFound
from app.kit.i18n import current_lang, fmt_datetime
from app.models import (
    HOLDING,
    Appeal,
    District,
    ReceptionBooking,
    ReceptionSession,
    ReceptionSlot,
    RoleAssignment,
    User,
    utcnow,
)
from app.models.reception import PLACE_LIMIT, TOPIC_LIMIT, TOPICS_LIMIT

DEFAULT_CUTOFF_HOURS = 24
MAX_SLOTS = 96
BOOKING_LABELS = {
    "booked": _l("Booked"),
    "cancelled": _l("Cancelled"),
    "checked_in": _l("Checked in"),
    "attended": _l("Received in person"),
    "no_show": _l("Did not come"),
}
# Who may move a booking on the day, from which status to which.
DESK_STEPS = {
    "checked_in": ("booked",),
    "attended": ("booked", "checked_in"),
    "no_show": ("booked", "checked_in"),
}


@dataclass
class SessionInput:
    """What a head fills in to publish a reception session.

    ``place`` and ``topics`` are the Azerbaijani texts (the place is required); ``*_ru`` and ``*_en`` are their
    optional translations, shown instead of the Azerbaijani to residents reading in that language.
    """

    host_id: int | None
    day: date | None
    start: time | None
    end: time | None
    slot_minutes: int | None
    place: str
    seats_per_slot: int | None = 1
    cutoff_hours: int | None = DEFAULT_CUTOFF_HOURS
    topics: str = ""
    place_ru: str = ""
    place_en: str = ""
    topics_ru: str = ""
    topics_en: str = ""


@dataclass
class SlotView:
    """A slot with how many of its seats are free."""

    slot: ReceptionSlot
    free: int


@dataclass
class SessionView:
    """A session with its free seats, for the public and for booking.

    ``state`` says whether residents may book it now (``booking_state``); ``mine`` is the viewing resident's own
    live booking of it, if they have one."""

    session: ReceptionSession
    free: int
    total: int
    slots: list[SlotView] | None = None
    state: str = "open"
    mine: ReceptionBooking | None = None



def _at(day: date, moment: time) -> datetime:
    """A Baku wall-clock time on ``day`` as an aware timestamp."""
    return datetime.combine(day, moment, tzinfo=BAKU)


def hosts(district_id: int) -> list[User]:
    """Who may host a reception in the district: its active heads (deputies hold the head role too)."""
    return list(db.session.scalars(
        select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.district_id == district_id, RoleAssignment.role == "head", User.active.is_(True))
        .order_by(User.full_name)
    ))


# --- Publishing and cancelling sessions --------------------------------------------------


def _check_session(district_id: int, data: SessionInput, now: datetime) -> dict[str | None, str]:
    errors: dict[str | None, str] = {}
    if data.host_id not in {u.id for u in hosts(district_id)}:
        errors["host_id"] = _("Choose the head (or deputy) of this district who receives residents.")
    if data.day is None:
        errors["day"] = _("Enter the date of the reception.")
    if data.start is None:
        errors["start"] = _("Enter the time the reception starts.")
    if data.end is None:
        errors["end"] = _("Enter the time the reception ends.")
    if not data.slot_minutes or not 5 <= data.slot_minutes <= 240:
        errors["slot_minutes"] = _("A slot lasts from 5 to 240 minutes.")
    if not data.seats_per_slot or not 1 <= data.seats_per_slot <= 20:
        errors["seats_per_slot"] = _("Receive from 1 to 20 residents per slot.")
    if data.cutoff_hours is None or not 0 <= data.cutoff_hours <= 336:
        errors["cutoff_hours"] = _("Close booking from 0 to 336 hours (14 days) before the reception.")
    if not data.place.strip():
        errors["place"] = _("Enter where the reception takes place.")
    for name in ("place", "place_ru", "place_en"):
        if name not in errors and len(getattr(data, name).strip()) > PLACE_LIMIT:
            errors[name] = _("Use at most %(max)d characters.", max=PLACE_LIMIT)
    for name in ("topics", "topics_ru", "topics_en"):
        if len(getattr(data, name).strip()) > TOPICS_LIMIT:
            errors[name] = _("Use at most %(max)d characters.", max=TOPICS_LIMIT)
    if data.day and data.start and data.end:
        starts, ends = _at(data.day, data.start), _at(data.day, data.end)
        if ends <= starts:
            errors["end"] = _("The reception must end after it starts.")
        elif starts <= now:
            errors["day"] = _("A reception cannot be published in the past.")
        elif "slot_minutes" not in errors and (ends - starts) < timedelta(minutes=data.slot_minutes):
            errors["slot_minutes"] = _("The reception is shorter than one slot.")
        elif "slot_minutes" not in errors and (ends - starts) / timedelta(minutes=data.slot_minutes) > MAX_SLOTS:
            errors["slot_minutes"] = _("At most %(max)d slots per reception; choose longer slots.", max=MAX_SLOTS)
    return errors


def publish(actor: User, district_id: int, data: SessionInput, now: datetime | None = None) -> ReceptionSession:
    """A head publishes a reception session; its slots are created at once."""
    now = now or utcnow()
    district = db.session.get(District, district_id)
    if district is None or not authz.can(actor, "reception.manage", district):
        raise NotFound("district")
    errors = _check_session(district.id, data, now)
    if errors:
        raise Invalid(errors)
    starts, ends = _at(data.day, data.start), _at(data.day, data.end)
    overlapping = db.session.scalar(
        select(ReceptionSession.id).where(
            ReceptionSession.host_id == data.host_id,
            ReceptionSession.status == "scheduled",
            ReceptionSession.starts_at < ends,
            ReceptionSession.ends_at > starts,
        ).limit(1)
    )
    if overlapping is not None:
        raise Invalid({"start": _("The host already receives residents at this time; choose another time.")})
    session = ReceptionSession(
        district_id=district.id, host_id=data.host_id, created_by_id=actor.id, starts_at=starts, ends_at=ends,
        slot_minutes=data.slot_minutes, seats_per_slot=data.seats_per_slot, place_az=data.place.strip(),
        place_ru=data.place_ru.strip() or None, place_en=data.place_en.strip() or None,
        topics_az=data.topics.strip() or None, topics_ru=data.topics_ru.strip() or None,
        topics_en=data.topics_en.strip() or None, cutoff_hours=data.cutoff_hours, created_at=now,
    )
    cut_slots(session)
    db.session.add(session)
    audit.record("reception.publish", actor=actor, obj=session,
                 summary=f"reception day {data.day.isoformat()} {data.start:%H:%M}–{data.end:%H:%M}",
                 after={"host_id": data.host_id, "starts_at": starts, "ends_at": ends, "place": session.place_az,
                        "slots": len(session.slots)})
    notify.commit()
    return session


def cut_slots(session: ReceptionSession) -> None:
    """Cut the session's time into slots of ``slot_minutes``; a remainder shorter than a slot is left out."""
    step = timedelta(minutes=session.slot_minutes)
    moment, position = session.starts_at, 0
    while moment + step <= session.ends_at:
        session.slots.append(ReceptionSlot(position=position, starts_at=moment, ends_at=moment + step))
        moment, position = moment + step, position + 1


def get_session(session_id: int, *, lock: bool = False) -> ReceptionSession:
    """The session, or ``NotFound``."""
    query = select(ReceptionSession).where(ReceptionSession.id == session_id)
    session = db.session.scalar(query.with_for_update() if lock else query)
    if session is None:
        raise NotFound("session")
    return session


def staff_session(actor: User, session_id: int, policy: str = "reception.desk") -> ReceptionSession:
    """A session of a district ``actor`` works in; another district's is ``NotFound``."""
    session = get_session(session_id)
    if not authz.can(actor, policy, session):
        raise NotFound("session")
    return session


def _live_bookings(session_id: int) -> list[ReceptionBooking]:
    return list(db.session.scalars(
        select(ReceptionBooking)
        .where(ReceptionBooking.session_id == session_id, ReceptionBooking.status.in_(HOLDING))
        .options(joinedload(ReceptionBooking.citizen), joinedload(ReceptionBooking.slot))
        .order_by(ReceptionBooking.queue_number)
    ))


def cancel_session(actor: User, session_id: int, reason: str, now: datetime | None = None) -> ReceptionSession:
    """The head cancels a session with a reason; every booked resident is told."""
    now = now or utcnow()
    session = staff_session(actor, session_id, "reception.manage")
    if session.status == "cancelled":
        raise Invalid({None: _("This reception is already cancelled.")})
    if session.ends_at <= now:
        raise Invalid({None: _("This reception is over; it can no longer be cancelled.")})
    if not reason.strip():
        raise Invalid({"reason": _("Give the reason; the booked residents are told.")})
    session.status, session.cancel_reason, session.cancelled_at = "cancelled", reason.strip(), now
    for booking in _live_bookings(session.id):
        booking.status, booking.cancelled_at = "cancelled", now
        notify.notify(
            booking.citizen,
            lambda s=session: _("The reception of %(date)s is cancelled: %(reason)s",
                                date=fmt_datetime(s.starts_at), reason=s.cancel_reason),
            kind="booking.cancelled", link=f"/cabinet/receptions/{booking.id}", obj=booking,
        )
    audit.record("reception.cancel", actor=actor, obj=session, summary=f"reception day cancelled: {session.cancel_reason}",
                 before={"status": "scheduled"}, after={"status": "cancelled"})
    notify.commit()
    return session


# --- What residents see ------------------------------------------------------------------


def _free_counts(session_ids: list[int]) -> dict[int, int]:
    """Seats taken per session."""
    if not session_ids:
        return {}
    return dict(db.session.execute(
        select(ReceptionBooking.session_id, func.count())
        .where(ReceptionBooking.session_id.in_(session_ids), ReceptionBooking.status.in_(HOLDING))
        .group_by(ReceptionBooking.session_id)
    ).all())


def upcoming(district: District, now: datetime | None = None, limit: int = 50) -> list[SessionView]:
    """The district's scheduled sessions that have not started, with free seats (no names)."""
    now = now or utcnow()
    sessions = list(db.session.scalars(
        select(ReceptionSession)
        .where(ReceptionSession.district_id == district.id, ReceptionSession.status == "scheduled",
               ReceptionSession.starts_at > now)
        .options(joinedload(ReceptionSession.host), joinedload(ReceptionSession.slots))
        .order_by(ReceptionSession.starts_at)
        .limit(limit)
    ).unique())
    taken = _free_counts([s.id for s in sessions])
    views = []
    for session in sessions:
        total = len(session.slots) * session.seats_per_slot
        views.append(SessionView(session, total - taken.get(session.id, 0), total, state=booking_state(session, now)))
    return views


def upcoming_counts(now: datetime | None = None) -> dict[int, int]:
    """How many upcoming sessions each district has."""
    now = now or utcnow()
    return dict(db.session.execute(
        select(ReceptionSession.district_id, func.count())
        .where(ReceptionSession.status == "scheduled", ReceptionSession.starts_at > now)
        .group_by(ReceptionSession.district_id)
    ).all())


def session_view(session_id: int, viewer: User | None = None, now: datetime | None = None) -> SessionView:
    """A session with each slot's free seats (public: no names), whether it can be booked now, and the
    ``viewer``'s own live booking of it (a signed-in resident's; None for anyone else)."""
    now = now or utcnow()
    session = get_session(session_id)
    taken = dict(db.session.execute(
        select(ReceptionBooking.slot_id, func.count())
        .where(ReceptionBooking.session_id == session.id, ReceptionBooking.status.in_(HOLDING))
        .group_by(ReceptionBooking.slot_id)
    ).all())
    slots = [SlotView(slot, session.seats_per_slot - taken.get(slot.id, 0)) for slot in session.slots]
    total = len(slots) * session.seats_per_slot
    mine = _live_booking_of(viewer, session.id) if viewer is not None else None
    return SessionView(session, sum(s.free for s in slots), total, slots, booking_state(session, now), mine)


def _live_booking_of(citizen: User, session_id: int) -> ReceptionBooking | None:
    """The resident's booking of the session that still holds its seat, if any (at most one: a unique index)."""
    return db.session.scalar(select(ReceptionBooking).where(
        ReceptionBooking.session_id == session_id, ReceptionBooking.citizen_id == citizen.id,
        ReceptionBooking.status.in_(HOLDING)))


# --- Booking -------------------------------------------------------------------------------


def booking_state(session: ReceptionSession, now: datetime | None = None) -> str:
    """Whether residents may book the session at ``now``: "open", or why not: "cancelled", "withdrawn" (its
    district takes no bookings online), "over" (it has started or taken place) or "closed" (the cut-off,
    ``cutoff_hours`` before the start, has passed)."""
    now = now or utcnow()
    if session.status == "cancelled":
        return "cancelled"
    if not session.district.active:
        # A district an administrator deactivated takes no new bookings; the ones made stay.
        return "withdrawn"
    if session.starts_at <= now:
        return "over"
    if now >= session.cutoff_at:
        return "closed"
    return "open"


def _open_for_booking(session: ReceptionSession, now: datetime) -> None:
    state = booking_state(session, now)
    if state == "cancelled":
        raise Invalid({None: _("This reception is cancelled.")})
    if state == "withdrawn":
        raise Invalid({None: _("This district authority no longer takes bookings online.")})
    if state == "over":
        raise Invalid({None: _("This reception has already taken place.")})
    if state == "closed":
        raise Invalid({None: _("Booking for this reception closed on %(cutoff)s.",
                               cutoff=fmt_datetime(session.cutoff_at))})


def book(citizen: User, session_id: int, slot_id: int | None, topic: str,
         now: datetime | None = None) -> ReceptionBooking:
    """A resident books a seat in a slot; they get a booking number, a queue number and a calendar file."""
    now = now or utcnow()
    authz.require(citizen, "reception.book")
    session = get_session(session_id)
    _open_for_booking(session, now)
    topic = (topic or "").strip()
    errors: dict[str | None, str] = {}
    slot = next((s for s in session.slots if s.id == slot_id), None)
    if slot is None:
        errors["slot_id"] = _("Choose one of the offered times.")
    if not topic:
        errors["topic"] = _("Say briefly what you want to discuss.")
    elif len(topic) > TOPIC_LIMIT:
        errors["topic"] = _("Use at most %(max)d characters.", max=TOPIC_LIMIT)
    if errors:
        raise Invalid(errors)
    if _live_booking_of(citizen, session.id) is not None:
        raise Invalid({None: _("You already have a booking for this reception; cancel it to choose another time.")})
    # Residents booking the same slot at once queue here on PostgreSQL; the unique index decides in any case.
    db.session.scalar(select(ReceptionSlot.id).where(ReceptionSlot.id == slot.id).with_for_update())
    taken = set(db.session.scalars(select(ReceptionBooking.seat).where(
        ReceptionBooking.slot_id == slot.id, ReceptionBooking.status.in_(HOLDING))))
    seat = next((n for n in range(1, session.seats_per_slot + 1) if n not in taken), None)
    if seat is None:
        db.session.rollback()
        raise Invalid({"slot_id": _("This time was just taken; choose another one.")})
    booking = ReceptionBooking(
        session_id=session.id, slot_id=slot.id, seat=seat, citizen_id=citizen.id, topic=topic,
        queue_number=slot.position * session.seats_per_slot + seat, created_at=now,
    )
    try:
        db.session.add(booking)
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Invalid({"slot_id": _("This time was just taken; choose another one.")}) from None
    booking.number = f"{session.district.code}-Q-{booking.id:06d}"
    notify.notify(citizen, lambda: _("Your reception booking %(number)s: %(when)s, queue number %(queue)d.",
                                     number=booking.number, when=fmt_datetime(slot.starts_at),
                                     queue=booking.queue_number),
                  kind="booking.booked", link=f"/cabinet/receptions/{booking.id}", obj=booking)
    mail.queue_email(citizen.email, "reception_booked", citizen.locale, booking=booking,
                     link=mail.absolute(f"/cabinet/receptions/{booking.id}"),
                     attachments=[(f"{booking.number}.ics", "text/calendar", ics(booking).encode())])
    try:
        notify.commit()
    except IntegrityError:
        raise Invalid({"slot_id": _("This time was just taken; choose another one.")}) from None
    return booking


def get_booking(citizen: User, booking_id: int) -> ReceptionBooking:
    """The resident's own booking; anyone else's is ``NotFound``."""
    booking = db.session.get(ReceptionBooking, booking_id)
    if booking is None or not authz.can(citizen, "reception.booking", booking):
        raise NotFound("booking")
    return booking


def cancel_booking(citizen: User, booking_id: int, now: datetime | None = None) -> ReceptionBooking:
    """The resident cancels until the cut-off; the seat is free again."""
    now = now or utcnow()
    booking = get_booking(citizen, booking_id)
    if booking.status != "booked":
        raise Invalid({None: _("This booking can no longer be cancelled.")})
    if now >= booking.session.cutoff_at:
        raise Invalid({None: _("Bookings can be cancelled until %(cutoff)s; call the authority instead.",
                               cutoff=fmt_datetime(booking.session.cutoff_at))})
    booking.status, booking.cancelled_at = "cancelled", now
    notify.commit()
    return booking


def my_bookings(citizen: User) -> list[ReceptionBooking]:
    """The resident's bookings, the coming ones first."""
    return list(db.session.scalars(
        select(ReceptionBooking).where(ReceptionBooking.citizen_id == citizen.id)
        .options(joinedload(ReceptionBooking.session).joinedload(ReceptionSession.district),
                 joinedload(ReceptionBooking.session).joinedload(ReceptionSession.host),
                 joinedload(ReceptionBooking.slot))
        .order_by(ReceptionBooking.created_at.desc())
        .limit(200)
    ).unique())


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def ics(booking: ReceptionBooking) -> str:
    """The booking as an iCalendar (RFC 5545) event, times in UTC."""
    session, slot = booking.session, booking.slot

    def stamp(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    summary = _("Reception with %(host)s", host=session.host.full_name)
    description = _("Booking %(number)s, queue number %(queue)d. Topic: %(topic)s",
                    number=booking.number, queue=booking.queue_number, topic=booking.topic)

    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Reqemsal Icra//Reception//AZ", "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH", "BEGIN:VEVENT",
        f"UID:{booking.number}@reqemsal-icra",
        f"DTSTAMP:{stamp(booking.created_at)}",
        f"DTSTART:{stamp(slot.starts_at)}",
        f"DTEND:{stamp(slot.ends_at)}",
        f"SUMMARY:{_ics_text(summary)}",
        f"LOCATION:{_ics_text(session.text_in('place', current_lang()))}",
        f"DESCRIPTION:{_ics_text(description)}",
        "STATUS:" + ("CANCELLED" if booking.status == "cancelled" else "CONFIRMED"),
        "END:VEVENT", "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"


# --- Reminders ---------------------------------------------------------------------------------


def remind(now: datetime | None = None) -> int:
    """Remind residents booked for the next working day; each booking once."""
    now = now or utcnow()
    today = local_date(now)
    until = add_working_days(today, 1)
    window_start, window_end = _at(today + timedelta(days=1), time(0)), _at(until + timedelta(days=1), time(0))
    due = list(db.session.scalars(
        select(ReceptionBooking).join(ReceptionSession, ReceptionSession.id == ReceptionBooking.session_id)
        .where(ReceptionBooking.status == "booked", ReceptionBooking.reminded_at.is_(None),
               ReceptionSession.status == "scheduled",
               ReceptionSession.starts_at >= window_start, ReceptionSession.starts_at < window_end)
        .options(joinedload(ReceptionBooking.citizen), joinedload(ReceptionBooking.slot))
    ))
    for booking in due:
        booking.reminded_at = now
        notify.notify(booking.citizen, lambda b=booking: _(
            "Reminder: your reception %(number)s is on %(when)s at %(place)s, queue number %(queue)d.",
            number=b.number, when=fmt_datetime(b.slot.starts_at), place=b.session.text_in("place", b.citizen.locale),
            queue=b.queue_number), kind="booking.reminder", link=f"/cabinet/receptions/{booking.id}", obj=booking,
            now=now)
    notify.commit()
    return len(due)


# --- On the day ------------------------------------------------------------------------------------


def day_sheet(actor: User, session_id: int) -> tuple[ReceptionSession, list[ReceptionBooking]]:
    """The host's list for the day: every live booking in queue order, with the resident."""
    session = staff_session(actor, session_id)
    return session, _live_bookings(session.id)


def district_sessions(actor: User, district_id: int | None, now: datetime | None = None):
    """The sessions of the district ``actor`` works in: coming ones first, then the last past ones."""
    now = now or utcnow()
    districts = sorted(authz.staff_districts(actor, tuple(authz.STAFF)))
    chosen = district_id if district_id is not None else (districts[0] if districts else None)
    district = db.session.get(District, chosen) if chosen is not None else None
    if district is None or not authz.can(actor, "reception.desk", district):
        raise NotFound("district")
    base = select(ReceptionSession).where(ReceptionSession.district_id == district.id).options(
        joinedload(ReceptionSession.host))
    coming = list(db.session.scalars(base.where(ReceptionSession.ends_at > now).order_by(ReceptionSession.starts_at).limit(100)))
    past = list(db.session.scalars(base.where(ReceptionSession.ends_at <= now).order_by(ReceptionSession.starts_at.desc()).limit(20)))
    taken = _free_counts([s.id for s in coming + past])
    return district, coming, past, taken


def staff_booking(actor: User, booking_id: int) -> ReceptionBooking:
    """A booking of a district ``actor`` works in; another district's is ``NotFound``."""
    booking = db.session.get(ReceptionBooking, booking_id)
    if booking is None or not authz.can(actor, "reception.desk", booking):
        raise NotFound("booking")
    return booking


def mark(actor: User, booking_id: int, status: str, now: datetime | None = None) -> ReceptionBooking:
    """Check a resident in, or mark them received or absent."""
    now = now or utcnow()
    booking = staff_booking(actor, booking_id)
    if status not in DESK_STEPS:
        raise Invalid({None: _("Unknown step.")})
    if booking.status not in DESK_STEPS[status]:
        raise Invalid({None: _("A booking that is “%(status)s” cannot become “%(target)s”.",
                               status=BOOKING_LABELS[booking.status], target=BOOKING_LABELS[status])})
    if booking.session.status == "cancelled":
        raise Invalid({None: _("This reception is cancelled.")})
    if local_date(now) < local_date(booking.session.starts_at):
        raise Invalid({None: _("Residents are checked in on the day of the reception.")})
    before = booking.status
    booking.status = status
    if status == "checked_in":
        booking.checked_in_at = now
        # The resident joins the front desk's queue with a ticket of its "reception" service, if it has one.
        from app.queue import service as queue

        queue.ticket_for_booking(booking, now)
    audit.record("reception.booking_status", actor=actor, obj=booking, district_id=booking.session.district_id,
                 summary=f"{booking.number}: {before} → {status}", before={"status": before}, after={"status": status})
    notify.commit()
    return booking


def record_outcome(actor: User, booking_id: int, outcome: str) -> ReceptionBooking:
    """Write down what came of the reception; a resident who came is marked received."""
    booking = staff_booking(actor, booking_id)
    outcome = (outcome or "").strip()
    if not outcome:
        raise Invalid({"outcome": _("Write the outcome of the reception.")})
    if len(outcome) > 5000:
        raise Invalid({"outcome": _("Use at most %(max)d characters.", max=5000)})
    if booking.status not in ("checked_in", "attended"):
        raise Invalid({None: _("Record the outcome after the resident has been checked in.")})
    before = booking.status
    booking.outcome, booking.status = outcome, "attended"
    audit.record("reception.outcome", actor=actor, obj=booking, district_id=booking.session.district_id,
                 summary=f"{booking.number}: outcome recorded", before={"status": before},
                 after={"status": "attended", "outcome_length": len(outcome)})
    notify.notify(booking.citizen, lambda: _("The outcome of your reception %(number)s is recorded; read it in your cabinet.",
                                             number=booking.number),
                  kind="booking.outcome", link=f"/cabinet/receptions/{booking.id}", obj=booking)
    notify.commit()
    return booking


def register_oral_appeal(actor: User, booking_id: int, data: appeals.AppealInput) -> Appeal:
    """An oral appeal made at the reception becomes an appeal (source "reception"), registered at once."""
    booking = staff_booking(actor, booking_id)
    if booking.status not in ("checked_in", "attended"):
        raise Invalid({None: _("Register an oral appeal once the resident has been checked in.")})
    if booking.appeal_id is not None:
        raise Invalid({None: _("An appeal is already registered from this reception: %(number)s.",
                               number=db.session.get(Appeal, booking.appeal_id).number)})
    data.district_id = booking.session.district_id
    data.source = "reception"
    data.submission_token = f"reception-{booking.id}"
    data.applicant_name = data.applicant_name or booking.citizen.full_name
    try:
        appeal = appeals.file_appeal(booking.citizen, data)
    except NotAllowed:
        raise Invalid({None: _("The resident's account cannot file appeals (it is not confirmed or not active).")}) from None
    booking = db.session.get(ReceptionBooking, booking_id)
    booking.appeal_id = appeal.id
    audit.record("reception.oral_appeal", actor=actor, obj=booking, district_id=booking.session.district_id,
                 summary=f"{booking.number}: oral appeal {appeal.number}", after={"appeal_id": appeal.id})
    notify.commit()
    appeals.transition(actor, appeal.id, "registered")
    return db.session.get(Appeal, appeal.id)
