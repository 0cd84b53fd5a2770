"""Email: render a message in the recipient's language and send it.

SMTP when ``MAIL_SERVER`` is set, otherwise the message goes to the log. Every
message is also recorded in the outbox table with its outcome.
"""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app, has_request_context, render_template, request
from flask_babel import force_locale

from app.extensions import db
from app.models import OutboxMessage

log = logging.getLogger("reqemsal.mail")


def render_message(template: str, locale: str, **context) -> tuple[str, str]:
    """Render ``templates/email/<template>.txt`` in ``locale``: (subject, body).

    The template's first line is the subject; the rest is the body.
    """
    with force_locale(locale):
        text = render_template(f"email/{template}.txt", locale=locale, **context)
    subject, _, body = text.strip().partition("\n")
    return subject.strip(), body.strip() + "\n"


def absolute(path: str) -> str:
    """An address for emails: the request's host, or ``PUBLIC_URL`` outside a request."""
    base = request.host_url if has_request_context() else current_app.config["PUBLIC_URL"]
    return base.rstrip("/") + path


Attachment = tuple[str, str, bytes]  # file name, MIME type, content


def _deliver(recipient: str, subject: str, body: str, attachments: list[Attachment] = ()) -> None:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = recipient
    message["Subject"] = subject
    message.set_content(body)
    for filename, mimetype, content in attachments:
        maintype, _, subtype = mimetype.partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def send_email(recipient: str, template: str, locale: str, attachments: list[Attachment] = (),
               **context) -> OutboxMessage:
    """Render and send one message (with any attached files), record it in the outbox and commit that record."""
    subject, body = render_message(template, locale, **context)
    entry = OutboxMessage(
        recipient=recipient, subject=subject, body=body, template=template, locale=locale,
        attachment_names="\n".join(name for name, _type, _content in attachments) or None,
    )
    if current_app.config["MAIL_SERVER"]:
        try:
            _deliver(recipient, subject, body, attachments)
            entry.status = "sent"
        except (OSError, smtplib.SMTPException) as exc:
            # A mail server outage must not lose the message or break the request.
            log.warning("mail to %s failed: %s", recipient, exc)
            entry.status, entry.error = "failed", str(exc)[:2000]
    else:
        log.info("mail to %s: %s\n%s%s", recipient, subject, body,
                 "".join(f"[attached: {name}]\n" for name, _type, _content in attachments))
        entry.status = "logged"
    db.session.add(entry)
    db.session.commit()
    return entry


def redeliver(entry: OutboxMessage) -> None:
    """Try a failed message again as it was recorded (its attached files are not kept, so it goes without them).

    Updates the entry's outcome; the caller commits.
    """
    if current_app.config["MAIL_SERVER"]:
        try:
            _deliver(entry.recipient, entry.subject, entry.body)
            entry.status, entry.error = "sent", None
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("mail to %s failed again: %s", entry.recipient, exc)
            entry.status, entry.error = "failed", str(exc)[:2000]
    else:
        log.info("mail to %s (sent again): %s\n%s", entry.recipient, entry.subject, entry.body)
        entry.status, entry.error = "logged", None
