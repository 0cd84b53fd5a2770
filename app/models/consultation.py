"""Consultations on draft decisions: the document in sections, a comment period, an optional question set,
residents' comments and replies per section, their answers, and the authority's outcome (what changed and why).

A consultation is a ``draft`` until its editor publishes it; its state for the public then follows the clock:
upcoming (before ``opens_at``), open (comments accepted), closed (awaiting the outcome), concluded (outcome published).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import Translated, UTCDateTime, one_of, utcnow
from app.models.district import District
from app.models.moderation import Moderated
from app.models.user import User

CONSULTATION_STATUSES = ("draft", "published")
# What the public sees, derived from the status, the comment period and the outcome.
CONSULTATION_STATES = ("upcoming", "open", "closed", "concluded")
TITLE_LIMIT = 200
SUMMARY_LIMIT = 2000
BODY_LIMIT = 20000
OUTCOME_LIMIT = 10000
COMMENT_LIMIT = 2000
QUESTION_LIMIT = 300
# Periods are whole days in Baku: from midnight of the first day to midnight after the last.
_BAKU = ZoneInfo("Asia/Baku")
OPTION_LIMIT = 150


class Consultation(Translated, db.Model):
    """A draft decision put to residents for comment, by a district authority (or nationally: no district)."""

    __tablename__ = "consultations"
    __table_args__ = (
        CheckConstraint(one_of("status", CONSULTATION_STATUSES), name="consultation_status_known"),
        CheckConstraint("closes_at > opens_at", name="consultation_closes_after_opening"),
        CheckConstraint("outcome_published_at IS NULL OR status = 'published'", name="consultation_outcome_published"),
        CheckConstraint(f"length(title_az) BETWEEN 1 AND {TITLE_LIMIT}", name="consultation_title_length"),
        # The public list: published ones of a district by the end of their period.
        Index("ix_consultations_list", "status", "district_id", "closes_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    status: Mapped[str] = mapped_column(String(10), default="draft", server_default="draft")
    title_az: Mapped[str] = mapped_column(String(TITLE_LIMIT))
    title_ru: Mapped[str | None] = mapped_column(String(TITLE_LIMIT))
    title_en: Mapped[str | None] = mapped_column(String(TITLE_LIMIT))
    summary_az: Mapped[str] = mapped_column(Text)
    summary_ru: Mapped[str | None] = mapped_column(Text)
    summary_en: Mapped[str | None] = mapped_column(Text)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What changed and why, overall; each section carries its own beside its final text.
    outcome_az: Mapped[str | None] = mapped_column(Text)
    outcome_ru: Mapped[str | None] = mapped_column(Text)
    outcome_en: Mapped[str | None] = mapped_column(Text)
    outcome_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    district: Mapped[District | None] = relationship()
    sections: Mapped[list[ConsultationSection]] = relationship(
        back_populates="consultation", order_by=lambda: ConsultationSection.position, cascade="all, delete-orphan")
    questions: Mapped[list[ConsultationQuestion]] = relationship(
        back_populates="consultation", order_by=lambda: ConsultationQuestion.position, cascade="all, delete-orphan")

    def state(self, now: datetime | None = None) -> str:
        """draft, upcoming, open, closed (awaiting the outcome) or concluded."""
        if self.status == "draft":
            return "draft"
        if self.outcome_published_at is not None:
            return "concluded"
        now = now or utcnow()
        if now < self.opens_at:
            return "upcoming"
        return "open" if now < self.closes_at else "closed"

    @property
    def first_day(self) -> date:
        """The first day of the comment period (Baku)."""
        return self.opens_at.astimezone(_BAKU).date()

    @property
    def last_day(self) -> date:
        """The last day of the comment period (Baku): the period ends at the midnight after it."""
        return (self.closes_at - timedelta(seconds=1)).astimezone(_BAKU).date()

    def summary_in(self, locale: str) -> str:
        """The summary in ``locale`` (Azerbaijani fallback)."""
        return self.text_in("summary", locale)

    def outcome_in(self, locale: str) -> str:
        """What changed and why, overall, in ``locale`` (Azerbaijani fallback)."""
        return self.text_in("outcome", locale)

    def __repr__(self) -> str:
        return f"<Consultation {self.id} {self.status}>"


class ConsultationSection(Translated, db.Model):
    """One section of the draft document; after the period, its final text and what changed in it and why."""

    __tablename__ = "consultation_sections"
    __table_args__ = (
        UniqueConstraint("consultation_id", "position", name="uq_consultation_sections_position"),
        CheckConstraint(f"length(title_az) BETWEEN 1 AND {TITLE_LIMIT}", name="section_title_length"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    title_az: Mapped[str] = mapped_column(String(TITLE_LIMIT))
    title_ru: Mapped[str | None] = mapped_column(String(TITLE_LIMIT))
    title_en: Mapped[str | None] = mapped_column(String(TITLE_LIMIT))
    body_az: Mapped[str] = mapped_column(Text)
    body_ru: Mapped[str | None] = mapped_column(Text)
    body_en: Mapped[str | None] = mapped_column(Text)
    final_az: Mapped[str | None] = mapped_column(Text)
    final_ru: Mapped[str | None] = mapped_column(Text)
    final_en: Mapped[str | None] = mapped_column(Text)
    change_az: Mapped[str | None] = mapped_column(Text)
    change_ru: Mapped[str | None] = mapped_column(Text)
    change_en: Mapped[str | None] = mapped_column(Text)

    consultation: Mapped[Consultation] = relationship(back_populates="sections")

    def body_in(self, locale: str) -> str:
        """The draft text in ``locale`` (Azerbaijani fallback)."""
        return self.text_in("body", locale)

    def final_in(self, locale: str) -> str:
        """The final text in ``locale``; the draft text when the section did not change."""
        return self.text_in("final", locale) or self.body_in(locale)

    def change_in(self, locale: str) -> str:
        """What changed in this section and why, in ``locale`` (empty when nothing did)."""
        return self.text_in("change", locale)


class ConsultationQuestion(Translated, db.Model):
    """A question of the consultation's question set, answered by choosing one of its options."""

    __tablename__ = "consultation_questions"
    __table_args__ = (UniqueConstraint("consultation_id", "position", name="uq_consultation_questions_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    text_az: Mapped[str] = mapped_column(String(QUESTION_LIMIT))
    text_ru: Mapped[str | None] = mapped_column(String(QUESTION_LIMIT))
    text_en: Mapped[str | None] = mapped_column(String(QUESTION_LIMIT))

    consultation: Mapped[Consultation] = relationship(back_populates="questions")
    options: Mapped[list[ConsultationOption]] = relationship(
        back_populates="question", order_by=lambda: ConsultationOption.position, cascade="all, delete-orphan",
        lazy="selectin")


class ConsultationOption(Translated, db.Model):
    """One answer a question offers."""

    __tablename__ = "consultation_options"
    __table_args__ = (UniqueConstraint("question_id", "position", name="uq_consultation_options_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("consultation_questions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    label_az: Mapped[str] = mapped_column(String(OPTION_LIMIT))
    label_ru: Mapped[str | None] = mapped_column(String(OPTION_LIMIT))
    label_en: Mapped[str | None] = mapped_column(String(OPTION_LIMIT))

    question: Mapped[ConsultationQuestion] = relationship(back_populates="options")

    def label_in(self, locale: str) -> str:
        """The label in ``locale`` (Azerbaijani fallback)."""
        return self.text_in("label", locale)


class ConsultationResponse(db.Model):
    """A resident's answers to the question set: one per resident and consultation (the database refuses a second)."""

    __tablename__ = "consultation_responses"
    __table_args__ = (UniqueConstraint("consultation_id", "citizen_id", name="uq_consultation_responses_citizen"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    citizen_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    answers: Mapped[list[ConsultationAnswer]] = relationship(cascade="all, delete-orphan")


class ConsultationAnswer(db.Model):
    """The option a resident chose for one question."""

    __tablename__ = "consultation_answers"
    __table_args__ = (UniqueConstraint("response_id", "question_id", name="uq_consultation_answers_question"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("consultation_responses.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("consultation_questions.id", ondelete="CASCADE"))
    option_id: Mapped[int] = mapped_column(ForeignKey("consultation_options.id", ondelete="CASCADE"), index=True)


class ConsultationComment(Moderated, db.Model):
    """A resident's comment on a section, or a reply to a comment (``parent_id``) of the same section."""

    __tablename__ = "consultation_comments"
    __table_args__ = (
        CheckConstraint(f"length(body) BETWEEN 1 AND {COMMENT_LIMIT}", name="comment_body_length"),
        # A section's comments in order; a district's comments by date (the accountability figures).
        Index("ix_consultation_comments_section", "consultation_id", "section_id", "created_at"),
        Index("ix_consultation_comments_author", "author_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    section_id: Mapped[int] = mapped_column(ForeignKey("consultation_sections.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("consultation_comments.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    consultation: Mapped[Consultation] = relationship()
    section: Mapped[ConsultationSection] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
