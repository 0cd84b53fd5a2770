"""Moderation: content residents may report and moderators may hide, the reports, and blocks on taking part.

Hiding never deletes: the original stays in its row (moderators of its district
still read it) and the public sees "hidden by the moderator: <reason>" in its place.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, one_of, utcnow
from app.models.user import User

REASON_LIMIT = 500
# What became of a report: the content was hidden, or the moderator found nothing wrong.
REPORT_OUTCOMES = ("hidden", "dismissed")


class Moderated:
    """Mixin for content tables a moderator may hide (with a reason) and restore."""

    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_reason: Mapped[str | None] = mapped_column(String(REASON_LIMIT))

    @declared_attr
    def hidden_by_id(cls) -> Mapped[int | None]:  # noqa: N805 - declared_attr receives the class
        """The moderator who hid it (a foreign key needs a fresh column per table)."""
        return mapped_column(ForeignKey("users.id"))

    @property
    def is_hidden(self) -> bool:
        """Whether a moderator has hidden this content."""
        return self.hidden_at is not None


class Report(db.Model):
    """A resident's report that some content breaks the rules; resolved by a moderator of its district.

    ``target_type`` names a registered moderation target ("comment", "proposal", ...), ``target_id`` its row.
    ``district_id`` is copied from the target when reported (the queue reads it); empty for national content.
    """

    __tablename__ = "moderation_reports"
    __table_args__ = (
        # One report per resident and piece of content.
        UniqueConstraint("target_type", "target_id", "reporter_id", name="uq_moderation_reports_reporter"),
        CheckConstraint(f"outcome IS NULL OR {one_of('outcome', REPORT_OUTCOMES)}", name="report_outcome_known"),
        CheckConstraint("(resolved_at IS NULL) = (outcome IS NULL)", name="report_resolved_has_outcome"),
        CheckConstraint(f"length(reason) BETWEEN 1 AND {REASON_LIMIT}", name="report_reason_length"),
        # The queue: a district's open reports, oldest first.
        Index("ix_moderation_reports_queue", "district_id", "resolved_at", "created_at"),
        Index("ix_moderation_reports_target", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target_type: Mapped[str] = mapped_column(String(30))
    target_id: Mapped[int] = mapped_column(Integer)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(REASON_LIMIT))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str | None] = mapped_column(String(10))

    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])

    @property
    def is_open(self) -> bool:
        """Whether no moderator has resolved it yet."""
        return self.resolved_at is None


class UserBlock(db.Model):
    """A user barred from taking part (commenting, proposing, supporting, voting, reporting) until ``ends_at``.

    ``district_id`` is the district whose moderator imposed it (empty when an administrator did); its moderators
    may lift it. A block is in force while it is not lifted and has not ended.
    """

    __tablename__ = "user_blocks"
    __table_args__ = (
        CheckConstraint(f"length(reason) BETWEEN 1 AND {REASON_LIMIT}", name="block_reason_length"),
        CheckConstraint("ends_at > created_at", name="block_ends_after_start"),
        Index("ix_user_blocks_user", "user_id", "ends_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    reason: Mapped[str] = mapped_column(String(REASON_LIMIT))
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def in_force(self, now: datetime | None = None) -> bool:
        """Whether the block bars its user at ``now``."""
        return self.lifted_at is None and self.ends_at > (now or utcnow())
