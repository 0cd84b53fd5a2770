"""The audit trail: an append-only, hash-chained record of every staff action.

Each entry's ``hash`` is a SHA-256 over its own fields and the previous
entry's hash, so changing, removing or inserting an entry breaks the chain at
that point (``flask audit verify``). The entry's ``id`` is its position in the
chain, handed out under a lock on the one-row ``audit_chain`` head (which also
remembers the last entry, so removing entries from the end is noticed too).
On PostgreSQL a trigger refuses UPDATE and DELETE on ``audit_entries``.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class AuditEntry(db.Model):
    """One staff action: who did what to which object, when, from where, before and after."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        CheckConstraint("id > 0", name="position_positive"),
        Index("ix_audit_entries_object", "object_type", "object_id"),
    )

    # The position in the chain (1, 2, 3, …), assigned under the chain lock when the entry is flushed.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # No foreign keys: the trail outlives the rows it speaks of, and a cascade must never rewrite it.
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_email: Mapped[str | None] = mapped_column(String(254), index=True)
    action: Mapped[str] = mapped_column(String(80), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    district_id: Mapped[int | None] = mapped_column(Integer, index=True)
    summary: Mapped[str] = mapped_column(String(500), default="")
    # Canonical JSON (sorted keys) of the fields before and after, or NULL.
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    ip: Mapped[str | None] = mapped_column(String(45))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    @property
    def is_system(self) -> bool:
        """Whether a scheduled command, not a person, acted."""
        return self.actor_id is None and self.actor_email is None


class AuditChainHead(db.Model):
    """The one row that says where the chain ends; locked while entries are numbered."""

    __tablename__ = "audit_chain"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
