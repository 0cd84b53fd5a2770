"""The notification centre: what the portal told each person, and how each person wants to be told.

A notification is written once, in its recipient's language, and says what happened (``kind``, a dotted event
name such as "appeal.answered") and what it concerns (``object_type`` and ``object_id``, e.g. "appeal" and 42),
so the centre can say when that object was removed or hidden since. ``channel`` records how it was delivered:
in the centre only, also by email at once, or also in the next daily digest (``digested_at`` says when it went).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, one_of, utcnow

# in_app: only in the notification centre; email: in the centre and an email at once;
# digest: in the centre and in one email a day with everything since the last one.
NOTIFICATION_CHANNELS = ("in_app", "email", "digest")


class Notification(db.Model):
    """Something the portal told one person, written in their language, with the event and the object it concerns."""

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(one_of("channel", NOTIFICATION_CHANNELS), name="channel_known"),
        # The header's unread count.
        Index("ix_notifications_user", "user_id", "read_at", "created_at"),
        # The centre's pages, newest first.
        Index("ix_notifications_user_created", "user_id", "created_at"),
        # The daily digest's work list: what waits for it.
        Index("ix_notifications_digest", "channel", "digested_at"),
        # "Was this appeal's deadline warning sent already?" and the object's other notifications.
        Index("ix_notifications_object", "object_type", "object_id", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The event, one of app.kit.notify.KINDS ("general" for notifications written before kinds existed).
    kind: Mapped[str] = mapped_column(String(60))
    # What it concerns: the object's type in snake case ("appeal", "reception_booking") and id; both empty when
    # it concerns the person alone (a block, its end).
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(Integer)
    # Kept for the appeals: their notifications go when the appeal is deleted.
    appeal_id: Mapped[int | None] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(500))
    link: Mapped[str | None] = mapped_column(String(300))
    channel: Mapped[str] = mapped_column(String(10), default="in_app")
    digested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def is_unread(self) -> bool:
        """Whether the person has not opened or marked it yet."""
        return self.read_at is None


class NotificationPreference(db.Model):
    """A person's choice of channel for one kind of notification; without a row, the kind's default applies."""

    __tablename__ = "notification_preferences"
    __table_args__ = (CheckConstraint(one_of("channel", NOTIFICATION_CHANNELS), name="channel_known"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(60), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
