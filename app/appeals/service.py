"""Appeal use cases: filing, the lifecycle, deadlines, messages, the scheduler's work.

Every change goes through this module. A transition is checked against the
table in ``app.authz.TRANSITIONS``, writes a timeline event, notifies whom it
concerns and commits, or changes nothing and raises a domain error.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from app import authz
from app.accountability import stats
from app.administration import reference_service as reference
from app.appeals.signals import appeal_step
from app.extensions import db
from app.kit import audit, drafts, files, notify
from app.kit.calendar import (
    BAKU,
    add_working_days,
    deadline,
    end_of_day,
    is_working_day,
    local_date,
    working_days_between,
)
from app.kit.errors import Invalid, NotAllowed, NotFound
from app.kit.i18n import fmt_datetime
from app.models import (
    KINDS,
    NOT_CONSIDERED_GROUNDS,
    OPEN_STATUSES,
    Appeal,
    AppealEvent,
    AppealMessage,
    AppealSequence,
    Attachment,
    Category,
    Department,
    District,
    Notification,
    RoleAssignment,
    User,
    utcnow,
)
from app.models.appeal import TEXT_LIMIT

# The law's deadlines, in working days (urgent: hours).
ANSWER_DAYS = 15
EXTRA_STUDY_DAYS = 30
MAX_EXTENSION_DAYS = 30
FORWARD_DAYS = 3
NOT_CONSIDERED_DAYS = 5
URGENT_HOURS = 24
AUTOCLOSE_DAYS = 10
DISPUTE_CALENDAR_DAYS = 30
SUBJECT_LIMIT = 200

STATUS_LABELS = {
    "submitted": _l("Submitted"),
    "registered": _l("Registered"),
    "in_progress": _l("In progress"),
    "info_requested": _l("Information requested"),
    "answered": _l("Answered"),
    "closed": _l("Closed"),
    "reopened": _l("Reopened"),
    "forwarded": _l("Forwarded"),
    "not_considered": _l("Not considered"),
}
KIND_LABELS = {
    "application": _l("Application"),
    "proposal": _l("Proposal"),
    "complaint": _l("Complaint"),
}
GROUND_LABELS = {
    "anonymous": _l("Anonymous: the applicant's name or contact is missing"),
    "repeated": _l("Repeated without new facts"),
    "court_decision": _l("A court decision in force settles the matter"),
    "withdrawn": _l("Withdrawn by the applicant"),
    "no_substance": _l("The appeal states no request, proposal or complaint"),
}
ACTION_LABELS = {
    "filed": _l("Appeal received"),
    "registered": _l("Registered"),
    "assigned": _l("Assigned"),
    "started": _l("Taken into work"),
    "info_requested": _l("Information requested from the applicant"),
    "info_provided": _l("The applicant provided information"),
    "answered": _l("Answered"),
    "forwarded": _l("Forwarded to the competent body"),
    "not_considered": _l("Left without consideration"),
    "withdrawn": _l("Withdrawn by the applicant"),
    "rated": _l("Answer rated"),
    # Never shown on a timeline (its note holds the marks): the rollups read it (app/accountability/stats.py).
    stats.RATING_CHANGED: _l("Rating changed"),
    "closed": _l("Closed"),
    "disputed": _l("Answer disputed; appeal reopened"),
    "resumed": _l("Taken into work again"),
    "extended": _l("Deadline extended"),
    "extra_study": _l("Marked as needing extra study"),
    "urgent": _l("Marked as urgent"),
    "escalated": _l("Overdue: escalated to the head"),
    "note": _l("Internal note"),
    # Internal steps (app/appeals/cases.py); the note names the other appeals.
    "linked": _l("Linked with other appeals on the same matter"),
    "unlinked": _l("Unlinked from appeals on the same matter"),
}


@dataclass
class AppealInput:
    """What a resident submits on the filing form."""

    district_id: int | None
    category_id: int | None
    kind: str
    subject: str
    text: str
    applicant_name: str
    applicant_address: str = ""
    applicant_phone: str = ""
    location_lat: float | None = None
    location_lon: float | None = None
    confidential: bool = False
    public_ok: bool = False
    submission_token: str | None = None
    locale: str = "az"
    source: str = "web"
    attachments: list = field(default_factory=list)
    # The Open311 key a machine client filed with (source "api"): the rulebook's "appeal.file" then lets the key's
    # holder vouch for an appellant whose email is not confirmed (app/open311/).
    api_key: object | None = None
    # The resident's open draft this was checked from ("check your answers"): its stored files become the appeal's
    # attachments and it ends as submitted, in the filing's transaction (app/kit/drafts.py).
    draft_id: int | None = None
    # A web form sent in one go, without a draft: a submitted draft is recorded so it counts as a started form.
    record_draft: bool = False


# --- Numbering -----------------------------------------------------------------


def next_number(district: District, year: int) -> str:
    """Issue the next registration number of ``district`` for ``year``: ``CODE-YEAR-NNNNNN``.

    The counter row is created if missing and incremented with one UPDATE, which
    locks the row until the transaction ends: concurrent filings wait for each
    other and get consecutive numbers, and a rolled-back filing gives its number back.
    """
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(AppealSequence).values(district_id=district.id, year=year, last=0).on_conflict_do_nothing()
    )
    last = db.session.execute(
        update(AppealSequence)
        .where(AppealSequence.district_id == district.id, AppealSequence.year == year)
        .values(last=AppealSequence.last + 1)
        .returning(AppealSequence.last)
    ).scalar_one()
    return f"{district.code}-{year}-{last:06d}"


# --- Filing ----------------------------------------------------------------------


def _validate_input(data: AppealInput) -> tuple[District, Category]:
    errors: dict[str | None, str] = {}
    district = db.session.get(District, data.district_id) if data.district_id else None
    if district is None or not district.active:
        errors["district_id"] = _("Choose a district from the list.")
    category = db.session.get(Category, data.category_id) if data.category_id else None
    if category is None or not category.active:
        errors["category_id"] = _("Choose a category from the list.")
    if data.kind not in KINDS:
        errors["kind"] = _("Choose whether this is an application, a proposal or a complaint.")
    if not data.subject.strip():
        errors["subject"] = _("Write the subject of your appeal.")
    elif len(data.subject) > SUBJECT_LIMIT:
        errors["subject"] = _("Use at most %(max)d characters.", max=SUBJECT_LIMIT)
    if not data.text.strip():
        errors["text"] = _("Write your appeal.")
    elif len(data.text) > TEXT_LIMIT:
        errors["text"] = _("The text has %(n)d characters; at most %(max)d are allowed.", n=len(data.text), max=TEXT_LIMIT)
    # The law on citizens' appeals does not accept anonymous appeals.
    if not data.applicant_name.strip():
        errors["applicant_name"] = _("The law does not accept anonymous appeals: write your full name.")
    if not (data.applicant_address.strip() or data.applicant_phone.strip()):
        errors["applicant_address"] = _(
            "The law does not accept anonymous appeals: give your address or a phone number so the authority can answer you."
        )
    if (data.location_lat is None) != (data.location_lon is None):
        errors["location_lat"] = _("Give both the latitude and the longitude, or neither.")
    elif data.location_lat is not None and not (-90 <= data.location_lat <= 90 and -180 <= data.location_lon <= 180):
        errors["location_lat"] = _("The map point is not a valid position.")
    if errors:
        raise Invalid(errors)
    return district, category


def _existing_submission(citizen_id: int, token: str | None) -> Appeal | None:
    if not token:
        return None
    return db.session.scalar(select(Appeal).where(Appeal.citizen_id == citizen_id, Appeal.submission_token == token))


def check_appeal(actor: User, data: AppealInput) -> None:
    """The checks of ``file_appeal`` without filing (the "Continue" to the check page); ``Invalid`` beside the
    fields. The files are checked when the draft keeps them."""
    authz.require(actor, "appeal.file", data)
    _validate_input(data)


def file_appeal(actor: User, data: AppealInput, now: datetime | None = None) -> Appeal:
    """A resident files an appeal: it gets its number and deadline at once, and the resident an email.

    Sending the same form twice (same submission token) returns the first appeal.
    """
    authz.require(actor, "appeal.file", data)
    existing = _existing_submission(actor.id, data.submission_token)
    if existing is not None:
        return existing
    district, category = _validate_input(data)
    checked = files.check_uploads(data.attachments)
    try:
        draft = drafts.get_own(actor, data.draft_id, "appeal", lock=True) if data.draft_id is not None else None
    except drafts.DraftEnded:
        # Sent meanwhile by a simultaneous request (a double click): the draft's row lock made this one wait.
        existing = _existing_submission(actor.id, data.submission_token)
        if existing is not None:
            return existing
        raise
    if draft is not None and len(checked) + len(draft.files) > files.MAX_FILES:
        raise Invalid({"attachments": _("Attach at most %(n)d files.", n=files.MAX_FILES)})
    now = now or utcnow()
    stored: list[str] = []
    try:
        due = deadline(now, ANSWER_DAYS)
        appeal = Appeal(
            number=next_number(district, local_date(now).year),
            kind=data.kind,
            source=data.source,
            district_id=district.id,
            category_id=category.id,
            # The district's department of the kind the category goes to by default; officials may change it.
            department_id=reference.default_department_id(district.id, category),
            citizen_id=actor.id,
            subject=data.subject.strip(),
            text=data.text.strip(),
            applicant_name=data.applicant_name.strip(),
            applicant_address=data.applicant_address.strip() or None,
            applicant_phone=data.applicant_phone.strip() or None,
            location_lat=data.location_lat,
            location_lon=data.location_lon,
            confidential=data.confidential,
            public_ok=data.public_ok and not data.confidential,
            locale=data.locale,
            submission_token=data.submission_token,
            status="submitted",
            created_at=now,
            registered_at=now,
            due_at=due,
            initial_due_at=due,
        )
        db.session.add(appeal)
        db.session.flush()
        _event(appeal, actor, "filed", None, "submitted", now=now)
        for item in checked:
            name = files.write(item)
            stored.append(name)
            db.session.add(_attachment(appeal, actor, item, name))
        if draft is not None:
            # The draft's files were stored when it was saved: they become the attachments as they are.
            for pending in draft.files:
                db.session.add(_attachment(appeal, actor, pending, pending.stored_name))
            drafts.end(draft, "submitted", appeal_id=appeal.id, now=now)
        elif data.record_draft:
            drafts.record_submitted(actor, "appeal", district_id=district.id, category_id=category.id,
                                    title=appeal.subject, appeal_id=appeal.id, now=now)
        notify.notify(
            actor,
            lambda: _("Your appeal %(number)s is received. The answer is due by %(due)s.",
                      number=appeal.number, due=fmt_datetime(appeal.due_at)),
            kind="appeal.received",
            link=f"/cabinet/appeals/{appeal.id}",
            obj=appeal,
        )
        # Work arriving: the district's officials (its head when it has none) find it in their inbox.
        notify.notify_all(
            [person for person in _inbox_staff(appeal.district_id) if person.id != actor.id],
            lambda: _("A new appeal %(number)s arrived in the inbox: %(subject)s", number=appeal.number,
                      subject=appeal.subject),
            kind="appeal.filed", link=_office_link(appeal), obj=appeal,
        )
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        files.remove(stored)
        existing = _existing_submission(actor.id, data.submission_token)
        if existing is not None:
            return existing
        raise
    except files.StorageUnavailable:
        # All or nothing: no appeal, no attachment row, no file of this request is kept.
        db.session.rollback()
        files.remove(stored)
        raise files.storage_failed("attachments") from None
    except Exception:
        db.session.rollback()
        files.remove(stored)
        raise
    return appeal


def _attachment(appeal: Appeal, actor: User, item, stored_name: str, internal: bool = False) -> Attachment:
    # ``item``: a checked upload, or a draft's file stored before (both carry the name, type, size and hash).
    return Attachment(
        appeal_id=appeal.id,
        uploaded_by_id=actor.id,
        original_name=item.original_name,
        stored_name=stored_name,
        content_type=item.content_type,
        size=item.size,
        sha256=item.sha256,
        internal=internal,
    )


# --- Loading ---------------------------------------------------------------------


def get_for(actor: User | None, appeal_id: int, *, lock: bool = False) -> Appeal:
    """The appeal, if ``actor`` may see it; otherwise ``NotFound`` (its existence is not revealed)."""
    query = select(Appeal).where(Appeal.id == appeal_id)
    if lock:
        query = query.with_for_update()
    appeal = db.session.scalar(query)
    if appeal is None or (actor is not None and not authz.can(actor, "appeal.view", appeal)):
        raise NotFound("appeal")
    return appeal


def _event(appeal: Appeal, actor: User | None, action: str, from_status: str | None, to_status: str,
           note: str | None = None, public: bool = True, now: datetime | None = None) -> AppealEvent:
    event = AppealEvent(
        appeal_id=appeal.id,
        actor_id=actor.id if actor else None,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        public=public,
        created_at=now or utcnow(),
        due_at=appeal.due_at,
    )
    db.session.add(event)
    # The accountability rollups change in the same transaction as the appeal.
    stats.on_event(appeal, event)
    # Followers and area alerts hear of the step in the same transaction (app/appeals/signals.py).
    appeal_step.send(appeal, event=event)
    if actor is None or actor.id != appeal.citizen_id:
        _audit(appeal, actor, action, from_status, to_status)
    return event


# Timeline steps that are not a plain status change, as audit actions; the others are "appeal.status".
AUDIT_ACTIONS = {
    "filed": "appeal.file", "answered": "appeal.answer", "assigned": "appeal.assign", "extended": "appeal.extend",
    "extra_study": "appeal.extra_study", "urgent": "appeal.urgent", "note": "appeal.note",
    "escalated": "appeal.escalate", "linked": "appeal.link", "unlinked": "appeal.unlink",
}


def _audit(appeal: Appeal, actor: User | None, action: str, from_status: str | None, to_status: str) -> None:
    """A step taken by staff (or the scheduler) goes into the audit trail; the applicant's own steps do not."""
    after = {"status": to_status, "step": action, "due_at": appeal.due_at, "assignee_id": appeal.assignee_id}
    audit.record(
        AUDIT_ACTIONS.get(action, "appeal.status"), actor=actor, obj=appeal,
        summary=f"{appeal.number}: {action}" + (f" ({from_status} → {to_status})" if from_status != to_status else ""),
        before={"status": from_status} if from_status != to_status else None, after=after,
    )


