"""The daily digest: one email per person with everything waiting for it, once a day, never to the unreachable."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.kit import notify
from app.kit.calendar import BAKU
from app.models import CommandRun, Notification, OutboxMessage, utcnow
from app.notifications import service as notifications
from tests.factories import create_reference_data, create_user
from tests.snapshots import replayed

# Tuesday 8 December 2026, 07:00 in Baku: the digest's hour.
MORNING = datetime(2026, 12, 8, 7, 0, tzinfo=BAKU)


@pytest.fixture
def people(ctx):
    """Built once, then put back (tests/snapshots.py)."""
    return replayed("notifications digest: people", _build_people)


def _build_people():
    districts = create_reference_data()
    gnc = districts["GNC"]
    everyone = {
        "official": create_user("official@example.az", roles=[("official", gnc)], locale="ru"),
        "head": create_user("head@example.az", roles=[("official", gnc)]),
        "resident": create_user("resident@example.az"),
        "gone": create_user("gone@example.az", roles=[("official", gnc)]),
    }
    notifications.save_preferences(everyone["resident"], {"appeal.answered": "digest"})
    return everyone


def digests_to(address: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.recipient == address, OutboxMessage.template == "notification_digest").order_by(OutboxMessage.id)))


def tell(people, names, text: str, when: datetime, kind: str = "appeal.filed") -> None:
    notify.notify_all([people[n] for n in names], lambda: text, kind=kind, link="/office/appeals/1", now=when)
    notify.commit()


def test_each_person_gets_one_digest_with_everything_waiting(people):
    evening = MORNING - timedelta(hours=12)
    tell(people, ["official", "head"], "GNC-2026-000001 daxil oldu", evening)
    tell(people, ["official"], "GNC-2026-000002 daxil oldu", evening + timedelta(hours=1))
    tell(people, ["resident"], "Müraciətinizə cavab verildi", evening, kind="appeal.answered")
    people["gone"].active = False
    db.session.commit()
    tell(people, ["gone"], "GNC-2026-000003 daxil oldu", evening)

    summary = notifications.send_digests(now=MORNING)
    assert (summary.sent, summary.notifications, summary.failed) == (3, 4, 0)
    [official_mail] = digests_to("official@example.az")
    assert "GNC-2026-000001" in official_mail.body and "GNC-2026-000002" in official_mail.body
    assert official_mail.locale == "ru"
    assert "/cabinet/notifications/" in official_mail.body and "/cabinet/notifications/settings" in official_mail.body
    assert len(digests_to("head@example.az")) == 1 and len(digests_to("resident@example.az")) == 1
    # Never an email to an inactive person: their notification was in the centre only from the start.
    assert digests_to("gone@example.az") == []
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.channel == "digest", Notification.digested_at.is_(None))) == 0


def test_the_digest_is_idempotent_and_daily(people):
    tell(people, ["official"], "GNC-2026-000001 daxil oldu", MORNING - timedelta(hours=3))
    assert notifications.send_digests(now=MORNING).sent == 1
    # Run again the same morning: nothing more.
    assert notifications.send_digests(now=MORNING + timedelta(minutes=5)).sent == 0
    # What arrives later that day waits for tomorrow's digest, not a second email today.
    tell(people, ["official"], "GNC-2026-000002 daxil oldu", MORNING + timedelta(hours=2))
    later = notifications.send_digests(now=MORNING + timedelta(hours=3))
    assert (later.sent, later.already) == (0, 1)
    tomorrow = notifications.send_digests(now=MORNING + timedelta(days=1))
    assert tomorrow.sent == 1
    mails = digests_to("official@example.az")
    assert len(mails) == 2 and "000002" in mails[1].body and "000001" not in mails[1].body
    assert notifications.send_digests(now=MORNING + timedelta(days=1, minutes=1)).sent == 0


def test_an_unreachable_person_is_skipped_and_counted(people):
    tell(people, ["gone"], "GNC-2026-000001 daxil oldu", MORNING - timedelta(hours=1))
    people["gone"].active = False
    db.session.commit()
    summary = notifications.send_digests(now=MORNING)
    assert (summary.sent, summary.unreachable) == (0, 1)
    assert digests_to("gone@example.az") == []


def test_the_command_shows_a_summary_and_records_its_run(app, people):
    tell(people, ["official"], "GNC-2026-000001 daxil oldu", utcnow() - timedelta(hours=1))
    result = app.test_cli_runner().invoke(args=["notifications", "digest"])
    assert result.exit_code == 0, result.output
    assert "1 digests sent (1 notifications)" in result.output
    run = db.session.scalars(select(CommandRun).where(CommandRun.name == "notifications digest")).one()
    assert run.outcome == "ok" and run.summary.startswith("1 digests sent")
    assert "0 digests sent" in app.test_cli_runner().invoke(args=["notifications", "digest"]).output
