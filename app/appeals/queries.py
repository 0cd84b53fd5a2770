"""Reading appeals: the official inbox, the citizen's list, the public list, downloads.

Every list runs a fixed number of SQL statements whatever its page size: the
rows and the few related rows each one shows are loaded with joins.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import joinedload, selectinload

from app import authz
from app.extensions import db
from app.kit import audit
from app.kit.calendar import add_working_days, end_of_day, local_date, working_days_between
from app.kit.errors import Invalid, NotFound
from app.kit.paging import Page, paginate
from app.models import (
    KINDS,
    OPEN_STATUSES,
    STATUSES,
    Appeal,
    AppealCase,
    AppealCaseMember,
    AppealEvent,
    AppealMessage,
    Attachment,
    District,
    User,
    utcnow,
)

PER_PAGE = 25


def due_state(appeal, now: datetime | None = None) -> tuple[str, int] | None:
    """("overdue", working days late) or ("due", working days left) for an open appeal (or any record with an
    ``is_open`` property, such as an e-service application), else None."""
    is_open = getattr(appeal, "is_open", None)
    if not (is_open if is_open is not None else appeal.status in OPEN_STATUSES):
        return None
    now = now or utcnow()
    today, due_day = local_date(now), local_date(appeal.due_at)
    if appeal.due_at < now:
        return "overdue", max(1, working_days_between(due_day, today))
    return "due", working_days_between(today, due_day)


# --- The official inbox ---------------------------------------------------------------


@dataclass
class InboxFilters:
    """What the official chose to see; every value has been checked by ``check``."""

    status: str = "open"
    kind: str = ""
    category_id: int | None = None
    assignee: str = ""  # "", "me", "none" or a user id
    overdue: bool = False
    due_within: int | None = None
    q: str = ""
    sort: str = "due"
    page: int = 1
    per_page: int = PER_PAGE

    def check(self) -> InboxFilters:
        """Refuse values that are not on offer (a hand-made address), with a clear reason."""
        if self.status not in ("open", "all", *STATUSES):
            raise Invalid({"status": "status"})
        if self.kind and self.kind not in KINDS:
            raise Invalid({"kind": "kind"})
        if self.sort not in ("due", "newest", "number"):
            raise Invalid({"sort": "sort"})
        if self.assignee not in ("", "me", "none") and not (self.assignee.isdigit() and len(self.assignee) <= 9):
            raise Invalid({"assignee": "assignee"})
        if self.due_within is not None and not 0 <= self.due_within <= 60:
            raise Invalid({"due_within": "due_within"})
        return self


@dataclass
class Inbox:
    """The inbox page: counts per status for the district, and the filtered page."""

    district: District
    counts: dict[str, int]
    overdue: int
    page: Page
    filters: InboxFilters = field(default_factory=InboxFilters)
    # For each appeal of the page linked into a case: the case's other appeals, (id, number) by number.
    cases: dict[int, list[tuple[int, str]]] = field(default_factory=dict)
    # How many appeals the filters show (``page.total`` counts a case's shown appeals once: pages hold groups).
    total: int = 0


def staff_district(actor: User, district_id: int | None) -> District:
    """The district whose inbox ``actor`` opens: the one asked for, if they work it, else their first."""
    districts = sorted(authz.staff_districts(actor, ("official", "head")))
    if not districts:
        raise NotFound("district")
    chosen = district_id if district_id is not None else districts[0]
    if not authz.can(actor, "district.work", chosen):
        raise NotFound("district")
    return db.session.get(District, chosen)


def inbox(actor: User, district_id: int | None, filters: InboxFilters, now: datetime | None = None) -> Inbox:
    """The district's appeals as the official asked for them, sorted by deadline by default."""
    district = staff_district(actor, district_id)
    filters.check()
    now = now or utcnow()
    conditions = [Appeal.district_id == district.id]
    if filters.status == "open":
        conditions.append(Appeal.status.in_(OPEN_STATUSES))
    elif filters.status != "all":
        conditions.append(Appeal.status == filters.status)
    if filters.kind:
        conditions.append(Appeal.kind == filters.kind)
    if filters.category_id:
        conditions.append(Appeal.category_id == filters.category_id)
    if filters.assignee == "me":
        conditions.append(Appeal.assignee_id == actor.id)
    elif filters.assignee == "none":
        conditions.append(Appeal.assignee_id.is_(None))
    elif filters.assignee:
        conditions.append(Appeal.assignee_id == int(filters.assignee))
    if filters.overdue:
        conditions += [Appeal.status.in_(OPEN_STATUSES), Appeal.due_at < now]
    if filters.due_within is not None:
        limit = end_of_day(add_working_days(local_date(now), filters.due_within))
        conditions += [Appeal.status.in_(OPEN_STATUSES), Appeal.due_at <= limit]
    if filters.q.strip():
        text = filters.q.strip()[:100]
        if NUMBER_RE.fullmatch(text.upper()):
            # A registration number finds that appeal through its unique index.
            conditions.append(Appeal.number == text.upper())
        else:
            conditions += [Appeal.subject.ilike(f"%{_escape_like(w)}%", escape="\\") for w in text.split()]
    order = {
        "due": (Appeal.due_at, Appeal.id),
        "newest": (Appeal.created_at.desc(), Appeal.id.desc()),
        "number": (Appeal.number,),
    }[filters.sort]
    # The appeals of one case (app/appeals/cases.py) come together: a case stands in the list where its first shown
    # appeal does, the others it shows following it. They are taken out of their own places rather than sorted
    # by a computed key, so that the list keeps reading the indexes in their order.
    mates, followers = _linked(district.id, conditions, filters.sort)
    following = [i for ids in followers.values() for i in ids]
    listed = [*conditions, Appeal.id.not_in(following)] if following else conditions
    query = (
        select(Appeal)
        .where(*listed)
        .options(joinedload(Appeal.category), joinedload(Appeal.assignee))
        .order_by(*order)
    )
    count = select(func.count()).select_from(Appeal).where(*listed)
    page = paginate(query, filters.page, filters.per_page, count=count, unique=True,
                    wrap=lambda rows: _with_followers(rows, followers))
    counts = dict(
        db.session.execute(
            select(Appeal.status, func.count()).where(Appeal.district_id == district.id).group_by(Appeal.status)
        ).all()
    )
    overdue = db.session.scalar(
        select(func.count()).select_from(Appeal).where(
            Appeal.district_id == district.id, Appeal.status.in_(OPEN_STATUSES), Appeal.due_at < now
        )
    ) or 0
    shown = {a.id for a in page.items}
    return Inbox(district, {s: counts.get(s, 0) for s in STATUSES}, overdue, page, filters,
                 {i: found for i, found in mates.items() if i in shown}, page.total + len(following))


