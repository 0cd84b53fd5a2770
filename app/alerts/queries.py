"""What the alerts tell of a district: its new public appeals and the answers to them, for the Atom feed and the
daily digest.

"Public" is the appeals area's one rule (``app.appeals.queries.public_rule``). An answer is told while the public
list shows it (the appeal answered or closed). What an item carries is what the public list shows: number,
subject, category, dates, the answer; never the applicant's name or a contact.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.appeals.queries import public_rule
from app.extensions import db
from app.kit import mail
from app.kit.errors import NotFound
from app.models import LANGUAGES, Appeal, Category, District, utcnow

FEED_ENTRIES = 30
# Answers are shown while the appeal is answered or closed (reopened: the answer is being disputed).
ANSWER_SHOWN = ("answered", "closed")
# An answer in an email or a feed entry is cut here; the public page has it whole.
ANSWER_EXCERPT = 1000


@dataclass(frozen=True)
class Happening:
    """One thing to tell: a new public appeal (``kind`` "new") or the answer to one ("answered"), and when.

    A copy of what the public list shows, taken when it is read: it stays whole after the session's commits (the
    digest commits once per subscription) and carries nothing the public may not see."""

    kind: str
    appeal_id: int
    number: str
    subject: str
    district_code: str
    category_code: str
    # The category's name in each language (each subscriber reads their own).
    category_names: dict
    at: datetime
    answer: str = ""

    @classmethod
    def of(cls, kind: str, appeal: Appeal, at: datetime) -> Happening:
        """The happening ``kind`` of ``appeal`` at ``at``."""
        return cls(kind=kind, appeal_id=appeal.id, number=appeal.number, subject=appeal.subject,
                   district_code=appeal.district.code, category_code=appeal.category.code,
                   category_names={lang: appeal.category.name_in(lang) for lang in LANGUAGES},
                   at=at, answer=excerpt(appeal.answer or "") if kind == "answered" else "")

    def category_in(self, lang: str) -> str:
        """The appeal's category in ``lang``."""
        return self.category_names.get(lang) or self.category_names.get("az", "")

    def url(self, lang: str | None = None) -> str:
        """Where everyone reads the appeal (``appeal_url``)."""
        return appeal_url(self.district_code, self.appeal_id, lang)

    def entry_id(self) -> str:
        """A feed entry's permanent id (RFC 4151 tag URI): the same in every language and wherever the appeal's
        page moves; the answer is an entry of its own."""
        host = urlsplit(current_app.config["PUBLIC_URL"]).hostname or "localhost"
        return f"tag:{host},2026:appeal-{self.appeal_id}" + ("-answer" if self.kind == "answered" else "")


def excerpt(text: str, limit: int = ANSWER_EXCERPT) -> str:
    """``text`` cut to ``limit`` characters at a word, with an ellipsis when cut."""
    text = text.strip()
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(" ,.;:") + "…"


# The appeals area's page of one public appeal; while it has none, the appeal's card on the district's list.
APPEAL_PAGE = "appeals.public_appeal"


def appeal_url(district_code: str, appeal_id: int, lang: str | None = None) -> str:
    """The absolute address (on ``PUBLIC_URL``) where everyone reads an appeal: its public page, or its card on the
    district's public list. Built from PUBLIC_URL, never from the request's host: feeds are cached and emails
    forwarded."""
    values = {"code": district_code, **({"lang": lang} if lang else {})}
    if APPEAL_PAGE in current_app.view_functions:
        return mail.link(APPEAL_PAGE, appeal_id=appeal_id, **values)
    return f"{mail.link('appeals.public_list', **values)}#appeal-{appeal_id}"


def category_by_code(code: str | None) -> Category | None:
    """An active appeal category by its code; None for no code; ``NotFound`` for an unknown or inactive one."""
    if not code:
        return None
    category = db.session.scalar(select(Category).where(Category.code == code.strip(),
                                                        Category.active.is_(True)))
    if category is None:
        raise NotFound("category")
    return category


def _scope(district_id: int, category_id: int | None) -> list:
    conditions = [Appeal.district_id == district_id, *public_rule()]
    if category_id is not None:
        conditions.append(Appeal.category_id == category_id)
    return conditions


def happenings(district_id: int, category_id: int | None, since: datetime | None, until: datetime,
               limit: int) -> tuple[list[Happening], int]:
    """The district's new public appeals and answers (of one category, or all) after ``since`` up to ``until``,
    newest first, at most ``limit`` of each kind; and how many there are in all (to say "and N more").

    Two statements (new appeals, answers) whatever the number; each appeal with its category and district."""
    new_when = [Appeal.created_at <= until] + ([Appeal.created_at > since] if since else [])
    answer_when = [Appeal.answered_at.is_not(None), Appeal.answered_at <= until,
                   Appeal.status.in_(ANSWER_SHOWN)] + ([Appeal.answered_at > since] if since else [])
    options = (joinedload(Appeal.category), joinedload(Appeal.district))
    scope = _scope(district_id, category_id)
    new = list(db.session.scalars(
        select(Appeal).where(*scope, *new_when).options(*options)
        .order_by(Appeal.created_at.desc(), Appeal.id.desc()).limit(limit + 1)).unique())
    answered = list(db.session.scalars(
        select(Appeal).where(*scope, *answer_when).options(*options)
        .order_by(Appeal.answered_at.desc(), Appeal.id.desc()).limit(limit + 1)).unique())
    more = max(0, len(new) - limit) + max(0, len(answered) - limit)
    items = [Happening.of("new", a, a.created_at) for a in new[:limit]] + \
        [Happening.of("answered", a, a.answered_at) for a in answered[:limit]]
    items.sort(key=lambda h: (h.at, h.appeal_id, h.kind == "answered"), reverse=True)
    return items, len(items) + more


def feed(district: District, category: Category | None, limit: int = FEED_ENTRIES) -> list[Happening]:
    """The newest ``limit`` public happenings of ``district`` (of ``category`` when given), newest first."""
    items, _total = happenings(district.id, category.id if category else None, None, utcnow(), limit)
    return items[:limit]


def feed_updated(items: list[Happening]) -> datetime:
    """The feed's ``updated``: its newest happening, or now for an empty feed."""
    return max((h.at for h in items), default=None) or utcnow()
