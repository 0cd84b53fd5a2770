"""The notification centre's use cases: opening and marking one's notifications, choosing a channel per kind, and
the daily digest.

A notification is its recipient's alone: another person's is ``NotFound`` (a 404; its existence is not revealed).
Opening one marks it read and says whether its object is still there: a removed row, or content a moderator hid,
is told as such instead of sending the person to a page that no longer shows it.

The digest (``send_digests``) sends each person with waiting "digest" notifications one email a day with all of
them, each person in their own transaction, so an interrupted run resumes where it stopped and a second run on the
same day (Baku time) sends nothing more.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, time
from functools import cache

from flask import current_app, has_request_context
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app import authz
from app.extensions import db
from app.kit import mail, notify
from app.kit.calendar import BAKU, local_date
from app.kit.errors import Invalid, NotFound
from app.models import Notification, NotificationPreference, User, utcnow

# What became of a notification's object: still there, deleted, or hidden by a moderator.
AVAILABLE, REMOVED, HIDDEN = "available", "removed", "hidden"


# --- One's own notifications ---------------------------------------------------------------------------------


def get_own(user: User, notification_id: int) -> Notification:
    """``user``'s notification ``notification_id``; anyone else's (or none) is ``NotFound``."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or not authz.can(user, "notification.view", notification):
        raise NotFound("notification")
    return notification


@dataclass(frozen=True)
class Opened:
    """A notification just opened: the object's state (``AVAILABLE``, ``REMOVED``, ``HIDDEN``) and where to go."""

    notification: Notification
    state: str

    @property
    def link(self) -> str | None:
        """The object's page, when there is one to go to."""
        return self.notification.link if self.state == AVAILABLE else None


def open_notification(user: User, notification_id: int, now: datetime | None = None) -> Opened:
    """``user`` opens one of their notifications: it is marked read, and its object's state is looked up."""
    notification = get_own(user, notification_id)
    if notification.read_at is None:
        notification.read_at = now or utcnow()
        notify.commit()
    return Opened(notification, object_state(notification))


def mark_read(user: User, notification_id: int, now: datetime | None = None) -> Notification:
    """Mark one of ``user``'s notifications read (marking it twice changes nothing)."""
    notification = get_own(user, notification_id)
    if notification.read_at is None:
        notification.read_at = now or utcnow()
        notify.commit()
    return notification


def mark_all_read(user: User, now: datetime | None = None) -> int:
    """Mark every unread notification of ``user`` read, in one statement; how many were unread."""
    authz.require(user, "notification.view")
    marked = db.session.execute(
        update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now or utcnow()).execution_options(synchronize_session=False)).rowcount
    notify.commit()
    return marked


def _snake(name: str) -> str:
    # The rule of app.kit.audit.object_type_of, for a class rather than an instance.
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@cache
def _models() -> dict[str, type]:
    """Every model by the object type notifications record for its rows ("reception_booking": ReceptionBooking)."""
    return {_snake(mapper.class_.__name__): mapper.class_ for mapper in db.Model.registry.mappers}


def object_state(notification: Notification) -> str:
    """Whether the object ``notification`` concerns is still there (``AVAILABLE``), gone (``REMOVED``) or hidden
    by a moderator (``HIDDEN``). A notification that names no object is about the person: always available."""
    if notification.object_type is None or notification.object_id is None:
        return AVAILABLE
    model = _models().get(notification.object_type)
    row = db.session.get(model, notification.object_id) if model is not None else None
    if row is None:
        return REMOVED
    if getattr(row, "hidden_at", None) is not None:
        return HIDDEN
    return AVAILABLE


# --- Choices of channel ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preference:
    """One row of the settings page: a kind, the channel in force, and whether it is the kind's default."""

    kind: notify.Kind
    channel: str

    @property
    def is_default(self) -> bool:
        return self.channel == self.kind.default

    @property
    def about_work(self) -> bool:
        """Whether the kind concerns the person's work (a role's), rather than their own requests."""
        return notify.RESIDENT not in self.kind.roles


def preferences(user: User) -> list[Preference]:
    """The channel in force for every kind ``user`` may choose for (their choice, else the kind's default)."""
    authz.require(user, "notification.view")
    chosen = dict(db.session.execute(select(NotificationPreference.kind, NotificationPreference.channel).where(
        NotificationPreference.user_id == user.id)).all())
    return [Preference(kind, chosen.get(kind.name, kind.default)) for kind in notify.kinds_for(user)]