def _staff_to_tell(appeal: Appeal) -> list[User]:
    """Who on the authority's side hears of the applicant's moves: the assignee, else the district's officials."""
    if appeal.assignee is not None:
        return [appeal.assignee]
    return list(
        db.session.scalars(
            select(User)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(RoleAssignment.district_id == appeal.district_id, RoleAssignment.role.in_(authz.STAFF), User.active.is_(True))
            .distinct()
        )
    )


def _heads(district_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(RoleAssignment.district_id == district_id, RoleAssignment.role == "head", User.active.is_(True))
        )
    )


def _citizen_link(appeal: Appeal) -> str:
    return f"/cabinet/appeals/{appeal.id}"


def _office_link(appeal: Appeal) -> str:
    return f"/office/appeals/{appeal.id}"


def _inbox_staff(district_id: int) -> list[User]:
    """Who hears of a new appeal in a district's inbox: its active officials; its heads when it has none."""
    officials = list(
        db.session.scalars(
            select(User)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(RoleAssignment.district_id == district_id, RoleAssignment.role == "official", User.active.is_(True))
            .distinct()
        )
    )
    return officials or _heads(district_id)


def _tell_citizen(appeal: Appeal, kind: str, text_factory) -> None:
    notify.notify(appeal.citizen, text_factory, kind=kind, link=_citizen_link(appeal), obj=appeal)


