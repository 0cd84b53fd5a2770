"""Notifications: in the person's notification centre, and by email at once or in a daily digest, as they chose.

Every notification is of one kind (``KINDS``, the one registry: each kind's label, default channel and the roles
it concerns) and may name the object it concerns. ``notify`` writes it in the recipient's language and decides
the email by the person's choice for that kind (``NotificationPreference``, else the kind's default):

- ``in_app``: only in the centre;
- ``email``: in the centre and an email at once;
- ``digest``: in the centre, and in the daily digest (``app/notifications/service.py``, ``flask notifications digest``).

Nobody inactive or without an email address (an address under ``.invalid`` is none) is ever emailed: their
notifications stay in the centre.

The notification and its email's outbox row both join the caller's transaction: a rolled-back change notifies
nobody, a committed one cannot lose its email (``commit`` below, or the use case's own commit).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.kit import mail
from app.kit.audit import object_type_of
from app.models import NOTIFICATION_CHANNELS, Notification, NotificationPreference, User, utcnow

CHANNELS = NOTIFICATION_CHANNELS
CHANNEL_LABELS = {
    "in_app": _l("Only in the notification centre"),
    "email": _l("Also by email at once"),
    "digest": _l("Also in a daily email"),
}
# Not a role a person is given: every signed-in person (staff are residents too).
RESIDENT = "resident"
TEXT_LIMIT = 500


@dataclass(frozen=True)
class Kind:
    """A kind of event a person is told of: its dotted name, a label for the settings page, the channel used
    until the person chooses one, and the roles it concerns (``RESIDENT``: everyone). A kind that is not
    ``choosable`` always goes its default way (the booking's own email carries its calendar file)."""

    name: str
    label: Any
    default: str
    roles: tuple[str, ...]
    choosable: bool = True

    def concerns(self, user: User) -> bool:
        """Whether ``user`` may receive this kind (and sees it on the settings page)."""
        return RESIDENT in self.roles or bool(set(self.roles) & user.role_names)


STAFF = ("official", "head")
_ALL_KINDS = (
    # A resident, about each step of their own records.
    Kind("appeal.received", _l("My appeal is received"), "email", (RESIDENT,)),
    Kind("appeal.status", _l("My appeal is registered, taken into work, forwarded, closed or not considered"), "email",
         (RESIDENT,)),
    Kind("appeal.info_requested", _l("More information is requested for my appeal"), "email", (RESIDENT,)),
    Kind("appeal.answered", _l("My appeal is answered"), "email", (RESIDENT,)),
    Kind("appeal.deadline", _l("The deadline of my appeal changes"), "email", (RESIDENT,)),
    Kind("appeal.message", _l("The authority writes to me about my appeal"), "email", (RESIDENT,)),
    Kind("appeal.commitment", _l("My appeal is linked to a commitment of the authority"), "in_app", (RESIDENT,)),
    Kind("appeal.followed", _l("An appeal I follow is answered, closed, forwarded, not considered or reopened"),
         "email", (RESIDENT,)),
    Kind("booking.booked", _l("My reception booking is made"), "in_app", (RESIDENT,), choosable=False),
    Kind("booking.cancelled", _l("A reception I booked is cancelled"), "email", (RESIDENT,)),
    Kind("booking.reminder", _l("A reminder the day before my reception"), "email", (RESIDENT,)),
    Kind("booking.outcome", _l("The outcome of my reception is recorded"), "email", (RESIDENT,)),
    Kind("application.received", _l("My e-service application is received"), "email", (RESIDENT,)),
    Kind("application.updated", _l("My e-service application is reviewed, approved, refused or its result issued"),
         "email", (RESIDENT,)),
    Kind("application.documents_requested", _l("More documents are requested for my e-service application"), "email",
         (RESIDENT,)),
    Kind("draft.expiring", _l("A draft of mine will be deleted in 3 days"), "email", (RESIDENT,)),
    Kind("poll_topic.decided", _l("The moderator decides on my poll topic"), "email", (RESIDENT,)),
    Kind("proposal.threshold_reached", _l("My proposal reaches its support threshold"), "email", (RESIDENT,)),
    Kind("proposal.answered", _l("My proposal is answered"), "email", (RESIDENT,)),
    Kind("proposal.progress", _l("Work on my proposal starts or is finished"), "email", (RESIDENT,)),
    Kind("proposal.expired", _l("My proposal closes without enough supports"), "email", (RESIDENT,)),
    Kind("proposal.supported", _l("News of the proposals I support"), "in_app", (RESIDENT,)),
    Kind("comment.replied", _l("A resident replies to my comment"), "in_app", (RESIDENT,)),
    Kind("content.hidden", _l("A moderator hides what I wrote"), "email", (RESIDENT,)),
    Kind("participation.block", _l("I am barred from taking part, or may take part again"), "email", (RESIDENT,)),
    # Staff, about work arriving.
    Kind("appeal.filed", _l("A new appeal arrives in my district's inbox"), "digest", STAFF),
    Kind("appeal.assigned", _l("An appeal is assigned to me"), "email", STAFF),
    Kind("appeal.applicant", _l("An applicant replies, writes, rates, disputes or withdraws an appeal"), "email",
         STAFF),
    Kind("appeal.due_soon", _l("An appeal I work on has one working day left"), "email", STAFF),
    Kind("appeal.overdue", _l("An appeal I work on is overdue"), "email", STAFF),
    Kind("application.waiting", _l("An e-service application waits in my district"), "digest", STAFF),
    Kind("poll_topic.proposed", _l("A resident proposes or changes a poll topic"), "digest", ("moderator",)),
    Kind("content.reported", _l("A comment or proposal is reported to the moderators"), "digest",
         ("moderator", "admin")),
    Kind("article.review", _l("An article is sent for review"), "digest", ("editor", "admin")),
    Kind("proposal.to_answer", _l("A proposal reaches its threshold and awaits the authority's answer"), "email",
         ("head",)),
)
KINDS: dict[str, Kind] = {kind.name: kind for kind in _ALL_KINDS}


def kind_of(name: str) -> Kind:
    """The registered kind ``name``; an unknown name is a programming error (``ValueError``)."""
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"unknown notification kind {name!r}; declare it in app.kit.notify.KINDS") from None


