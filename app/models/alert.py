"""Area alerts: an email address subscribed to a district's new public appeals and their answers."""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, one_of, utcnow
from app.models.district import Category, District
from app.models.user import LANGUAGES

ALERT_STATUSES = ("pending", "active", "ended")
# instant: one email per new public appeal or answer; daily: one digest a day of what happened since the last one.
ALERT_FREQUENCIES = ("instant", "daily")


def new_alert_nonce() -> str:
    """A fresh random value; the confirm and unsubscribe links signed with the previous one stop working."""
    return secrets.token_urlsafe(12)


class AlertSubscription(db.Model):
    """One address subscribed to one district's public appeals (all, or one category's), in one language.

    ``nonce`` is part of every confirm and unsubscribe link; it changes when the subscription ends, so such a link
    works once and only for this row. ``last_period`` (the Baku date of the last daily digest, ``2026-12-05``) makes
    the digest idempotent per day. The same address, district, category and language is one row: the unique
    constraint covers a chosen category, the partial index "all categories" (NULLs are distinct in a constraint).
    """

    __tablename__ = "alert_subscriptions"
    __table_args__ = (
        UniqueConstraint("email", "district_id", "category_id", "lang",
                         name="uq_alert_subscriptions_email_district_category_lang"),
        Index("uq_alert_subscriptions_email_district_lang_all", "email", "district_id", "lang", unique=True,
              sqlite_where=text("category_id IS NULL"), postgresql_where=text("category_id IS NULL")),
        CheckConstraint("email = lower(email)", name="alert_email_lowercase"),
        CheckConstraint(one_of("lang", LANGUAGES), name="alert_lang_known"),
        CheckConstraint(one_of("status", ALERT_STATUSES), name="alert_status_known"),
        CheckConstraint(one_of("frequency", ALERT_FREQUENCIES), name="alert_frequency_known"),
        # Who hears of a step in a district (the instant emails) and the digest's work list.
        Index("ix_alert_subscriptions_district_status", "district_id", "status", "frequency"),
        Index("ix_alert_subscriptions_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"))
    # None: every category of the district.
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    lang: Mapped[str] = mapped_column(String(2))
    frequency: Mapped[str] = mapped_column(String(8), default="instant", server_default="instant")
    # The signed-in resident who made it, when there was one: they manage it in their cabinet.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(8), default="pending", server_default="pending")
    nonce: Mapped[str] = mapped_column(String(32), default=new_alert_nonce)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_period: Mapped[str | None] = mapped_column(String(10))
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    district: Mapped[District] = relationship()
    category: Mapped[Category | None] = relationship()

    def __repr__(self) -> str:
        return f"<AlertSubscription {self.id} {self.district_id}/{self.category_id}/{self.lang} {self.status}>"
