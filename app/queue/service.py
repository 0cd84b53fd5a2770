"""The front desk's electronic queue: taking and printing tickets, the desks' steps, the no-show sweep, and the
district's queue services and desks.

A day of a queue service is cut into windows (``windows``); a resident takes an online ticket for one window of a
working day up to ``BOOKING_DAYS`` ahead, and joins the queue when the window begins. The kiosk in the hall prints
a ticket that joins the queue at once. A desk calls the oldest waiting ticket of the services it takes whose queue
time has come, tickets redirected to that desk first.

Numbers come from one counter row per district and day (``QueueSequence``), incremented with one UPDATE that holds
the row's lock until the transaction ends: the tickets of a day are numbered without gaps, and every take of that
district and day (where the window's capacity is counted) waits for the one before it, on SQLite (one writer at a
time) as on PostgreSQL. Calling the next ticket selects it ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so desks calling
at once each get another ticket instead of waiting; the status is then changed only where it is still "waiting"
(a compare-and-set), so even without row locks (SQLite) no ticket is ever called twice.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app import authz
from app.accounts import mydata
from app.extensions import db
from app.kit import audit
from app.kit.calendar import BAKU, is_working_day, local_date
from app.kit.errors import Invalid, NotFound
from app.kit.i18n import fmt_date, fmt_time
from app.kit.reference import active_districts
from app.models import (
    LIVE_TICKET_STATUSES,
    QUEUE_SERVICE_KINDS,
    District,
    QueueDesk,
    QueueSequence,
    QueueService,
    QueueTicket,
    Service,
    User,
    utcnow,
)

# How many days ahead (after today) a resident may take an online ticket.
BOOKING_DAYS = 14
# The no-show rule (docs/areas/queue.md): a waiting online ticket not called by the end of its window plus the grace
# becomes a no-show, as does every ticket still live when its day is over.
GRACE_MINUTES = 60
# A resident with this many no-shows in the last NO_SHOW_DAYS days may take tickets for today only.
NO_SHOW_LIMIT = 3
NO_SHOW_DAYS = 30
# A call that finds its ticket taken by another desk meanwhile tries the next one, this many times at most.
CALL_ATTEMPTS = 5

TICKET_LABELS = {
    "waiting": _l("Waiting"),
    "called": _l("Called to a desk"),
    "served": _l("Served"),
    "no_show": _l("Did not come"),
    "cancelled": _l("Cancelled"),
}
KIND_LABELS = {
    "general": _l("General front desk"),
    "reception": _l("Reception with the head"),
    "eservice": _l("E-services at the front desk"),
}
LETTER_RE = re.compile(r"^[A-Z]{1,2}$")


class Refused(Invalid):
    """A ticket refused for its day or window; ``offer`` is the next free window, (day, opening minute) or None."""

    def __init__(self, errors: dict[str | None, str], offer: tuple[date, int] | None):
        super().__init__(errors)
        self.offer = offer


@dataclass(frozen=True)
class Window:
    """One window of a queue service's day: its times, the online tickets taken and the capacity."""

    minute: int
    starts_at: datetime
    ends_at: datetime
    taken: int
    capacity: int

    @property
    def free(self) -> int:
        """Online tickets still to take in this window."""
        return max(self.capacity - self.taken, 0)


def _at(day: date, minute: int) -> datetime:
    """``minute`` minutes after local midnight of ``day``, as an aware timestamp."""
    return datetime.combine(day, time(0), tzinfo=BAKU) + timedelta(minutes=minute)


def _minute_of(moment: datetime) -> int:
    local = moment.astimezone(BAKU)
    return local.hour * 60 + local.minute


def window_minutes(service: QueueService) -> list[int]:
    """The opening minutes of the service's windows: from its opening every ``window_minutes`` until it closes."""
    return list(range(service.opens_minute, service.closes_minute, service.window_minutes))


def windows(service: QueueService, day: date) -> list[Window]:
    """The service's windows of ``day`` with the online tickets each holds (one query)."""
    taken = dict(db.session.execute(
        select(QueueTicket.window_starts_at, func.count(QueueTicket.id))
        .where(QueueTicket.service_id == service.id, QueueTicket.day == day, QueueTicket.source == "web",
               QueueTicket.status != "cancelled")
        .group_by(QueueTicket.window_starts_at)
    ).all())
    counts = {_minute_of(starts): count for starts, count in taken.items() if starts is not None}
    return [Window(minute, _at(day, minute), _at(day, min(minute + service.window_minutes, service.closes_minute)),
                   counts.get(minute, 0), service.window_capacity) for minute in window_minutes(service)]


