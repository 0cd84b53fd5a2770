"""Residents following a public appeal of someone else: they are told when it is answered or its course ends."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.appeal import Appeal
from app.models.base import UTCDateTime, utcnow
from app.models.user import User


class AppealFollower(db.Model):
    """One resident following one appeal: the pair is the key, so the database refuses a second row."""

    __tablename__ = "appeal_followers"

    # The key starts with the user: "appeals I follow" reads it in order.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    # Telling the followers of a step reads this index.
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship()
    appeal: Mapped[Appeal] = relationship()

    def __repr__(self) -> str:
        return f"<AppealFollower user={self.user_id} appeal={self.appeal_id}>"