def kinds_for(user: User) -> list[Kind]:
    """The kinds ``user`` may choose a channel for: those of a resident, and those of their roles."""
    return [kind for kind in KINDS.values() if kind.choosable and kind.concerns(user)]


def chosen_channels(user_ids: Iterable[int], kind: str) -> dict[int, str]:
    """The channel each of ``user_ids`` chose for ``kind`` (people who chose nothing are absent): one statement."""
    ids = list(user_ids)
    if not ids:
        return {}
    # No autoflush: a use case may hold a row the database will refuse at its commit (a duplicate link), and it
    # expects that refusal there, not here.
    with db.session.no_autoflush:
        return dict(db.session.execute(select(NotificationPreference.user_id, NotificationPreference.channel).where(
            NotificationPreference.kind == kind, NotificationPreference.user_id.in_(ids))).all())


def notify(user: User, text_factory: Callable[[], Any], *, kind: str, link: str | None = None, obj: Any = None,
           appeal_id: int | None = None, now: datetime | None = None) -> Notification:
    """Tell ``user`` of an event of ``kind``: ``text_factory()`` is called in the user's language.

    ``link`` is the path of the object's page, ``obj`` the object itself (its type and id are kept, so the centre
    can tell when it is gone). The email follows the person's choice for the kind (see the module's docstring).
    The notification and its email join the caller's transaction. ``now``: the notification's time (a scheduled
    job's run time), by default the present.
    """
    return notify_all([user], text_factory, kind=kind, link=link, obj=obj, appeal_id=appeal_id, now=now)[0]


def notify_all(users: Iterable[User], text_factory: Callable[[], Any], *, kind: str, link: str | None = None,
               obj: Any = None, appeal_id: int | None = None, now: datetime | None = None) -> list[Notification]:
    """``notify`` for several people at once (each once), with one statement for all their choices.

    ``text_factory`` is called once per language, so it must not depend on the person beyond their language.
    """
    spec = kind_of(kind)
    people: list[User] = []
    seen: set[int] = set()
    for person in users:
        if person.id not in seen:
            seen.add(person.id)
            people.append(person)
    chosen = chosen_channels((p.id for p in people), spec.name) if spec.choosable else {}
    object_type, object_id = (object_type_of(obj), obj.id) if obj is not None else (None, None)
    if appeal_id is None and object_type == "appeal":
        appeal_id = object_id
    texts: dict[str, str] = {}
    written = []
    now = now or utcnow()
    for person in people:
        if person.locale not in texts:
            with force_locale(person.locale):
                texts[person.locale] = str(text_factory())
        text = texts[person.locale]
        channel = chosen.get(person.id, spec.default)
        if not (person.active and reachable(person.email)):
            channel = "in_app"
        row = Notification(user_id=person.id, kind=spec.name, object_type=object_type, object_id=object_id,
                           appeal_id=appeal_id, text=text[:TEXT_LIMIT], link=link, channel=channel, created_at=now)
        db.session.add(row)
        written.append(row)
        if channel == "email":
            mail.queue_email(person.email, "notification", person.locale, text=text,
                             link=mail.absolute(link) if link else None)
    return written


# The domain reserved for addresses that reach nobody (RFC 2606): an account filed for by phone alone through the
# Open311 API has one of its own here (app/open311/service.py).
NO_MAILBOX = ".invalid"


def reachable(email: str | None) -> bool:
    """Whether ``email`` is an address mail can reach: not empty, and not under the reserved ``.invalid`` domain."""
    return bool(email) and not email.lower().endswith(NO_MAILBOX)


def commit() -> None:
    """Commit the use case's transaction (its notifications and emails with it); on failure roll back and re-raise."""
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
