"""Writing a notification (app.kit.notify): the person's choice per kind decides the email, in the real outbox."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.kit import notify
from app.models import Notification, NotificationPreference, OutboxMessage
from app.notifications import service as notifications
from tests.factories import create_reference_data, create_user
from tests.snapshots import replayed


@pytest.fixture
def people(ctx):
    """Built once, then put back (tests/snapshots.py)."""
    return replayed("notifications notify: people", _build_people)


def _build_people():
    districts = create_reference_data()
    return {
        "gnc": districts["GNC"],
        "resident": create_user("resident@example.az"),
        "inactive": create_user("gone@example.az", active=False),
        "official": create_user("official@example.az", roles=[("official", districts["GNC"])]),
    }


def emails_to(address: str) -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.recipient == address, OutboxMessage.template == "notification"))


def tell(user, kind: str = "appeal.answered", text: str = "Müraciətinizə cavab verildi.") -> Notification:
    row = notify.notify(user, lambda: text, kind=kind, link="/cabinet/appeals/1")
    notify.commit()
    return row


def test_email_in_app_and_digest_decide_the_outbox_rows(people):
    resident = people["resident"]
    assert tell(resident).channel == "email"  # the kind's default
    assert emails_to(resident.email) == 1
    notifications.save_preferences(resident, {"appeal.answered": "in_app"})
    assert tell(resident).channel == "in_app"
    assert emails_to(resident.email) == 1
    notifications.save_preferences(resident, {"appeal.answered": "digest"})
    waiting = tell(resident)
    assert (waiting.channel, waiting.digested_at) == ("digest", None)
    assert emails_to(resident.email) == 1  # the digest sends it later, once a day
    # Another kind keeps its own default.
    assert tell(resident, "appeal.received").channel == "email" and emails_to(resident.email) == 2
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 4


def test_choosing_the_default_again_keeps_no_row(people):
    resident = people["resident"]
    notifications.save_preferences(resident, {"appeal.answered": "digest", "proposal.supported": "email"})
    assert db.session.scalar(select(func.count()).select_from(NotificationPreference)) == 2
    notifications.save_preferences(resident, {"appeal.answered": "email"})
    kinds = set(db.session.scalars(select(NotificationPreference.kind)))
    assert kinds == {"proposal.supported"}
    assert tell(resident, "proposal.supported").channel == "email"


def test_nobody_inactive_or_without_an_address_is_emailed(people):
    row = tell(people["inactive"])
    assert row.channel == "in_app" and emails_to("gone@example.az") == 0


def test_a_kind_not_in_the_registry_is_a_programming_error(people):
    with pytest.raises(ValueError, match="appeal.nonsense"):
        notify.notify(people["resident"], lambda: "x", kind="appeal.nonsense")


def test_notify_all_tells_each_person_once_with_one_statement_for_their_choices(people, count_queries):
    resident, official = people["resident"], people["official"]
    notifications.save_preferences(official, {"appeal.filed": "email"})
    assert official.active and resident.active  # loaded now, not inside the count
    with count_queries() as q:
        rows = notify.notify_all([official, resident, official], lambda: "Yeni müraciət", kind="appeal.filed")
    assert [r.user_id for r in rows] == [official.id, resident.id]
    assert [r.channel for r in rows] == ["email", "digest"]
    assert q.count == 1, q.statements
    notify.commit()
    assert emails_to(official.email) == 1 and emails_to(resident.email) == 0


def test_a_notification_keeps_its_kind_and_object(people):
    row = notify.notify(people["resident"], lambda: "x", kind="participation.block", obj=people["official"])
    notify.commit()
    assert (row.kind, row.object_type, row.object_id, row.appeal_id) == ("participation.block", "user",
                                                                          people["official"].id, None)


def test_every_kind_is_declared_once_with_a_known_channel_and_roles():
    for name, kind in notify.KINDS.items():
        assert name == kind.name and "." in name and len(name) <= 60
        assert kind.default in notify.CHANNELS
        assert kind.roles and set(kind.roles) <= {notify.RESIDENT, "official", "head", "editor", "moderator", "admin"}
