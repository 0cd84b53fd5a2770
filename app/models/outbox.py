"""The email outbox: every message the portal sends, as sent."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

OUTBOX_STATUSES = ("sent", "logged", "failed")


class OutboxMessage(db.Model):
    """One email, rendered in its recipient's language, with its delivery outcome."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint("status IN ('sent', 'logged', 'failed')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    template: Mapped[str] = mapped_column(String(80))
    locale: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(10))
    error: Mapped[str | None] = mapped_column(Text)
    # The names of attached files (the files themselves are not kept), one per line.
    attachment_names: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
