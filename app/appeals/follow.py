"""Following a public appeal: a resident who has the same matter at heart is told when the authority answers it
(and when it is closed, forwarded, not considered or reopened), without writing an appeal of their own.

- Who may follow is the rulebook's ``appeal.follow``: a signed-in resident with a confirmed email, only an appeal the
  portal publishes (``queries.is_public``), never their own (its applicant is told of every step anyway).
- A follower sees only what the public page shows: never the applicant's name or contact; their notification links
  to the public page, never to the applicant's cabinet page.
- The news reaches them through the appeals' signal ``appeal_step`` (app/appeals/signals.py), inside the step's own
  transaction: the notifications commit or roll back with the step. The receiver is connected when this module is
  imported, which the area's views do when the application registers them.
- An appeal that stops being public (made confidential later) stops telling its followers anything, and leaves
  their list; closing an account removes the person's follows (a closer registered with app/accounts/mydata.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload

from app import authz
from app.accounts import mydata
from app.appeals.queries import is_public, public_rule
from app.appeals.signals import appeal_step
from app.extensions import db
from app.kit import notify
from app.kit.errors import Invalid, NotFound
from app.kit.paging import Page, paginate
from app.models import Appeal, AppealEvent, AppealFollower, User, utcnow

KIND = "appeal.followed"
PER_PAGE = 25
# The steps a follower hears of: the statuses an appeal reaches when its course ends or changes for everyone.
NEWS_STATUSES = frozenset({"answered", "closed", "forwarded", "not_considered", "reopened"})


def public_link(appeal: Appeal) -> str:
    """The path of the appeal's public page (what a follower's notification opens)."""
    return f"/appeals/public/{appeal.district.code}/{appeal.id}"


@dataclass
class PublicAppeal:
    """A published appeal as everyone sees it, and whether the signed-in viewer follows it."""

    appeal: Appeal
    following: bool


def _signed_in(actor: User | None) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False))


def public_appeal(actor: User | None, code: str, appeal_id: int) -> PublicAppeal:
    """One published appeal of the district ``code``; ``NotFound`` for one that is not public (its existence is not
    revealed) or not of that district."""
    appeal = db.session.scalar(
        select(Appeal).where(Appeal.id == appeal_id)
        .options(joinedload(Appeal.district), joinedload(Appeal.category)))
    if appeal is None or not is_public(appeal) or appeal.district.code != (code or "").upper():
        raise NotFound("appeal")
    return PublicAppeal(appeal, bool(followed_ids(actor, [appeal.id])))


def followed_ids(actor: User | None, appeal_ids: list[int]) -> set[int]:
    """Which of ``appeal_ids`` ``actor`` follows: one statement, none for a visitor or an empty list."""
    if not (appeal_ids and _signed_in(actor)):
        return set()
    return set(db.session.scalars(select(AppealFollower.appeal_id).where(
        AppealFollower.user_id == actor.id, AppealFollower.appeal_id.in_(appeal_ids))))


def follow(actor: User, appeal_id: int, now: datetime | None = None) -> Appeal:
    """``actor`` follows a published appeal; following it again changes nothing (the pair is the table's key).

    Raises ``NotFound`` for an appeal that does not exist or is not public, ``Invalid`` for one's own appeal and
    ``NotAllowed`` for someone who may not follow appeals (no confirmed email).
    """
    appeal = db.session.get(Appeal, appeal_id)
    if appeal is None or not is_public(appeal):
        raise NotFound("appeal")
    if _signed_in(actor) and appeal.citizen_id == actor.id:
        raise Invalid({None: _("This is your own appeal: you are told of each of its steps anyway.")})
    authz.require(actor, "appeal.follow", appeal)
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # Two clicks racing each other both end in one row: the second insert does nothing.
    db.session.execute(insert(AppealFollower).values(user_id=actor.id, appeal_id=appeal.id,
                                                     created_at=now or utcnow()).on_conflict_do_nothing())
    db.session.commit()
    return appeal


def unfollow(actor: User, appeal_id: int) -> bool:
    """``actor`` stops following the appeal; whether they followed it. Works whatever the appeal became since."""
    authz.require(actor, "cabinet.view")
    result = db.session.execute(delete(AppealFollower).where(
        AppealFollower.user_id == actor.id, AppealFollower.appeal_id == appeal_id))
    db.session.commit()
    return bool(result.rowcount)


def following(actor: User, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """The published appeals ``actor`` follows, the most recently followed first (two statements a page).

    One that is no longer public is left out: its follow stays, and counts again if it is published again.
    """
    authz.require(actor, "cabinet.view")
    conditions = (AppealFollower.user_id == actor.id, *public_rule())
    query = (
        select(Appeal)
        .join(AppealFollower, AppealFollower.appeal_id == Appeal.id)
        .where(*conditions)
        .options(joinedload(Appeal.district), joinedload(Appeal.category))
        .order_by(AppealFollower.created_at.desc(), Appeal.id.desc())
    )
    count = (select(func.count()).select_from(AppealFollower)
             .join(Appeal, Appeal.id == AppealFollower.appeal_id).where(*conditions))
    return paginate(query, page, per_page, count=count, unique=True)


# --- Telling the followers -------------------------------------------------------------------------------------


def _news(action: str, to_status: str, number: str, subject: str) -> str:
    """The notification's text for a step, in the language of the moment (``notify`` sets each person's)."""
    if action == "withdrawn":
        return _("Appeal %(number)s, which you follow, was withdrawn by its applicant: %(subject)s",
                 number=number, subject=subject)
    if to_status == "answered":
        return _("Appeal %(number)s, which you follow, is answered: %(subject)s", number=number, subject=subject)
    if to_status == "closed":
        return _("Appeal %(number)s, which you follow, is closed: %(subject)s", number=number, subject=subject)
    if to_status == "forwarded":
        return _("Appeal %(number)s, which you follow, was forwarded to the competent body: %(subject)s",
                 number=number, subject=subject)
    if to_status == "not_considered":
        return _("Appeal %(number)s, which you follow, was left without consideration: %(subject)s",
                 number=number, subject=subject)
    return _("Appeal %(number)s, which you follow, is reopened: its applicant disputes the answer. %(subject)s",
             number=number, subject=subject)


def followers_of(appeal: Appeal) -> list[User]:
    """The active people following ``appeal``, its applicant never among them (one statement)."""
    # No autoflush: the step's own rows are pending, and a row the database refuses must fail at the step's commit.
    with db.session.no_autoflush:
        return list(db.session.scalars(
            select(User).join(AppealFollower, AppealFollower.user_id == User.id)
            .where(AppealFollower.appeal_id == appeal.id, User.active.is_(True), User.id != appeal.citizen_id)
            .order_by(User.id)))


def _on_step(appeal: Appeal, event: AppealEvent | None = None, **_extra) -> None:
    """The ``appeal_step`` receiver: tell the followers when the appeal reaches a status they hear of.

    Runs inside the step's transaction and never commits: the use case does.
    """
    if event is None or event.to_status not in NEWS_STATUSES or event.from_status == event.to_status:
        return
    if not event.public or not is_public(appeal):
        # Nothing a follower may not read: an appeal made confidential since they followed it tells them nothing.
        return
    people = followers_of(appeal)
    if not people:
        return
    number, subject, action, to_status = appeal.number, appeal.subject, event.action, event.to_status
    with db.session.no_autoflush:
        link = public_link(appeal)
    notify.notify_all(people, lambda: _news(action, to_status, number, subject), kind=KIND, link=link, obj=appeal,
                      now=event.created_at)


appeal_step.connect(_on_step)


# --- The resident's own data (download, closing the account) ----------------------------------------------------


def export_own(user: User, add_file: mydata.AddFile) -> list[dict]:
    """The appeals the resident follows, for the download: their numbers and since when."""
    rows = db.session.execute(
        select(Appeal.number, AppealFollower.created_at).join(AppealFollower, AppealFollower.appeal_id == Appeal.id)
        .where(AppealFollower.user_id == user.id).order_by(AppealFollower.created_at, Appeal.id))
    return [{"appeal": number, "followed_at": since} for number, since in rows]


def close_own(user: User) -> None:
    """Closing the account ends every follow of the resident: nobody is told of anything any more."""
    db.session.execute(delete(AppealFollower).where(AppealFollower.user_id == user.id)
                       .execution_options(synchronize_session=False))


mydata.register_exporter("appeals_followed", export_own)
mydata.register_closer(close_own)
