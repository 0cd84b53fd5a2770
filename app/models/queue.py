"""The electronic queue (elektron növbə) of a district authority's front desk: services, desks, tickets."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import Translated, UTCDateTime, one_of, utcnow
from app.models.district import District
from app.models.user import User

# What a front-desk queue serves: the authority's general desk, the reception with the head (a booking checked in
# at the desk), and e-services registered at the desk (the application a desk official files for the resident).
QUEUE_SERVICE_KINDS = ("general", "reception", "eservice")
# waiting: in the queue (an online ticket from the start of its window); called: shown on the hall screen for a
# desk; served: the desk finished with it; no_show: called and never came, or its day ended unused; cancelled: the
# resident gave it back before it was called.
TICKET_STATUSES = ("waiting", "called", "served", "no_show", "cancelled")
TICKET_SOURCES = ("web", "kiosk")
# Tickets still in the queue of their day.
LIVE_TICKET_STATUSES = ("waiting", "called")

queue_desk_services = Table(
    "queue_desk_services",
    db.metadata,
    Column("desk_id", ForeignKey("queue_desks.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("queue_services.id", ondelete="CASCADE"), primary_key=True),
)


class QueueService(Translated, db.Model):
    """A service the front desk of one district gives in person, with its ticket letter and its windows.

    A day of the front desk is cut into windows of ``window_minutes`` from ``opens_minute`` to ``closes_minute``
    (minutes after local midnight) on working days; each window takes up to ``window_capacity`` online tickets.
    ``minutes`` is the usual time a desk spends on one resident: the estimated wait starts from it until the
    recorded service times say better.
    """

    __tablename__ = "queue_services"
    __table_args__ = (
        CheckConstraint(one_of("kind", QUEUE_SERVICE_KINDS), name="queue_service_kind_known"),
        CheckConstraint("minutes BETWEEN 1 AND 240", name="queue_service_minutes"),
        CheckConstraint("window_minutes BETWEEN 10 AND 480", name="queue_window_minutes"),
        CheckConstraint("window_capacity BETWEEN 0 AND 500", name="queue_window_capacity"),
        CheckConstraint("opens_minute >= 0 AND closes_minute <= 1440 AND opens_minute < closes_minute",
                        name="queue_opening_hours"),
        UniqueConstraint("district_id", "code", name="uq_queue_services_code"),
        UniqueConstraint("district_id", "letter", name="uq_queue_services_letter"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    # The ticket's letter on the hall screen: one per service of a district.
    letter: Mapped[str] = mapped_column(String(2))
    kind: Mapped[str] = mapped_column(String(10), default="general", server_default="general")
    # For kind "eservice": the e-service given at the desk (None: any of the district's e-services).
    eservice_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"))
    title_az: Mapped[str] = mapped_column(String(200))
    title_ru: Mapped[str | None] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    minutes: Mapped[int] = mapped_column(Integer, default=10, server_default="10")
    opens_minute: Mapped[int] = mapped_column(Integer, default=540, server_default="540")
    closes_minute: Mapped[int] = mapped_column(Integer, default=1080, server_default="1080")
    window_minutes: Mapped[int] = mapped_column(Integer, default=60, server_default="60")
    window_capacity: Mapped[int] = mapped_column(Integer, default=6, server_default="6")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    district: Mapped[District] = relationship()

    def __repr__(self) -> str:
        return f"<QueueService {self.code}>"


class QueueDesk(db.Model):
    """A desk (window) of a district's front desk, the services it takes, and who sits at it now."""

    __tablename__ = "queue_desks"
    __table_args__ = (
        CheckConstraint("number BETWEEN 1 AND 999", name="queue_desk_number"),
        UniqueConstraint("district_id", "number", name="uq_queue_desks_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    district: Mapped[District] = relationship()
    operator: Mapped[User | None] = relationship()
    services: Mapped[list[QueueService]] = relationship(secondary=queue_desk_services,
                                                        order_by="QueueService.position")

    def __repr__(self) -> str:
        return f"<QueueDesk {self.district_id}/{self.number}>"


class QueueSequence(db.Model):
    """The last ticket number issued per district and day (row-locked when incremented)."""

    __tablename__ = "queue_sequences"

    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class QueueTicket(db.Model):
    """A place in the front desk's queue for one day: taken online for a window, or printed at the kiosk.

    Times are recorded as the ticket moves: ``queued_at`` (it joined the queue: printed, or its window began),
    ``called_at`` (a desk called it), ``served_at`` (the desk finished). The waiting time is called − queued, the
    service time served − called, per service and desk.
    """

    __tablename__ = "queue_tickets"
    __table_args__ = (
        CheckConstraint(one_of("status", TICKET_STATUSES), name="ticket_status_known"),
        CheckConstraint(one_of("source", TICKET_SOURCES), name="ticket_source_known"),
        CheckConstraint("window_ends_at IS NULL OR window_ends_at > window_starts_at", name="ticket_window_order"),
        UniqueConstraint("district_id", "day", "number", name="uq_queue_tickets_number"),
        # Calling the next ticket: a district's live tickets of a day in queue order.
        Index("ix_queue_tickets_live", "district_id", "day", "status", "queued_at"),
        Index("ix_queue_tickets_citizen", "citizen_id", "day"),
        Index("ix_queue_tickets_service_day", "service_id", "day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("queue_services.id"))
    day: Mapped[date] = mapped_column(Date)
    number: Mapped[int] = mapped_column(Integer)
    # Shown on the ticket and the hall screen: the service's letter and the number, "A-017".
    code: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(6), default="web", server_default="web")
    status: Mapped[str] = mapped_column(String(10), default="waiting", server_default="waiting")
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    window_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    window_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What the ticket is for, when it is more than the service: the reception booking checked in at the desk, the
    # e-service application the desk registered.
    reception_booking_id: Mapped[int | None] = mapped_column(ForeignKey("reception_bookings.id", ondelete="SET NULL"))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("service_applications.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    desk_id: Mapped[int | None] = mapped_column(ForeignKey("queue_desks.id"))
    called_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    served_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A ticket redirected to another desk waits for that desk only, ahead of the newcomers.
    for_desk_id: Mapped[int | None] = mapped_column(ForeignKey("queue_desks.id"))
    redirect_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    wait_seconds: Mapped[int | None] = mapped_column(Integer)
    service_seconds: Mapped[int | None] = mapped_column(Integer)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the hall screen last showed the number: the call, or a recall (which leaves ``called_at`` as it was).
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    district: Mapped[District] = relationship()
    service: Mapped[QueueService] = relationship()
    desk: Mapped[QueueDesk | None] = relationship(foreign_keys=[desk_id])
    citizen: Mapped[User | None] = relationship(foreign_keys=[citizen_id])

    @property
    def is_live(self) -> bool:
        """Whether the ticket is still in its day's queue."""
        return self.status in LIVE_TICKET_STATUSES

    def __repr__(self) -> str:
        return f"<QueueTicket {self.day} {self.code} {self.status}>"
