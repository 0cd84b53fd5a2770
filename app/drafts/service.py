"""Drafts' use cases beyond the forms: the resident's list, the daily reminder and expiry, and the resident's data.

A draft expires ``drafts.LIFETIME`` (30 days) after it was last saved; ``drafts.REMIND_BEFORE`` (3 days) before
that, its resident is told once (a notification, and an email as they chose for the kind, in their language).
Expiry erases the answers and deletes the draft's files; the row stays for the completion rate.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import authz
from app.accounts import mydata
from app.extensions import db
from app.kit import drafts, files, notify
from app.kit.errors import NotFound
from app.kit.i18n import fmt_datetime
from app.models import Draft, Service, User, utcnow


@dataclass
class Listed:
    """An open draft as the cabinet lists it, with the service it applies for (applications)."""

    draft: Draft
    service: Service | None


def my_drafts(actor: User) -> list[Listed]:
    """The resident's open drafts, last saved first."""
    authz.require(actor, "draft.own")
    rows = db.session.execute(
        select(Draft, Service).outerjoin(Service, Service.id == Draft.service_id)
        .where(Draft.citizen_id == actor.id, Draft.status == "open")
        .order_by(Draft.updated_at.desc(), Draft.id.desc()))
    return [Listed(draft, service) for draft, service in rows]


def my_draft(actor: User, draft_id: int) -> Listed:
    """One open draft of the resident (``NotFound`` for anyone else's, ``DraftEnded`` once it is not open)."""
    draft = db.session.get(Draft, draft_id)
    if draft is None or not authz.can(actor, "draft.own", draft):
        raise NotFound("draft")
    if not draft.is_open:
        raise drafts.DraftEnded(draft)
    return Listed(draft, db.session.get(Service, draft.service_id) if draft.service_id else None)


# --- The daily job --------------------------------------------------------------------------------------------


def remind(now: datetime | None = None) -> int:
    """Tell each resident whose open draft expires within ``REMIND_BEFORE``; each draft once. How many were told."""
    now = now or utcnow()
    due = list(db.session.scalars(
        select(Draft).where(Draft.status == "open", Draft.reminded_at.is_(None), Draft.citizen_id.is_not(None),
                            Draft.expires_at > now, Draft.expires_at <= now + drafts.REMIND_BEFORE)
        .options(joinedload(Draft.citizen))))
    for draft in due:
        draft.reminded_at = now
        notify.notify(draft.citizen, lambda d=draft: _(
            "Your draft “%(title)s” will be deleted on %(date)s. Continue it and send it before then, or it is lost.",
            title=d.title or _("Untitled draft"), date=fmt_datetime(d.expires_at)),
            kind="draft.expiring", link="/cabinet/drafts", obj=draft, now=now)
    notify.commit()
    return len(due)


def due_to_expire(now: datetime | None = None) -> list[int]:
    """The open drafts past their expiry, oldest first."""
    now = now or utcnow()
    return list(db.session.scalars(select(Draft.id).where(Draft.status == "open", Draft.expires_at <= now)
                                   .order_by(Draft.expires_at, Draft.id)))


def expire_one(draft_id: int, now: datetime | None = None) -> int:
    """Expire one draft in its own transaction (a rerun skips it): its answers erased, its files deleted; 1 if
    it expired now, 0 if it was no longer due (saved again, sent, deleted)."""
    now = now or utcnow()
    draft = db.session.scalar(select(Draft).where(Draft.id == draft_id).with_for_update())
    if draft is None or not draft.is_open or draft.expires_at > now:
        db.session.rollback()
        return 0
    let_go = drafts.end(draft, "expired", now=now)
    db.session.commit()
    files.remove(let_go)
    return 1


# --- The resident's data ----------------------------------------------------------------------------------------


def _safe(name: str) -> str:
    """A file's original name fit for a path inside the download's zip."""
    return re.sub(r"[^\w.\- ]+", "_", os.path.basename(name.replace("\\", "/")) or "file")[:120]


def _export(user: User, add_file: mydata.AddFile) -> list[dict]:
    """The resident's open drafts with their answers and files (ended ones hold nothing of theirs any more)."""
    out = []
    for listed in my_drafts(user):
        draft = listed.draft
        out.append({
            "kind": draft.kind, "title": draft.title, "service": listed.service.code if listed.service else None,
            "saved_at": draft.updated_at, "expires_at": draft.expires_at, "answers": draft.data,
            "files": [add_file(f.stored_name, f"drafts/{draft.id}/{f.id}-{_safe(f.original_name)}")
                      for f in draft.files],
        })
    return out


def _close(user: User) -> list[str]:
    """Closing the account discards the resident's open drafts: their answers erased, their files let go."""
    let_go: list[str] = []
    for draft in db.session.scalars(select(Draft).where(Draft.citizen_id == user.id, Draft.status == "open")):
        let_go += drafts.end(draft, "discarded")
    return let_go


mydata.register_exporter("drafts", _export)
mydata.register_closer(_close)
