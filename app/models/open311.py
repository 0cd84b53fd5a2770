"""Open311 GeoReport v2: the API keys machine clients file appeals with, and what each filing adds to its appeal.

A key is never stored: only the SHA-256 of the whole key (the lookup) and its short public prefix (what people
see to tell keys apart). An appeal filed through the API keeps, besides its own row, the key it came with, the
client's idempotency key (one appeal per key and idempotency key: a unique constraint, so two concurrent sends
file one), the server's token for ``tokens/<token>`` and the address the request named.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, utcnow
from app.models.district import District
from app.models.user import User


class ApiKey(db.Model):
    """An Open311 key issued by an administrator to one client for one district's appeals."""

    __tablename__ = "open311_keys"
    __table_args__ = (CheckConstraint("length(key_hash) = 64", name="key_hash_length"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # A key files only to this district's authority.
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # None: issued by an operator's command (``flask open311 issue-key``).
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The key this one replaced when it was rotated (that one is revoked).
    rotated_from_id: Mapped[int | None] = mapped_column(ForeignKey("open311_keys.id"))

    district: Mapped[District] = relationship()
    created_by: Mapped[User | None] = relationship()
    rotated_from: Mapped[ApiKey | None] = relationship(remote_side=[id])

    @property
    def is_revoked(self) -> bool:
        """Whether the key was revoked (or rotated, which revokes it): it files nothing any more."""
        return self.revoked_at is not None

    def __repr__(self) -> str:
        return f"<ApiKey {self.prefix}>"


class Open311Request(db.Model):
    """What a filing through the Open311 API adds to its appeal: the key, the client's idempotency key, the token."""

    __tablename__ = "open311_requests"
    __table_args__ = (
        # Two sends with the same idempotency key for the same key file one appeal (NULLs never collide).
        UniqueConstraint("api_key_id", "client_token", name="uq_open311_requests_client_token"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"), unique=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("open311_keys.id"))
    client_token: Mapped[str | None] = mapped_column(String(64))
    # The server's token: GET tokens/<token> answers the request's id with it.
    token: Mapped[str] = mapped_column(String(32), unique=True)
    # The address the request named (the standard's address_string), published with a public appeal.
    address_string: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    api_key: Mapped[ApiKey] = relationship()

    def __repr__(self) -> str:
        return f"<Open311Request appeal={self.appeal_id}>"