def restricted(citizen: User, now: datetime | None = None) -> bool:
    """Whether the resident missed ``NO_SHOW_LIMIT`` tickets in the last ``NO_SHOW_DAYS`` days (today only, then)."""
    now = now or utcnow()
    since = local_date(now) - timedelta(days=NO_SHOW_DAYS)
    missed = db.session.scalar(select(func.count(QueueTicket.id)).where(
        QueueTicket.citizen_id == citizen.id, QueueTicket.status == "no_show", QueueTicket.day >= since)) or 0
    return missed >= NO_SHOW_LIMIT


def bookable_days(now: datetime, today_only: bool = False) -> list[date]:
    """The working days a resident may take an online ticket for: today and the next ``BOOKING_DAYS`` days."""
    today = local_date(now)
    days = [today + timedelta(days=n) for n in range(1 if today_only else BOOKING_DAYS + 1)]
    return [day for day in days if is_working_day(day)]


def open_windows(service: QueueService, day: date, now: datetime) -> list[Window]:
    """The windows of ``day`` still open to take (not over yet), full ones included."""
    return [w for w in windows(service, day) if w.ends_at > now]


def next_free_window(service: QueueService, now: datetime, today_only: bool = False) -> tuple[date, Window] | None:
    """The first window from now on with a free place, within the booking horizon; None when there is none."""
    for day in bookable_days(now, today_only):
        for window in open_windows(service, day, now):
            if window.free:
                return day, window
    return None


def _offer_text(offer: tuple[date, Window] | None) -> str:
    if offer is None:
        return _("There is no free time in the next %(days)d days.", days=BOOKING_DAYS)
    day, window = offer
    return _("The next free time is %(day)s, %(start)s–%(end)s.", day=fmt_date(day, "full"),
             start=fmt_time(window.starts_at), end=fmt_time(window.ends_at))


def _refuse(field_name: str, reason: str, offer: tuple[date, Window] | None) -> Refused:
    return Refused({field_name: f"{reason} {_offer_text(offer)}"},
                   (offer[0], offer[1].minute) if offer else None)


def district_service(district: District, service_id: int | None) -> QueueService:
    """An active queue service of ``district``; anything else is ``Invalid`` beside the service field."""
    service = db.session.get(QueueService, service_id) if service_id else None
    if service is None or service.district_id != district.id or not service.active:
        raise Invalid({"service": _("Choose a service from the list.")})
    return service


def services_of(district: District) -> list[QueueService]:
    """The district's active queue services in their order."""
    return list(db.session.scalars(select(QueueService).where(
        QueueService.district_id == district.id, QueueService.active.is_(True)).order_by(QueueService.position,
                                                                                          QueueService.id)))


