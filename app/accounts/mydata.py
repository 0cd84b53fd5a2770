"""A resident's own data: download everything the portal holds about them, and close the account.

The download is one zip: ``data.json`` (profile, appeals with their timelines and messages, reception
bookings, e-service applications with their timelines, notifications, commitment feedback, the reports the
resident made and any block on their taking part, the polls they took part in (never what they chose), the
poll topics they proposed, and the sections other modules register: proposals and supports, consultation comments
and answers, news subscriptions, the appeals they follow, their ratings) and the files (the appeals' attachments the resident can
see, the applications' documents, the pictures of their proposals). It is written to a temporary
file, each stored file copied into it in chunks, so a large attachment is never held in memory whole.

Closing the account erases the profile and every contact (email, phone, address) and disables sign-in. The
records the authority must keep by law (appeals, reception bookings, e-service applications) stay, with the
applicant's name as filed, and are shown as belonging to a closed account. Notifications are deleted, and the
emails sent to the address are redacted in the outbox; the registered closers delete every news subscription
to the address, the resident's proposal drafts and their follows of appeals. Both actions are audited by user id,
never by contact (and ``audit.record`` never stores a resident actor's email).
"""
from __future__ import annotations

import importlib
import json
import os
import re
import secrets
import tempfile
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import IO, Any

from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import joinedload, selectinload

from app import authz
from app.accounts.passwords import hash_password, verify_password
from app.extensions import db
from app.kit import audit, files, notify
from app.kit.errors import Invalid
from app.kit.storage import StoredFileMissing
from app.models import (
    Appeal,
    CommitmentFeedback,
    Notification,
    NotificationPreference,
    OutboxMessage,
    ReceptionBooking,
    ReceptionSession,
    ServiceApplication,
    User,
    utcnow,
)
from app.models.moderation import Report, UserBlock
from app.models.poll import PollParticipation, PollTopic

CLOSED_DOMAIN = "closed.invalid"
# Contact fields of an e-service application's applicant snapshot that go when the account closes.
APPLICANT_CONTACTS = ("email", "phone")
SAFE_NAME = re.compile(r"[^\w.\- ]+", re.UNICODE)

# ``add_file(stored_name, path_in_zip)`` puts a stored file into the download; its path there, or None if missing.
AddFile = Callable[[str, str], str | None]
# Modules that hold more of a resident's data (proposals, consultation comments, news subscriptions) add a
# section to the download and erase what they must on closing by registering here, from their own service module
# (beside their ``moderation.register_target``), keyed by the section's name.
EXPORTERS: dict[str, Callable[[User, AddFile], Any]] = {}
CLOSERS: list[Callable[[User], list[str] | None]] = []
# The service modules that register here. They import this module, so it cannot import them at its top (a cycle):
# ``_load_sections`` imports them when the download or the closing runs, so their sections are never missing even
# where no blueprint has loaded them (a command, a test of this module alone).
SECTION_MODULES = ("app.proposals.service", "app.consultations.service", "app.news.subscriptions",
                   "app.accounts.sessions", "app.alerts.service", "app.appeals.follow", "app.drafts.service",
                   "app.ratings.service", "app.queue.service")


def register_exporter(section: str, exporter: Callable[[User, AddFile], Any]) -> None:
    """Add ``section`` to the download: ``exporter(user, add_file)`` returns JSON-ready data."""
    EXPORTERS[section] = exporter


def register_closer(closer: Callable[[User], list[str] | None]) -> None:
    """Call ``closer(user)`` in the closing transaction, before the profile is erased.

    It may return the stored names of files it let go: they are deleted once the closing has committed.
    """
    if closer not in CLOSERS:
        CLOSERS.append(closer)


def _load_sections() -> None:
    for module in SECTION_MODULES:
        importlib.import_module(module)


