"""Email: rendered in the recipient's language, queued in the caller's transaction, delivered by the worker.

``queue_email`` adds an outbox row (and its attached files) to the database session; the caller's
commit saves it together with the record it concerns, so a rolled-back change sends nothing and a
committed one cannot lose its message. After the commit the job queue is asked to deliver it
(``app.jobs``); without a queue (development, tests) it is delivered right after the commit.

``deliver`` claims the row (``queued`` → ``sending``) in one UPDATE, so however many workers hold
the same job only one sends; it then records ``sent`` (or ``logged`` when no mail server is set),
or puts the row back to ``queued`` with a later ``next_attempt_at`` (exponential backoff), or
``failed`` after the last attempt or a permanent refusal. ``sweep`` hands the due rows to the queue
again and takes back claims older than the lease (a worker that died mid-send).

Every link in every email comes from ``PUBLIC_URL`` (``link``, ``absolute``), never from the request's
``Host``: a forged host header must not end up in a password-reset email. Rendering adds the message's language
to each of those links (``?lang=ru``), so the page opens in the language the email was written in. Each message carries a
``Message-ID`` made from its outbox id, so a message sent again after a worker died between the mail
server's "accepted" and our record of it is recognisably the same message.
"""
from __future__ import annotations

import json
import logging
import re
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import LANGUAGES, OutboxAttachment, OutboxMessage, utcnow

log = logging.getLogger("reqemsal.mail")

Attachment = tuple[str, str, bytes]  # file name, MIME type, content


def render_message(template: str, locale: str, **context) -> tuple[str, str]:
    """Render ``templates/email/<template>.txt`` in ``locale``: (subject, body).

    The template's first line is the subject; the rest is the body. Every link to the portal in it opens the page
    in ``locale`` (``localized_links``).
    """
    with force_locale(locale):
        text = render_template(f"email/{template}.txt", locale=locale, **context)
    subject, _, body = text.strip().partition("\n")
    return subject.strip(), localized_links(body.strip(), locale) + "\n"


# --- Links ---------------------------------------------------------------------------------------------


def absolute(path: str) -> str:
    """``path`` on the portal's public address (``PUBLIC_URL``), whatever host the request came to."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + "/" + path.lstrip("/")


def link(endpoint: str, **values) -> str:
    """The absolute address of ``endpoint`` on ``PUBLIC_URL`` (its scheme, host and path prefix), for emails."""
    public = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(public.netloc, script_name=public.path.rstrip("/") or "/",
                                       url_scheme=public.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)


def with_language(url: str, locale: str) -> str:
    """``url`` with ``lang=<locale>`` added to its query, so that the page opens in the language of the email it
    came in; a ``lang`` already there is kept. The rest of the address (a signed token in the path or the query)
    is left exactly as it was: the language hook reads ``lang`` and nothing else."""
    address, hash_mark, fragment = url.partition("#")
    if re.search(r"[?&]lang=", address):
        return url
    return f"{address}{'&' if '?' in address else '?'}lang={locale}{hash_mark}{fragment}"


# What ends a sentence after a link, rather than the link itself.
_TRAILING = ".,;:!?)"


def localized_links(text: str, locale: str) -> str:
    """``text`` with every link to the portal (on ``PUBLIC_URL``) opening in ``locale`` (``with_language``).

    Emails are written in the recipient's language; whoever follows one of their links should read the page in the
    same language, signed in or not, on any device. Links elsewhere are left alone."""
    if locale not in LANGUAGES:
        return text
    base = re.escape(current_app.config["PUBLIC_URL"].rstrip("/"))

    def localize(match: re.Match) -> str:
        url = match.group(0)
        kept = url.rstrip(_TRAILING)
        return with_language(kept, locale) + url[len(kept):]

    # The public address, then a path, a query or nothing: not another host that merely begins the same way.
    return re.sub(base + r"(?=[/?#]|\s|$)[^\s<>\"]*", localize, text)


# --- Queueing ------------------------------------------------------------------------------------------


def queue_email(recipient: str, template: str, locale: str, attachments: list[Attachment] = (),
                headers: dict[str, str] | None = None, **context) -> OutboxMessage:
    """Render one message and add it to the outbox in the current transaction; the caller commits.

    Nothing is sent before the commit: after it, the message is handed to the job queue.
    """
    subject, body = render_message(template, locale, **context)
    entry = OutboxMessage(
        recipient=recipient, subject=subject, body=body, template=template, locale=locale, status="queued",
        attempts=0, headers=json.dumps(headers, ensure_ascii=False) if headers else None,
        attachment_names="\n".join(name for name, _type, _content in attachments) or None,
        # The sweeper leaves a fresh message to the job queued with it for a while.
        next_attempt_at=utcnow() + timedelta(seconds=current_app.config["MAIL_SWEEP_GRACE"]),
    )
    entry.attachments = [OutboxAttachment(filename=name, content_type=mimetype, data=content)
                         for name, mimetype, content in attachments]
    db.session.add(entry)
    return entry


def requeue(entry: OutboxMessage) -> None:
    """Put a failed message back in the queue for a fresh series of attempts; the caller commits.

    The new row state is picked up by the queue after the commit (``app.jobs`` dispatches requeued ids too).
    """
    entry.status, entry.attempts, entry.claimed_at = "queued", 0, None
    entry.next_attempt_at = utcnow() + timedelta(seconds=current_app.config["MAIL_SWEEP_GRACE"])
    db.session.info.setdefault("outbox_dispatch", set()).add(entry.id)


# --- Delivery (the worker) -----------------------------------------------------------------------------


def message_id(entry_id: int) -> str:
    """The Message-ID of outbox message ``entry_id``: the same for every attempt to send it."""
    host = urlsplit(current_app.config["PUBLIC_URL"]).hostname or "localhost"
    return f"<{current_app.config['REDIS_PREFIX']}.outbox.{entry_id}@{host}>"


def build_message(entry: OutboxMessage) -> EmailMessage:
    """The message as it goes to the mail server: headers, text, attached files."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = entry.recipient
    message["Subject"] = entry.subject
    message["Message-ID"] = message_id(entry.id)
    message["X-Outbox-Id"] = str(entry.id)
    for name, value in json.loads(entry.headers or "{}").items():
        message[name] = value
    message.set_content(entry.body)
    for item in entry.attachments:
        maintype, _, subtype = item.content_type.partition("/")
        message.add_attachment(item.data, maintype=maintype, subtype=subtype, filename=item.filename)
    return message


