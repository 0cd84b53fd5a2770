"""Email: rendered in the recipient's language, recorded in the outbox, failures kept."""
from __future__ import annotations

import socket

from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage
from app.services import mail
from tests.factories import create_user


def test_message_is_rendered_in_the_recipients_language_and_logged(app, ctx):
    user = create_user(locale="ru")
    entry = mail.send_email(user.email, "reset", user.locale, user=user, link="http://x/reset/abc", minutes=60)
    assert entry.status == "logged" and entry.locale == "ru"
    stored = db.session.scalar(select(OutboxMessage))
    assert stored.recipient == user.email and "http://x/reset/abc" in stored.body
    assert "Aygün Həsənova" in stored.body


def test_smtp_failure_is_recorded_not_raised(app, ctx):
    # A port on this machine where nothing listens: the connection is refused.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    try:
        user = create_user()
        entry = mail.send_email(user.email, "confirm", "en", user=user, link="http://x/c", hours=48)
    finally:
        app.config.update(MAIL_SERVER="", MAIL_PORT=587)
    assert entry.status == "failed" and entry.error