def _linked(district_id: int, conditions: list, sort: str) -> tuple[dict[int, list[tuple[int, str]]], dict[int, list[int]]]:
    """The district's appeals linked into cases, read in one statement (cases are few beside the appeals): for each,
    the other appeals of its case as (id, number) by number; and for the first appeal of each case among those the
    ``conditions`` show (in the order ``sort``), the ids of the others shown, in that order."""
    rows = db.session.execute(
        select(AppealCaseMember.case_id, Appeal.id, Appeal.number, Appeal.due_at, Appeal.created_at,
               and_(*conditions).label("shown"))
        .join(AppealCase, AppealCase.id == AppealCaseMember.case_id)
        .join(Appeal, Appeal.id == AppealCaseMember.appeal_id)
        # Through the case's district, so the plan starts from the few cases rather than the district's appeals.
        .where(AppealCase.district_id == district_id)
    ).all()
    by_case: dict[int, list] = {}
    for row in rows:
        by_case.setdefault(row.case_id, []).append(row)
    key = {"due": lambda r: (r.due_at, r.id), "newest": lambda r: (r.created_at, r.id), "number": lambda r: r.number}[sort]
    mates: dict[int, list[tuple[int, str]]] = {}
    followers: dict[int, list[int]] = {}
    for members in by_case.values():
        for row in members:
            mates[row.id] = sorted(((o.id, o.number) for o in members if o.id != row.id), key=lambda m: m[1])
        shown = sorted((r for r in members if r.shown), key=key, reverse=sort == "newest")
        if len(shown) > 1:
            followers[shown[0].id] = [r.id for r in shown[1:]]
    return mates, followers


def _with_followers(rows: list[Appeal], followers: dict[int, list[int]]) -> list[Appeal]:
    """The page's appeals, each first appeal of a case followed by the others of its case the filters show: one
    statement whatever the page holds."""
    wanted = [i for row in rows for i in followers.get(row.id, ())]
    if not rows:
        return rows
    loaded = {a.id: a for a in db.session.scalars(
        select(Appeal).where(Appeal.id.in_(wanted)).options(joinedload(Appeal.category), joinedload(Appeal.assignee))
    ).unique()}
    return [item for row in rows for item in (row, *(loaded[i] for i in followers.get(row.id, ()) if i in loaded))]