def _tell_staff(appeal: Appeal, kind: str, text_factory, actor: User | None = None,
                extra: list[User] = (), now: datetime | None = None) -> list[Notification]:
    people = [p for p in [*_staff_to_tell(appeal), *extra] if actor is None or p.id != actor.id]
    return notify.notify_all(people, text_factory, kind=kind, link=_office_link(appeal), obj=appeal, now=now)



# --- Transitions -------------------------------------------------------------------


@dataclass
class StepData:
    """Everything a transition may need; each target status reads what concerns it."""

    note: str = ""
    answer: str = ""
    forwarded_to: str = ""
    ground: str = ""
    rating: int | None = None
    comment: str = ""
    department_id: int | None = None
    attachments: list = field(default_factory=list)


def _require_text(value: str, field_name: str, message: str, limit: int = TEXT_LIMIT) -> str:
    value = (value or "").strip()
    if not value:
        raise Invalid({field_name: message})
    if len(value) > limit:
        raise Invalid({field_name: _("Use at most %(max)d characters.", max=limit)})
    return value


def transition(actor: User | None, appeal_id: int, to_status: str, data: StepData | None = None,
               now: datetime | None = None, *, commit: bool = True) -> Appeal:
    """Move an appeal to ``to_status`` if the table allows ``actor`` to, with what that step needs.

    ``actor`` None is the scheduler. Raises ``NotFound`` (not visible), ``Invalid``
    (no such step from the current status, or missing data) or ``NotAllowed``. With ``commit`` False the step
    joins the caller's transaction, which commits or rolls back several steps together (app/appeals/cases.py).
    """
    data = data or StepData()
    now = now or utcnow()
    appeal = get_for(actor, appeal_id, lock=True)
    from_status = appeal.status
    if (from_status, to_status) not in authz.TRANSITIONS:
        raise Invalid({None: _("An appeal with status “%(status)s” cannot become “%(target)s”.",
                               status=STATUS_LABELS[from_status], target=STATUS_LABELS.get(to_status, to_status))})
    authz.require(actor, "appeal.transition", (appeal, to_status))
    roles = authz.appeal_roles(actor, appeal)
    as_citizen = "citizen" in roles and not (roles & authz.STAFF & authz.TRANSITIONS[(from_status, to_status)])
    try:
        _STEPS[to_status](actor, appeal, data, now, as_citizen)
        if commit:
            notify.commit()
    except files.StorageUnavailable:
        _discard_stored_files()
        raise files.storage_failed("attachments") from None
    except Exception:
        if db.session.info.get("stored_files"):
            # A step that wrote files (the applicant's reply) and then failed keeps none of them.
            _discard_stored_files()
        raise
    db.session.info.pop("stored_files", None)
    return appeal