def _next_number(district_id: int, day: date) -> int:
    """The next ticket number of the district's day; the counter row stays locked until the transaction ends."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(QueueSequence).values(district_id=district_id, day=day, last=0).on_conflict_do_nothing())
    return db.session.execute(
        update(QueueSequence).where(QueueSequence.district_id == district_id, QueueSequence.day == day)
        .values(last=QueueSequence.last + 1).returning(QueueSequence.last)
    ).scalar_one()


def _new_ticket(service: QueueService, day: date, number: int, **values) -> QueueTicket:
    ticket = QueueTicket(district_id=service.district_id, service_id=service.id, day=day, number=number,
                         code=f"{service.letter}-{number:03d}", **values)
    db.session.add(ticket)
    return ticket


# --- Taking a ticket ---------------------------------------------------------------------------------------------


def take(citizen: User, district: District, service_id: int | None, day: date | None, minute: int | None,
         now: datetime | None = None) -> QueueTicket:
    """A resident takes an online ticket for a window of a working day; refusals offer the next free window."""
    now = now or utcnow()
    authz.require(citizen, "queue.take")
    service = district_service(district, service_id)
    today = local_date(now)
    today_only = restricted(citizen, now)
    if day is None:
        raise Invalid({"day": _("Choose a day.")})
    if day != today and today_only:
        raise _refuse("day", _("You missed %(num)d tickets in the last %(days)d days: you can take a ticket for "
                               "today only.", num=NO_SHOW_LIMIT, days=NO_SHOW_DAYS),
                      next_free_window(service, now, today_only=True))
    if day < today or day > today + timedelta(days=BOOKING_DAYS) or not is_working_day(day):
        raise _refuse("day", _("The front desk does not take tickets for %(day)s.", day=fmt_date(day)),
                      next_free_window(service, now, today_only))
    if minute not in window_minutes(service):
        raise Invalid({"window": _("Choose one of the offered times.")})
    if _at(day, min(minute + service.window_minutes, service.closes_minute)) <= now:
        raise _refuse("window", _("This time is over."), next_free_window(service, now, today_only))
    # The counter row's lock makes every other take of this district and day wait here, so the capacity and the
    # resident's other tickets are counted with nobody else taking one meanwhile.
    number = _next_number(district.id, day)
    live = db.session.scalar(select(QueueTicket.id).where(
        QueueTicket.citizen_id == citizen.id, QueueTicket.service_id == service.id, QueueTicket.day == day,
        QueueTicket.status.in_(LIVE_TICKET_STATUSES)).limit(1))
    if live is not None:
        db.session.rollback()
        raise Invalid({"service": _("You already have a ticket for this service on that day; cancel it to "
                                    "choose another time.")})
    window = next(w for w in windows(service, day) if w.minute == minute)
    if not window.free:
        db.session.rollback()
        raise _refuse("window", _("This time is full."), next_free_window(service, now, today_only))
    ticket = _new_ticket(service, day, number, source="web", citizen_id=citizen.id, created_at=now,
                         window_starts_at=window.starts_at, window_ends_at=window.ends_at, queued_at=window.starts_at)
    db.session.commit()
    return ticket


def print_ticket(district: District, service_id: int | None, now: datetime | None = None) -> QueueTicket:
    """The kiosk prints a ticket that joins the queue at once; refused when the front desk is closed now."""
    now = now or utcnow()
    service = district_service(district, service_id)
    today = local_date(now)
    if not is_working_day(today) or not service.opens_minute <= _minute_of(now) < service.closes_minute:
        raise Invalid({None: _("The front desk is closed now; it takes tickets on working days from %(opens)s to "
                               "%(closes)s.", opens=fmt_time(_at(today, service.opens_minute)),
                               closes=fmt_time(_at(today, service.closes_minute)))})
    ticket = _new_ticket(service, today, _next_number(district.id, today), source="kiosk", created_at=now,
                         queued_at=now)
    db.session.commit()
    return ticket


def get_ticket(citizen: User, ticket_id: int) -> QueueTicket:
    """The resident's own ticket; anyone else's is ``NotFound``."""
    ticket = db.session.get(QueueTicket, ticket_id)
    if ticket is None or not authz.can(citizen, "queue.ticket", ticket):
        raise NotFound("ticket")
    return ticket


def cancel(citizen: User, ticket_id: int, now: datetime | None = None) -> QueueTicket:
    """The resident gives a waiting ticket back; its place is free for someone else."""
    now = now or utcnow()
    ticket = get_ticket(citizen, ticket_id)
    changed = db.session.execute(
        update(QueueTicket).where(QueueTicket.id == ticket.id, QueueTicket.status == "waiting")
        .values(status="cancelled", ended_at=now)
    ).rowcount
    if not changed:
        db.session.rollback()
        raise Invalid({None: _("This ticket can no longer be cancelled.")})
    db.session.commit()
    db.session.refresh(ticket)
    return ticket


@dataclass
class MyTickets:
    """The resident's tickets: today's live ones with their place, the coming ones, and the past ones."""

    today: list[tuple[QueueTicket, int, int]] = field(default_factory=list)
    upcoming: list[QueueTicket] = field(default_factory=list)
    past: list[QueueTicket] = field(default_factory=list)


def my_tickets(citizen: User, now: datetime | None = None) -> MyTickets:
    """The resident's tickets; today's waiting ones with the tickets ahead and the estimated wait in seconds."""
    from app.queue import queries

    now = now or utcnow()
    today = local_date(now)
    mine = MyTickets()
    # The service and district come in the same statement: the list shows them for every ticket.
    for ticket in db.session.scalars(select(QueueTicket).where(QueueTicket.citizen_id == citizen.id)
                                     .options(joinedload(QueueTicket.service), joinedload(QueueTicket.district))
                                     .order_by(QueueTicket.day.desc(), QueueTicket.queued_at.desc()).limit(200)):
        if ticket.day == today and ticket.is_live:
            ahead = queries.ahead_of(ticket)
            mine.today.append((ticket, ahead, queries.estimated_wait_seconds(ticket, ahead, now)))
        elif ticket.day > today and ticket.is_live:
            mine.upcoming.append(ticket)
        else:
            mine.past.append(ticket)
    mine.upcoming.reverse()
    return mine


# --- At the desk -------------------------------------------------------------------------------------------------


def staff_district(actor: User, district_id: int | None, policy: str = "queue.desk") -> District:
    """The district whose front desk ``actor`` works: the one asked for, else their first; others ``NotFound``."""
    if district_id is None:
        mine = sorted(authz.staff_districts(actor, tuple(authz.STAFF)))
        district_id = mine[0] if mine else None
    district = db.session.get(District, district_id) if district_id else None
    if district is None or not authz.can(actor, policy, district):
        raise NotFound("district")
    return district


def districts_to_manage(actor: User) -> list[District]:
    """The active districts whose queue services and desks ``actor`` may manage (an administrator: every one)."""
    return [district for district in active_districts() if authz.can(actor, "queue.manage", district)]


def desks_of(district: District) -> list[QueueDesk]:
    """The district's desks by number."""
    return list(db.session.scalars(select(QueueDesk).where(QueueDesk.district_id == district.id)
                                   .order_by(QueueDesk.number)))


