"""Email: queued in the transaction that causes it, delivered to a real SMTP server, retried, never doubled."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from app.extensions import db
from app.kit import mail
from app.models import OutboxAttachment, OutboxMessage, utcnow
from deploy.mailsink import free_port
from tests.factories import create_user


def _queue(user, **extra) -> OutboxMessage:
    return mail.queue_email(user.email, "reset", user.locale, user=user, link="https://portal.example.az/r/abc",
                            minutes=60, **extra)


def test_without_a_mail_server_the_message_is_logged_in_the_recipients_language(app, ctx):
    user = create_user(locale="ru")
    entry = _queue(user)
    db.session.commit()
    db.session.refresh(entry)
    assert entry.status == "logged" and entry.locale == "ru" and entry.sent_at is not None
    assert "Aygün Həsənova" in entry.body and "https://portal.example.az/r/abc" in entry.body


def test_nothing_is_sent_before_the_commit_and_nothing_after_a_rollback(app, ctx, sink):
    user = create_user()
    _queue(user)
    db.session.flush()
    assert sink.messages() == []
    db.session.rollback()
    assert db.session.scalar(select(OutboxMessage)) is None
    assert sink.messages() == []


def test_committed_message_reaches_the_smtp_server_once_with_its_outbox_id(app, ctx, sink):
    user = create_user(locale="en")
    entry = _queue(user, attachments=[("a.ics", "text/calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")],
                   headers={"List-Unsubscribe": "<https://portal.example.az/u/1>"})
    db.session.commit()
    [received] = sink.wait_for(1)
    db.session.refresh(entry)
    assert entry.status == "sent" and entry.attempts == 1 and entry.error is None
    assert received["X-Outbox-Id"] == str(entry.id) and f".outbox.{entry.id}@portal.example.az>" in received["Message-ID"]
    assert received["To"] == user.email and received["List-Unsubscribe"] == "<https://portal.example.az/u/1>"
    assert [part.get_filename() for part in received.iter_attachments()] == ["a.ics"]
    # Delivered: the file is no longer kept, its name is.
    assert db.session.scalar(select(OutboxAttachment)) is None and entry.attachment_names == "a.ics"
    # Another worker holding the same job finds nothing to do.
    assert mail.deliver(entry.id) == "skipped"
    assert sink.receipts() == [f"{entry.id}.eml"]


def test_a_refusing_server_means_retries_with_backoff_then_failed(app, ctx, sink):
    app.config.update(MAIL_MAX_ATTEMPTS=3, MAIL_RETRY_BASE=30)
    sink.refuse = "451 4.3.0 Try again later"
    try:
        user = create_user()
        entry = _queue(user)
        db.session.commit()
        db.session.refresh(entry)
        assert entry.status == "queued" and entry.attempts == 1 and "451" in entry.error
        assert timedelta(seconds=25) < entry.next_attempt_at - utcnow() <= timedelta(seconds=30)
        assert mail.sweep() == []  # not due yet
        for expected in ("retry", "failed"):
            assert mail.deliver(entry.id) == expected
        db.session.refresh(entry)
        assert entry.status == "failed" and entry.attempts == 3 and entry.next_attempt_at is None
    finally:
        app.config.update(MAIL_MAX_ATTEMPTS=6, MAIL_RETRY_BASE=30)
    assert sink.messages() == []


def test_a_permanent_refusal_fails_at_once(app, ctx, sink):
    sink.refuse = "550 5.1.1 No such user here"
    entry = _queue(create_user())
    db.session.commit()
    db.session.refresh(entry)
    assert entry.status == "failed" and entry.attempts == 1 and "550" in entry.error


def test_an_unreachable_server_is_retried_not_raised(app, ctx):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_USE_TLS=False)
    try:
        entry = _queue(create_user())
        db.session.commit()
    finally:
        app.config.update(MAIL_SERVER="", MAIL_PORT=587, MAIL_USE_TLS=True)
    db.session.refresh(entry)
    assert entry.status == "queued" and entry.attempts == 1 and "ConnectionRefused" in entry.error


def test_the_sweeper_takes_back_a_dead_workers_claim_and_the_message_goes_once(app, ctx, sink):
    entry = _queue(create_user())
    app.config["QUEUE_URL"] = "redis://127.0.0.1:1/0"  # no dispatch after this commit: the worker "died"
    try:
        db.session.commit()
    finally:
        app.config["QUEUE_URL"] = ""
    # A worker claimed it and died before recording anything.
    db.session.execute(update(OutboxMessage).values(status="sending", attempts=1,
                                                    claimed_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    assert mail.sweep() == [entry.id]
    assert mail.deliver(entry.id) == "sent" and mail.deliver(entry.id) == "skipped"
    db.session.refresh(entry)
    assert entry.status == "sent" and entry.attempts == 2
    assert sink.receipts() == [f"{entry.id}.eml"]


def test_a_fresh_claim_is_left_to_its_worker(app, ctx, sink):
    entry = _queue(create_user())
    db.session.commit()
    db.session.execute(update(OutboxMessage).values(status="sending", claimed_at=utcnow()))
    db.session.commit()
    assert mail.sweep() == []
    db.session.refresh(entry)
    assert entry.status == "sending"


def test_links_come_from_public_url_whatever_the_request_says(app):
    with app.test_request_context("/", base_url="http://evil.example.com",
                                  headers={"X-Forwarded-Host": "evil.example.com"}):
        assert mail.link("auth.confirm", token="t") == "https://portal.example.az/auth/confirm/t"
        assert mail.absolute("/cabinet/appeals/1") == "https://portal.example.az/cabinet/appeals/1"


def test_public_url_with_a_path_prefix_keeps_it(app):
    app.config["PUBLIC_URL"] = "https://gov.example.az/icra/"
    try:
        with app.app_context():
            assert mail.link("news.article", article_id=5, lang="ru") == "https://gov.example.az/icra/news/article/5?lang=ru"
            assert mail.absolute("verify/ABC") == "https://gov.example.az/icra/verify/ABC"
    finally:
        app.config["PUBLIC_URL"] = "https://portal.example.az"


def test_message_ids_differ_per_message_and_repeat_per_attempt(app, ctx):
    assert mail.message_id(1) == mail.message_id(1) != mail.message_id(2)
    assert re.fullmatch(r"<[\w.-]+@portal\.example\.az>", mail.message_id(7))


EVIL = "evil.example.com"
URL_RE = re.compile(r"[a-z][a-z0-9+.-]*://[^\s<>\"]+", re.IGNORECASE)


def test_no_email_link_ever_takes_its_host_from_the_request(app, client, web):
    """Every email the portal sends while the request claims another host links to PUBLIC_URL only."""
    from app.administration import staff_service as staff
    from app.appeals import service as appeals
    from app.models import Category, District, User
    from tests.factories import appeal_input, create_reference_data

    with app.app_context():
        create_reference_data()
        create_user("admin@example.az", roles=[("admin", None)])
        create_user("filer@example.az")
    client.environ_base.update(HTTP_HOST=EVIL, HTTP_X_FORWARDED_HOST=EVIL, HTTP_X_FORWARDED_PROTO="http")
    # As a visitor would: register (confirmation), ask again, forget the password, subscribe to news.
    assert web.post("/auth/register", {"full_name": "Aygün Həsənova", "email": "new@example.az",
                                       "password": "Kitab-Qələm-2026", "password_again": "Kitab-Qələm-2026",
                                       "consent": "y"}).status_code == 302
    # Registering signs nobody in (issue 15, item 7): the new resident signs in to ask for the link again.
    assert web.login("new@example.az", "Kitab-Qələm-2026").status_code == 302
    assert web.post("/auth/confirm/resend", {}, form_url="/cabinet/").status_code == 302
    web.post("/auth/logout", {}, form_url="/cabinet/")
    assert web.post("/auth/reset", {"email": "filer@example.az"}).status_code == 200
    # Registering a taken address emails its owner (issue 15, item 7).
    assert web.post("/auth/register", {"full_name": "X", "email": "filer@example.az", "password": "Kitab-Qələm-2026",
                                       "password_again": "Kitab-Qələm-2026", "consent": "y"}).status_code == 302
    assert web.post("/news/GNC/subscribe", {"email": "reader@example.az", "lang": "az"}).status_code == 302
    # Use cases that email from inside a request to the forged host: a notification, a staff invitation.
    with app.test_request_context("/", base_url=f"http://{EVIL}", headers={"X-Forwarded-Host": EVIL}):
        category = db.session.scalars(select(Category).order_by(Category.id)).first()
        ganja = db.session.scalar(select(District).where(District.code == "GNC"))
        resident, admin = (db.session.scalar(select(User).where(User.email == email))
                           for email in ("filer@example.az", "admin@example.az"))
        appeals.file_appeal(resident, appeal_input(ganja, category))
        staff.invite(admin, email="official@example.az", full_name="Kamran Əliyev", locale="en",
                     roles=[staff.RoleInput("official", ganja.id)])
    with app.app_context():
        messages = list(db.session.scalars(select(OutboxMessage)))
        templates = {m.template for m in messages}
        assert {"confirm", "reset", "register_taken", "news_subscribe", "notification", "invitation"} <= templates, templates
        for message in messages:
            text = f"{message.body}\n{message.headers or ''}"
            assert EVIL not in text, (message.template, text)
            for url in URL_RE.findall(text):
                assert url.startswith("https://portal.example.az/"), (message.template, url)


def test_email_code_never_builds_an_address_from_the_request():
    """The rule behind the test above, for code not yet written: code that emails builds addresses with mail.link."""
    from pathlib import Path

    app_dir = Path(__file__).resolve().parents[2] / "app"
    senders = [path for path in app_dir.rglob("*.py") if "queue_email" in path.read_text(encoding="utf-8")]
    assert len(senders) >= 6, senders
    for path in senders:
        source = path.read_text(encoding="utf-8")
        # url_for(..., _external=True) takes the host from the request; force_external on mail.link does not.
        for forbidden in (r"\b_external=True", r"request\.host", r"host_url", r"request\.url_root"):
            assert not re.search(forbidden, source), f"{path.name} uses {forbidden}"