def _move(appeal: Appeal, actor: User | None, to_status: str, action: str, note: str | None, now: datetime,
          public: bool = True) -> None:
    from_status = appeal.status
    appeal.status = to_status
    appeal.updated_at = now
    _event(appeal, actor, action, from_status, to_status, note=note, public=public, now=now)


def _to_registered(actor, appeal, data: StepData, now, as_citizen) -> None:
    if data.department_id is not None:
        department = db.session.get(Department, data.department_id)
        if (department is None or department.district_id != appeal.district_id
                or not (department.active or department.id == appeal.department_id)):
            raise Invalid({"department_id": _("Choose a department of this district.")})
        appeal.department_id = department.id
    _move(appeal, actor, "registered", "registered", None, now)
    _tell_citizen(appeal, "appeal.status", lambda: _("Your appeal %(number)s is registered. The answer is due by %(due)s.",
                                    number=appeal.number, due=fmt_datetime(appeal.due_at)))


def _to_in_progress(actor, appeal, data: StepData, now, as_citizen) -> None:
    if as_citizen:
        # The applicant answers the information request.
        reply = _require_text(data.note, "note", _("Write the information that was requested."))
        _add_message(appeal, actor, reply, data.attachments, internal=False, now=now)
        _move(appeal, actor, "in_progress", "info_provided", None, now)
        _tell_staff(appeal, "appeal.applicant", lambda: _("The applicant answered the information request on appeal %(number)s.",
                                      number=appeal.number), actor)
        return
    resumed = appeal.status == "reopened"
    if appeal.assignee_id is None:
        appeal.assignee_id = actor.id
    _move(appeal, actor, "in_progress", "resumed" if resumed else "started", data.note.strip() or None, now)
    _tell_citizen(appeal, "appeal.status", lambda: _("Your appeal %(number)s is being worked on.", number=appeal.number))