def staff_desk(actor: User, desk_id: int) -> QueueDesk:
    """A desk of a district ``actor`` works in; another district's is ``NotFound``."""
    desk = db.session.get(QueueDesk, desk_id)
    if desk is None or not authz.can(actor, "queue.desk", desk):
        raise NotFound("desk")
    return desk


def open_desk(actor: User, desk_id: int) -> QueueDesk:
    """The official sits at the desk: they become its operator (and leave any other desk they held)."""
    desk = staff_desk(actor, desk_id)
    if not desk.active:
        raise Invalid({None: _("This desk is closed.")})
    if desk.operator_id not in (None, actor.id) and current_ticket(desk) is not None:
        raise Invalid({None: _("Another official is serving a resident at this desk.")})
    db.session.execute(update(QueueDesk).where(QueueDesk.operator_id == actor.id, QueueDesk.id != desk.id)
                       .values(operator_id=None))
    desk.operator_id = actor.id
    db.session.commit()
    return desk


def close_desk(actor: User, desk_id: int) -> QueueDesk:
    """The official leaves the desk; it takes no calls until someone opens it."""
    desk = _operated(actor, desk_id)
    if current_ticket(desk) is not None:
        raise Invalid({None: _("Finish the current ticket first.")})
    desk.operator_id = None
    db.session.commit()
    return desk


def current_ticket(desk: QueueDesk) -> QueueTicket | None:
    """The ticket the desk has called and not finished yet."""
    return db.session.scalar(select(QueueTicket).where(QueueTicket.desk_id == desk.id,
                                                       QueueTicket.status == "called").limit(1))


def _operated(actor: User, desk_id: int) -> QueueDesk:
    desk = staff_desk(actor, desk_id)
    if desk.operator_id != actor.id:
        raise Invalid({None: _("Open the desk first.")})
    return desk