def _by_id(user: User) -> SimpleNamespace:
    """The resident as the audit trail names them: by id only. The trail is append-only, so a contact written
    into it could never be erased when the account closes."""
    return SimpleNamespace(id=user.id, email=None)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def _safe(name: str) -> str:
    """A stored file's original name fit for a path inside the zip."""
    base = os.path.basename(name.replace("\\", "/")) or "file"
    return SAFE_NAME.sub("_", base)[:120]


# --- The download -----------------------------------------------------------------------------------------------


def _profile(user: User) -> dict:
    return {
        "id": user.id, "email": user.email, "full_name": user.full_name, "phone": user.phone,
        "address": user.address, "language": user.locale, "district": user.district.code if user.district else None,
        "email_confirmed_at": user.confirmed_at, "privacy_notice_accepted_at": user.privacy_accepted_at,
        "registered_at": user.created_at, "last_sign_in_at": user.last_login_at,
        "roles": sorted((r.role, r.district.code if r.district else None) for r in user.roles),
    }


def _appeals(user: User, add_file: Callable[[str, str], str | None]) -> list[dict]:
    rows = db.session.scalars(
        select(Appeal).where(Appeal.citizen_id == user.id)
        .options(joinedload(Appeal.district), joinedload(Appeal.category), joinedload(Appeal.department),
                 selectinload(Appeal.events), selectinload(Appeal.messages), selectinload(Appeal.attachments))
        .order_by(Appeal.created_at)).unique()
    result = []
    for appeal in rows:
        result.append({
            "number": appeal.number, "kind": appeal.kind, "source": appeal.source,
            "district": appeal.district.code, "category": appeal.category.code,
            "department": appeal.department.name_az if appeal.department else None,
            "subject": appeal.subject, "text": appeal.text, "applicant_name": appeal.applicant_name,
            "applicant_address": appeal.applicant_address, "applicant_phone": appeal.applicant_phone,
            "location": [appeal.location_lat, appeal.location_lon] if appeal.location_lat is not None else None,
            "confidential": appeal.confidential, "public_ok": appeal.public_ok, "status": appeal.status,
            "filed_at": appeal.created_at, "registered_at": appeal.registered_at, "due_at": appeal.due_at,
            "extension_days": appeal.extension_days, "extension_reason": appeal.extension_reason,
            "answered_at": appeal.answered_at, "answer": appeal.answer, "forwarded_to": appeal.forwarded_to,
            "not_considered_ground": appeal.not_considered_ground, "closed_at": appeal.closed_at,
            "rating": appeal.rating, "rating_comment": appeal.rating_comment,
            "timeline": [{"at": e.created_at, "action": e.action, "from": e.from_status, "to": e.to_status,
                          "note": e.note} for e in appeal.events if e.public],
            "messages": [{"at": m.created_at, "from": "me" if m.author_id == user.id else "authority", "text": m.body}
                         for m in appeal.messages if not m.internal],
            "attachments": [{"name": a.original_name, "type": a.content_type, "size": a.size, "sha256": a.sha256,
                             "uploaded_by": "me" if a.uploaded_by_id == user.id else "authority",
                             "file": add_file(a.stored_name, f"appeals/{appeal.number}/{a.id}-{_safe(a.original_name)}")}
                            for a in appeal.attachments if not a.internal],
        })
    return result


def _bookings(user: User) -> list[dict]:
    rows = db.session.scalars(
        select(ReceptionBooking).where(ReceptionBooking.citizen_id == user.id)
        .options(joinedload(ReceptionBooking.session).joinedload(ReceptionSession.district),
                 joinedload(ReceptionBooking.slot))
        .order_by(ReceptionBooking.created_at)).unique()
    return [{"number": b.number, "district": b.session.district.code, "place": b.session.text_in("place", user.locale),
             "starts_at": b.slot.starts_at, "ends_at": b.slot.ends_at, "queue_number": b.queue_number,
             "topic": b.topic, "status": b.status, "booked_at": b.created_at, "cancelled_at": b.cancelled_at,
             "checked_in_at": b.checked_in_at, "outcome": b.outcome,
             "appeal": db.session.get(Appeal, b.appeal_id).number if b.appeal_id else None} for b in rows]


