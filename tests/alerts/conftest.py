"""What the alerts' tests share: districts, a resident who files, an official of Gəncə who answers, and helpers to
subscribe, file and answer through the real use cases."""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import select

from app.appeals import service as appeals
from app.extensions import db
from app.models import AlertSubscription, Category, District, OutboxMessage, User, utcnow
from tests.factories import create_appeal, create_reference_data, create_user

# A link's path on PUBLIC_URL (the tests open it with the test client).
LINK_RE = re.compile(r"https://portal\.example\.az(/alerts/(?:confirm|unsubscribe)/[^\s?>]+)")


@pytest.fixture
def world(app):
    """Districts and categories; a resident with a confirmed address who files; an official of Gəncə."""
    with app.app_context():
        districts = create_reference_data()
        create_user("citizen@example.az", full_name="Rəşad Quliyev")
        create_user("official@example.az", roles=[("official", districts["GNC"])])
        return {code: districts[code].id for code in ("GNC", "MSL", "SMQ")}


def category(code: str) -> Category:
    """The category ``code`` (in an app context)."""
    return db.session.scalar(select(Category).where(Category.code == code))


def district(code: str) -> District:
    """The district ``code`` (in an app context)."""
    return db.session.scalar(select(District).where(District.code == code))


def user(email: str) -> User:
    """The user with ``email`` (in an app context)."""
    return db.session.scalar(select(User).where(User.email == email))


def active_alert(app, email: str, code: str = "GNC", category_code: str | None = None, lang: str = "en",
                 frequency: str = "instant", confirmed_at: datetime | None = None, user_id: int | None = None) -> int:
    """A confirmed subscription written straight to the database; its id."""
    with app.app_context():
        moment = confirmed_at or utcnow()
        row = AlertSubscription(email=email, district_id=district(code).id, lang=lang, frequency=frequency,
                                category_id=category(category_code).id if category_code else None,
                                status="active", confirmed_at=moment, created_at=moment, user_id=user_id,
                                nonce=f"n-{email}-{code}-{category_code}-{lang}"[:32])
        db.session.add(row)
        db.session.commit()
        return row.id


def subscription(app, subscription_id: int) -> AlertSubscription:
    """The row as it is now (detached)."""
    with app.app_context():
        row = db.session.get(AlertSubscription, subscription_id)
        db.session.expunge_all()
        return row


def subscriptions(app) -> list[AlertSubscription]:
    """Every subscription row (detached), by id."""
    with app.app_context():
        rows = list(db.session.scalars(select(AlertSubscription).order_by(AlertSubscription.id)))
        db.session.expunge_all()
        return rows


def outbox(app, recipient: str | None = None, template: str | None = None) -> list[OutboxMessage]:
    """The queued emails (to ``recipient``, of ``template``), oldest first (detached)."""
    with app.app_context():
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if recipient:
            query = query.where(OutboxMessage.recipient == recipient)
        if template:
            query = query.where(OutboxMessage.template == template)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows


def appeal_url(app, appeal_id: int, lang: str, code: str = "GNC") -> str:
    """Where the alerts send everyone to read an appeal (its public page), in ``lang``."""
    from app.alerts import queries

    with app.app_context():
        return queries.appeal_url(code, appeal_id, lang)


def opens(client, url: str, text: str) -> None:
    """``url`` (on PUBLIC_URL) answers 200 with ``text`` on the page: the link in an alert leads to the appeal."""
    response = client.get(url.removeprefix("https://portal.example.az").partition("#")[0])
    assert response.status_code == 200, url
    assert text in response.get_data(as_text=True)


def link_in(body: str) -> str:
    """The path of the confirm or unsubscribe link in an email's body."""
    return LINK_RE.search(body).group(1)


def file_appeal(app, code: str = "GNC", category_code: str = "utilities", public: bool = True, **changes) -> int:
    """An appeal filed by the resident through the appeals use case (public unless told); its id."""
    with app.app_context():
        appeal = create_appeal(user("citizen@example.az"), district(code), category(category_code),
                               public_ok=public, **changes)
        return appeal.id


def answer(app, appeal_id: int, text: str = "Su xətti təmir olundu, su verilir.", now: datetime | None = None) -> None:
    """The official of Gəncə registers, takes into work and answers the appeal (the appeals use cases)."""
    with app.app_context():
        official = user("official@example.az")
        appeals.transition(official, appeal_id, "registered", now=now)
        appeals.transition(official, appeal_id, "in_progress", now=now)
        appeals.transition(official, appeal_id, "answered", appeals.StepData(answer=text), now=now)