def call_next(actor: User, desk_id: int, now: datetime | None = None) -> QueueTicket | None:
    """The desk calls the next ticket: the oldest waiting ticket redirected to it, else the oldest waiting ticket
    of the services it takes whose queue time has come. None when nobody waits."""
    now = now or utcnow()
    desk = _operated(actor, desk_id)
    if current_ticket(desk) is not None:
        raise Invalid({None: _("Finish the current ticket first.")})
    service_ids = [service.id for service in desk.services if service.active]
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    query = (
        select(QueueTicket)
        .where(QueueTicket.district_id == desk.district_id, QueueTicket.day == local_date(now),
               QueueTicket.status == "waiting", QueueTicket.queued_at <= now,
               or_(QueueTicket.for_desk_id == desk.id,
                   and_(QueueTicket.for_desk_id.is_(None), QueueTicket.service_id.in_(service_ids))))
        .order_by(QueueTicket.for_desk_id.is_(None), QueueTicket.queued_at, QueueTicket.id)
        .limit(1)
    )
    if postgresql:
        # Desks calling at once each skip the rows another desk is taking, instead of queueing behind it.
        query = query.with_for_update(skip_locked=True, of=QueueTicket)
    for _attempt in range(CALL_ATTEMPTS):
        ticket = db.session.scalar(query)
        if ticket is None:
            db.session.rollback()
            return None
        waited = int((now - ticket.queued_at).total_seconds())
        # Only a ticket still waiting is taken: on SQLite another desk may have called it since it was read.
        taken = db.session.execute(
            update(QueueTicket).where(QueueTicket.id == ticket.id, QueueTicket.status == "waiting")
            .values(status="called", desk_id=desk.id, called_by_id=actor.id, called_at=now, announced_at=now,
                    for_desk_id=None, wait_seconds=func.coalesce(QueueTicket.wait_seconds, 0) + max(waited, 0))
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken:
            db.session.commit()
            db.session.refresh(ticket)
            return ticket
        db.session.rollback()
    return None


def _called(actor: User, desk_id: int, ticket_id: int) -> tuple[QueueDesk, QueueTicket]:
    desk = _operated(actor, desk_id)
    ticket = current_ticket(desk)
    if ticket is None or ticket.id != ticket_id:
        raise Invalid({None: _("This ticket is no longer called at your desk.")})
    return desk, ticket


def serve(actor: User, desk_id: int, ticket_id: int, now: datetime | None = None) -> QueueTicket:
    """The desk finished with the resident: the service time (served − called) is recorded."""
    now = now or utcnow()
    _desk, ticket = _called(actor, desk_id, ticket_id)
    ticket.status, ticket.served_at, ticket.ended_at = "served", now, now
    ticket.service_seconds = max(int((now - ticket.called_at).total_seconds()), 0)
    db.session.commit()
    return ticket


def mark_no_show(actor: User, desk_id: int, ticket_id: int, now: datetime | None = None) -> QueueTicket:
    """The called resident did not come to the desk."""
    now = now or utcnow()
    _desk, ticket = _called(actor, desk_id, ticket_id)
    ticket.status, ticket.ended_at = "no_show", now
    db.session.commit()
    return ticket


def recall(actor: User, desk_id: int, ticket_id: int, now: datetime | None = None) -> QueueTicket:
    """Call the same ticket again: the hall screen shows it on top once more (the waiting time stays as measured)."""
    _desk, ticket = _called(actor, desk_id, ticket_id)
    ticket.announced_at = now or utcnow()
    db.session.commit()
    return ticket


def redirect(actor: User, desk_id: int, ticket_id: int, target_id: int | None,
             now: datetime | None = None) -> QueueTicket:
    """Send the resident to another desk of the district: the ticket waits for that desk only, ahead of newcomers."""
    now = now or utcnow()
    desk, ticket = _called(actor, desk_id, ticket_id)
    target = db.session.get(QueueDesk, target_id) if target_id else None
    if target is None or target.district_id != desk.district_id or target.id == desk.id or not target.active:
        raise Invalid({"desk": _("Choose another desk of this front desk.")})
    ticket.status, ticket.for_desk_id, ticket.desk_id = "waiting", target.id, None
    # It waits again from now: the next call adds this wait to the one already recorded.
    ticket.queued_at = now
    ticket.redirect_count += 1
    db.session.commit()
    return ticket


# --- The no-show sweep -------------------------------------------------------------------------------------------


def sweep(now: datetime | None = None) -> int:
    """Mark the tickets nobody used as no-shows: waiting online tickets ``GRACE_MINUTES`` after their window ended,
    and every ticket still live after its day. Idempotent; how many were marked."""
    now = now or utcnow()
    count = db.session.execute(
        update(QueueTicket).where(
            QueueTicket.status.in_(LIVE_TICKET_STATUSES),
            or_(QueueTicket.day < local_date(now),
                and_(QueueTicket.status == "waiting", QueueTicket.window_ends_at.is_not(None),
                     QueueTicket.window_ends_at < now - timedelta(minutes=GRACE_MINUTES))))
        .values(status="no_show", ended_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return count


# --- Reception and e-services use the same queue ------------------------------------------------------------------


def ticket_for_booking(booking, now: datetime | None = None) -> QueueTicket | None:
    """The ticket a reception booking gets when the resident is checked in at the desk, of the district's
    "reception" queue service; None when the district has none. Joins the caller's transaction (no commit)."""
    now = now or utcnow()
    existing = db.session.scalar(select(QueueTicket).where(QueueTicket.reception_booking_id == booking.id).limit(1))
    if existing is not None:
        return existing
    service = db.session.scalar(select(QueueService).where(
        QueueService.district_id == booking.session.district_id, QueueService.kind == "reception",
        QueueService.active.is_(True)).order_by(QueueService.position, QueueService.id).limit(1))
    if service is None:
        return None
    today = local_date(now)
    return _new_ticket(service, today, _next_number(service.district_id, today), source="kiosk",
                       citizen_id=booking.citizen_id, reception_booking_id=booking.id, created_at=now, queued_at=now)


def link_application(application, now: datetime | None = None) -> QueueTicket | None:
    """Link the application an official registers at the front desk to the resident's ticket of today of an
    "eservice" queue service of that district (the called one first); None when they have none. No commit."""
    now = now or utcnow()
    ticket = db.session.scalar(
        select(QueueTicket).join(QueueService, QueueService.id == QueueTicket.service_id)
        .where(QueueTicket.citizen_id == application.citizen_id, QueueTicket.district_id == application.district_id,
               QueueTicket.day == local_date(now), QueueTicket.application_id.is_(None),
               QueueService.kind == "eservice", QueueTicket.status.in_(("called", "served", "waiting")))
        .order_by((QueueTicket.status == "called").desc(), QueueTicket.queued_at).limit(1))
    if ticket is not None:
        ticket.application_id = application.id
    return ticket


# --- Managing the district's queue services and desks -------------------------------------------------------------


@dataclass
class ServiceInput:
    """What the head fills in for a queue service; times are minutes after local midnight."""

    title_az: str
    letter: str
    kind: str = "general"
    title_ru: str = ""
    title_en: str = ""
    minutes: int | None = 10
    opens: time | None = time(9)
    closes: time | None = time(18)
    window_minutes: int | None = 60
    window_capacity: int | None = 6
    eservice_id: int | None = None
    active: bool = True


def _between(errors: dict, name: str, value: int | None, low: int, high: int) -> None:
    if value is None or not low <= value <= high:
        errors[name] = _("Enter a whole number from %(low)d to %(high)d.", low=low, high=high)


def _check_service(district: District, data: ServiceInput, service_id: int | None) -> dict[str | None, str]:
    errors: dict[str | None, str] = {}
    if not data.title_az:
        errors["title_az"] = _("Enter the title in Azerbaijani.")
    for name in ("title_az", "title_ru", "title_en"):
        if len(getattr(data, name) or "") > 200:
            errors[name] = _("Use at most %(max)d characters.", max=200)
    letter = (data.letter or "").upper()
    if not LETTER_RE.match(letter):
        errors["letter"] = _("Enter one or two Latin letters, for example A.")
    elif db.session.scalar(select(QueueService.id).where(
            QueueService.district_id == district.id, func.upper(QueueService.letter) == letter,
            QueueService.id != (service_id or 0))):
        errors["letter"] = _("Another service of this front desk has this letter.")
    if data.kind not in QUEUE_SERVICE_KINDS:
        errors["kind"] = _("Choose the kind of service.")
    _between(errors, "minutes", data.minutes, 1, 240)
    _between(errors, "window_minutes", data.window_minutes, 10, 480)
    _between(errors, "window_capacity", data.window_capacity, 0, 500)
    if data.opens is None:
        errors["opens"] = _("Enter a time as HH:MM, for example 09:00.")
    if data.closes is None:
        errors["closes"] = _("Enter a time as HH:MM, for example 09:00.")
    elif data.opens is not None and data.closes <= data.opens:
        errors["closes"] = _("The front desk must close after it opens.")
    if data.eservice_id is not None:
        eservice = db.session.get(Service, data.eservice_id)
        if data.kind != "eservice" or eservice is None:
            errors["eservice_id"] = _("Choose an e-service for a service of the kind “e-services”, or none.")
    return errors


def save_service(actor: User, district_id: int, service_id: int | None, data: ServiceInput) -> QueueService:
    """Add or change a queue service of the district (head or administrator); audited."""
    district = staff_district(actor, district_id, "queue.manage")
    service = None
    if service_id is not None:
        service = db.session.get(QueueService, service_id)
        if service is None or service.district_id != district.id:
            raise NotFound("queue service")
    errors = _check_service(district, data, service_id)
    if errors:
        raise Invalid(errors)
    letter = data.letter.upper()
    values = {"title_az": data.title_az, "title_ru": data.title_ru or None, "title_en": data.title_en or None,
              "letter": letter, "code": letter.lower(), "kind": data.kind, "minutes": data.minutes,
              "opens_minute": data.opens.hour * 60 + data.opens.minute,
              "closes_minute": data.closes.hour * 60 + data.closes.minute, "window_minutes": data.window_minutes,
              "window_capacity": data.window_capacity, "eservice_id": data.eservice_id, "active": bool(data.active)}
    before = None
    if service is None:
        position = db.session.scalar(select(func.count(QueueService.id)).where(
            QueueService.district_id == district.id)) or 0
        service = QueueService(district_id=district.id, position=position)
        db.session.add(service)
    else:
        before = {name: getattr(service, name) for name in values if getattr(service, name) != values[name]}
    for name, value in values.items():
        setattr(service, name, value)
    try:
        db.session.flush()
        audit.record("queue.service", actor=actor, obj=service, district_id=district.id,
                     summary=f"{letter}: {data.title_az}", before=before,
                     after={name: values[name] for name in (before or values)})
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Invalid({"letter": _("Another service of this front desk has this letter.")}) from None
    return service


def save_desk(actor: User, district_id: int, desk_id: int | None, number: int | None, service_ids: list[int],
              active: bool = True) -> QueueDesk:
    """Add or change a desk of the district and the services it takes (head or administrator); audited."""
    district = staff_district(actor, district_id, "queue.manage")
    desk = None
    if desk_id is not None:
        desk = db.session.get(QueueDesk, desk_id)
        if desk is None or desk.district_id != district.id:
            raise NotFound("desk")
    errors: dict[str | None, str] = {}
    if number is None or not 1 <= number <= 999:
        errors["number"] = _("Enter a whole number from %(low)d to %(high)d.", low=1, high=999)
    elif db.session.scalar(select(QueueDesk.id).where(QueueDesk.district_id == district.id, QueueDesk.number == number,
                                                      QueueDesk.id != (desk_id or 0))):
        errors["number"] = _("Another desk has this number.")
    services = {s.id: s for s in db.session.scalars(select(QueueService).where(
        QueueService.district_id == district.id, QueueService.id.in_(service_ids or [0])))}
    if not service_ids or set(service_ids) - set(services):
        errors["services"] = _("Choose at least one service of this front desk.")
    if errors:
        raise Invalid(errors)
    before = None
    if desk is None:
        desk = QueueDesk(district_id=district.id)
        db.session.add(desk)
    else:
        before = {"number": desk.number, "active": desk.active, "services": sorted(s.letter for s in desk.services)}
    desk.number, desk.active = number, bool(active)
    desk.services = [services[i] for i in service_ids]
    if not desk.active:
        desk.operator_id = None
    try:
        db.session.flush()
        audit.record("queue.desk", actor=actor, obj=desk, district_id=district.id, summary=f"desk {number}",
                     before=before, after={"number": number, "active": desk.active,
                                           "services": sorted(s.letter for s in desk.services)})
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Invalid({"number": _("Another desk has this number.")}) from None
    return desk


# --- The resident's own data (download, closing the account) ----------------------------------------------------


def export_own(user: User, add_file: mydata.AddFile) -> list[dict]:
    """The resident's queue tickets, for the download."""
    rows = db.session.scalars(select(QueueTicket).where(QueueTicket.citizen_id == user.id).order_by(QueueTicket.id))
    return [{"code": t.code, "district": t.district.code, "service": t.service.letter, "day": t.day,
             "window_starts_at": t.window_starts_at, "window_ends_at": t.window_ends_at, "status": t.status,
             "taken_at": t.created_at, "called_at": t.called_at, "served_at": t.served_at} for t in rows]


def close_own(user: User) -> None:
    """Closing the account gives back the resident's tickets still waiting; the past ones stay in the figures."""
    db.session.execute(update(QueueTicket).where(QueueTicket.citizen_id == user.id, QueueTicket.status == "waiting")
                       .values(status="cancelled", ended_at=utcnow()).execution_options(synchronize_session=False))


mydata.register_exporter("queue_tickets", export_own)
mydata.register_closer(close_own)