def _to_info_requested(actor, appeal, data: StepData, now, as_citizen) -> None:
    question = _require_text(data.note, "note", _("Write what information the applicant should give."))
    _move(appeal, actor, "info_requested", "info_requested", question, now)
    _tell_citizen(appeal, "appeal.info_requested", lambda: _("More information is needed for your appeal %(number)s: %(question)s",
                                    number=appeal.number, question=question))


def _to_answered(actor, appeal, data: StepData, now, as_citizen) -> None:
    answer = _require_text(data.answer, "answer", _("Write the answer."))
    appeal.answer = answer
    appeal.answered_at = now
    _move(appeal, actor, "answered", "answered", None, now)
    _tell_citizen(appeal, "appeal.answered", lambda: _("Your appeal %(number)s has been answered. Please read the answer and rate it.",
                                    number=appeal.number))


def _to_forwarded(actor, appeal, data: StepData, now, as_citizen) -> None:
    body = _require_text(data.forwarded_to, "forwarded_to", _("Name the competent body the appeal is forwarded to."), 300)
    appeal.forwarded_to = body
    # The law gives 3 working days from registration to forward; keep that deadline for accountability.
    appeal.due_at = deadline(appeal.registered_at, FORWARD_DAYS)
    appeal.closed_at = now
    _move(appeal, actor, "forwarded", "forwarded", body, now)
    _tell_citizen(appeal, "appeal.status", lambda: _("Your appeal %(number)s is outside the competence of this authority and was forwarded to: %(body)s.",
                                    number=appeal.number, body=body))


def _to_not_considered(actor, appeal, data: StepData, now, as_citizen) -> None:
    if as_citizen:
        appeal.not_considered_ground = "withdrawn"
        appeal.closed_at = now
        _move(appeal, actor, "not_considered", "withdrawn", data.note.strip() or None, now)
        _tell_staff(appeal, "appeal.applicant", lambda: _("The applicant withdrew appeal %(number)s.", number=appeal.number), actor)
        return
    if data.ground not in NOT_CONSIDERED_GROUNDS or data.ground == "withdrawn":
        raise Invalid({"ground": _("Choose the legal ground for not considering the appeal.")})
    explanation = _require_text(data.note, "note", _("Explain the decision to the applicant."))
    appeal.not_considered_ground = data.ground
    # The applicant must be told why within 5 working days of registration.
    appeal.due_at = deadline(appeal.registered_at, NOT_CONSIDERED_DAYS)
    appeal.closed_at = now
    _move(appeal, actor, "not_considered", "not_considered", explanation, now)
    _tell_citizen(appeal, "appeal.status", lambda: _("Your appeal %(number)s was left without consideration: %(ground)s. %(note)s",
                                    number=appeal.number, ground=GROUND_LABELS[appeal.not_considered_ground], note=explanation))


