"""Moderation: residents report content, the moderators of its district hide or restore it, and block users.

Content modules register their models once, at import time of their service module::

    moderation.register_target("comment", ConsultationComment, district_of=..., title_of=..., url_of=...)

A registered model uses the ``Moderated`` mixin (``hidden_at``, ``hidden_reason``, ``hidden_by_id``).
Hiding keeps the original: moderators of the district still read it; the public sees the reason.
To a moderator of another district, content and reports of this one do not exist (``NotFound``, a 404).
National content (no district) is moderated by administrators. Every moderator's action is audited.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, true, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app import authz
from app.extensions import db
from app.kit import audit, notify
from app.kit.errors import Invalid, NotFound
from app.kit.i18n import fmt_datetime
from app.kit.paging import Page, paginate
from app.kit.participation import active_block, ensure_can_take_part, ensure_rate
from app.models import Report, RoleAssignment, User, UserBlock, utcnow
from app.models.moderation import REASON_LIMIT

PER_PAGE = 20
# Reports one resident may file per hour (a flood of reports is itself abuse).
REPORTS_PER_HOUR = 20
# The longest block a moderator may impose at once.
MAX_BLOCK = timedelta(days=366)


@dataclass(frozen=True)
class Target:
    """A registered kind of content: its model and how to find its district, title, address and author."""

    type: str
    model: type
    district_of: Callable[[Any], int | None]
    title_of: Callable[[Any], str]
    url_of: Callable[[Any], str]
    author_of: Callable[[Any], int | None]


_TARGETS: dict[str, Target] = {}


def _default_author(obj: Any) -> int | None:
    return getattr(obj, "author_id", None) or getattr(obj, "user_id", None)


def register_target(target_type: str, model, *, district_of, title_of, url_of, author_of=None) -> None:
    """Make ``model`` reportable and moderatable as ``target_type``.

    ``district_of(obj)`` gives its district id (None for national content), ``title_of(obj)`` a short text for
    the queue, ``url_of(obj)`` its public address, ``author_of(obj)`` (optional; default ``author_id`` or
    ``user_id``) the id of the user who wrote it.
    """
    known = _TARGETS.get(target_type)
    if known is not None and known.model is not model:
        raise RuntimeError(f"moderation target {target_type!r} registered twice")
    _TARGETS[target_type] = Target(target_type, model, district_of, title_of, url_of, author_of or _default_author)


def target_types() -> list[str]:
    """The registered target types, sorted."""
    return sorted(_TARGETS)


def target_for(target_type: str) -> Target:
    """The registration of ``target_type``, or ``NotFound``."""
    try:
        return _TARGETS[target_type]
    except KeyError:
        raise NotFound("moderation target") from None


@dataclass(frozen=True)
class Scope:
    """The district a moderation action concerns (None: national content), as the policy reads it."""

    district_id: int | None


def can_moderate(user: Any, district_id: int | None) -> bool:
    """Whether ``user`` moderates content of ``district_id`` (None: national content)."""
    return authz.can(user, "moderation.work", Scope(district_id))


def _load(target_type: str, target_id: int) -> tuple[Target, Any]:
    target = target_for(target_type)
    obj = db.session.get(target.model, target_id)
    if obj is None:
        raise NotFound(target_type)
    return target, obj


def _moderated(moderator: User, target_type: str, target_id: int) -> tuple[Target, Any, int | None]:
    """The target, its content and district, if ``moderator`` moderates it; ``NotFound`` otherwise (never 403)."""
    target, obj = _load(target_type, target_id)
    district_id = target.district_of(obj)
    if not can_moderate(moderator, district_id):
        raise NotFound(target_type)
    return target, obj, district_id


def _reason(value: str | None, field_name: str = "reason") -> str:
    reason = (value or "").strip()
    if not reason:
        raise Invalid({field_name: _("Give a reason.")})
    if len(reason) > REASON_LIMIT:
        raise Invalid({field_name: _("At most %(limit)s characters.", limit=REASON_LIMIT)})
    return reason


def _audit(action: str, *, actor: User, obj: Any = None, object_type: str | None = None,
           object_id: int | None = None, district_id: int | None = None, summary: str = "",
           before: dict | None = None, after: dict | None = None) -> None:
    """Record a moderation action in the audit trail, in the caller's transaction."""
    audit.record(action, actor=actor, obj=obj, object_type=object_type, object_id=object_id,
                 district_id=district_id, summary=summary, before=before, after=after)


# --- Residents ------------------------------------------------------------------------------


