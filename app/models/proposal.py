"""Citizen proposals (vətəndaş təşəbbüsü): residents propose, others support, a threshold obliges an answer.

A proposal keeps the threshold and the support period its district had when it
was published, so a later change of the district's settings never moves the
goalposts of a proposal already collecting supports. ``supports_count`` is a
counter kept in the same transaction as the ``proposal_supports`` rows (under a
row lock on the proposal), so lists never count rows.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, one_of, utcnow
from app.models.district import Category, District
from app.models.moderation import Moderated
from app.models.user import User

# draft → published → threshold_reached → answered → in_progress → implemented; published → expired.
PROPOSAL_STATES = ("draft", "published", "threshold_reached", "answered", "in_progress", "implemented", "expired")
# States in which residents may support (and withdraw a support), while the period lasts.
SUPPORTABLE_STATES = ("published", "threshold_reached")
# The authority's answer.
DECISIONS = ("accepted", "partly_accepted", "rejected")
TITLE_LIMIT = 150
TEXT_LIMIT = 5000
RESPONSE_LIMIT = 5000
DEFAULT_THRESHOLD = 100
DEFAULT_PERIOD_DAYS = 90
# The law-like duty this module models: the answer is due 15 working days after the threshold is reached.
RESPONSE_WORKING_DAYS = 15
THRESHOLD_MAX = 1_000_000
PERIOD_MIN, PERIOD_MAX = 7, 365


class ProposalSettings(db.Model):
    """A district's rules for proposals: how many supports oblige an answer, within how many days.

    A district without a row uses the defaults (100 supports in 90 days).
    """

    __tablename__ = "proposal_settings"
    __table_args__ = (
        CheckConstraint(f"threshold BETWEEN 1 AND {THRESHOLD_MAX}", name="threshold_range"),
        CheckConstraint(f"period_days BETWEEN {PERIOD_MIN} AND {PERIOD_MAX}", name="period_range"),
    )

    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id", ondelete="CASCADE"), primary_key=True)
    threshold: Mapped[int] = mapped_column(Integer, default=DEFAULT_THRESHOLD, server_default=str(DEFAULT_THRESHOLD))
    period_days: Mapped[int] = mapped_column(Integer, default=DEFAULT_PERIOD_DAYS,
                                             server_default=str(DEFAULT_PERIOD_DAYS))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    district: Mapped[District] = relationship()


class Proposal(Moderated, db.Model):
    """A resident's proposal to their district authority, with its supports and the authority's answer.

    A moderator of its district may hide it (``Moderated``): the public then reads the reason in its place.
    """

    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint(one_of("state", PROPOSAL_STATES), name="state_known"),
        CheckConstraint("decision IS NULL OR " + one_of("decision", DECISIONS), name="decision_known"),
        CheckConstraint("supports_count >= 0", name="supports_positive"),
        CheckConstraint(f"threshold BETWEEN 1 AND {THRESHOLD_MAX}", name="threshold_range"),
        CheckConstraint(f"length(title) BETWEEN 1 AND {TITLE_LIMIT}", name="title_length"),
        CheckConstraint(f"length(body) BETWEEN 1 AND {TEXT_LIMIT}", name="body_length"),
        CheckConstraint("state = 'draft' OR (published_at IS NOT NULL AND support_until IS NOT NULL)",
                        name="published_has_period"),
        CheckConstraint("state NOT IN ('answered', 'in_progress', 'implemented')"
                        " OR (decision IS NOT NULL AND response IS NOT NULL AND answered_at IS NOT NULL)",
                        name="answered_has_decision"),
        CheckConstraint("threshold_reached_at IS NULL OR response_due_at IS NOT NULL", name="reached_has_due"),
        # The public list: a district's proposals by state, newest first.
        Index("ix_proposals_district_state", "district_id", "state", "published_at"),
        # The expiry run: published proposals whose period ended.
        Index("ix_proposals_state_until", "state", "support_until"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_LIMIT))
    body: Mapped[str] = mapped_column(Text)
    # An optional picture (PNG or JPEG, checked by content), stored outside static/ under a random name.
    image_name: Mapped[str | None] = mapped_column(String(64))
    image_type: Mapped[str | None] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default="draft", server_default="draft")
    # Copied from the district's settings when the proposal is published.
    threshold: Mapped[int] = mapped_column(Integer, default=DEFAULT_THRESHOLD, server_default=str(DEFAULT_THRESHOLD))
    supports_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    support_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    threshold_reached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision: Mapped[str | None] = mapped_column(String(20))
    response: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    implemented_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    district: Mapped[District] = relationship()
    category: Mapped[Category] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])

    @property
    def awaiting_response(self) -> bool:
        """Whether the threshold obliges an answer that has not been given yet."""
        return self.state == "threshold_reached"

    @property
    def is_open(self) -> bool:
        """For the shared due badge: the answer is still owed (the deadline runs)."""
        return self.awaiting_response

    @property
    def due_at(self) -> datetime | None:
        """The response deadline, under the name the shared due badge reads."""
        return self.response_due_at

    @property
    def answered_on_time(self) -> bool | None:
        """Whether the answer came by its deadline (None while there is none)."""
        if self.answered_at is None or self.response_due_at is None:
            return None
        return self.answered_at <= self.response_due_at

    def supportable(self, now: datetime) -> bool:
        """Whether residents may support (or withdraw a support) at ``now``."""
        return self.state in SUPPORTABLE_STATES and self.support_until is not None and now < self.support_until

    def __repr__(self) -> str:
        return f"<Proposal {self.id} {self.state} {self.supports_count}/{self.threshold}>"


class ProposalSupport(db.Model):
    """One resident's support of one proposal: the database refuses a second."""

    __tablename__ = "proposal_supports"
    __table_args__ = (UniqueConstraint("proposal_id", "citizen_id", name="uq_proposal_supports_citizen"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    # "My supports" reads this index.
    citizen_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    proposal: Mapped[Proposal] = relationship()
