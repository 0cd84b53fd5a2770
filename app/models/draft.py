"""Drafts (qaralama): an appeal or an e-service application saved to finish later."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, one_of, utcnow

if TYPE_CHECKING:
    from app.models.user import User

DRAFT_KINDS = ("appeal", "application")
# open: in the cabinet, can be finished; submitted: it became an appeal or application; expired: not finished in
# time (its answers are erased); discarded: deleted by the resident or with the account (answers erased).
DRAFT_STATUSES = ("open", "submitted", "expired", "discarded")


class Draft(db.Model):
    """A form a resident started and saved. The row outlives its answers: once it is submitted, expired or
    discarded its ``data`` is emptied, and what is left (kind, district, service, dates, outcome) counts the
    started online forms for the completion rate."""

    __tablename__ = "drafts"
    __table_args__ = (
        CheckConstraint(one_of("kind", DRAFT_KINDS), name="draft_kind_known"),
        CheckConstraint(one_of("status", DRAFT_STATUSES), name="draft_status_known"),
        Index("ix_drafts_citizen", "citizen_id", "status", "updated_at"),
        Index("ix_drafts_expiry", "status", "expires_at"),
        Index("ix_drafts_district_started", "district_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(10), default="open", server_default="open")
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"))
    # What the cabinet lists the draft by (the subject, or the service's title when it was saved).
    title: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # The form's answers as typed (field name → text); never files.
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The appeal or application it became.
    appeal_id: Mapped[int | None] = mapped_column(ForeignKey("appeals.id", ondelete="SET NULL"))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("service_applications.id", ondelete="SET NULL"))

    citizen: Mapped[User | None] = relationship(foreign_keys=[citizen_id])
    files: Mapped[list[DraftFile]] = relationship(back_populates="draft", cascade="all, delete-orphan",
                                                  order_by="DraftFile.id")

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def __repr__(self) -> str:
        return f"<Draft {self.id} {self.kind} {self.status}>"


class DraftFile(db.Model):
    """A file chosen on a draft's form, stored once (``app.kit.files``) while the draft is open.

    Sending the draft moves the stored file to the appeal's attachment or the application's document (the row
    goes, the stored file stays); discarding or expiring it deletes both the row and the stored file."""

    __tablename__ = "draft_files"
    __table_args__ = (Index("ix_draft_files_draft", "draft_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"))
    # The form field it was chosen in: "attachments" on an appeal, the file question's key on an application.
    field_key: Mapped[str] = mapped_column(String(40))
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    draft: Mapped[Draft] = relationship(back_populates="files")
