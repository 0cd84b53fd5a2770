"""Read queries of the front desk's queue: the figures other areas read (accountability), the hall screen, the
desk's waiting list, the resident's place and estimated wait."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median

from sqlalchemy import and_, case, func, or_, select

from app.extensions import db
from app.kit.calendar import local_date
from app.models import QueueDesk, QueueService, QueueTicket, utcnow
from app.models.queue import queue_desk_services

# How far back the mean recorded service time of a service is taken for the estimated wait.
SERVICE_TIME_DAYS = 30
# How many numbers the hall screen shows: those being called, then the last ones called.
SCREEN_NUMBERS = 10


@dataclass(frozen=True)
class FrontDeskFigures:
    """One district's and one queue service's front-desk figures over a period.

    ``tickets`` counts every ticket of the period but the cancelled ones; ``served`` and ``no_shows`` how they
    ended; the waits are over the tickets a desk called (called − queued, seconds), the service time over the
    served ones (served − called, seconds). None where there is nothing to average.
    """

    district_id: int
    service_id: int
    service_code: str
    kind: str
    tickets: int
    served: int
    no_shows: int
    mean_wait_seconds: float | None
    median_wait_seconds: float | None
    mean_service_seconds: float | None


def front_desk_figures(start: date, end: date, district_id: int | None = None) -> list[FrontDeskFigures]:
    """The front desk's figures per district and per queue service for the days ``start`` to ``end`` (both
    included, Baku dates), for one district or all; rows ordered by district, then the service's position.

    Two queries whatever the number of districts: the counts and means grouped in the database, and the recorded
    waits for the medians. Services without tickets in the period are left out.
    """
    where = [QueueTicket.day >= start, QueueTicket.day <= end, QueueTicket.status != "cancelled"]
    if district_id is not None:
        where.append(QueueTicket.district_id == district_id)
    rows = db.session.execute(
        select(QueueTicket.district_id, QueueTicket.service_id, QueueService.code, QueueService.kind,
               func.count(QueueTicket.id),
               func.sum(case((QueueTicket.status == "served", 1), else_=0)),
               func.sum(case((QueueTicket.status == "no_show", 1), else_=0)),
               func.avg(QueueTicket.wait_seconds),
               func.avg(case((QueueTicket.status == "served", QueueTicket.service_seconds), else_=None)))
        .join(QueueService, QueueService.id == QueueTicket.service_id)
        .where(*where)
        .group_by(QueueTicket.district_id, QueueTicket.service_id, QueueService.code, QueueService.kind,
                  QueueService.position)
        .order_by(QueueTicket.district_id, QueueService.position, QueueTicket.service_id)
    ).all()
    waits: dict[tuple[int, int], list[int]] = defaultdict(list)
    for district, service, wait in db.session.execute(
            select(QueueTicket.district_id, QueueTicket.service_id, QueueTicket.wait_seconds)
            .where(*where, QueueTicket.wait_seconds.is_not(None))):
        waits[(district, service)].append(wait)
    figures = []
    for district, service, code, kind, tickets, served, no_shows, mean_wait, mean_service in rows:
        recorded = waits.get((district, service))
        figures.append(FrontDeskFigures(
            district_id=district, service_id=service, service_code=code, kind=kind, tickets=int(tickets),
            served=int(served or 0), no_shows=int(no_shows or 0),
            mean_wait_seconds=float(mean_wait) if mean_wait is not None else None,
            median_wait_seconds=float(median(recorded)) if recorded else None,
            mean_service_seconds=float(mean_service) if mean_service is not None else None))
    return figures


@dataclass(frozen=True)
class DeskFigures:
    """One desk's figures over a period: tickets it called, served, mean wait and service seconds of those."""

    district_id: int
    desk_id: int
    number: int
    called: int
    served: int
    mean_wait_seconds: float | None
    mean_service_seconds: float | None


def desk_figures(start: date, end: date, district_id: int | None = None) -> list[DeskFigures]:
    """The waiting and service times per desk for the days ``start`` to ``end`` (the desk that last called each
    ticket), for one district or all; one query."""
    where = [QueueTicket.day >= start, QueueTicket.day <= end, QueueTicket.desk_id.is_not(None)]
    if district_id is not None:
        where.append(QueueTicket.district_id == district_id)
    rows = db.session.execute(
        select(QueueDesk.district_id, QueueDesk.id, QueueDesk.number, func.count(QueueTicket.id),
               func.sum(case((QueueTicket.status == "served", 1), else_=0)), func.avg(QueueTicket.wait_seconds),
               func.avg(case((QueueTicket.status == "served", QueueTicket.service_seconds), else_=None)))
        .join(QueueDesk, QueueDesk.id == QueueTicket.desk_id).where(*where)
        .group_by(QueueDesk.district_id, QueueDesk.id, QueueDesk.number)
        .order_by(QueueDesk.district_id, QueueDesk.number)
    ).all()
    return [DeskFigures(district, desk, number, int(called), int(served or 0),
                        float(wait) if wait is not None else None, float(length) if length is not None else None)
            for district, desk, number, called, served, wait, length in rows]


