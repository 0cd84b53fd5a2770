"""What the subscribers receive: one email per new public appeal or answer (instant), one digest a day (daily),
in their language, only for public appeals of their district (and category), only once confirmed."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.alerts import sending
from app.extensions import db
from app.models import CommandRun, utcnow
from tests.alerts.conftest import active_alert, answer, appeal_url, file_appeal, opens, outbox, subscription, user
from tests.factories import create_user

ANSWER = "Nizami küçəsində su xətti təmir olundu, su verilir."


def _bodies(messages) -> str:
    return "\n".join(m.get_content() for m in messages)


def _to(sink, recipient: str, count: int):
    """The first ``count`` messages the mail server received for ``recipient`` (the appeal's own notifications to
    the applicant and the officials arrive there too)."""
    import time

    deadline = time.monotonic() + 30
    while True:
        found = [m for m in sink.messages() if m["To"] == recipient]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_a_confirmed_subscriber_to_ganja_gets_an_email_when_a_public_appeal_there_is_answered(app, client, world, sink):
    active_alert(app, "reader@example.az", "GNC", lang="en")
    appeal_id = file_appeal(app, subject="Suyun kəsilməsi", applicant_phone="+994 50 123 45 67")
    [filed] = _to(sink, "reader@example.az", 1)
    assert filed["Subject"].startswith("New public appeal in Ganja: GNC-")
    answer(app, appeal_id, ANSWER)
    filed, answered = _to(sink, "reader@example.az", 2)
    assert answered["Subject"].startswith("Answer to the public appeal GNC-") and "(Ganja)" in answered["Subject"]
    body = answered.get_content()
    assert "Suyun kəsilməsi" in body and ANSWER in body
    # A link to where everyone reads it, on PUBLIC_URL, in the subscriber's language; and the one-click unsubscribe.
    assert appeal_url(app, appeal_id, "en") in body
    opens(client, appeal_url(app, appeal_id, "en"), "Suyun kəsilməsi")
    assert re.search(r"https://portal\.example\.az/alerts/unsubscribe/\S+", body)
    assert re.fullmatch(r"<https://portal\.example\.az/alerts/unsubscribe/[^>]+>", answered["List-Unsubscribe"])
    assert answered["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Never the applicant's name or contacts.
    everything = _bodies([filed, answered]) + filed["Subject"] + answered["Subject"]
    for private in ("Aygün", "Həsənova", "Rəşad", "Nizami küç. 5", "123 45 67", "citizen@example.az"):
        assert private not in everything


def test_each_email_is_in_the_subscribers_language(app, world, sink):
    active_alert(app, "az@example.az", "GNC", lang="az")
    active_alert(app, "ru@example.az", "GNC", lang="ru")
    appeal_id = file_appeal(app)
    messages = {"az@example.az": _to(sink, "az@example.az", 1)[0], "ru@example.az": _to(sink, "ru@example.az", 1)[0]}
    assert "Gəncə" in messages["az@example.az"]["Subject"]
    assert "Гянджа" in messages["ru@example.az"]["Subject"]
    assert appeal_url(app, appeal_id, "ru") in messages["ru@example.az"].get_content()


def test_non_public_appeals_other_districts_and_other_categories_send_nothing(app, world, sink):
    active_alert(app, "all@example.az", "GNC")
    active_alert(app, "roads@example.az", "GNC", category_code="roads")
    file_appeal(app, public=False)                                      # not published by its applicant
    file_appeal(app, public=True, confidential=True)                    # confidential: never public
    file_appeal(app, "MSL")                                             # another district
    file_appeal(app, category_code="utilities")                         # public, Gəncə, utilities
    hidden = file_appeal(app, public=False)
    answer(app, hidden)                                                 # the answer to a non-public appeal
    assert [m.recipient for m in outbox(app, template="alert_instant")] == ["all@example.az"]
    assert len(_to(sink, "all@example.az", 1)) == 1
    # The subscriber to roads hears of a public roads appeal only.
    file_appeal(app, category_code="roads")
    assert sorted(m.recipient for m in outbox(app, template="alert_instant")) == [
        "all@example.az", "all@example.az", "roads@example.az"]


def test_unconfirmed_and_ended_subscriptions_get_nothing(app, world, sink):
    pending = active_alert(app, "pending@example.az", "GNC")
    ended = active_alert(app, "ended@example.az", "GNC", lang="az")
    with app.app_context():
        from app.models import AlertSubscription

        db.session.get(AlertSubscription, pending).status = "pending"
        db.session.get(AlertSubscription, ended).status = "ended"
        db.session.commit()
    answer(app, file_appeal(app))
    assert outbox(app, template="alert_instant") == []
    assert {m["To"] for m in sink.messages()} <= {"citizen@example.az", "official@example.az"}


def test_a_failed_step_sends_no_alert(app, world):
    active_alert(app, "reader@example.az", "GNC")
    appeal_id = file_appeal(app)
    with app.app_context():
        from app.appeals import service as appeals
        from app.kit.errors import Invalid

        official = user("official@example.az")
        appeals.transition(official, appeal_id, "registered")
        appeals.transition(official, appeal_id, "in_progress")
        try:
            appeals.transition(official, appeal_id, "answered", appeals.StepData(answer="   "))
        except Invalid:
            db.session.rollback()
    # Only the filing was told: the refused answer wrote nothing.
    assert [m.subject[:3] for m in outbox(app, template="alert_instant")] == ["New"]


# --- The daily digest ----------------------------------------------------------------------------------------


def test_the_daily_digest_lists_the_days_appeals_and_answers_once_a_day(app, world):
    now = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)  # 07:00 in Baku
    yesterday = now - timedelta(days=1)
    daily = active_alert(app, "daily@example.az", "GNC", lang="en", frequency="daily", confirmed_at=yesterday)
    active_alert(app, "msl@example.az", "MSL", lang="az", frequency="daily", confirmed_at=yesterday)
    file_appeal(app, subject="Köhnə müraciət", now=yesterday - timedelta(hours=1))  # before the subscription
    answered = file_appeal(app, subject="Küçə işıqları yanmır", now=now - timedelta(hours=10))
    answer(app, answered, "İşıqlar bərpa olundu.", now=now - timedelta(hours=5))
    file_appeal(app, subject="Gizli müraciət", public=False, now=now - timedelta(hours=4))
    file_appeal(app, "MSL", public=False, now=now - timedelta(hours=4))
    assert outbox(app, template="alert_instant") == []  # daily subscribers get no instant email
    with app.app_context():
        summary = sending.send_digests(now=now)
    assert (summary.period, summary.sent, summary.nothing_new, summary.items) == ("2026-12-04", 1, 1, 2)
    [digest] = outbox(app, "daily@example.az")
    assert digest.template == "alert_digest" and digest.locale == "en"
    assert digest.subject == "Public appeals of Ganja: new appeals and answers"
    assert digest.body.count("Küçə işıqları yanmır") == 2  # received, and answered
    assert "Answered on" in digest.body and "Received on" in digest.body
    assert "Gizli" not in digest.body and "Köhnə" not in digest.body
    assert appeal_url(app, answered, "en") in digest.body
    assert "/alerts/unsubscribe/" in digest.body and '"List-Unsubscribe-Post"' in digest.headers
    assert outbox(app, "msl@example.az") == []  # nothing public in Masallı: no email
    # The same day again: nothing twice.
    with app.app_context():
        again = sending.send_digests(now=now + timedelta(hours=5))
    assert (again.sent, again.nothing_new) == (0, 0)
    assert len(outbox(app, "daily@example.az")) == 1
    assert subscription(app, daily).last_period == "2026-12-04"
    # The next day: only what is new since the last digest.
    later = file_appeal(app, subject="Yeni yol lazımdır", now=now + timedelta(hours=3))
    with app.app_context():
        nxt = sending.send_digests(now=now + timedelta(days=1))
    assert (nxt.period, nxt.sent) == ("2026-12-05", 1)
    second = outbox(app, "daily@example.az")[1]
    assert "Yeni yol lazımdır" in second.body and "Küçə işıqları" not in second.body
    assert appeal_url(app, later, "en") in second.body


def test_the_digest_command_shows_progress_and_a_summary_and_records_its_run(app, world, runner):
    active_alert(app, "daily@example.az", "GNC", frequency="daily", confirmed_at=utcnow() - timedelta(hours=3))
    file_appeal(app)
    result = runner.invoke(args=["alerts", "digest"])
    assert result.exit_code == 0, result.output
    assert "Digests" in result.output and "1 digests sent (1 appeals and answers)" in result.output
    result = runner.invoke(args=["alerts", "digest"])
    assert "0 digests sent" in result.output and "0 subscriptions with nothing new" in result.output
    assert len(outbox(app, "daily@example.az")) == 1
    with app.app_context():
        runs = list(db.session.scalars(select(CommandRun).where(CommandRun.name == "alerts digest")
                                       .order_by(CommandRun.id)))
        assert [r.outcome for r in runs] == ["ok", "ok"]
        assert runs[0].summary.endswith("1 sent, 0 nothing new, 0 failed")


def test_the_digest_is_a_scheduled_job(app):
    from app import scheduled

    assert scheduled.job("alerts digest").when == "0 7 * * *"


def test_the_digest_reaches_the_mail_server_with_its_unsubscribe_headers(app, world, sink):
    active_alert(app, "daily@example.az", "GNC", frequency="daily", confirmed_at=utcnow() - timedelta(hours=3))
    file_appeal(app)
    with app.app_context():
        create_user("someone@example.az")
        sending.send_digests()
    [message] = _to(sink, "daily@example.az", 1)
    assert re.fullmatch(r"<https://portal\.example\.az/alerts/unsubscribe/[^>]+>", message["List-Unsubscribe"])
