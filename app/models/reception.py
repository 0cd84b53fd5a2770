"""Personal reception (vətəndaş qəbulu) with the head of the authority: sessions, slots, bookings."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import Translated, UTCDateTime, one_of, utcnow
from app.models.district import District
from app.models.user import User

SESSION_STATUSES = ("scheduled", "cancelled")
BOOKING_STATUSES = ("booked", "cancelled", "checked_in", "attended", "no_show")
# A booking that still holds its seat.
HOLDING = ("booked", "checked_in", "attended", "no_show")
TOPIC_LIMIT = 300
# A session's place, in each language.
PLACE_LIMIT = 300
# A session's topics (what residents may bring), in each language.
TOPICS_LIMIT = 2000



class ReceptionSession(Translated, db.Model):
    """A published reception day of a district's head: a time range cut into slots.

    Its place and topics are written in Azerbaijani (the place required) and optionally in Russian and English;
    residents read them in their language with the Azerbaijani fallback (``text_in("place", locale)``).
    """

    __tablename__ = "reception_sessions"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("slot_minutes BETWEEN 5 AND 240", name="slot_length"),
        CheckConstraint("seats_per_slot BETWEEN 1 AND 20", name="seats_range"),
        CheckConstraint("cutoff_hours BETWEEN 0 AND 336", name="cutoff_range"),
        CheckConstraint(one_of("status", SESSION_STATUSES), name="session_status_known"),
        Index("ix_reception_sessions_district", "district_id", "starts_at"),
        Index("ix_reception_sessions_host", "host_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"))
    host_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    slot_minutes: Mapped[int] = mapped_column(Integer)
    seats_per_slot: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    place_az: Mapped[str] = mapped_column(String(PLACE_LIMIT))
    place_ru: Mapped[str | None] = mapped_column(String(PLACE_LIMIT))
    place_en: Mapped[str | None] = mapped_column(String(PLACE_LIMIT))
    topics_az: Mapped[str | None] = mapped_column(Text)
    topics_ru: Mapped[str | None] = mapped_column(Text)
    topics_en: Mapped[str | None] = mapped_column(Text)
    cutoff_hours: Mapped[int] = mapped_column(Integer, default=24, server_default="24")
    status: Mapped[str] = mapped_column(String(10), default="scheduled", server_default="scheduled")
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    district: Mapped[District] = relationship()
    host: Mapped[User] = relationship(foreign_keys=[host_id])
    slots: Mapped[list[ReceptionSlot]] = relationship(
        back_populates="session", order_by="ReceptionSlot.starts_at", cascade="all, delete-orphan"
    )

    @property
    def cutoff_at(self) -> datetime:
        """The last moment residents may book or cancel."""
        return self.starts_at - timedelta(hours=self.cutoff_hours)

    def __repr__(self) -> str:
        return f"<ReceptionSession {self.id} {self.starts_at:%Y-%m-%d %H:%M}>"


class ReceptionSlot(db.Model):
    """One time slot of a session, with a number of seats (residents received together)."""

    __tablename__ = "reception_slots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("reception_sessions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())

    session: Mapped[ReceptionSession] = relationship(back_populates="slots")


class ReceptionBooking(db.Model):
    """A resident's seat in a slot, with the queue number and what came of it."""

    __tablename__ = "reception_bookings"
    __table_args__ = (
        CheckConstraint(one_of("status", BOOKING_STATUSES), name="booking_status_known"),
        CheckConstraint(f"length(topic) <= {TOPIC_LIMIT}", name="topic_length"),
        # The database, not Python, guarantees one resident per seat and one live booking per session.
        Index("uq_reception_seat", "slot_id", "seat", unique=True,
              sqlite_where=text("status != 'cancelled'"), postgresql_where=text("status != 'cancelled'")),
        Index("uq_reception_resident", "session_id", "citizen_id", unique=True,
              sqlite_where=text("status != 'cancelled'"), postgresql_where=text("status != 'cancelled'")),
        Index("ix_reception_bookings_citizen", "citizen_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str | None] = mapped_column(String(24), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("reception_sessions.id", ondelete="CASCADE"))
    slot_id: Mapped[int] = mapped_column(ForeignKey("reception_slots.id", ondelete="CASCADE"))
    seat: Mapped[int] = mapped_column(Integer)
    queue_number: Mapped[int] = mapped_column(Integer)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    topic: Mapped[str] = mapped_column(String(TOPIC_LIMIT))
    status: Mapped[str] = mapped_column(String(12), default="booked", server_default="booked")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(Text)
    appeal_id: Mapped[int | None] = mapped_column(ForeignKey("appeals.id"))

    session: Mapped[ReceptionSession] = relationship()
    slot: Mapped[ReceptionSlot] = relationship()
    citizen: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ReceptionBooking {self.number} {self.status}>"