def _to_closed(actor, appeal, data: StepData, now, as_citizen) -> None:
    if actor is None:
        appeal.closed_at = now
        _move(appeal, None, "closed", "closed", None, now)
        _tell_citizen(appeal, "appeal.status", lambda: _("Your appeal %(number)s is closed: %(days)d working days passed since the answer.",
                                        number=appeal.number, days=AUTOCLOSE_DAYS))
        return
    if data.rating is None or not 1 <= data.rating <= 5:
        raise Invalid({"rating": _("Choose a rating from 1 to 5.")})
    if len(data.comment) > 2000:
        raise Invalid({"comment": _("Use at most %(max)d characters.", max=2000)})
    if appeal.rating is not None:
        # Rated before a dispute: the new answer is rated afresh, and the earlier mark leaves the rollups.
        _rating_changed(appeal, actor, None, now)
    appeal.rating = data.rating
    appeal.rating_comment = data.comment.strip() or None
    appeal.rated_at = now
    appeal.closed_at = now
    _move(appeal, actor, "closed", "rated", None, now)
    # Staff hear that the applicant closed the appeal, never the mark: one rating among few would name its author.
    _tell_staff(appeal, "appeal.applicant", lambda: _("The applicant closed appeal %(number)s after reading the answer.",
                                  number=appeal.number), actor)


def _rating_changed(appeal: Appeal, actor: User, new: int | None, now: datetime) -> None:
    """Record that the appeal's overall mark changes to ``new`` (None: withdrawn) on a step only the rollups read."""
    rated_on = db.session.scalar(select(func.max(AppealEvent.created_at))
                                 .where(AppealEvent.appeal_id == appeal.id, AppealEvent.action == "rated"))
    note = stats.rating_change_note(appeal.rating, new, local_date(rated_on or appeal.rated_at or now))
    _event(appeal, actor, stats.RATING_CHANGED, appeal.status, appeal.status, note=note, public=False, now=now)


def rate_closed(actor: User, appeal: Appeal, rating: int, comment: str | None, now: datetime) -> None:
    """The applicant rates the answer of an appeal already closed (closed by itself after the answer, or rated
    before): a first rating is the "rated" step, a different mark a "rating_changed" step. Joins the caller's
    transaction (app/ratings/service.py checks who may rate and until when)."""
    authz.require(actor, "appeal.citizen", appeal)
    if appeal.status != "closed" or appeal.answered_at is None:
        raise Invalid({None: _("You can rate the answer once the authority has answered your appeal.")})
    if appeal.rating is None:
        appeal.rating, appeal.rating_comment, appeal.rated_at = rating, comment, now
        _event(appeal, actor, "rated", appeal.status, appeal.status, now=now)
        return
    if rating != appeal.rating:
        _rating_changed(appeal, actor, rating, now)
    appeal.rating, appeal.rating_comment = rating, comment


def _to_reopened(actor, appeal, data: StepData, now, as_citizen) -> None:
    if appeal.answered_at is None or now - appeal.answered_at > timedelta(days=DISPUTE_CALENDAR_DAYS):
        raise Invalid({None: _("An answer can be disputed within %(days)d days; that time has passed.",
                               days=DISPUTE_CALENDAR_DAYS)})
    reason = _require_text(data.note, "note", _("Explain why you dispute the answer."))
    appeal.reopen_count += 1
    appeal.closed_at = None
    appeal.escalated_at = None
    # A reopened appeal is examined again within the general deadline.
    appeal.due_at = deadline(now, ANSWER_DAYS)
    _move(appeal, actor, "reopened", "disputed", reason, now)
    _tell_staff(appeal, "appeal.applicant", lambda: _("The applicant disputed the answer to appeal %(number)s; it is reopened.",
                                  number=appeal.number), actor, extra=_heads(appeal.district_id))


_STEPS = {
    "registered": _to_registered,
    "in_progress": _to_in_progress,
    "info_requested": _to_info_requested,
    "answered": _to_answered,
    "forwarded": _to_forwarded,
    "not_considered": _to_not_considered,
    "closed": _to_closed,
    "reopened": _to_reopened,
}


# --- Other actions -------------------------------------------------------------------


def _require_open(appeal: Appeal) -> None:
    if appeal.status not in OPEN_STATUSES:
        raise Invalid({None: _("This appeal is no longer open.")})


def colleagues(district_id: int) -> list[User]:
    """The active officials and heads of a district, by name (for assignment)."""
    return list(
        db.session.scalars(
            select(User)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(RoleAssignment.district_id == district_id, RoleAssignment.role.in_(authz.STAFF), User.active.is_(True))
            .distinct()
            .order_by(User.full_name)
        )
    )


def assign(actor: User, appeal_id: int, assignee_id: int, now: datetime | None = None) -> Appeal:
    """Assign the appeal to an official of its district; a registered or reopened appeal goes into work."""
    now = now or utcnow()
    appeal = get_for(actor, appeal_id, lock=True)
    authz.require(actor, "appeal.work", appeal)
    _require_open(appeal)
    assignee = next((u for u in colleagues(appeal.district_id) if u.id == assignee_id), None)
    if assignee is None:
        raise Invalid({"assignee_id": _("Choose an official of this district.")})
    appeal.assignee_id = assignee.id
    appeal.assignee = assignee
    _event(appeal, actor, "assigned", appeal.status, appeal.status, note=assignee.full_name, public=False, now=now)
    if appeal.status in ("registered", "reopened"):
        resumed = appeal.status == "reopened"
        _move(appeal, actor, "in_progress", "resumed" if resumed else "started", None, now)
        _tell_citizen(appeal, "appeal.status",
                      lambda: _("Your appeal %(number)s is being worked on.", number=appeal.number))
    if assignee.id != actor.id:
        notify.notify(assignee, lambda: _("Appeal %(number)s is assigned to you. Due by %(due)s.",
                                          number=appeal.number, due=fmt_datetime(appeal.due_at)),
                      kind="appeal.assigned", link=_office_link(appeal), obj=appeal)
    notify.commit()
    return appeal


