"""Signed-in sessions kept on the server (app/accounts/sessions.py): ending a row signs its cookies out."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, one_of, utcnow

# Why a session ended: its owner signed out or ended it from the list, a password change (the other sessions),
# a password reset, the account deactivated, or the second factor reset by an administrator. (Closing an account
# deletes its rows: the browser descriptions and addresses are the resident's data.)
END_REASONS = ("sign_out", "ended_by_owner", "password_change", "password_reset", "deactivated", "two_factor_reset")


class UserSession(db.Model):
    """One signed-in browser: both its cookies carry the random key whose hash is here, so ending the row (setting
    ``ended_at``) makes the session cookie and the remember-me cookie worthless at once, wherever they were copied."""

    __tablename__ = "user_sessions"
    __table_args__ = (CheckConstraint(one_of("ended_reason", END_REASONS), name="ended_reason_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the key (hex): a copy of the table (a backup) opens no session.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Updated at most once a minute; also what old rows are purged by.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # Shown to the owner to tell their sessions apart: the browser's description cut short, and the client
    # address with its host part dropped (IPv4 /24, IPv6 /48), never the full address.
    user_agent: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(50))
    remembered: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_reason: Mapped[str | None] = mapped_column(String(20))

    def __repr__(self) -> str:
        return f"<UserSession {self.id} of {self.user_id}>"
