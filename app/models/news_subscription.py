"""Subscriptions to a district's news by email, in one language (double opt-in, weekly digest)."""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, one_of, utcnow
from app.models.district import District
from app.models.user import LANGUAGES

SUBSCRIPTION_STATUSES = ("pending", "active", "ended")


def new_nonce() -> str:
    """A fresh random value; the links signed with the previous one stop working."""
    return secrets.token_urlsafe(12)


class NewsSubscription(db.Model):
    """One address subscribed to one district's news in one language.

    ``nonce`` is part of every confirm and unsubscribe link; it changes when the
    subscription ends, so such a link works once and only for this row.
    ``last_period`` (ISO week, ``2026-W49``) makes the weekly digest idempotent.
    """

    __tablename__ = "news_subscriptions"
    __table_args__ = (
        UniqueConstraint("email", "district_id", "lang", name="uq_news_subscriptions_email_district_lang"),
        CheckConstraint("email = lower(email)", name="subscription_email_lowercase"),
        CheckConstraint(one_of("lang", LANGUAGES), name="subscription_lang_known"),
        CheckConstraint(one_of("status", SUBSCRIPTION_STATUSES), name="subscription_status_known"),
        Index("ix_news_subscriptions_digest", "status", "district_id", "lang"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"))
    lang: Mapped[str] = mapped_column(String(2))
    # The signed-in resident who subscribed, when there was one.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(8), default="pending", server_default="pending")
    nonce: Mapped[str] = mapped_column(String(32), default=new_nonce)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_period: Mapped[str | None] = mapped_column(String(8))
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    district: Mapped[District] = relationship()

    def __repr__(self) -> str:
        return f"<NewsSubscription {self.id} {self.district_id}/{self.lang} {self.status}>"