def extend(actor: User, appeal_id: int, days: int | None, reason: str, now: datetime | None = None) -> Appeal:
    """The head extends the deadline once, by at most 30 working days, with a reason the applicant is told."""
    now = now or utcnow()
    appeal = get_for(actor, appeal_id, lock=True)
    authz.require(actor, "appeal.head", appeal)
    _require_open(appeal)
    if appeal.extended_at is not None:
        raise Invalid({None: _("The deadline of this appeal was already extended once.")})
    if days is None or not 1 <= days <= MAX_EXTENSION_DAYS:
        raise Invalid({"days": _("Extend by 1 to %(max)d working days.", max=MAX_EXTENSION_DAYS)})
    reason = _require_text(reason, "reason", _("Give the reason for the extension; the applicant is told."), 2000)
    appeal.due_at = end_of_day(add_working_days(local_date(appeal.due_at), days))
    appeal.extended_at, appeal.extension_days, appeal.extension_reason = now, days, reason
    appeal.escalated_at = None
    _event(appeal, actor, "extended", appeal.status, appeal.status, note=reason, now=now)
    _tell_citizen(appeal, "appeal.deadline", lambda: _("The deadline of your appeal %(number)s is extended to %(due)s. Reason: %(reason)s",
                                    number=appeal.number, due=fmt_datetime(appeal.due_at), reason=reason))
    notify.commit()
    return appeal


def mark_extra_study(actor: User, appeal_id: int, now: datetime | None = None) -> Appeal:
    """The head marks an appeal as needing extra study or checks: 30 working days from registration."""
    now = now or utcnow()
    appeal = get_for(actor, appeal_id, lock=True)
    authz.require(actor, "appeal.head", appeal)
    _require_open(appeal)
    if appeal.extra_study or appeal.extended_at is not None or appeal.urgent:
        raise Invalid({None: _("This appeal's deadline can no longer be changed this way.")})
    appeal.extra_study = True
    appeal.due_at = appeal.initial_due_at = deadline(appeal.registered_at, EXTRA_STUDY_DAYS)
    appeal.escalated_at = None
    _event(appeal, actor, "extra_study", appeal.status, appeal.status, now=now)
    _tell_citizen(appeal, "appeal.deadline", lambda: _("Your appeal %(number)s needs extra study; the answer is due by %(due)s.",
                                    number=appeal.number, due=fmt_datetime(appeal.due_at)))
    notify.commit()
    return appeal


def mark_urgent(actor: User, appeal_id: int, now: datetime | None = None) -> Appeal:
    """An official marks an appeal whose information would lose its value: due 24 hours after registration."""
    now = now or utcnow()
    appeal = get_for(actor, appeal_id, lock=True)
    authz.require(actor, "appeal.work", appeal)
    _require_open(appeal)
    if appeal.urgent or appeal.extra_study or appeal.extended_at is not None:
        raise Invalid({None: _("This appeal's deadline can no longer be changed this way.")})
    appeal.urgent = True
    appeal.due_at = appeal.initial_due_at = appeal.registered_at + timedelta(hours=URGENT_HOURS)
    _event(appeal, actor, "urgent", appeal.status, appeal.status, now=now)
    notify.commit()
    return appeal


def _discard_stored_files() -> None:
    """Roll the transaction back and delete the files it stored (best effort): no row names a missing file."""
    db.session.rollback()
    files.remove(db.session.info.pop("stored_files", []))


def _add_message(appeal: Appeal, actor: User, body: str, uploads, internal: bool, now: datetime) -> AppealMessage:
    # The names stored so far are kept in the session: the use case deletes them if its transaction fails.
    checked = files.check_uploads(uploads)
    message = AppealMessage(appeal_id=appeal.id, author_id=actor.id, body=body, internal=internal, created_at=now)
    db.session.add(message)
    stored = db.session.info.setdefault("stored_files", [])
    for item in checked:
        name = files.write(item)
        stored.append(name)
        db.session.add(_attachment(appeal, actor, item, name, internal=internal))
    return message