class PermanentFailure(Exception):
    """The mail server refused the message for good (5xx): trying again would not help."""


def _transmit(message: EmailMessage) -> None:
    config = current_app.config
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        raise PermanentFailure(str(exc)) from exc
    except smtplib.SMTPResponseException as exc:
        if 500 <= exc.smtp_code < 600:
            raise PermanentFailure(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        raise


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt: doubling from MAIL_RETRY_BASE, at most an hour."""
    base = current_app.config["MAIL_RETRY_BASE"]
    return timedelta(seconds=min(3600, base * 2 ** max(0, attempts - 1)))


def deliver(entry_id: int) -> str:
    """Send outbox message ``entry_id`` if it is still waiting; return what happened.

    "sent", "logged", "retry" (put back with a later attempt), "failed" (given up), or "skipped"
    (already sent, being sent by another worker, or gone). Runs in its own session, so it can follow
    the commit that queued the message, in a request or in the worker.
    """
    config = current_app.config
    with Session(db.engine) as session:
        now = utcnow()
        claimed = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == entry_id, OutboxMessage.status == "queued")
            .values(status="sending", claimed_at=now, attempts=OutboxMessage.attempts + 1)
        ).rowcount
        session.commit()
        if not claimed:
            return "skipped"
        entry = session.get(OutboxMessage, entry_id)
        try:
            if config["MAIL_SERVER"]:
                _transmit(build_message(entry))
                outcome = "sent"
            else:
                log.info("mail to %s: %s\n%s%s", entry.recipient, entry.subject, entry.body,
                         "".join(f"[attached: {a.filename}]\n" for a in entry.attachments))
                outcome = "logged"
        except (OSError, smtplib.SMTPException, PermanentFailure) as exc:
            permanent = isinstance(exc, PermanentFailure) or entry.attempts >= config["MAIL_MAX_ATTEMPTS"]
            log.warning("mail %s to %s failed (attempt %d%s): %s", entry.id, entry.recipient, entry.attempts,
                        ", giving up" if permanent else "", exc)
            entry.error = f"{type(exc).__name__}: {exc}"[:2000]
            entry.claimed_at = None
            if permanent:
                entry.status, entry.next_attempt_at = "failed", None
            else:
                entry.status, entry.next_attempt_at = "queued", utcnow() + backoff(entry.attempts)
            session.commit()
            return "failed" if permanent else "retry"
        entry.status, entry.sent_at, entry.claimed_at, entry.next_attempt_at = outcome, utcnow(), None, None
        entry.error = None
        # The files were kept for this delivery only; the names stay on the message.
        session.execute(delete(OutboxAttachment).where(OutboxAttachment.message_id == entry_id))
        session.commit()
        return outcome


def sweep() -> list[int]:
    """Take back stale claims, and return the ids of the messages due for an attempt now.

    A claim older than ``MAIL_CLAIM_LEASE`` seconds belongs to a worker that died mid-send: the
    message goes back to ``queued`` (it may have reached the mail server; its Message-ID is unchanged).
    """
    config = current_app.config
    with Session(db.engine) as session:
        now = utcnow()
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == "sending",
                   OutboxMessage.claimed_at < now - timedelta(seconds=config["MAIL_CLAIM_LEASE"]))
            .values(status="queued", claimed_at=None, next_attempt_at=now)
        )
        session.commit()
        return list(session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.status == "queued",
                   or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now))
            .order_by(OutboxMessage.id).limit(config["MAIL_SWEEP_BATCH"])
        ))
