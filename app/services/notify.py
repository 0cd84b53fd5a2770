"""Notifications: in-app and by email, each in its recipient's language."""
from __future__ import annotations

from flask_babel import force_locale

from app.extensions import db
from app.models import Notification, User
from app.services import mail


def notify(user: User, text_factory, *, link: str | None = None, appeal_id: int | None = None, email: bool = True) -> None:
    """Tell ``user`` something: ``text_factory()`` is called in the user's language.

    The in-app notification joins the caller's transaction; the email is sent
    (and recorded in the outbox) by ``flush_emails`` after the commit, so a
    rolled-back change never sends mail.
    """
    with force_locale(user.locale):
        text = str(text_factory())
    db.session.add(Notification(user_id=user.id, appeal_id=appeal_id, text=text[:500], link=link))
    if email and user.active and user.email:
        pending = db.session.info.setdefault("pending_emails", [])
        pending.append((user.email, user.locale, text, link))


def flush_emails() -> int:
    """Send the emails queued by ``notify`` in the transaction just committed."""
    pending = db.session.info.pop("pending_emails", [])
    for recipient, locale, text, link in pending:
        mail.send_email(recipient, "notification", locale, text=text, link=mail.absolute(link) if link else None)
    return len(pending)


def discard_emails() -> None:
    """Forget queued emails after a rollback."""
    db.session.info.pop("pending_emails", None)


def commit() -> None:
    """Commit the use case's transaction, then send the emails it queued; on failure roll back and send none."""
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        discard_emails()
        raise
    flush_emails()