def report(user: User, target_type: str, target_id: int, reason: str) -> Report:
    """``user`` reports content as breaking the rules; it joins its district's moderation queue.

    Refused with the reason: not confirmed or blocked, no reason or one too long, the same content reported
    twice by the same resident, content already hidden, too many reports in the last hour.
    """
    ensure_can_take_part(user)
    target, obj = _load(target_type, target_id)
    reason = _reason(reason)
    if getattr(obj, "is_hidden", False):
        raise Invalid({None: _("The moderator has already hidden this.")})
    if target.author_of(obj) == user.id:
        raise Invalid({None: _("You cannot report what you wrote yourself.")})
    recent = db.session.scalar(select(func.count(Report.id)).where(
        Report.reporter_id == user.id, Report.created_at > utcnow() - timedelta(hours=1))) or 0
    ensure_rate(user, "report", recent, limit=REPORTS_PER_HOUR)
    already = db.session.scalar(select(Report.id).where(
        Report.target_type == target_type, Report.target_id == target_id, Report.reporter_id == user.id))
    if already is not None:
        raise Invalid({None: _("You have already reported this; a moderator will look at it.")})
    entry = Report(target_type=target_type, target_id=target_id, district_id=target.district_of(obj),
                   reporter_id=user.id, reason=reason)
    db.session.add(entry)
    try:
        db.session.flush()
    except IntegrityError:  # the same resident's second click, in a race: the database keeps one
        db.session.rollback()
        raise Invalid({None: _("You have already reported this; a moderator will look at it.")}) from None
    title = target.title_of(obj)
    notify.notify_all(moderators_of(entry.district_id), lambda: _(
        "Reported to the moderators: “%(title)s”. Reason: %(reason)s", title=title, reason=reason),
        kind="content.reported", link="/office/moderation", obj=entry)
    notify.commit()
    return entry


def moderators_of(district_id: int | None) -> list[User]:
    """Who moderates a district's content (its active moderators), or national content (the administrators)."""
    role, scope = ("moderator", RoleAssignment.district_id == district_id) if district_id is not None else \
        ("admin", RoleAssignment.district_id.is_(None))
    return list(db.session.scalars(select(User).join(RoleAssignment, RoleAssignment.user_id == User.id).where(
        RoleAssignment.role == role, scope, User.active.is_(True)).distinct().order_by(User.id)))


# --- Moderators ------------------------------------------------------------------------------


def _resolve_open_reports(target_type: str, target_id: int, moderator: User, outcome: str) -> int:
    reports = db.session.scalars(select(Report).where(
        Report.target_type == target_type, Report.target_id == target_id, Report.resolved_at.is_(None))).all()
    now = utcnow()
    for entry in reports:
        entry.resolved_at, entry.resolved_by_id, entry.outcome = now, moderator.id, outcome
    return len(reports)


def hide(moderator: User, target_type: str, target_id: int, reason: str) -> None:
    """Hide content with a reason: the public sees the reason in its place; its open reports are resolved."""
    target, obj, district_id = _moderated(moderator, target_type, target_id)
    reason = _reason(reason)
    if obj.is_hidden:
        raise Invalid({None: _("This is already hidden.")})
    obj.hidden_at, obj.hidden_reason, obj.hidden_by_id = utcnow(), reason, moderator.id
    resolved = _resolve_open_reports(target_type, target_id, moderator, "hidden")
    _audit("moderation.hide", actor=moderator, obj=obj, object_type=target_type, object_id=target_id,
           district_id=district_id, summary=reason, after={"hidden_reason": reason, "reports_resolved": resolved})
    author_id = target.author_of(obj)
    author = db.session.get(User, author_id) if author_id else None
    if author is not None:
        notify.notify(author, lambda: _("What you wrote was hidden by the moderator: %(reason)s", reason=reason),
                      kind="content.hidden", link=target.url_of(obj), obj=obj)
    notify.commit()


def restore(moderator: User, target_type: str, target_id: int) -> None:
    """Show hidden content again (the reason it was hidden stays in the audit trail)."""
    target, obj, district_id = _moderated(moderator, target_type, target_id)
    if not obj.is_hidden:
        raise Invalid({None: _("This is not hidden.")})
    before = {"hidden_reason": obj.hidden_reason}
    obj.hidden_at = obj.hidden_reason = obj.hidden_by_id = None
    _audit("moderation.restore", actor=moderator, obj=obj, object_type=target_type, object_id=target_id,
           district_id=district_id, before=before)
    notify.commit()