# --- The hall screen ------------------------------------------------------------------------------------------


def screen(district_id: int, now: datetime | None = None) -> dict:
    """What the hall screen shows: the numbers being called with their desk, and the last ones called before.

    Codes and desk numbers only (no person), so the answer may be cached by anyone for a few seconds. One query.
    """
    now = now or utcnow()
    rows = db.session.execute(
        select(QueueTicket.code, QueueTicket.status, QueueDesk.number)
        .outerjoin(QueueDesk, QueueDesk.id == QueueTicket.desk_id)
        .where(QueueTicket.district_id == district_id, QueueTicket.day == local_date(now),
               QueueTicket.announced_at.is_not(None),
               # A ticket sent to another desk waits again: it comes back on the screen when that desk calls it.
               QueueTicket.status.in_(("called", "served", "no_show")))
        .order_by(QueueTicket.announced_at.desc(), QueueTicket.id.desc())
        .limit(SCREEN_NUMBERS)
    ).all()
    calling = [{"code": code, "desk": desk} for code, status, desk in rows if status == "called"]
    recent = [{"code": code, "desk": desk} for code, status, desk in rows if status != "called"]
    return {"calling": calling, "recent": recent}


# --- The desk's console --------------------------------------------------------------------------------------


def waiting_by_service(district_id: int, day: date) -> list[tuple[QueueService, list[QueueTicket]]]:
    """The district's active services, each with its waiting tickets of ``day`` in queue order (redirected first)."""
    services = list(db.session.scalars(select(QueueService).where(
        QueueService.district_id == district_id, QueueService.active.is_(True)).order_by(QueueService.position,
                                                                                          QueueService.id)))
    tickets = db.session.scalars(
        select(QueueTicket).where(QueueTicket.district_id == district_id, QueueTicket.day == day,
                                  QueueTicket.status == "waiting")
        .order_by(QueueTicket.for_desk_id.is_(None), QueueTicket.queued_at, QueueTicket.id)
    )
    grouped: dict[int, list[QueueTicket]] = defaultdict(list)
    for ticket in tickets:
        grouped[ticket.service_id].append(ticket)
    return [(service, grouped.get(service.id, [])) for service in services]


@dataclass(frozen=True)
class DayFigures:
    """Today's figures of a district's front desk, for the desk console."""

    waiting: int
    served: int
    no_shows: int
    mean_wait_seconds: float | None


def day_figures(district_id: int, day: date) -> DayFigures:
    """How many wait, were served and did not come today, and the mean wait of the tickets called (one query)."""
    waiting, served, no_shows, mean_wait = db.session.execute(
        select(func.sum(case((QueueTicket.status == "waiting", 1), else_=0)),
               func.sum(case((QueueTicket.status == "served", 1), else_=0)),
               func.sum(case((QueueTicket.status == "no_show", 1), else_=0)),
               func.avg(QueueTicket.wait_seconds))
        .where(QueueTicket.district_id == district_id, QueueTicket.day == day)
    ).one()
    return DayFigures(int(waiting or 0), int(served or 0), int(no_shows or 0),
                      float(mean_wait) if mean_wait is not None else None)


# --- The resident's place ------------------------------------------------------------------------------------


def ahead_of(ticket: QueueTicket) -> int:
    """How many waiting tickets of the same service and day a desk will call before ``ticket``."""
    if ticket.status != "waiting":
        return 0
    return db.session.scalar(
        select(func.count(QueueTicket.id)).where(
            QueueTicket.service_id == ticket.service_id, QueueTicket.day == ticket.day,
            QueueTicket.status == "waiting", QueueTicket.id != ticket.id,
            or_(QueueTicket.for_desk_id.is_not(None),
                QueueTicket.queued_at < ticket.queued_at,
                and_(QueueTicket.queued_at == ticket.queued_at, QueueTicket.id < ticket.id)))
    ) or 0


def service_seconds(service: QueueService, now: datetime | None = None) -> float:
    """The mean recorded service time of ``service`` over the last 30 days, else its usual ``minutes``."""
    now = now or utcnow()
    since = local_date(now) - timedelta(days=SERVICE_TIME_DAYS)
    mean = db.session.scalar(select(func.avg(QueueTicket.service_seconds)).where(
        QueueTicket.service_id == service.id, QueueTicket.status == "served", QueueTicket.day >= since,
        QueueTicket.service_seconds.is_not(None)))
    return float(mean) if mean is not None else service.minutes * 60.0


def open_desks(service_id: int) -> int:
    """How many active desks taking the service have an operator now."""
    return db.session.scalar(
        select(func.count(QueueDesk.id)).join(queue_desk_services, queue_desk_services.c.desk_id == QueueDesk.id)
        .where(queue_desk_services.c.service_id == service_id, QueueDesk.active.is_(True),
               QueueDesk.operator_id.is_not(None))
    ) or 0


def estimated_wait_seconds(ticket: QueueTicket, ahead: int, now: datetime | None = None) -> int:
    """Tickets ahead × the service's mean service time, shared among its open desks (at least one)."""
    return int(ahead * service_seconds(ticket.service, now) / max(open_desks(ticket.service_id), 1))
