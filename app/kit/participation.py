"""The guard in front of every participation action (vote, propose, support, comment, report).

Taking part needs a confirmed email and no block in force; each kind of action is
also limited in number per period (the caller counts its own recent rows).
Messages come in the language of the request, which is the resident's.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.kit.errors import Invalid
from app.kit.i18n import fmt_datetime
from app.models import User, UserBlock, utcnow


def active_block(user: User, now: datetime | None = None) -> UserBlock | None:
    """The block in force on ``user`` that ends last, or None."""
    now = now or utcnow()
    return db.session.scalar(
        select(UserBlock)
        .where(UserBlock.user_id == user.id, UserBlock.lifted_at.is_(None), UserBlock.ends_at > now)
        .order_by(UserBlock.ends_at.desc())
        .limit(1)
    )


def ensure_can_take_part(user: User) -> None:
    """Raise ``Invalid({None: message})`` unless ``user`` may take part: email confirmed and not blocked."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise Invalid({None: _("Sign in to take part.")})
    if not user.is_confirmed:
        raise Invalid({None: _("Confirm your email address to take part: follow the link we sent you.")})
    block = active_block(user)
    if block is not None:
        raise Invalid({None: _("You may not take part until %(date)s: %(reason)s",
                               date=fmt_datetime(block.ends_at), reason=block.reason)})


def ensure_rate(user: User, action: str, recent_count: int, *, limit: int) -> None:
    """Raise ``Invalid({None: ...})`` when ``user`` already did ``action`` ``limit`` times in the caller's period.

    ``action`` names what is limited (for the log and future per-action messages); callers count their own
    recent rows, e.g. the proposals this user created in the last hour.
    """
    if recent_count >= limit:
        raise Invalid({None: _("You have done this too many times in a short while. Please try again later.")})