NUMBER_RE = re.compile(r"[A-Z]{2,5}-\d{4}-\d{6}")


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def escalation_list(actor: User, district_id: int | None, now: datetime | None = None) -> tuple[District, list[Appeal]]:
    """The head's list of the district's overdue open appeals, the most late first."""
    district = staff_district(actor, district_id)
    if not authz.can(actor, "appeal.head", None) or district.id not in authz.staff_districts(actor, ("head",)):
        raise NotFound("district")
    now = now or utcnow()
    appeals = db.session.scalars(
        select(Appeal)
        .where(Appeal.district_id == district.id, Appeal.status.in_(OPEN_STATUSES), Appeal.due_at < now)
        .options(joinedload(Appeal.category), joinedload(Appeal.assignee), joinedload(Appeal.department))
        .order_by(Appeal.due_at)
        .limit(500)
    ).unique().all()
    return district, list(appeals)


# --- One appeal -----------------------------------------------------------------------


@dataclass
class AppealView:
    """An appeal with what this viewer may see of its timeline, messages and files."""

    appeal: Appeal
    events: list[AppealEvent]
    messages: list[AppealMessage]
    attachments: list[Attachment]
    staff: bool


def view(actor: User, appeal_id: int) -> AppealView:
    """The appeal for its applicant (public parts only) or for its district's officials (everything)."""
    appeal = db.session.scalar(
        select(Appeal)
        .where(Appeal.id == appeal_id)
        .options(
            joinedload(Appeal.category), joinedload(Appeal.district), joinedload(Appeal.assignee),
            joinedload(Appeal.department),
            selectinload(Appeal.events).joinedload(AppealEvent.actor),
            selectinload(Appeal.messages).joinedload(AppealMessage.author),
            selectinload(Appeal.attachments),
        )
    )
    if appeal is None or not authz.can(actor, "appeal.view", appeal):
        raise NotFound("appeal")
    staff = authz.can(actor, "appeal.internal", appeal)
    return AppealView(
        appeal=appeal,
        # A changed rating's step holds the marks: no timeline shows it (staff never see who gave which rating).
        events=[e for e in appeal.events if (staff or e.public) and e.action != "rating_changed"],
        messages=[m for m in appeal.messages if staff or not m.internal],
        attachments=[a for a in appeal.attachments if staff or not a.internal],
        staff=staff,
    )


def attachment_for(actor: User, appeal_id: int, attachment_id: int) -> Attachment:
    """An attachment the actor may download; ``NotFound`` otherwise (existence not revealed)."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.appeal_id != appeal_id:
        raise NotFound("attachment")
    appeal = attachment.appeal
    if not authz.can(actor, "appeal.view", appeal):
        raise NotFound("attachment")
    if attachment.internal and not authz.can(actor, "appeal.internal", appeal):
        raise NotFound("attachment")
    if actor.id != appeal.citizen_id:
        # Staff opening a resident's file is recorded (the resident's own downloads are not).
        audit.record("appeal.download", actor=actor, obj=appeal,
                     summary=f"{appeal.number}: {attachment.original_name}", after={"attachment_id": attachment.id})
        db.session.commit()
    return attachment


# --- The citizen's list and the public list ---------------------------------------------


def citizen_appeals(actor: User, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """The actor's own appeals, newest first."""
    authz.require(actor, "cabinet.view")
    query = (
        select(Appeal)
        .where(Appeal.citizen_id == actor.id)
        .options(joinedload(Appeal.category), joinedload(Appeal.district))
        .order_by(Appeal.created_at.desc(), Appeal.id.desc())
    )
    count = select(func.count()).select_from(Appeal).where(Appeal.citizen_id == actor.id)
    return paginate(query, page, per_page, count=count, unique=True)



def public_rule() -> tuple:
    """What makes an appeal public, as SQL conditions: its applicant allowed publication and did not ask for
    confidentiality. The one rule for the public list and for whatever else shows appeals to everyone (the area
    alerts' emails and feed); what they show of one is never a name or a contact."""
    return (Appeal.public_ok.is_(True), Appeal.confidential.is_(False))


def is_public(appeal: Appeal) -> bool:
    """``public_rule`` for an appeal already loaded (a step being taken on it)."""
    return bool(appeal.public_ok) and not appeal.confidential


def public_appeals(district: District, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """The district's appeals whose applicants allowed publication; never a name or a contact."""
    conditions = [Appeal.district_id == district.id, *public_rule()]
    query = (
        select(Appeal)
        .where(*conditions)
        .options(joinedload(Appeal.category))
        .order_by(Appeal.created_at.desc(), Appeal.id.desc())
    )
    count = select(func.count()).select_from(Appeal).where(*conditions)
    return paginate(query, page, per_page, count=count, unique=True)
