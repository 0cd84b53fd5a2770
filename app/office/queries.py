"""What the staff's landing page reads: each role's work waiting today, in the districts the person serves.

Officials and heads: appeals due within two working days or overdue, unassigned ones, the e-service applications
waiting for the authority, today's reception sessions with their bookings. Moderators: poll topics and reported
content waiting. Editors: articles in review and scheduled. Administrators: users, invitations not yet accepted,
failed emails and failed scheduled commands. A person with several roles gets each part.

Each part is a fixed number of grouped statements over all the person's districts at once (``GROUP BY
district_id``), so the page costs the same whatever the records (a test counts them); only the roles a person holds
decide which parts run. The people it names (hosts, residents, invited staff) are loaded without their roles, which
would otherwise cost one more statement as soon as there is one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import and_, case, distinct, exists, func, select
from sqlalchemy.orm import contains_eager, joinedload, lazyload

from app import authz
from app.administration.staff_service import NO_PASSWORD
from app.extensions import db
from app.kit import calendar
from app.models import (
    APPLICATION_STATUSES,
    OPEN_STATUSES,
    Appeal,
    Article,
    CommandRun,
    District,
    OutboxMessage,
    PollTopic,
    ReceptionBooking,
    ReceptionSession,
    Report,
    RoleAssignment,
    ServiceApplication,
    User,
    utcnow,
)

# "Due soon" on the landing page: the inbox's ``due_within`` filter with this many working days (overdue included).
DUE_SOON_DAYS = 2
# The article statuses an editor acts on: sent for review (to publish or send back), scheduled (to check in time).
EDITOR_STATUSES = ("review", "scheduled")
# How many invitations not yet accepted the administrator's part lists (the newest); the count says how many in all.
INVITATIONS_SHOWN = 5


def statuses_waiting_for_authority() -> tuple[str, ...]:
    """The e-service application statuses from which the district's staff take the next step (the rulebook's
    ``APPLICATION_TRANSITIONS``), in the order of ``APPLICATION_STATUSES``."""
    moved = {frm for (frm, _to), who in authz.APPLICATION_TRANSITIONS.items() if who & authz.STAFF}
    return tuple(status for status in APPLICATION_STATUSES if status in moved)


@dataclass
class TodaySession:
    """A reception session held today, with its live bookings in queue order."""

    session: ReceptionSession
    bookings: list[ReceptionBooking] = field(default_factory=list)


@dataclass
class DistrictWork:
    """One district's work for this person, one part per role they hold there (None: not their role)."""

    district: District
    roles: set[str] = field(default_factory=set)
    # due_soon (due within DUE_SOON_DAYS working days or overdue), overdue, unassigned, mine: open appeals.
    appeals: dict[str, int] | None = None
    # Applications per status waiting for the authority (``statuses_waiting_for_authority``).
    applications: dict[str, int] | None = None
    sessions: list[TodaySession] | None = None
    topics_waiting: int | None = None
    # Reported contents (not reports) waiting for a moderator, per content type ("comment", "proposal", ...).
    reports: dict[str, int] | None = None
    # Articles per status of ``EDITOR_STATUSES``.
    articles: dict[str, int] | None = None

    @property
    def works_records(self) -> bool:
        """Whether the person works the district's appeals, applications and reception (official or head)."""
        return bool(self.roles & authz.STAFF)


@dataclass
class Invitation:
    """A person invited and not yet accepted; ``expired``: the emailed link no longer works (send a new one)."""

    user: User
    expired: bool


@dataclass
class AdminWork:
    """The administrator's part: accounts and what failed in operations."""

    users: int
    staff: int
    pending: int
    invitations: list[Invitation]
    failed_messages: int
    failed_commands: list[CommandRun]


@dataclass
class OfficeOverview:
    """The staff landing page: per district the work of each role held there, then the administrator's part (the
    supervisor's work is the national dashboard, which the page links)."""

    districts: list[DistrictWork]
    admin: AdminWork | None


def _count_if(*conditions):
    """SUM(CASE WHEN all conditions THEN 1 ELSE 0 END): a count inside a grouped statement."""
    return func.coalesce(func.sum(case((and_(*conditions), 1), else_=0)), 0)


def _appeals(user: User, works: dict[int, DistrictWork], now: datetime) -> None:
    limit = calendar.end_of_day(calendar.add_working_days(calendar.local_date(now), DUE_SOON_DAYS))
    rows = db.session.execute(
        select(Appeal.district_id,
               _count_if(Appeal.due_at <= limit).label("due_soon"),
               _count_if(Appeal.due_at < now).label("overdue"),
               _count_if(Appeal.assignee_id.is_(None)).label("unassigned"),
               _count_if(Appeal.assignee_id == user.id).label("mine"))
        .where(Appeal.district_id.in_(list(works)), Appeal.status.in_(OPEN_STATUSES))
        .group_by(Appeal.district_id))
    found = {row.district_id: row for row in rows}
    for district_id, work in works.items():
        row = found.get(district_id)
        work.appeals = {key: int(getattr(row, key)) if row else 0 for key in ("due_soon", "overdue", "unassigned", "mine")}


