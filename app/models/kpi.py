"""What the service index and the service KPIs are computed from beyond the records: yearly costs, index weights."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, one_of, utcnow
from app.models.district import District

# What a cost is entered for: the appeals of the district, the front desk (the queue), or one e-service.
COST_SUBJECTS = ("appeals", "front_desk", "eservice")


class ServiceCost(db.Model):
    """What a district authority spent in one year on one service (staff, premises, systems), in manats.

    Divided by the service's transactions of that year, it is the cost per transaction.
    """

    __tablename__ = "service_costs"
    __table_args__ = (
        CheckConstraint(one_of("subject", COST_SUBJECTS), name="cost_subject_known"),
        CheckConstraint("amount >= 0", name="cost_not_negative"),
        CheckConstraint("year BETWEEN 2000 AND 2099", name="cost_year_range"),
        CheckConstraint("(subject = 'eservice') = (service_id IS NOT NULL)", name="cost_service_for_eservice"),
        # One cost per district, year and subject (and e-service); NULLs are never equal in a unique constraint,
        # so the two shapes get a partial unique index each.
        Index("uq_service_costs_subject", "district_id", "year", "subject", unique=True,
              sqlite_where=text("service_id IS NULL"), postgresql_where=text("service_id IS NULL")),
        Index("uq_service_costs_eservice", "district_id", "year", "service_id", unique=True,
              sqlite_where=text("service_id IS NOT NULL"), postgresql_where=text("service_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(12))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    district: Mapped[District] = relationship()


class IndexWeights(db.Model):
    """One version of the service index's weights, in force from ``effective_from`` until the next version.

    ``weights`` maps each part of the index to a whole number; they add up to 100. Versions are never changed or
    deleted: a period's index is computed with the version in force at the period's end, so an old figure can be
    recomputed as it was published.
    """

    __tablename__ = "index_weights"
    __table_args__ = (UniqueConstraint("effective_from", name="uq_index_weights_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    effective_from: Mapped[date] = mapped_column(Date)
    weights: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
