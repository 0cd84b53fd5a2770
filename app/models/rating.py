"""Ratings on the ASAN criteria (qiymətləndirmə): what a resident thinks of an answer, a result or a visit."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, one_of, utcnow

# What can be rated: an answered appeal, an e-service application with its result, a served queue ticket.
RATED_KINDS = ("appeal", "application", "ticket")
# The ASAN criteria, each optional, 1–5; the overall mark is required.
CRITERIA = ("speed", "courtesy", "clarity", "outcome")
MARKS = ("overall", *CRITERIA)
COMMENT_LIMIT = 2000


def _range(column: str, required: bool = False) -> CheckConstraint:
    condition = f"{column} BETWEEN 1 AND 5"
    return CheckConstraint(condition if required else f"{column} IS NULL OR ({condition})", name=f"rating_{column}")


class Rating(db.Model):
    """One resident's marks for one rated thing (one row per thing; changing the rating updates the row).

    The district and the service (the appeal's category, the e-service, the queue service) are copied in when
    the rating is given, so the figures per district and service read this table alone. ``citizen_id`` is kept
    to let the resident change their rating and to refuse a rating of someone else's case; no staff page ever
    shows it.
    """

    __tablename__ = "ratings"
    __table_args__ = (
        CheckConstraint(one_of("subject_kind", RATED_KINDS), name="rating_kind_known"),
        _range("overall", required=True),
        *(_range(name) for name in CRITERIA),
        CheckConstraint(f"comment IS NULL OR length(comment) <= {COMMENT_LIMIT}", name="rating_comment_length"),
        UniqueConstraint("subject_kind", "subject_id", name="uq_ratings_subject"),
        Index("ix_ratings_district_rated", "district_id", "rated_at"),
        Index("ix_ratings_kind_rated", "subject_kind", "rated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(12))
    subject_id: Mapped[int] = mapped_column(Integer)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"))
    queue_service_id: Mapped[int | None] = mapped_column(ForeignKey("queue_services.id"))
    overall: Mapped[int] = mapped_column(Integer)
    speed: Mapped[int | None] = mapped_column(Integer)
    courtesy: Mapped[int | None] = mapped_column(Integer)
    clarity: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<Rating {self.subject_kind} {self.subject_id} {self.overall}>"