def dismiss(moderator: User, report_id: int) -> None:
    """Close a report without hiding anything: the moderator found the content within the rules."""
    entry = db.session.get(Report, report_id)
    if entry is None or not can_moderate(moderator, entry.district_id):
        raise NotFound("report")
    if not entry.is_open:
        raise Invalid({None: _("This report has already been dealt with.")})
    entry.resolved_at, entry.resolved_by_id, entry.outcome = utcnow(), moderator.id, "dismissed"
    _audit("moderation.dismiss", actor=moderator, object_type="report", object_id=entry.id,
           district_id=entry.district_id, summary=entry.reason,
           after={"target_type": entry.target_type, "target_id": entry.target_id})
    notify.commit()


def block(moderator: User, user_id: int, reason: str, ends_at: datetime | None) -> UserBlock:
    """Bar ``user_id`` from taking part until ``ends_at``, with a reason they are told.

    Any district's moderator (or an administrator) may block; the block records the moderator's district, whose
    moderators may lift it. Refused: no reason, an end in the past or more than a year ahead, staff, oneself,
    a user already blocked.
    """
    authz.require(moderator, "moderation.block")
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("user")
    reason = _reason(reason)
    now = utcnow()
    if ends_at is None:
        raise Invalid({"ends_at": _("Say until when.")})
    if ends_at <= now:
        raise Invalid({"ends_at": _("The end must be in the future.")})
    if ends_at > now + MAX_BLOCK:
        raise Invalid({"ends_at": _("A block lasts at most a year.")})
    if user.id == moderator.id or user.is_staff:
        raise Invalid({None: _("Members of staff cannot be blocked here.")})
    current = active_block(user, now)
    if current is not None:
        raise Invalid({None: _("This user is already blocked until %(date)s.", date=fmt_datetime(current.ends_at))})
    districts = sorted(authz.staff_districts(moderator, ("moderator",)))
    entry = UserBlock(user_id=user.id, district_id=districts[0] if districts else None, reason=reason,
                      ends_at=ends_at, created_by_id=moderator.id, created_at=now)
    db.session.add(entry)
    db.session.flush()
    _audit("moderation.block", actor=moderator, obj=entry, object_type="user", object_id=user.id,
           district_id=entry.district_id, summary=reason, after={"ends_at": ends_at.isoformat(), "reason": reason})
    notify.notify(user, lambda: _("You may not take part until %(date)s: %(reason)s",
                                  date=fmt_datetime(ends_at), reason=reason), kind="participation.block")
    notify.commit()
    return entry


def lift(moderator: User, block_id: int) -> None:
    """End a block early (moderators of the district that imposed it, or an administrator)."""
    entry = db.session.get(UserBlock, block_id)
    if entry is None or not can_moderate(moderator, entry.district_id):
        raise NotFound("block")
    if not entry.in_force():
        raise Invalid({None: _("This block is no longer in force.")})
    entry.lifted_at, entry.lifted_by_id = utcnow(), moderator.id
    _audit("moderation.lift", actor=moderator, obj=entry, object_type="user", object_id=entry.user_id,
           district_id=entry.district_id, before={"ends_at": entry.ends_at.isoformat()})
    notify.notify(entry.user, lambda: _("You may take part again."), kind="participation.block")
    notify.commit()


def _author_column(model):
    """The column naming a registered model's author (``author_id``, else ``user_id``), or None."""
    for name in ("author_id", "user_id"):
        column = getattr(model, name, None)
        if column is not None:
            return column
    return None


def visible_names(moderator: User, user_ids) -> dict[int, str]:
    """The full names ``moderator`` may read of ``user_ids``: of those who wrote content in a district they moderate.

    A moderator needs the name of someone whose words they moderate, not of any user of the portal: the block
    page and the list of blocks take any user id, and showed every user's full name to any district's moderator.
    Administrators moderate every district. The others are shown as "resident #id" (``user_label``).
    """
    ids = {user_id for user_id in user_ids if user_id is not None}
    if not ids:
        return {}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
    if authz.can(moderator, "admin.access"):
        return {user_id: user.full_name for user_id, user in users.items()}
    names: dict[int, str] = {}
    for target in _TARGETS.values():
        column = _author_column(target.model)
        wanted = ids - set(names)
        if column is None or not wanted:
            continue
        for obj in db.session.scalars(select(target.model).where(column.in_(wanted))):
            author_id = target.author_of(obj)
            if author_id in users and author_id not in names and can_moderate(moderator, target.district_of(obj)):
                names[author_id] = users[author_id].full_name
    return names