def post_message(actor: User, appeal_id: int, body: str, uploads=(), internal: bool = False,
                 now: datetime | None = None) -> AppealMessage:
    """A message between applicant and officials, or (officials only) an internal note."""
    now = now or utcnow()
    appeal = get_for(actor, appeal_id, lock=True)
    staff = authz.can(actor, "appeal.work", appeal)
    if internal and not authz.can(actor, "appeal.internal", appeal):
        raise NotAllowed("appeal.internal")
    if not staff and not authz.can(actor, "appeal.citizen", appeal):
        raise NotAllowed("appeal.message")
    if appeal.status in ("closed", "forwarded", "not_considered") and not internal:
        raise Invalid({None: _("This appeal is closed; messages can no longer be sent.")})
    body = _require_text(body, "body", _("Write a message."), 5000)
    try:
        message = _add_message(appeal, actor, body, uploads, internal, now)
        if internal:
            _event(appeal, actor, "note", appeal.status, appeal.status, public=False, now=now)
        elif staff:
            audit.record("appeal.message", actor=actor, obj=appeal,
                         summary=f"{appeal.number}: message to the applicant")
            _tell_citizen(appeal, "appeal.message", lambda: _("New message from the authority on your appeal %(number)s.", number=appeal.number))
        else:
            _tell_staff(appeal, "appeal.applicant", lambda: _("New message from the applicant on appeal %(number)s.", number=appeal.number), actor)
        notify.commit()
    except files.StorageUnavailable:
        _discard_stored_files()
        raise files.storage_failed("attachments") from None
    except Exception:
        _discard_stored_files()
        raise
    db.session.info.pop("stored_files", None)
    return message


# --- The scheduler ---------------------------------------------------------------------


def escalate_overdue(now: datetime | None = None) -> int:
    """Flag open appeals past their deadline, telling the assignee and the head; once per deadline."""
    now = now or utcnow()
    overdue = db.session.scalars(
        select(Appeal).where(Appeal.status.in_(OPEN_STATUSES), Appeal.due_at < now, Appeal.escalated_at.is_(None))
    ).all()
    for appeal in overdue:
        appeal.escalated_at = now
        _event(appeal, None, "escalated", appeal.status, appeal.status, public=False, now=now)
        _tell_staff(appeal, "appeal.overdue", lambda a=appeal: _("Appeal %(number)s is overdue: it was due by %(due)s.",
                                               number=a.number, due=fmt_datetime(a.due_at)),
                    extra=_heads(appeal.district_id))
    notify.commit()
    return len(overdue)


def _last_day_starts(due_at: datetime) -> datetime:
    """When an appeal due at ``due_at`` has one working day left: the start of the working day before its due day."""
    day = local_date(due_at) - timedelta(days=1)
    while not is_working_day(day):
        day -= timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=BAKU)


def warn_due_soon(now: datetime | None = None) -> int:
    """Tell whoever works an open appeal that it has one working day left (the assignee, else the district's
    officials), once per deadline: an extended deadline is warned of again. How many appeals were warned of."""
    now = now or utcnow()
    until = end_of_day(add_working_days(local_date(now), 1))
    near = db.session.scalars(
        select(Appeal).where(Appeal.status.in_(OPEN_STATUSES), Appeal.due_at >= now, Appeal.due_at <= until,
                             Appeal.escalated_at.is_(None))
    ).all()
    if not near:
        return 0
    # The last warning of each, in one statement: a warning given since the last day began is for this deadline.
    warned = dict(db.session.execute(
        select(Notification.object_id, func.max(Notification.created_at))
        .where(Notification.object_type == "appeal", Notification.object_id.in_([a.id for a in near]),
               Notification.kind == "appeal.due_soon")
        .group_by(Notification.object_id)
    ).all())
    count = 0
    for appeal in near:
        last = warned.get(appeal.id)
        if last is not None and last >= _last_day_starts(appeal.due_at):
            continue
        if _tell_staff(appeal, "appeal.due_soon", lambda a=appeal: _(
                "Appeal %(number)s has one working day left: it is due by %(due)s.",
                number=a.number, due=fmt_datetime(a.due_at)), now=now):
            count += 1
    notify.commit()
    return count


def autoclose(now: datetime | None = None) -> int:
    """Close answered appeals that nobody disputed within 10 working days of the answer."""
    now = now or utcnow()
    today = local_date(now)
    # Only answers at least 10 calendar days old can have 10 working days behind them.
    candidates = db.session.scalars(
        select(Appeal.id).where(Appeal.status == "answered", Appeal.answered_at < now - timedelta(days=AUTOCLOSE_DAYS))
    ).all()
    closed = 0
    for appeal_id in candidates:
        appeal = db.session.get(Appeal, appeal_id)
        if working_days_between(local_date(appeal.answered_at), today) >= AUTOCLOSE_DAYS:
            transition(None, appeal_id, "closed", now=now)
            closed += 1
    return closed
