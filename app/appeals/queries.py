"""Reading appeals: the official inbox, the citizen's list, the public list, downloads.

Every list runs a fixed number of SQL statements whatever its page size: the
rows and the few related rows each one shows are loaded with joins.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Integer, and_, bindparam, column, false, func, literal, literal_column, select, text
from sqlalchemy.orm import joinedload, load_only, selectinload

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
# The columns a row of the inbox shows (number, subject, kind, category, status, deadline and its state, assignee).
LIST_COLUMNS = (Appeal.id, Appeal.number, Appeal.subject, Appeal.kind, Appeal.district_id, Appeal.category_id,
                Appeal.status, Appeal.due_at, Appeal.assignee_id)


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
    # A word search found more than ``SEARCH_COUNT_LIMIT`` appeals: it was counted that far (``total``) and no further.
    more: bool = False


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
    """The district's appeals as the official asked for them, sorted by deadline by default.

    Five statements whatever the page and the district's size, six with a word search: the counts per status (with
    the overdue ones), the district's cases, what a word search finds counted up to ``SEARCH_COUNT_LIMIT``, the
    count of what the filters show (taken from those when only the status narrows or words are searched), the page's
    ids, and the page's appeals (none when the page is empty).
    """
    district = staff_district(actor, district_id)
    filters.check()
    now = now or utcnow()
    statuses = {"open": OPEN_STATUSES, "all": STATUSES}.get(filters.status, (filters.status,))
    conditions = [Appeal.district_id == district.id]
    if filters.status == "open":
        conditions.append(open_condition())
    elif filters.status != "all":
        conditions.append(Appeal.status == filters.status)
    narrowed = _narrowing(actor, filters, now)
    words = _words_of(filters)
    if words is not None:
        narrowed.append(subject_has_words(words))
    conditions += narrowed
    order = {
        "due": (Appeal.due_at, Appeal.id),
        "newest": (Appeal.created_at.desc(), Appeal.id.desc()),
        "number": (Appeal.number,),
    }[filters.sort]
    counts, overdue = _status_counts(district.id, now)
    # The appeals of one case (app/appeals/cases.py) come together: a case stands in the list where its first shown
    # appeal does, the others it shows following it. They are taken out of their own places rather than sorted
    # by a computed key, so that the list keeps reading the indexes in their order.
    mates, followers = _linked(district.id, conditions, filters.sort)
    following = [i for ids in followers.values() for i in ids]
    extra = [Appeal.id.not_in(following)] if following else []
    listed = [*conditions, *extra]
    more = False
    if not narrowed:
        # Narrowed by the status alone, the list holds what the counts per status already say: no second count.
        total = sum(counts.get(status, 0) for status in statuses) - len(following)
    elif words is None:
        total = None
    else:
        total, more = _count_found(listed)
        if more:
            # Many appeals have the words: the page's ids are found by reading the appeals in the list's order and
            # checking each one's words, a few rows per appeal shown, rather than through the full-text index.
            listed = [*conditions[:-1], subject_has_words(words, indexed=False), *extra]
    page = _page(listed, order, total, filters, followers)
    on_page = {a.id for a in page.items}
    return Inbox(district, {s: counts.get(s, 0) for s in STATUSES}, overdue, page, filters,
                 {i: found for i, found in mates.items() if i in on_page}, page.total + len(following), more)


def open_condition():
    """SQL: the appeal is open. The statuses are written into the statement as constants, so that PostgreSQL can
    use the partial index of open appeals (``ix_appeals_open_district_due``) in a prepared statement's generic
    plan too (a bound parameter could hold any status)."""
    return Appeal.status.in_(bindparam("open_statuses", OPEN_STATUSES, expanding=True, literal_execute=True))


def _narrowing(actor: User, filters: InboxFilters, now: datetime) -> list:
    """The conditions of the filters chosen other than the status and a word search."""
    conditions = []
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
        conditions += [open_condition(), Appeal.due_at < now]
    if filters.due_within is not None:
        limit = end_of_day(add_working_days(local_date(now), filters.due_within))
        conditions += [open_condition(), Appeal.due_at <= limit]
    query = filters.q.strip()[:100]
    if query and _words_of(filters) is None:
        # A registration number finds that appeal through its unique index.
        conditions.append(Appeal.number == query.upper())
    return conditions


def _words_of(filters: InboxFilters) -> str | None:
    """What the official searches the subjects for, or None: no search, or a registration number."""
    query = filters.q.strip()[:100]
    return query if query and not NUMBER_RE.fullmatch(query.upper()) else None


def _status_counts(district_id: int, now: datetime) -> tuple[dict[str, int], int]:
    """The district's appeals per status, and how many of the open ones are overdue: one statement, read from the
    index ``(district_id, status, due_at, …)`` alone."""
    late = func.count().filter(Appeal.due_at < now)
    counts, overdue = {}, 0
    for status, count, overdue_count in db.session.execute(
        select(Appeal.status, func.count(), late).where(Appeal.district_id == district_id).group_by(Appeal.status)
    ):
        counts[status] = count
        overdue += overdue_count if status in OPEN_STATUSES else 0
    return counts, overdue


def _count_found(listed: list) -> tuple[int, bool]:
    """How many appeals a word search shows, counted up to ``SEARCH_COUNT_LIMIT``, and whether there are more.

    Each appeal the full-text index finds is read from the table to be counted (the index does not say whether its
    row is visible, nor, on PostgreSQL, whether the word is in the subject or the text); the limit keeps a common
    word's count to a bounded number of reads."""
    found = select(Appeal.id).where(*listed).limit(SEARCH_COUNT_LIMIT + 1).subquery()
    count = db.session.scalar(select(func.count()).select_from(found)) or 0
    return min(count, SEARCH_COUNT_LIMIT), count > SEARCH_COUNT_LIMIT


