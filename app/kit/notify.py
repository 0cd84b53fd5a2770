"""Notifications: in-app and by email, each in its recipient's language."""
from __future__ import annotations

from flask_babel import force_locale

from app.extensions import db
from app.kit import mail
from app.models import Notification, User


def notify(user: User, text_factory, *, link: str | None = None, appeal_id: int | None = None, email: bool = True) -> None:
    """Tell ``user`` something: ``text_factory()`` is called in the user's language.

    The in-app notification and the email's outbox row both join the caller's transaction: a
    rolled-back change notifies nobody, a committed one cannot lose its email.
    """
    with force_locale(user.locale):
        text = str(text_factory())
    db.session.add(Notification(user_id=user.id, appeal_id=appeal_id, text=text[:500], link=link))
    if email and user.active and user.email:
        mail.queue_email(user.email, "notification", user.locale, text=text, link=mail.absolute(link) if link else None)


def commit() -> None:
    """Commit the use case's transaction (its notifications and emails with it); on failure roll back and re-raise."""
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
