"""Appeals (müraciət): the record, its timeline, messages, attachments, numbering."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, one_of, utcnow
from app.models.district import Category, Department, District
from app.models.user import User

KINDS = ("application", "proposal", "complaint")
SOURCES = ("web", "reception", "api")
STATUSES = (
    "submitted",
    "registered",
    "in_progress",
    "info_requested",
    "answered",
    "closed",
    "reopened",
    "forwarded",
    "not_considered",
)
# Statuses in which the authority still owes the applicant something.
OPEN_STATUSES = ("submitted", "registered", "in_progress", "info_requested", "reopened")
# The law's grounds for leaving an appeal without consideration.
NOT_CONSIDERED_GROUNDS = ("anonymous", "repeated", "court_decision", "withdrawn", "no_substance")
TEXT_LIMIT = 10_000



class Appeal(db.Model):
    """An application, proposal or complaint a resident sent to a district authority."""

    __tablename__ = "appeals"
    __table_args__ = (
        CheckConstraint(one_of("kind", KINDS), name="kind_known"),
        CheckConstraint(one_of("status", STATUSES), name="status_known"),
        CheckConstraint(one_of("source", SOURCES), name="source_known"),
        CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5)", name="rating_range"),
        CheckConstraint(f"length(text) <= {TEXT_LIMIT}", name="text_length"),
        CheckConstraint(
            "not_considered_ground IS NULL OR " + one_of("not_considered_ground", NOT_CONSIDERED_GROUNDS),
            name="ground_known",
        ),
        UniqueConstraint("citizen_id", "submission_token", name="uq_appeals_submission"),
        # The official inbox (one district, by status, ordered by deadline) and "overdue now" in the
        # accountability figures; the category makes the latter an index-only read.
        Index("ix_appeals_district_status_due", "district_id", "status", "due_at", "category_id"),
        # "Overdue now" across all districts (PostgreSQL has no skip scan over the district).
        Index("ix_appeals_open_due", "status", "due_at", "district_id", "category_id"),
        # The inbox's open appeals by deadline (its default view, "overdue", "due within"): only the open ones, so
        # that the first page does not step over three years of closed appeals due earlier (migration 0031).
        Index("ix_appeals_open_district_due", "district_id", "due_at", "id",
              postgresql_where=text(one_of("status", OPEN_STATUSES)), sqlite_where=text(one_of("status", OPEN_STATUSES))),
        # The inbox of every status by deadline, and "newest first"; the id makes a page's ids an index-only read,
        # however far down the list the page is.
        Index("ix_appeals_district_due", "district_id", "due_at", "id"),
        Index("ix_appeals_district_created", "district_id", "created_at", "id"),
        # "Assigned to me" (or to a colleague) in the inbox, by deadline: counted and paged from the index alone.
        Index("ix_appeals_district_assignee_due", "district_id", "assignee_id", "due_at", "id"),
        # "Overdue now" per district and category on the accountability pages: the open appeals only, read in the
        # order the figures are grouped in.
        Index("ix_appeals_open_district_category", "district_id", "category_id", "due_at",
              postgresql_where=text(one_of("status", OPEN_STATUSES)), sqlite_where=text(one_of("status", OPEN_STATUSES))),
        # The appeals not filed online (the digital take-up subtracts them from the period's received): few. The
        # sources are app/accountability/kpi.py ONLINE_APPEAL_SOURCES.
        Index("ix_appeals_offline", "created_at", "district_id",
              postgresql_where=text("source NOT IN ('web', 'api')"), sqlite_where=text("source NOT IN ('web', 'api')")),
        # The citizen's list, newest first.
        Index("ix_appeals_citizen", "citizen_id", "created_at"),
        Index("ix_appeals_public", "district_id", "public_ok", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    source: Mapped[str] = mapped_column(String(10), default="web", server_default="web")
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)

    subject: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_address: Mapped[str | None] = mapped_column(String(300))
    applicant_phone: Mapped[str | None] = mapped_column(String(32))
    location_lat: Mapped[float | None] = mapped_column(Float)
    location_lon: Mapped[float | None] = mapped_column(Float)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    public_ok: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    extra_study: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    locale: Mapped[str] = mapped_column(String(2), default="az", server_default="az")
    submission_token: Mapped[str | None] = mapped_column(String(64))

    status: Mapped[str] = mapped_column(String(16), default="submitted", server_default="submitted")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The deadline in force (after any extension); initial_due_at keeps the first one.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    initial_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    extended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    extension_days: Mapped[int | None] = mapped_column(Integer)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    answer: Mapped[str | None] = mapped_column(Text)
    forwarded_to: Mapped[str | None] = mapped_column(String(300))
    not_considered_ground: Mapped[str | None] = mapped_column(String(20))
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reopen_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    district: Mapped[District] = relationship()
    category: Mapped[Category] = relationship()
    department: Mapped[Department | None] = relationship()
    citizen: Mapped[User] = relationship(foreign_keys=[citizen_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    events: Mapped[list[AppealEvent]] = relationship(
        back_populates="appeal", order_by="AppealEvent.id", cascade="all, delete-orphan"
    )
    messages: Mapped[list[AppealMessage]] = relationship(
        back_populates="appeal", order_by="AppealMessage.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="appeal", order_by="Attachment.id", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        """Whether the authority still owes an answer or a decision."""
        return self.status in OPEN_STATUSES

    def __repr__(self) -> str:
        return f"<Appeal {self.number} {self.status}>"


class AppealCase(db.Model):
    """Appeals of one district about the same matter, linked by its officials.

    The case only groups the appeals for the officials: each appeal keeps its own registration number, deadline,
    notifications and answer, because the law gives every appellant their own answer on their own clock.
    """

    __tablename__ = "appeal_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    members: Mapped[list[AppealCaseMember]] = relationship(
        back_populates="case", order_by="AppealCaseMember.appeal_id", cascade="all, delete-orphan"
    )


class AppealCaseMember(db.Model):
    """An appeal's place in a case: an appeal belongs to at most one case (its id is the key)."""

    __tablename__ = "appeal_case_members"

    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("appeal_cases.id", ondelete="CASCADE"), index=True)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    case: Mapped[AppealCase] = relationship(back_populates="members")
    appeal: Mapped[Appeal] = relationship()


class AppealSequence(db.Model):
    """The last registration number issued per district and year (row-locked when incremented)."""

    __tablename__ = "appeal_sequences"

    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class AppealEvent(db.Model):
    """One step on an appeal's timeline: a transition or an action, who did it, when."""

    __tablename__ = "appeal_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The deadline in force right after this step, so that "answered on time" can be recomputed later.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    appeal: Mapped[Appeal] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class AppealMessage(db.Model):
    """A message between the applicant and the officials, or an officials' internal note."""

    __tablename__ = "appeal_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    appeal: Mapped[Appeal] = relationship(back_populates="messages")
    author: Mapped[User] = relationship()


class Attachment(db.Model):
    """A file attached to an appeal, stored outside static/ under a random name."""

    __tablename__ = "attachments"
    __table_args__ = (CheckConstraint("size > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # Attachments of internal notes are never shown to the applicant.
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    appeal: Mapped[Appeal] = relationship(back_populates="attachments")
