"""What the resident's overview reads: their open appeals, the next reception booking, their next ticket of the front
desk's queue, the applications waiting for them, the polls open to them that they have not answered, their proposals,
their open drafts and their unread notifications.

The page costs a fixed number of SQL statements whatever the resident's records (a test counts them): every count
comes from one statement of scalar subqueries, each short list from one statement of its own, and the working-day
calendar is read up front, so that the deadlines shown beside the appeals add nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Select, bindparam, exists, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from app import authz
from app.extensions import db
from app.kit import calendar
from app.models import (
    LIVE_TICKET_STATUSES,
    OPEN_STATUSES,
    Appeal,
    Draft,
    Notification,
    Poll,
    PollParticipation,
    Proposal,
    QueueTicket,
    ReceptionBooking,
    ReceptionSession,
    ReceptionSlot,
    ServiceApplication,
    User,
    utcnow,
)

# How many items each list of the overview shows; the counts beside them say how many there are in all.
LIST_LIMIT = 5
# Bookings the resident still goes to (a checked-in resident is in the building, waiting for their turn).
COMING_BOOKINGS = ("booked", "checked_in")


@cache
def statuses_waiting_for_resident() -> tuple[str, ...]:
    """The e-service application statuses in which the authority waits for the resident: only the resident can move
    the application on (the documents requested), read from the rulebook's ``APPLICATION_TRANSITIONS``."""
    staff_moves = {frm for (frm, _to), who in authz.APPLICATION_TRANSITIONS.items() if who & authz.STAFF}
    resident_moves = {frm for (frm, to), who in authz.APPLICATION_TRANSITIONS.items()
                      if "citizen" in who and to != "withdrawn"}
    return tuple(sorted(resident_moves - staff_moves))


@dataclass
class Overview:
    """The resident's overview: short lists, and how many of each there are in all."""

    appeal_count: int
    open_appeal_count: int
    open_appeals: list[Appeal]
    next_booking: ReceptionBooking | None
    waiting_application_count: int
    waiting_applications: list[ServiceApplication]
    open_poll_count: int
    open_polls: list[Poll]
    proposal_count: int
    proposals: list[Proposal]
    unread_notifications: int
    next_ticket: QueueTicket | None = None
    open_draft_count: int = 0


def _count(model, *conditions):
    return select(func.count()).select_from(model).where(*conditions).scalar_subquery()


@dataclass(frozen=True)
class _Statements:
    counts: Select
    open_appeals: Select
    next_booking: Select
    applications: Select
    open_polls: Select
    next_ticket: Select
    proposals: Select


@cache
def _statements() -> _Statements:
    """The overview's statements, built once with their values as parameters (``user_id``, ``district_id``, ``now``,
    ``today``): building them and working out their cache keys on every request was a third of the overview's
    processor time, more than running them."""
    user_id, now = bindparam("user_id"), bindparam("now")
    mine = Appeal.citizen_id == user_id
    open_appeal = (mine, Appeal.status.in_(OPEN_STATUSES))
    waiting = (ServiceApplication.citizen_id == user_id,
               ServiceApplication.status.in_(statuses_waiting_for_resident()))
    # Open polls the resident may vote in (national ones and their district's: no district matches none) and has not
    # taken part in. Only the participation row is read: it says that the resident voted, never what they chose.
    voted = exists().where(PollParticipation.poll_id == Poll.id, PollParticipation.user_id == user_id)
    polls = (Poll.opens_at <= now, Poll.closes_at > now,
             or_(Poll.district_id.is_(None), Poll.district_id == bindparam("district_id")), ~voted)
    return _Statements(
        counts=select(
            _count(Appeal, mine).label("appeals"),
            _count(Appeal, *open_appeal).label("open_appeals"),
            _count(ServiceApplication, *waiting).label("applications"),
            _count(Poll, *polls).label("polls"),
            _count(Proposal, Proposal.author_id == user_id).label("proposals"),
            _count(Notification, Notification.user_id == user_id, Notification.read_at.is_(None)).label("unread"),
            _count(Draft, Draft.citizen_id == user_id, Draft.status == "open").label("drafts"),
        ),
        open_appeals=select(Appeal).where(*open_appeal).order_by(Appeal.due_at, Appeal.id).limit(LIST_LIMIT),
        next_booking=(
            select(ReceptionBooking)
            .join(ReceptionBooking.slot).join(ReceptionBooking.session)
            .where(ReceptionBooking.citizen_id == user_id, ReceptionBooking.status.in_(COMING_BOOKINGS),
                   ReceptionSession.status == "scheduled", ReceptionSlot.ends_at > now)
            .options(contains_eager(ReceptionBooking.slot),
                     contains_eager(ReceptionBooking.session).joinedload(ReceptionSession.district),
                     # The host's name only: not their roles (a User's roles load with it unless told otherwise).
                     contains_eager(ReceptionBooking.session).joinedload(ReceptionSession.host).lazyload(User.roles))
            .order_by(ReceptionSlot.starts_at, ReceptionBooking.id).limit(1)),
        applications=(
            select(ServiceApplication).where(*waiting).options(joinedload(ServiceApplication.service))
            .order_by(ServiceApplication.due_at, ServiceApplication.id).limit(LIST_LIMIT)),
        open_polls=(
            select(Poll).where(*polls).options(joinedload(Poll.district))
            .order_by(Poll.closes_at, Poll.id).limit(LIST_LIMIT)),
        next_ticket=(
            select(QueueTicket)
            .where(QueueTicket.citizen_id == user_id, QueueTicket.status.in_(LIVE_TICKET_STATUSES),
                   QueueTicket.day >= bindparam("today"))
            .options(joinedload(QueueTicket.service), joinedload(QueueTicket.district),
                     joinedload(QueueTicket.desk))
            .order_by(QueueTicket.day, QueueTicket.window_starts_at, QueueTicket.id).limit(1)),
        proposals=(
            select(Proposal).where(Proposal.author_id == user_id)
            .order_by(Proposal.created_at.desc(), Proposal.id.desc()).limit(LIST_LIMIT)),
    )


def overview(user: User, now: datetime | None = None) -> Overview:
    """The resident's own records for their cabinet's first page; nobody else's."""
    authz.require(user, "cabinet.view")
    now = now or utcnow()
    # Read once now rather than on the first deadline shown: the page then costs the same with or without appeals.
    calendar.exceptions()
    built = _statements()
    values = {"user_id": user.id, "district_id": user.district_id, "now": now, "today": calendar.local_date(now)}
    session = db.session
    counts = session.execute(built.counts, values).one()
    open_appeals = list(session.scalars(built.open_appeals, values))
    next_booking = session.scalar(built.next_booking, values)
    applications = list(session.scalars(built.applications, values))
    open_polls = list(session.scalars(built.open_polls, values))
    next_ticket = session.scalar(built.next_ticket, values)
    proposals = list(session.scalars(built.proposals, values))
    return Overview(
        appeal_count=counts.appeals, open_appeal_count=counts.open_appeals, open_appeals=open_appeals,
        next_booking=next_booking, waiting_application_count=counts.applications, waiting_applications=applications,
        open_poll_count=counts.polls, open_polls=open_polls, proposal_count=counts.proposals, proposals=proposals,
        unread_notifications=counts.unread, next_ticket=next_ticket, open_draft_count=counts.drafts,
    )
