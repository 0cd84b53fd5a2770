"""Operations: the runs of the scheduled commands, with their outcome."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, one_of, utcnow

RUN_OUTCOMES = ("running", "ok", "failed")


class CommandRun(db.Model):
    """One run of a scheduled ``flask`` command: when it started and ended, and how it went."""

    __tablename__ = "command_runs"
    __table_args__ = (CheckConstraint(one_of("outcome", RUN_OUTCOMES), name="outcome_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str] = mapped_column(String(10), default="running")
    summary: Mapped[str] = mapped_column(String(500), default="")
    error: Mapped[str | None] = mapped_column(Text)