def _page(listed: list, order: tuple, total: int | None, filters: InboxFilters,
          followers: dict[int, list[int]]) -> Page:
    """One page of the list: the ids of its appeals in order, then those appeals with the others of their cases.
    The ids come from the indexes alone where they can, so a page far down the list (``OFFSET``) skips index entries
    rather than whole rows; only the page's own rows are read. ``total``: the list's count when it is known already
    (then the count statement only hands it over), None to count it."""
    count = (select(func.count()).select_from(Appeal).where(*listed) if total is None
             else select(literal(total, Integer)))
    return paginate(select(Appeal.id).where(*listed).order_by(*order), filters.page, filters.per_page, count=count,
                    wrap=lambda ids: _with_followers(ids, followers))


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


def _with_followers(ids: list[int], followers: dict[int, list[int]]) -> list[Appeal]:
    """The page's appeals in the order of ``ids``, each first appeal of a case followed by the others of its case
    the filters show: one statement whatever the page holds."""
    if not ids:
        return []
    wanted = [*ids, *(i for row_id in ids for i in followers.get(row_id, ()))]
    # What a row of the inbox shows, not the texts and answers (up to 10,000 characters each) nor the assignee's
    # account: a page's worth of appeals is never more than what its 25 rows need.
    loaded = {a.id: a for a in db.session.scalars(
        select(Appeal).where(Appeal.id.in_(wanted)).options(
            load_only(*LIST_COLUMNS), joinedload(Appeal.category),
            joinedload(Appeal.assignee).load_only(User.id, User.full_name))
    ).unique()}
    return [loaded[i] for row_id in ids if row_id in loaded
            for i in (row_id, *followers.get(row_id, ())) if i in loaded]


NUMBER_RE = re.compile(r"[A-Z]{2,5}-\d{4}-\d{6}")
# How many words of a search the inbox looks for (the query is at most 100 characters).
MAX_SEARCH_WORDS = 10
# How far the inbox counts what a word search finds ("more than 1,000 appeals" beyond).
SEARCH_COUNT_LIMIT = 1_000


def search_words(query: str) -> list[str]:
    """The words of an inbox search as both full-text indexes hold them: letters and digits only (so nothing reaches
    a query language but words), lower case, the Latin letters' diacritics folded (``küçə`` = ``kuçə``), each once,
    at most ``MAX_SEARCH_WORDS``."""
    from app.appeals.similar import FOLD, WORD_RE  # similar.py imports this module

    words: list[str] = []
    for word in WORD_RE.findall(unicodedata.normalize("NFC", query)):
        # Lowering "İ" leaves an "i" and a combining dot, which neither index keeps.
        word = word.lower().translate(FOLD).replace("\u0307", "")
        if word and word not in words:
            words.append(word)
    return words[:MAX_SEARCH_WORDS]


def subject_has_words(query: str, indexed: bool = True):
    """SQL: the appeal's subject has a word starting with each word of ``query`` (``su yox`` finds "Küçədə su
    yoxdur"), through the appeals' full-text index (migration 0024): on PostgreSQL the subject's part of
    ``appeals.search_vector`` (weight A), on SQLite the subject column of ``appeals_fts``. A query without a word
    finds nothing.

    ``indexed=False``: the same test written so that it does not drive the statement (on PostgreSQL
    ``ts_match_vq``, the function behind ``@@``, which the full-text index does not serve), for reading the appeals
    in the order of another index and checking each one."""
    words = search_words(query)
    if not words:
        return false()
    if db.engine.dialect.name == "postgresql":
        sql = ("appeals.search_vector @@ to_tsquery('simple'::regconfig, :inbox_words)" if indexed else
               "ts_match_vq(appeals.search_vector, to_tsquery('simple'::regconfig, :inbox_words))")
        return text(sql).bindparams(inbox_words=" & ".join(f"'{word}':*A" for word in words))
    # The district is left to the statement (its index): inside FTS5 it would mean reading every appeal of the
    # district from the index to keep the few with the words.
    prefixes = " AND ".join(f'"{word}"*' for word in words)
    found = (text("SELECT rowid FROM appeals_fts WHERE appeals_fts MATCH :inbox_words")
             .bindparams(inbox_words=f"subject : ({prefixes})").columns(column("rowid", Integer)))
    # ``appeals.id + 0`` is the same id in a form no index serves: SQLite then reads the appeals in the list's order
    # and looks each one up among those found, instead of reading every appeal found and sorting them.
    return (Appeal.id if indexed else Appeal.id + literal_column("0")).in_(found)


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
