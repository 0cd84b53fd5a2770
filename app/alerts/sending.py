"""The alerts that go out: an email per happening to instant subscribers, a daily digest to the others.

- ``on_appeal_step`` is the receiver of the appeals area's ``appeal_step`` signal (connected when the app starts,
  ``app/alerts/__init__.py``). A "filed" step of a public appeal is a new appeal, an "answered" step of one an
  answer: each confirmed instant subscriber of the district (and of the appeal's category, or of all) gets one
  email. It runs inside the appeal use case's transaction and only adds outbox rows: they are committed with the
  step, or vanish with it; it never commits.
- ``send_digests``: once per day (Baku date) per daily subscription, the district's new public appeals and
  answers since its last digest. The day sent is recorded on the row, so a second run the same day sends nothing.

Every email is in the subscription's language, with links on ``PUBLIC_URL`` and the one-click unsubscribe link
(also as ``List-Unsubscribe`` headers).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import nullcontext
from datetime import datetime

from flask import current_app, has_request_context
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from app.alerts import queries
from app.alerts.service import unsubscribe_headers, unsubscribe_url
from app.appeals.queries import is_public
from app.extensions import db
from app.kit import mail
from app.kit.calendar import BAKU
from app.kit.subscriptions import DigestSummary
from app.models import AlertSubscription, Appeal, AppealEvent, utcnow

# The timeline steps that are news for the public: a new appeal, and an answer.
TOLD_STEPS = {"filed": "new", "answered": "answered"}
DIGEST_LIMIT = 50


def _subscribers(appeal: Appeal, frequency: str) -> list[AlertSubscription]:
    """The confirmed subscriptions of ``frequency`` to the appeal's district, of its category or of all."""
    return list(db.session.scalars(
        select(AlertSubscription).where(
            AlertSubscription.district_id == appeal.district_id, AlertSubscription.status == "active",
            AlertSubscription.frequency == frequency,
            or_(AlertSubscription.category_id.is_(None), AlertSubscription.category_id == appeal.category_id))
        .options(joinedload(AlertSubscription.district), joinedload(AlertSubscription.category))
        .order_by(AlertSubscription.id)))


def _link_context():
    """Emails render their links and dates outside any visitor's request (the scheduler, a command): a request
    context on ``PUBLIC_URL`` when there is none, the request's own otherwise."""
    if has_request_context():
        return nullcontext()
    return current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"])


def on_appeal_step(appeal: Appeal, event: AppealEvent, **_extra) -> int:
    """Queue an instant alert to each subscriber for a public appeal's filing or answer; how many were queued.

    Runs in the step's transaction (the appeals area's ``appeal_step``): it adds outbox rows and never commits."""
    kind = TOLD_STEPS.get(event.action)
    if kind is None or not is_public(appeal):
        return 0
    subscriptions = _subscribers(appeal, "instant")
    if not subscriptions:
        return 0
    happening = queries.Happening.of(kind, appeal, event.created_at or utcnow())
    with _link_context():
        for subscription in subscriptions:
            link = unsubscribe_url(subscription)
            mail.queue_email(subscription.email, "alert_instant", subscription.lang, happening=happening,
                             district=subscription.district, category=subscription.category,
                             unsubscribe=link, headers=unsubscribe_headers(link))
    return len(subscriptions)


# --- The daily digest --------------------------------------------------------------------------------------------


def period_of(moment: datetime) -> str:
    """The Baku date of ``moment``, e.g. ``2026-12-05`` (one digest per subscription per day)."""
    return moment.astimezone(BAKU).date().isoformat()


def due_subscriptions(period: str) -> list[AlertSubscription]:
    """Confirmed daily subscriptions not yet sent this day's digest, by district and category (the work list)."""
    return list(db.session.scalars(
        select(AlertSubscription).where(
            AlertSubscription.status == "active", AlertSubscription.frequency == "daily",
            or_(AlertSubscription.last_period.is_(None), AlertSubscription.last_period != period))
        .options(joinedload(AlertSubscription.district), joinedload(AlertSubscription.category))
        .order_by(AlertSubscription.district_id, AlertSubscription.category_id, AlertSubscription.id)))


def send_digests(now: datetime | None = None,
                 progress: Callable[[Iterable[AlertSubscription]], Iterable[AlertSubscription]] = iter) -> DigestSummary:
    """Send this day's digest to every confirmed daily subscription not yet sent one today.

    Each subscription is committed on its own, so an interrupted run resumes where it stopped and a second run the
    same day sends nothing. Nothing new since the last digest: no email, but the day counts as done. Subscriptions
    to the same district and category since the same moment share one reading of the appeals.
    """
    now = now or utcnow()
    period = period_of(now)
    summary = DigestSummary(period, "Day", "appeals and answers")
    read: dict[tuple, tuple[list[queries.Happening], int]] = {}
    with _link_context():
        for subscription_id in progress([s.id for s in due_subscriptions(period)]):
            subscription = db.session.get(AlertSubscription, subscription_id)
            if subscription is None or subscription.status != "active" or subscription.last_period == period:
                continue  # ended, or sent by another run meanwhile
            since = subscription.last_sent_at or subscription.confirmed_at or subscription.created_at
            key = (subscription.district_id, subscription.category_id, since)
            if key not in read:
                read[key] = queries.happenings(subscription.district_id, subscription.category_id, since, now,
                                               DIGEST_LIMIT)
            items, total = read[key]
            if items:
                link = unsubscribe_url(subscription)
                try:
                    mail.queue_email(
                        subscription.email, "alert_digest", subscription.lang, district=subscription.district,
                        category=subscription.category, items=items, more=total - len(items), since=since,
                        list_url=mail.link("appeals.public_list", code=subscription.district.code),
                        unsubscribe=link, headers=unsubscribe_headers(link))
                except Exception as error:  # noqa: BLE001 - one bad address must not stop the others
                    db.session.rollback()
                    summary.failed += 1
                    summary.errors.append(f"{subscription_id}: {error}")
                    continue
                subscription.last_sent_at = now
                summary.sent += 1
                summary.items += len(items)
            else:
                summary.nothing_new += 1
            subscription.last_period = period
            db.session.commit()
    return summary
