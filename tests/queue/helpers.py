"""Plain factories of the queue's tests: services and desks of a district, a working day for today."""
from __future__ import annotations

from datetime import UTC, datetime

from app.extensions import db
from app.kit.calendar import forget_exceptions, is_working_day, local_date
from app.models import CalendarException, QueueDesk, QueueService, utcnow

# A Tuesday with no holiday: 10:00 in Baku.
TUESDAY_10 = datetime(2026, 12, 8, 6, 0, tzinfo=UTC)


def create_queue_service(district, letter: str = "A", kind: str = "general", **changes) -> QueueService:
    """A queue service of ``district`` (9:00–18:00, one-hour windows of 6 online tickets unless changed)."""
    values = dict(district_id=district.id, code=letter.lower(), letter=letter, kind=kind,
                  title_az=f"Xidmət {letter}", title_ru=f"Услуга {letter}", title_en=f"Service {letter}",
                  minutes=10, opens_minute=540, closes_minute=1080, window_minutes=60, window_capacity=6)
    values.update(changes)
    service = QueueService(**values)
    db.session.add(service)
    db.session.commit()
    return service


def create_desk(district, number: int, services, operator=None) -> QueueDesk:
    """A desk of ``district`` taking ``services``, opened by ``operator`` when given."""
    desk = QueueDesk(district_id=district.id, number=number, services=list(services),
                     operator_id=operator.id if operator else None)
    db.session.add(desk)
    db.session.commit()
    return desk


def today_is_working() -> None:
    """Make today a working day (a declared working day when it falls on a weekend or a holiday), so the pages,
    which use the clock, can be tried on any day."""
    today = local_date(utcnow())
    if not is_working_day(today):
        db.session.add(CalendarException(day=today, kind="working_day", decision="Test"))
        db.session.commit()
        forget_exceptions()
