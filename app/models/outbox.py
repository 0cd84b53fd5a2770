"""The email outbox: every message the portal sends, queued in the transaction that caused it.

A use case adds the message to the database session together with the record it concerns, so
both are committed or neither is. After the commit the job queue is asked to deliver it; the
worker claims the row, sends it, and records the outcome. The row, not the queue, is the truth:
a queue that lost its messages (Redis restarted) is refilled from the rows still ``queued``.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, one_of, utcnow

# queued: waiting for (another) delivery attempt; sending: claimed by a worker right now;
# sent: accepted by the mail server; logged: written to the log (no mail server configured);
# failed: given up after the last retry (the operations page lists it).
OUTBOX_STATUSES = ("queued", "sending", "sent", "logged", "failed")


class OutboxMessage(db.Model):
    """One email, rendered in its recipient's language, with its delivery state and outcome."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(one_of("status", OUTBOX_STATUSES), name="status_known"),
        # The sweeper's question: what is due now?
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    template: Mapped[str] = mapped_column(String(80))
    locale: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(10), default="queued")
    error: Mapped[str | None] = mapped_column(Text)
    # Extra headers (e.g. List-Unsubscribe) as JSON.
    headers: Mapped[str | None] = mapped_column(Text)
    # The names of attached files, one per line (the files themselves are in outbox_attachments).
    attachment_names: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When a worker claimed it; a claim older than the lease is taken back (the worker died mid-send).
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    attachments: Mapped[list[OutboxAttachment]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="OutboxAttachment.id")


class OutboxAttachment(db.Model):
    """A file attached to a queued message, kept until the message is delivered (the worker needs it)."""

    __tablename__ = "outbox_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)

    message: Mapped[OutboxMessage] = relationship(back_populates="attachments")
