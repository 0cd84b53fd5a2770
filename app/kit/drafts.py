"""Drafts: a resident's appeal or e-service application kept between the form and "Send" (the "check your
answers" step), or saved to finish later ("save and come back later").

A draft is a row (``app.models.Draft``), never the cookie session: it survives signing out and is not limited by
the cookie's size. While it is open its ``data`` holds the form's answers as typed (field name → text) and its
files are stored once, as ``DraftFile`` rows (``app.kit.files``); sending it hands those stored files to the
appeal's attachments or the application's documents in the same transaction that files it. When it ends
(submitted, expired, discarded) its ``data`` is emptied and its files let go, and the row stays to count started
forms for the completion rate (``completion_figures``).

The rules (docs/areas/drafts.md): a draft expires ``LIFETIME`` after it was last saved, its resident is reminded
``REMIND_BEFORE`` that, and a resident keeps at most ``MAX_OPEN`` open drafts. Every web submission has a draft:
the "check your answers" step creates it, so a form sent without ever being saved still counts as started and
completed.

The areas call these functions (the kit imports no area); the resident's list, the reminder and expiry and the
account's closing are in ``app/drafts/``.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from wtforms import BooleanField, FileField, HiddenField, MultipleFileField, SubmitField
from wtforms.csrf.core import CSRFTokenField
from wtforms.validators import Length

from app import authz
from app.extensions import db
from app.kit import files
from app.kit.calendar import BAKU
from app.kit.errors import Invalid, NotFound
from app.models import Category, District, Draft, DraftFile, Service, User, utcnow

# A draft is kept this long after it was last saved, and its resident reminded this long before it goes.
LIFETIME = timedelta(days=30)
REMIND_BEFORE = timedelta(days=3)
# Open drafts a resident may keep at once.
MAX_OPEN = 20
TITLE_LIMIT = 200


class DraftEnded(Exception):
    """The draft was sent, expired or deleted: its answers are gone. The page says which (not a bare 404)."""

    def __init__(self, draft: Draft) -> None:
        super().__init__(draft.status)
        self.draft = draft


# --- Reading ------------------------------------------------------------------------------------------------


def get_own(actor: User, draft_id: int | None, kind: str, *, lock: bool = False) -> Draft:
    """The ``kind`` draft ``draft_id`` of ``actor``; ``NotFound`` for anyone else's (its existence is not revealed),
    ``DraftEnded`` once it is no longer open."""
    query = select(Draft).where(Draft.id == (draft_id if draft_id is not None else -1))
    draft = db.session.scalar(query.with_for_update() if lock else query)
    if draft is None or draft.kind != kind or not authz.can(actor, "draft.own", draft):
        raise NotFound("draft")
    if not draft.is_open:
        raise DraftEnded(draft)
    return draft


def open_count(actor: User) -> int:
    """How many open drafts ``actor`` keeps."""
    return db.session.scalar(select(func.count()).select_from(Draft).where(
        Draft.citizen_id == actor.id, Draft.status == "open")) or 0


# --- From a form and back -------------------------------------------------------------------------------------

# Fields that are not answers: buttons, the CSRF token, files (kept as DraftFile rows).
_NOT_ANSWERS = (SubmitField, CSRFTokenField, FileField, MultipleFileField)


def answers_of(*forms) -> dict[str, str]:
    """The answers of posted forms as typed, by field name (a ticked box is "y", an empty one ""), to keep in a
    draft and to fill the forms again from it (``MultiDict(draft.data)``)."""
    answers: dict[str, str] = {}
    for form in forms:
        for field in form:
            if isinstance(field, _NOT_ANSWERS):
                continue
            if isinstance(field, BooleanField):
                answers[field.name] = "y" if field.data else ""
            elif isinstance(field, HiddenField):
                answers[field.name] = str(field.data or "")
            else:
                answers[field.name] = field.raw_data[0] if field.raw_data else ""
    return answers


def valid_to_save(*forms) -> bool:
    """Whether posted forms may be kept as a draft: the CSRF token holds and no field is over its length limit.
    Every other error (a required field left empty, a choice not made) is dropped: the draft is not the appeal."""
    token_ok = True
    for form in forms:
        form.validate()
        form.form_errors = []
        for field in form:
            if isinstance(field, CSRFTokenField):
                token_ok = token_ok and not field.errors
            else:
                field.errors = []
    return check_lengths(*forms) and token_ok


def check_lengths(*forms) -> bool:
    """Saving a draft checks only the fields' length limits (the draft is not the appeal): each field too long
    gets its message beside it; whether everything is within its limits."""
    valid = True
    for form in forms:
        for field in form:
            if isinstance(field, _NOT_ANSWERS) or not field.raw_data or not isinstance(field.raw_data[0], str):
                continue
            for validator in field.validators:
                if isinstance(validator, Length) and validator.max >= 0 and len(field.raw_data[0]) > validator.max:
                    field.errors = [_("Use at most %(max)d characters.", max=validator.max)]
                    valid = False
    return valid


# --- Saving ------------------------------------------------------------------------------------------------------


@dataclass
class DraftInput:
    """What is saved: the answers as typed, what the cabinet lists the draft by, and new files per field."""

    kind: str
    data: dict
    title: str = ""
    district_id: int | None = None
    category_id: int | None = None
    service_id: int | None = None
    # Files chosen now, per field (werkzeug uploads), checked and stored here; and pending files to drop.
    uploads: dict[str, list] | None = None
    remove_files: Iterable[int] = ()


def save(actor: User, data: DraftInput, draft_id: int | None = None, now: datetime | None = None) -> Draft:
    """Create ``actor``'s draft, or save ``draft_id`` again: its answers, its files, and a new expiry date
    (``LIFETIME`` after now; a reminder is due again). Refused past ``MAX_OPEN`` open drafts. Nothing is kept of a
    save that fails (no row, no file)."""
    authz.require(actor, "draft.own")
    now = now or utcnow()
    # What the cabinet and the completion rate read; an id that names nothing (a tampered form) is none.
    links = tuple(value if value and db.session.get(model, value) else None for model, value in (
        (District, data.district_id), (Category, data.category_id), (Service, data.service_id)))
    if draft_id is not None:
        draft = get_own(actor, draft_id, data.kind, lock=True)
    else:
        if open_count(actor) >= MAX_OPEN:
            raise Invalid({None: _("You already keep %(max)d drafts, the most allowed. Send or delete one in My "
                                   "drafts first.", max=MAX_OPEN)})
        # Added to the session only once the files are checked: a refused save leaves nothing pending.
        draft = Draft(citizen_id=actor.id, kind=data.kind, status="open", created_at=now, files=[])
    # Files first: a bad file refuses the whole save, beside its field.
    removing = {int(i) for i in data.remove_files}
    kept = [f for f in draft.files if f.id not in removing]
    checked: dict[str, list[files.CheckedFile]] = {}
    try:
        for key, items in (data.uploads or {}).items():
            checked[key] = files.check_uploads(items, field=key)
            if checked[key] and len(checked[key]) + sum(1 for f in kept if f.field_key == key) > files.MAX_FILES:
                raise Invalid({key: _("Attach at most %(n)d files.", n=files.MAX_FILES)})
    except Invalid:
        db.session.rollback()  # the lock on a saved draft goes
        raise
    stored: list[str] = []
    let_go: list[str] = []
    try:
        db.session.add(draft)
        for item in list(draft.files):
            if item.id in removing:
                let_go.append(item.stored_name)
                draft.files.remove(item)
        for key, item, name in files.write_each(checked, stored):
            draft.files.append(DraftFile(field_key=key, original_name=item.original_name, stored_name=name,
                                         content_type=item.content_type, size=item.size, sha256=item.sha256,
                                         created_at=now))
        draft.data = dict(data.data)
        draft.title = (data.title or "").strip()[:TITLE_LIMIT]
        draft.district_id, draft.category_id, draft.service_id = links
        draft.updated_at, draft.expires_at, draft.reminded_at = now, now + LIFETIME, None
        db.session.commit()
    except Exception:
        db.session.rollback()
        files.remove(stored)
        raise
    files.remove(let_go)
    return draft


def touch(actor: User, draft_id: int, kind: str, now: datetime | None = None) -> Draft:
    """Save an open draft again as it is ("save and come back later" on the check page): a new expiry date."""
    now = now or utcnow()
    draft = get_own(actor, draft_id, kind, lock=True)
    draft.updated_at, draft.expires_at, draft.reminded_at = now, now + LIFETIME, None
    db.session.commit()
    return draft


# --- Ending ------------------------------------------------------------------------------------------------------


def end(draft: Draft, status: str, *, appeal_id: int | None = None, application_id: int | None = None,
        now: datetime | None = None) -> list[str]:
    """End an open draft in the caller's transaction: its answers are erased and its file rows go. Returns the
    stored names the caller deletes once it has committed (none when it was submitted: its files now belong to
    the appeal or application)."""
    now = now or utcnow()
    let_go = [] if status == "submitted" else [f.stored_name for f in draft.files]
    draft.files.clear()
    draft.status, draft.data, draft.ended_at = status, {}, now
    draft.appeal_id, draft.application_id = appeal_id, application_id
    return let_go


def record_submitted(actor: User, kind: str, *, district_id: int | None, category_id: int | None = None,
                     service_id: int | None = None, title: str = "", appeal_id: int | None = None,
                     application_id: int | None = None, now: datetime | None = None) -> Draft:
    """A submitted draft for a web form sent in one go (without the check step), in the caller's transaction, so
    that every web submission counts as a started and completed form."""
    now = now or utcnow()
    draft = Draft(citizen_id=actor.id, kind=kind, status="submitted", district_id=district_id,
                  category_id=category_id, service_id=service_id, title=(title or "")[:TITLE_LIMIT], data={},
                  created_at=now, updated_at=now, expires_at=now + LIFETIME, ended_at=now, appeal_id=appeal_id,
                  application_id=application_id)
    db.session.add(draft)
    return draft


def discard(actor: User, draft_id: int, now: datetime | None = None) -> None:
    """The resident deletes an open draft: its answers and files go, the row stays (completion rate)."""
    draft = db.session.scalar(select(Draft).where(Draft.id == draft_id).with_for_update())
    if draft is None or not authz.can(actor, "draft.own", draft):
        raise NotFound("draft")
    if not draft.is_open:
        raise DraftEnded(draft)
    let_go = end(draft, "discarded", now=now)
    db.session.commit()
    files.remove(let_go)


# --- The completion rate -----------------------------------------------------------------------------------------


@dataclass
class CompletionFigures:
    """Drafts started in a period, by what became of them; ``rate`` = submitted / (submitted + expired + discarded)
    (the open ones are not decided yet), None when nothing was decided."""

    started: int = 0
    submitted: int = 0
    expired: int = 0
    discarded: int = 0
    open: int = 0

    @property
    def rate(self) -> float | None:
        decided = self.submitted + self.expired + self.discarded
        return self.submitted / decided if decided else None

    def __add__(self, other: CompletionFigures) -> CompletionFigures:
        return CompletionFigures(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=BAKU)


def completion_figures(start: date, end: date, district_id: int | None = None) -> dict[int | None, CompletionFigures]:
    """The online forms (appeals and applications) started from ``start`` to ``end`` (Baku dates, both included),
    per district: started, submitted, expired, discarded, still open. Keyed by district id; the key None holds the
    drafts saved without a district (an appeal draft whose district was not chosen yet), which count nationally
    only: the national figures are ``sum(result.values(), CompletionFigures())``. With ``district_id``: that
    district alone (present even with nothing started)."""
    query = (select(Draft.district_id, Draft.status, func.count())
             .where(Draft.created_at >= _moment(start), Draft.created_at < _moment(end + timedelta(days=1)))
             .group_by(Draft.district_id, Draft.status))
    if district_id is not None:
        query = query.where(Draft.district_id == district_id)
    result: dict[int | None, CompletionFigures] = {district_id: CompletionFigures()} if district_id is not None else {}
    for district, status, count in db.session.execute(query):
        figures = result.setdefault(district, CompletionFigures())
        setattr(figures, status, getattr(figures, status) + count)
        figures.started += count
    return result
