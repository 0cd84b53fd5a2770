"""Polls (sorğular) and the topics residents propose for them.

The secret ballot lives in the shape of these tables: ``poll_participations``
says *that* a resident took part (and on which day), ``poll_options.votes`` holds the
tallies. No row, column or timestamp ties a participation to the options
chosen: a vote increments the counters of every option of the poll in one
statement (by 1 for the chosen ones, by 0 for the rest), so even the system
columns PostgreSQL keeps on each row (``xmin``, ``ctid``) carry no trace of
which option the last voter chose. docs/areas/polls.md, "The secret ballot".
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import Translated, UTCDateTime, one_of, utcnow
from app.models.district import District

POLL_KINDS = ("single", "multiple")
# "after_vote": a resident sees the results once they have voted (everyone once it closes);
# "after_close": nobody sees them before the poll closes.
RESULTS_VISIBILITY = ("after_vote", "after_close")
# The fixed directions (topic areas) a poll or a topic belongs to.
DIRECTIONS = ("public_spaces", "transport", "utilities", "education", "health", "culture_sport", "social",
              "environment", "economy", "other")
TOPIC_STATUSES = ("submitted", "changes_requested", "rejected", "approved")
QUESTION_LIMIT = 300
DESCRIPTION_LIMIT = 2000
OPTION_LIMIT = 200
MIN_OPTIONS, MAX_OPTIONS = 2, 10
REASON_LIMIT = 1000


class Poll(Translated, db.Model):
    """A question residents answer: of one district (``district_id``) or national (NULL)."""

    __tablename__ = "polls"
    __table_args__ = (
        CheckConstraint(one_of("kind", POLL_KINDS), name="poll_kind_known"),
        CheckConstraint(one_of("results_visibility", RESULTS_VISIBILITY), name="poll_results_visibility_known"),
        CheckConstraint(one_of("direction", DIRECTIONS), name="poll_direction_known"),
        CheckConstraint("closes_at > opens_at", name="poll_closes_after_opening"),
        CheckConstraint(f"length(question_az) <= {QUESTION_LIMIT}", name="poll_question_length"),
        # The public list: by district, newest closing first.
        Index("ix_polls_district_closes", "district_id", "closes_at"),
        Index("ix_polls_opens", "opens_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    direction: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10), default="single", server_default="single")
    question_az: Mapped[str] = mapped_column(String(QUESTION_LIMIT))
    question_ru: Mapped[str | None] = mapped_column(String(QUESTION_LIMIT))
    question_en: Mapped[str | None] = mapped_column(String(QUESTION_LIMIT))
    description_az: Mapped[str | None] = mapped_column(Text)
    description_ru: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    results_visibility: Mapped[str] = mapped_column(String(12), default="after_vote", server_default="after_vote")
    # The resident's topic it grew from, if any (one poll per topic).
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("poll_topics.id"), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    district: Mapped[District | None] = relationship()
    options: Mapped[list[PollOption]] = relationship(
        back_populates="poll", order_by=lambda: PollOption.position, cascade="all, delete-orphan")
    topic: Mapped[PollTopic | None] = relationship(back_populates="poll")

    def question_in(self, locale: str) -> str:
        """The question in ``locale`` (Azerbaijani fallback)."""
        return self.text_in("question", locale)

    def description_in(self, locale: str) -> str:
        """The description in ``locale`` (Azerbaijani fallback; may be empty)."""
        return self.text_in("description", locale)

    def state(self, now: datetime) -> str:
        """"upcoming", "open" or "closed" at ``now``: the times alone decide."""
        if now < self.opens_at:
            return "upcoming"
        return "open" if now < self.closes_at else "closed"

    def __repr__(self) -> str:
        return f"<Poll {self.id}>"


class PollOption(Translated, db.Model):
    """One answer of a poll and its tally: how many ballots chose it (no trace of who)."""

    __tablename__ = "poll_options"
    __table_args__ = (
        UniqueConstraint("poll_id", "position", name="uq_poll_options_position"),
        CheckConstraint("votes >= 0", name="poll_option_votes_positive"),
        CheckConstraint(f"length(label_az) <= {OPTION_LIMIT}", name="poll_option_label_length"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    label_az: Mapped[str] = mapped_column(String(OPTION_LIMIT))
    label_ru: Mapped[str | None] = mapped_column(String(OPTION_LIMIT))
    label_en: Mapped[str | None] = mapped_column(String(OPTION_LIMIT))
    votes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    poll: Mapped[Poll] = relationship(back_populates="options")

    def label_in(self, locale: str) -> str:
        """The answer in ``locale`` (Azerbaijani fallback)."""
        return self.text_in("label", locale)


class PollParticipation(db.Model):
    """"This resident took part in this poll": one per resident and poll, enforced by the database.

    It says nothing of the choice, and keeps only the day of the vote (in Baku), never its moment: a precise
    time lined up with a tally seen to change, an access log or two backups would tell who chose what
    (issue 15, item 10). The resident sees the day in their cabinet.
    """

    __tablename__ = "poll_participations"
    __table_args__ = (UniqueConstraint("poll_id", "user_id", name="uq_poll_participations_voter"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    voted_on: Mapped[date] = mapped_column(Date)

    poll: Mapped[Poll] = relationship()


class PollTopic(db.Model):
    """A resident's proposed poll for their district authority, until the district's moderator decides."""

    __tablename__ = "poll_topics"
    __table_args__ = (
        CheckConstraint(one_of("status", TOPIC_STATUSES), name="poll_topic_status_known"),
        CheckConstraint(one_of("kind", POLL_KINDS), name="poll_topic_kind_known"),
        CheckConstraint(one_of("direction", DIRECTIONS), name="poll_topic_direction_known"),
        CheckConstraint(f"length(question) <= {QUESTION_LIMIT}", name="poll_topic_question_length"),
        CheckConstraint("status != 'rejected' OR reason IS NOT NULL", name="poll_topic_rejection_has_reason"),
        # The moderator's queue: one district, by status.
        Index("ix_poll_topics_district_status", "district_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10), default="single", server_default="single")
    question: Mapped[str] = mapped_column(String(QUESTION_LIMIT))
    description: Mapped[str | None] = mapped_column(Text)
    # The answers as the resident wrote them, in order (2 to 10 strings).
    options: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="submitted", server_default="submitted")
    # The moderator's words: what to change, or why it was rejected.
    reason: Mapped[str | None] = mapped_column(String(REASON_LIMIT))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    district: Mapped[District] = relationship()
    poll: Mapped[Poll | None] = relationship(back_populates="topic")

    def __repr__(self) -> str:
        return f"<PollTopic {self.id} {self.status}>"