def _applications(works: dict[int, DistrictWork]) -> None:
    statuses = statuses_waiting_for_authority()
    counts = {(d, s): n for d, s, n in db.session.execute(
        select(ServiceApplication.district_id, ServiceApplication.status, func.count())
        .where(ServiceApplication.district_id.in_(list(works)), ServiceApplication.status.in_(statuses))
        .group_by(ServiceApplication.district_id, ServiceApplication.status))}
    for district_id, work in works.items():
        work.applications = {status: counts.get((district_id, status), 0) for status in statuses}


def _reception_today(works: dict[int, DistrictWork], now: datetime) -> None:
    start = datetime.combine(calendar.local_date(now), time(0), tzinfo=calendar.BAKU)
    today = (ReceptionSession.district_id.in_(list(works)), ReceptionSession.status == "scheduled",
             ReceptionSession.starts_at >= start, ReceptionSession.starts_at < start + timedelta(days=1))
    sessions = {s.id: TodaySession(s) for s in db.session.scalars(
        select(ReceptionSession).where(*today).options(joinedload(ReceptionSession.host).lazyload(User.roles))
        .order_by(ReceptionSession.starts_at, ReceptionSession.id))}
    # The bookings are found by the same conditions, not by the ids above: one statement even with no session.
    for booking in db.session.scalars(
            select(ReceptionBooking).join(ReceptionBooking.session).join(ReceptionBooking.slot)
            .where(*today, ReceptionBooking.status != "cancelled")
            .options(contains_eager(ReceptionBooking.slot), joinedload(ReceptionBooking.citizen).lazyload(User.roles))
            .order_by(ReceptionBooking.queue_number, ReceptionBooking.id)):
        if booking.session_id in sessions:
            sessions[booking.session_id].bookings.append(booking)
    for work in works.values():
        work.sessions = [item for item in sessions.values() if item.session.district_id == work.district.id]


def _moderation(works: dict[int, DistrictWork]) -> None:
    topics = dict(db.session.execute(
        select(PollTopic.district_id, func.count())
        .where(PollTopic.district_id.in_(list(works)), PollTopic.status == "submitted")
        .group_by(PollTopic.district_id)).all())
    reports: dict[int, dict[str, int]] = {}
    for district_id, target_type, contents in db.session.execute(
            select(Report.district_id, Report.target_type, func.count(distinct(Report.target_id)))
            .where(Report.district_id.in_(list(works)), Report.resolved_at.is_(None))
            .group_by(Report.district_id, Report.target_type)):
        reports.setdefault(district_id, {})[target_type] = contents
    for district_id, work in works.items():
        work.topics_waiting = topics.get(district_id, 0)
        work.reports = {"comment": 0, "proposal": 0, **reports.get(district_id, {})}


def _newsroom(works: dict[int, DistrictWork]) -> None:
    counts = {(d, s): n for d, s, n in db.session.execute(
        select(Article.district_id, Article.status, func.count())
        .where(Article.district_id.in_(list(works)), Article.status.in_(EDITOR_STATUSES))
        .group_by(Article.district_id, Article.status))}
    for district_id, work in works.items():
        work.articles = {status: counts.get((district_id, status), 0) for status in EDITOR_STATUSES}


def _admin(now: datetime, invite_max_age: timedelta) -> AdminWork:
    def count(*conditions):
        return select(func.count()).select_from(User).where(*conditions).scalar_subquery()

    pending = User.password_hash == NO_PASSWORD
    counts = db.session.execute(select(
        count().label("users"),
        count(exists().where(RoleAssignment.user_id == User.id)).label("staff"),
        count(pending).label("pending"),
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "failed")
        .scalar_subquery().label("failed_messages"),
    )).one()
    invitations = [
        Invitation(person, person.invited_at is not None and person.invited_at + invite_max_age < now)
        for person in db.session.scalars(
            select(User).where(pending).options(lazyload(User.roles))
            .order_by(User.invited_at.desc(), User.id.desc()).limit(INVITATIONS_SHOWN))]
    latest = select(func.max(CommandRun.id)).group_by(CommandRun.name)
    failed_commands = list(db.session.scalars(
        select(CommandRun).where(CommandRun.id.in_(latest), CommandRun.outcome == "failed")
        .order_by(CommandRun.started_at.desc())))
    return AdminWork(users=counts.users, staff=counts.staff, pending=counts.pending, invitations=invitations,
                     failed_messages=counts.failed_messages, failed_commands=failed_commands)


def overview(user: User, now: datetime | None = None, invite_max_age: timedelta = timedelta(days=7)) -> OfficeOverview:
    """The work waiting for ``user`` in every role they hold, each district's apart; only their districts'."""
    authz.require(user, "office.view")
    now = now or utcnow()
    works: dict[int, DistrictWork] = {}
    for assignment in user.roles:
        if assignment.district_id is not None:
            works.setdefault(assignment.district_id, DistrictWork(assignment.district)).roles.add(assignment.role)
    by_role = {role: {d: w for d, w in works.items() if role in w.roles} for role in ("moderator", "editor")}
    records = {d: w for d, w in works.items() if w.works_records}
    if records:
        _appeals(user, records, now)
        _applications(records)
        _reception_today(records, now)
    if by_role["moderator"]:
        _moderation(by_role["moderator"])
    if by_role["editor"]:
        _newsroom(by_role["editor"])
    admin = _admin(now, invite_max_age) if "admin" in user.role_names else None
    districts = sorted(works.values(), key=lambda w: (w.district.name_az, w.district.id))
    return OfficeOverview(districts=districts, admin=admin)
