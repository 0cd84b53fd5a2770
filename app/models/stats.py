"""Accountability rollups: appeal figures per district, category and day (and month), kept as appeals change.

Pages read these rows instead of the appeals, so their cost depends on the
number of districts, categories and days in the period, never on the number of
appeals. ``flask stats rebuild`` recomputes them from the timeline.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, one_of

GRAINS = ("day", "month")
# Working days from registration to answer: one bucket per day up to 30, then 31–45, 46–60 and over 60.
DAY_BUCKETS: tuple[int, ...] = (*range(31), 45, 60, 61)
COUNTERS = ("received", "registered", "answered", "on_time", "forwarded", "not_considered", "withdrawn",
            "reopened", "rating_count", "rating_sum", "r1", "r2", "r3", "r4", "r5")
BUCKET_COLUMNS = tuple(f"d{n}" for n in DAY_BUCKETS)


def bucket_for(working_days: int) -> str:
    """The histogram column that counts an answer given after ``working_days``."""
    for limit in DAY_BUCKETS:
        if working_days <= limit:
            return f"d{limit}"
    return "d61"


class AppealStat(db.Model):
    """Counters of one district, category and day (grain "day") or month (grain "month", period = 1st)."""

    __tablename__ = "appeal_stats"
    __table_args__ = (CheckConstraint(one_of("grain", GRAINS), name="grain_known"),)

    grain: Mapped[str] = mapped_column(String(5), primary_key=True)
    period: Mapped[date] = mapped_column(Date, primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), primary_key=True)

    received: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    registered: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    answered: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    on_time: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    forwarded: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    not_considered: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    withdrawn: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reopened: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rating_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rating_sum: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    r1: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    r2: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    r3: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    r4: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    r5: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


# The day buckets as columns d0 … d30, d45, d60, d61, declared in a loop rather than 34 lines.
for _column in BUCKET_COLUMNS:
    setattr(AppealStat, _column, mapped_column(_column, Integer, nullable=False, default=0, server_default="0"))


# Tables the database's own triggers write when another is written (migrations 0032): what the application writes
# to the key, the database also writes to the values. The visitors' page cache retires the pages that read either.
WRITTEN_BY_TRIGGERS: dict[str, tuple[str, ...]] = {"appeals": ("open_deadlines",)}


class OpenDeadline(db.Model):
    """How many open appeals of one district and category fall due at one moment.

    "Overdue now" on the accountability pages is the sum of the rows due before now: a few thousand rows whatever
    the number of appeals, where counting the open appeals themselves read every overdue one (225,000 in the
    benchmark's million, 23 ms on PostgreSQL). The rows are kept by the database itself, by triggers on
    ``appeals`` (migration 0032): every write path (the services, the front desk, Open311, bulk loads, a manual
    fix in SQL) moves them, so none can forget to. A row whose count falls to 0 is deleted. ``flask stats
    rebuild`` recomputes them from the appeals (``stats.rebuild_open_deadlines``).
    """

    __tablename__ = "open_deadlines"

    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    open_count: Mapped[int] = mapped_column(Integer, nullable=False)