def _applications(user: User, add_file: Callable[[str, str], str | None]) -> list[dict]:
    rows = db.session.scalars(
        select(ServiceApplication).where(ServiceApplication.citizen_id == user.id)
        .options(joinedload(ServiceApplication.service), joinedload(ServiceApplication.district),
                 selectinload(ServiceApplication.events), selectinload(ServiceApplication.documents))
        .order_by(ServiceApplication.created_at)).unique()
    return [{
        "number": a.number, "service": a.service.code, "service_title": a.service.title_az,
        "district": a.district.code, "source": a.source, "status": a.status, "answers": a.answers,
        "applicant": a.applicant, "applied_at": a.created_at, "due_at": a.due_at, "decided_at": a.decided_at,
        "refusal_reason": a.refusal_reason, "issued_at": a.issued_at, "verification_code": a.verification_code,
        "rating": a.rating, "rating_comment": a.rating_comment,
        "timeline": [{"at": e.created_at, "action": e.action, "from": e.from_status, "to": e.to_status,
                      "note": e.note} for e in a.events if e.public],
        "documents": [{"name": d.original_name, "type": d.content_type, "size": d.size, "sha256": d.sha256,
                       "field": d.field_key, "uploaded_by": "me" if d.uploaded_by_id == user.id else "authority",
                       "file": add_file(d.stored_name, f"applications/{a.number}/{d.id}-{_safe(d.original_name)}")}
                      for d in a.documents],
    } for a in rows]


def _notifications(user: User) -> list[dict]:
    rows = db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                              .order_by(Notification.created_at))
    return [{"at": n.created_at, "text": n.text, "link": n.link, "read_at": n.read_at} for n in rows]


def _feedback(user: User) -> list[dict]:
    rows = db.session.scalars(select(CommitmentFeedback).where(CommitmentFeedback.citizen_id == user.id)
                              .order_by(CommitmentFeedback.id))
    return [{"commitment_id": f.commitment_id, "delivered": f.delivered, "comment": f.comment,
             "at": f.updated_at or f.created_at} for f in rows]


def _reports(user: User) -> list[dict]:
    rows = db.session.scalars(select(Report).where(Report.reporter_id == user.id).order_by(Report.created_at))
    return [{"at": r.created_at, "content": r.target_type, "content_id": r.target_id, "reason": r.reason,
             "resolved_at": r.resolved_at, "outcome": r.outcome} for r in rows]


def _blocks(user: User) -> list[dict]:
    rows = db.session.scalars(select(UserBlock).where(UserBlock.user_id == user.id).order_by(UserBlock.created_at))
    return [{"at": b.created_at, "reason": b.reason, "until": b.ends_at, "lifted_at": b.lifted_at} for b in rows]


def _polls(user: User) -> list[dict]:
    """The polls the resident took part in and on which day (all that is kept); never what they chose."""
    rows = db.session.scalars(select(PollParticipation).where(PollParticipation.user_id == user.id)
                              .options(joinedload(PollParticipation.poll))
                              .order_by(PollParticipation.voted_on, PollParticipation.poll_id))
    return [{"poll_id": p.poll_id, "question": p.poll.question_az, "took_part_at": p.voted_on} for p in rows]


def _poll_topics(user: User) -> list[dict]:
    rows = db.session.scalars(select(PollTopic).where(PollTopic.author_id == user.id).order_by(PollTopic.created_at))
    return [{"at": t.created_at, "district": t.district.code, "direction": t.direction, "kind": t.kind,
             "question": t.question, "description": t.description, "answers": t.options, "status": t.status,
             "moderator_reason": t.reason, "poll_id": t.poll.id if t.poll else None} for t in rows]