def user_label(user_id: int, names: dict[int, str]) -> str:
    """How a moderator's page names user ``user_id``: the full name when ``names`` has it, else "resident #id"."""
    return names.get(user_id) or _("resident #%(id)s", id=user_id)


def block_subject(moderator: User, user_id: int) -> tuple[User, str]:
    """The user a block page is about and the name the moderator may read (``NotFound`` for no such user)."""
    authz.require(moderator, "moderation.block")
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("user")
    return user, user_label(user.id, visible_names(moderator, [user.id]))


# --- The queue ---------------------------------------------------------------------------------


@dataclass
class QueueItem:
    """One reported piece of content with its open reports, as the moderation queue shows it."""

    target_type: str
    target_id: int
    district_id: int | None
    obj: Any = None
    title: str = ""
    url: str = ""
    author: User | None = None
    reports: list[Report] = field(default_factory=list)

    @property
    def hidden(self) -> bool:
        """Whether the content is hidden already."""
        return bool(getattr(self.obj, "is_hidden", False))


def _scope_filter(moderator: User, column, district_id: int | None):
    """The WHERE clause limiting ``column`` to the districts ``moderator`` works, or to ``district_id``."""
    if district_id is not None:
        if not can_moderate(moderator, district_id):
            raise NotFound("district")
        return column == district_id
    if authz.can(moderator, "admin.access"):
        return true()
    return column.in_(authz.staff_districts(moderator, ("moderator",)))


def queue(moderator: User, *, district_id: int | None = None, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """The open reports ``moderator`` may act on, grouped by content, oldest first, one page of contents.

    A constant number of statements: the page of targets, their reports, one per content type, their authors.
    """
    authz.require(moderator, "moderation.work")
    scope = _scope_filter(moderator, Report.district_id, district_id)
    open_ = (Report.resolved_at.is_(None), scope)
    grouped = (select(Report.target_type, Report.target_id, func.min(Report.district_id).label("district_id"),
                      func.min(Report.created_at).label("first"))
               .where(*open_).group_by(Report.target_type, Report.target_id))
    return paginate(grouped.order_by("first", Report.target_type, Report.target_id), page, per_page, rows=True,
                    wrap=lambda rows: _queue_items(rows, open_))


def _queue_items(rows, open_) -> list[QueueItem]:
    """The queue's page of (type, id, district) rows as items with their reports, content and author."""
    items = [QueueItem(r.target_type, r.target_id, r.district_id) for r in rows]
    if items:
        keys = [(i.target_type, i.target_id) for i in items]
        by_key = {key: item for key, item in zip(keys, items, strict=True)}
        for entry in db.session.scalars(select(Report).where(
                *open_, tuple_(Report.target_type, Report.target_id).in_(keys)).order_by(Report.created_at)):
            by_key[(entry.target_type, entry.target_id)].reports.append(entry)
        for target_type in {i.target_type for i in items}:
            target = _TARGETS.get(target_type)
            if target is None:
                continue
            ids = [i.target_id for i in items if i.target_type == target_type]
            for obj in db.session.scalars(select(target.model).where(target.model.id.in_(ids))):
                item = by_key[(target_type, obj.id)]
                item.obj, item.title, item.url = obj, target.title_of(obj), target.url_of(obj)
        authors = {}
        for item in items:
            if item.obj is not None:
                authors[id(item)] = _TARGETS[item.target_type].author_of(item.obj)
        users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(set(authors.values()) - {None})))}
        for item in items:
            item.author = users.get(authors.get(id(item)))
    return items


def blocks(moderator: User, *, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """The blocks in force that ``moderator`` may lift (their districts'; every one for an administrator)."""
    authz.require(moderator, "moderation.work")
    scope = _scope_filter(moderator, UserBlock.district_id, None)
    where = (UserBlock.lifted_at.is_(None), UserBlock.ends_at > utcnow(), scope)
    return paginate(select(UserBlock).options(joinedload(UserBlock.user)).where(*where).order_by(UserBlock.ends_at),
                    page, per_page, count=select(func.count(UserBlock.id)).where(*where))


def open_report_count(moderator: User) -> int:
    """How many open reports ``moderator`` may act on (for the office cabinet's menu)."""
    if not authz.can(moderator, "moderation.work"):
        return 0
    return db.session.scalar(select(func.count(Report.id)).where(
        Report.resolved_at.is_(None), _scope_filter(moderator, Report.district_id, None))) or 0