def save_preferences(user: User, choices: Mapping[str, str], now: datetime | None = None) -> int:
    """Save ``user``'s channel for each kind in ``choices`` (kind name → channel); how many kinds were sent.

    All or nothing: a kind the person is not offered, or a channel that is not one of the three, is refused with
    its message (under the kind's name, or ``None`` for an unknown kind) and nothing is saved. A choice equal to
    the kind's default is kept as no row, so a later change of the default reaches that person too.
    """
    authz.require(user, "notification.view")
    offered = {kind.name: kind for kind in notify.kinds_for(user)}
    errors: dict[str | None, str] = {}
    unknown = sorted(name for name in choices if name not in offered)
    if unknown:
        errors[None] = _("There is no kind of notification “%(kind)s” to choose for.", kind=unknown[0][:60])
    for name, channel in choices.items():
        if name in offered and channel not in notify.CHANNELS:
            errors[name] = _("Choose one of the three: only in the notification centre, also by email at once, "
                             "or also in a daily email.")
    if errors:
        raise Invalid(errors)
    now = now or utcnow()
    rows = {row.kind: row for row in db.session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id))}
    for name, channel in choices.items():
        row = rows.get(name)
        if channel == offered[name].default:
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(NotificationPreference(user_id=user.id, kind=name, channel=channel, updated_at=now))
        else:
            row.channel, row.updated_at = channel, now
    try:
        notify.commit()
    except IntegrityError:
        # The same choices sent from two windows at once: the database kept the first.
        raise Invalid({None: _("Your choices were changed in another window at the same time; send them again.")}) \
            from None
    return len(choices)


# --- The daily digest ----------------------------------------------------------------------------------------------


@dataclass
class DigestSummary:
    """What a digest run did."""

    sent: int = 0
    notifications: int = 0
    already: int = 0
    unreachable: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        """The run's summary in one line (the command prints it, the operations page keeps it)."""
        return (f"{self.sent} digests sent ({self.notifications} notifications), {self.already} people had theirs "
                f"today already, {self.unreachable} inactive or without an email address, {self.failed} failed.")


def _waiting(now: datetime):
    return (Notification.channel == "digest", Notification.digested_at.is_(None), Notification.created_at <= now)


def digest_due(now: datetime | None = None) -> list[int]:
    """The ids of the people with notifications waiting for the digest (the run's work list)."""
    now = now or utcnow()
    return list(db.session.scalars(select(Notification.user_id).where(*_waiting(now)).distinct()
                                   .order_by(Notification.user_id)))


def _start_of_day(now: datetime) -> datetime:
    return datetime.combine(local_date(now), time(0), tzinfo=BAKU)


def send_digest(user_id: int, now: datetime | None = None) -> tuple[str, int]:
    """Send one person's digest: ("sent", n), ("already", 0) when they had one today (Baku time), ("unreachable", n)
    when they are inactive or have no email (their notifications stay in the centre), or ("nothing", 0).
    Commits on its own."""
    now = now or utcnow()
    waiting = list(db.session.scalars(select(Notification).where(Notification.user_id == user_id, *_waiting(now))
                                      .order_by(Notification.created_at, Notification.id)))
    if not waiting:
        return "nothing", 0
    sent_today = db.session.scalar(select(Notification.id).where(
        Notification.user_id == user_id, Notification.digested_at >= _start_of_day(now)).limit(1))
    if sent_today is not None:
        db.session.rollback()
        return "already", 0
    user = db.session.get(User, user_id)
    outcome = "unreachable"
    if user.active and user.email:
        items = [{"text": n.text, "created_at": n.created_at,
                  "url": mail.link("notifications_cabinet.open_one", notification_id=n.id)} for n in waiting]
        mail.queue_email(user.email, "notification_digest", user.locale, items=items,
                         centre=mail.link("notifications_cabinet.index"), settings=mail.link("notifications_cabinet.settings"))
        outcome = "sent"
    for notification in waiting:
        notification.digested_at = now
    notify.commit()
    return outcome, len(waiting)


def send_digests(now: datetime | None = None, progress: Callable[[Iterable[int]], Iterable[int]] = iter
                 ) -> DigestSummary:
    """Send today's digest to everyone with notifications waiting for it, one person at a time (idempotent)."""
    now = now or utcnow()
    summary = DigestSummary()
    # The emails' dates and texts are drawn in each person's language: that needs a request context.
    context = nullcontext() if has_request_context() else \
        current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"])
    with context:
        for user_id in progress(digest_due(now)):
            try:
                outcome, count = send_digest(user_id, now)
            except Exception as error:  # noqa: BLE001 - one person's failure must not stop the others
                db.session.rollback()
                summary.failed += 1
                summary.errors.append(f"{user_id}: {error}")
                continue
            if outcome == "sent":
                summary.sent += 1
                summary.notifications += count
            elif outcome == "already":
                summary.already += 1
            elif outcome == "unreachable":
                summary.unreachable += 1
    return summary
