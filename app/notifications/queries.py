"""What the notification centre reads: one person's notifications, a page at a time, and their unread count."""
from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.kit.paging import Page, paginate
from app.models import Notification, User

PER_PAGE = 20


def centre(user: User, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """``user``'s notifications, newest first, one page (of ``Notification``): two statements whatever the page."""
    mine = Notification.user_id == user.id
    query = select(Notification).where(mine).order_by(Notification.created_at.desc(), Notification.id.desc())
    count = select(func.count()).select_from(Notification).where(mine)
    return paginate(query, page, per_page, count=count, clamp_to_last=True)


def unread_count(user: User) -> int:
    """How many of ``user``'s notifications are unread: one COUNT on the (user, read_at) index."""
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0