def collect(user: User, add_file: AddFile) -> dict:
    """Everything the portal holds about ``user`` as JSON-ready data; ``add_file(stored, path)`` puts a stored
    file into the download and returns its path there (None when the file is missing)."""
    _load_sections()
    data = {
        "portal": "Rəqəmsal İcra", "generated_at": utcnow(), "profile": _profile(user),
        "appeals": _appeals(user, add_file), "reception_bookings": _bookings(user),
        "service_applications": _applications(user, add_file), "notifications": _notifications(user),
        "commitment_feedback": _feedback(user), "reports_made": _reports(user),
        "participation_blocks": _blocks(user), "poll_participation": _polls(user),
        "poll_topics_proposed": _poll_topics(user),
    }
    for section, exporter in EXPORTERS.items():
        data[section] = exporter(user, add_file)
    return data


def export(actor: User) -> IO[bytes]:
    """The actor's data as a zip in an anonymous temporary file, positioned at its start (audited).

    The file has no name on disk once returned: it disappears when closed, whatever happens to the response.
    """
    authz.require(actor, "account.data", actor)
    handle = tempfile.TemporaryFile(suffix=".zip")
    try:
        with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            def add_file(stored_name: str, path: str) -> str | None:
                try:
                    source = files.open_stored(stored_name)
                except StoredFileMissing:
                    return None
                # Copied from the storage in chunks, never read whole; a storage outage fails the whole export.
                with source, archive.open(path, "w") as target:
                    for chunk in source:
                        target.write(chunk)
                return path

            data = collect(actor, add_file)
            archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2, default=_json_default))
        audit.record("account.export", actor=_by_id(actor), obj=actor, summary=f"user {actor.id} downloaded their data")
        notify.commit()
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle


# --- Closing the account ------------------------------------------------------------------------------------------


def close_account(actor: User, password: str, now: datetime | None = None) -> None:
    """Close the actor's own account after checking the password; nothing changes when it is wrong."""
    authz.require(actor, "account.close", actor)
    if not verify_password(actor.password_hash, password or ""):
        raise Invalid({"password": _("The password is not correct.")})
    now = now or utcnow()
    email = actor.email
    _load_sections()
    let_go: list[str] = []
    for closer in CLOSERS:
        let_go.extend(closer(actor) or [])
    # Records kept by law: the phone goes, the applicant's name and address as filed stay.
    db.session.execute(update(Appeal).where(Appeal.citizen_id == actor.id).values(applicant_phone=None))
    for application in db.session.scalars(select(ServiceApplication).where(ServiceApplication.citizen_id == actor.id)):
        snapshot = dict(application.applicant or {})
        for key in APPLICANT_CONTACTS:
            snapshot.pop(key, None)
        application.applicant = snapshot  # a new dict: JSON columns notice replacement, not mutation
    db.session.execute(delete(Notification).where(Notification.user_id == actor.id))
    db.session.execute(delete(NotificationPreference).where(NotificationPreference.user_id == actor.id))
    placeholder = f"closed-{actor.id}@{CLOSED_DOMAIN}"
    # What was mailed to the address said who it was for: keep that a message went, not what or to whom.
    db.session.execute(update(OutboxMessage).where(func.lower(OutboxMessage.recipient) == email.lower())
                       .values(recipient=placeholder, subject="—", body="", attachment_names=None, error=None))
    actor.email = placeholder
    actor.full_name = ""
    actor.phone = None
    actor.address = None
    actor.district_id = None
    actor.active = False
    actor.closed_at = now
    # No password opens the account any more.
    actor.password_hash = hash_password(secrets.token_urlsafe(32))
    audit.record("account.close", actor=_by_id(actor), obj=actor, summary=f"user {actor.id} closed their account")
    notify.commit()
    files.remove(let_go)  # only now: a failed commit keeps the rows that name them

