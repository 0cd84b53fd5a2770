"""Commitments (öhdəliklər): what a district authority promised, its milestones, what it answers, how residents judged it."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.appeal import Appeal
from app.models.base import Translated, UTCDateTime, one_of, utcnow
from app.models.district import Department, District

COMMITMENT_STATUSES = ("planned", "in_progress", "completed", "cancelled")
# What a commitment can answer: a resident's appeal or a citizen proposal (e-participation).
LINK_KINDS = ("appeal", "proposal")
TITLE_LIMIT = 200
DESCRIPTION_LIMIT = 5000
FEEDBACK_COMMENT_LIMIT = 1000
# Numeric(14, 2): up to 999,999,999,999.99 manat.
COST_MAX = Decimal("999999999999.99")


class Commitment(Translated, db.Model):
    """A commitment of a district authority: what, who is responsible, when, how much, how far along."""

    __tablename__ = "commitments"
    __table_args__ = (
        CheckConstraint(one_of("status", COMMITMENT_STATUSES), name="commitment_status_known"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress_range"),
        CheckConstraint("status != 'completed' OR progress = 100", name="completed_is_whole"),
        CheckConstraint("planned_end >= planned_start", name="planned_end_after_start"),
        CheckConstraint("actual_end IS NULL OR actual_start IS NULL OR actual_end >= actual_start",
                        name="actual_end_after_start"),
        CheckConstraint("planned_cost IS NULL OR planned_cost >= 0", name="planned_cost_positive"),
        CheckConstraint("actual_cost IS NULL OR actual_cost >= 0", name="actual_cost_positive"),
        CheckConstraint(f"length(title_az) <= {TITLE_LIMIT}", name="title_length"),
        CheckConstraint(f"length(description_az) <= {DESCRIPTION_LIMIT}", name="description_length"),
        # The public list: one district, by status, by planned end.
        Index("ix_commitments_district", "district_id", "status", "planned_end"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    title_az: Mapped[str] = mapped_column(String(TITLE_LIMIT))
    title_ru: Mapped[str | None] = mapped_column(String(TITLE_LIMIT))
    title_en: Mapped[str | None] = mapped_column(String(TITLE_LIMIT))
    description_az: Mapped[str] = mapped_column(Text)
    description_ru: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="planned", server_default="planned")
    progress: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    planned_start: Mapped[date] = mapped_column(Date)
    planned_end: Mapped[date] = mapped_column(Date)
    actual_start: Mapped[date | None] = mapped_column(Date)
    actual_end: Mapped[date | None] = mapped_column(Date)
    planned_cost: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    actual_cost: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    # Empty for rows the demo seed made; the editor or head who wrote it otherwise.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    district: Mapped[District] = relationship()
    department: Mapped[Department | None] = relationship()
    milestones: Mapped[list[CommitmentMilestone]] = relationship(
        back_populates="commitment", order_by=lambda: (CommitmentMilestone.due_on, CommitmentMilestone.id),
        cascade="all, delete-orphan",
    )

    def description_in(self, locale: str) -> str:
        """The description in ``locale`` (Azerbaijani fallback)."""
        return self.text_in("description", locale)

    def __repr__(self) -> str:
        return f"<Commitment {self.id} {self.status} {self.progress}>"


class CommitmentMilestone(Translated, db.Model):
    """A dated step of a commitment: due on a day, done on a day (or not yet)."""

    __tablename__ = "commitment_milestones"
    __table_args__ = (CheckConstraint(f"length(title_az) <= {TITLE_LIMIT}", name="milestone_title_length"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id", ondelete="CASCADE"), index=True)
    title_az: Mapped[str] = mapped_column(String(TITLE_LIMIT))
    title_ru: Mapped[str | None] = mapped_column(String(TITLE_LIMIT))
    title_en: Mapped[str | None] = mapped_column(String(TITLE_LIMIT))
    due_on: Mapped[date] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    commitment: Mapped[Commitment] = relationship(back_populates="milestones")


class CommitmentLink(db.Model):
    """What a commitment answers: an appeal or an accepted citizen proposal of the same district.

    ``kind`` says which column points at the target.
    """

    __tablename__ = "commitment_links"
    __table_args__ = (
        CheckConstraint(one_of("kind", LINK_KINDS), name="link_kind_known"),
        CheckConstraint(
            "(kind = 'appeal' AND appeal_id IS NOT NULL AND proposal_id IS NULL)"
            " OR (kind = 'proposal' AND proposal_id IS NOT NULL AND appeal_id IS NULL)",
            name="link_target_matches_kind",
        ),
        UniqueConstraint("commitment_id", "appeal_id", name="uq_commitment_links_appeal"),
        UniqueConstraint("commitment_id", "proposal_id", name="uq_commitment_links_proposal"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10), default="appeal", server_default="appeal")
    # "Which commitments answer this appeal" reads this index.
    appeal_id: Mapped[int | None] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"), index=True)
    # "Which commitments carry out this proposal" reads this index.
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    commitment: Mapped[Commitment] = relationship()
    appeal: Mapped[Appeal | None] = relationship()


class CommitmentFeedback(db.Model):
    """A resident's word on a completed commitment: delivered or not, and an optional comment.

    One per resident and commitment (changeable); shown publicly only as counts and comments, never with a name.
    """

    __tablename__ = "commitment_feedback"
    __table_args__ = (
        UniqueConstraint("commitment_id", "citizen_id", name="uq_commitment_feedback_citizen"),
        CheckConstraint(f"comment IS NULL OR length(comment) <= {FEEDBACK_COMMENT_LIMIT}", name="comment_length"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id", ondelete="CASCADE"))
    citizen_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    delivered: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    commitment: Mapped[Commitment] = relationship()
