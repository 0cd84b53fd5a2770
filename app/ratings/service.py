"""Rating use cases: a resident rates an answered appeal, an e-service result or a served queue ticket on the ASAN
criteria, and may change the rating while the case is open to dispute.

One row per rated thing (``Rating``). Each kind of thing has an adapter in ``ADAPTERS`` that says whose it is,
whether it may be rated now, its district and service, and until when the rating may be given or changed:

- an appeal: answered (or closed after its answer), until ``appeals.DISPUTE_CALENDAR_DAYS`` days after the answer;
- an application: issued or refused, until the same number of days after the decision (issue or refusal);
- a ticket: served, until ``TICKET_DAYS`` days after it was served.

An appeal's first rating still closes it through the appeals lifecycle (the "rated" step), and the appeal's own
``rating`` / ``rating_comment`` / ``rated_at`` (which feed the accountability rollups) and an application's are kept
equal to the rating's overall mark. A changed overall mark of an appeal is a non-public "rating_changed" step that
the rollups read (``app.accountability.stats.contribution``).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from app import authz
from app.accounts import mydata
from app.appeals import service as appeals
from app.extensions import db
from app.kit import notify
from app.kit.errors import Invalid, NotFound
from app.models import (
    CRITERIA,
    MARKS,
    RATED_KINDS,
    Appeal,
    QueueTicket,
    Rating,
    ServiceApplication,
    User,
    utcnow,
)
from app.models.rating import COMMENT_LIMIT

# How long after a served ticket its rating may be given or changed, in calendar days.
TICKET_DAYS = 30

KIND_LABELS = {
    "appeal": _l("Appeal"),
    "application": _l("Application"),
    "ticket": _l("Queue ticket"),
}
MARK_LABELS = {
    "overall": _l("Overall mark"),
    "speed": _l("Speed"),
    "courtesy": _l("Courtesy"),
    "clarity": _l("Clarity"),
    # "Outcome" names a consultation's result elsewhere: here the criterion (az "Nəticə", ru "Результат").
    "outcome": lazy_pgettext("rating criterion", "Outcome"),
}


@dataclass(frozen=True)
class Subject:
    """What is rated, as the rating rules see it."""

    kind: str
    id: int
    citizen_id: int | None
    district_id: int
    category_id: int | None = None
    service_id: int | None = None
    queue_service_id: int | None = None
    # The moment the window for rating opened (the answer, the decision, the service); None: not ratable yet.
    opened_at: datetime | None = None
    # Why it cannot be rated yet, when its state does not allow it.
    not_yet: str | None = None
    days: int = appeals.DISPUTE_CALENDAR_DAYS
    record: object = None

    @property
    def until(self) -> datetime | None:
        """The last moment the rating may be given or changed."""
        return self.opened_at + timedelta(days=self.days) if self.opened_at else None


@dataclass(frozen=True)
class Adapter:
    """One kind of rated thing: how to load it (``load(id, lock)``) and how it looks to the rules."""

    load: Callable[[int, bool], object | None]
    subject: Callable[[object], Subject]


def _load(model, *options):
    def load(subject_id: int, lock: bool):
        query = select(model).where(model.id == subject_id).options(*options)
        return db.session.scalar(query.with_for_update(of=model) if lock else query)
    return load


def _appeal(appeal: Appeal) -> Subject:
    ratable = appeal.status in ("answered", "closed") and appeal.answered_at is not None
    return Subject("appeal", appeal.id, appeal.citizen_id, appeal.district_id, category_id=appeal.category_id,
                   opened_at=appeal.answered_at if ratable else None, record=appeal,
                   not_yet=None if ratable else _("You can rate the answer once the authority has answered your appeal."))


def _application(application: ServiceApplication) -> Subject:
    decided = {"issued": application.issued_at, "refused": application.decided_at}.get(application.status)
    if application.status in ("issued", "refused"):
        decided = decided or application.decided_at or application.updated_at
    return Subject("application", application.id, application.citizen_id, application.district_id,
                   service_id=application.service_id, opened_at=decided, record=application,
                   not_yet=None if decided else _("You can rate the service once it has decided on your application."))


def _ticket(ticket: QueueTicket) -> Subject:
    served = ticket.served_at if ticket.status == "served" else None
    return Subject("ticket", ticket.id, ticket.citizen_id, ticket.district_id, queue_service_id=ticket.service_id,
                   opened_at=served, days=TICKET_DAYS, record=ticket,
                   not_yet=None if served else _("You can rate the visit once the front desk has served your ticket."))


ADAPTERS: dict[str, Adapter] = {
    "appeal": Adapter(_load(Appeal, joinedload(Appeal.category)), _appeal),
    "application": Adapter(_load(ServiceApplication, joinedload(ServiceApplication.service)), _application),
    "ticket": Adapter(_load(QueueTicket, joinedload(QueueTicket.service)), _ticket),
}


@dataclass(frozen=True)
class Standing:
    """A resident's rating of one thing and whether it may be given or changed now (``reason`` when not)."""

    subject: Subject
    rating: Rating | None
    reason: str | None

    @property
    def open(self) -> bool:
        """Whether the rating may be given or changed now."""
        return self.reason is None


def _subject(citizen: User, kind: str, subject_id: int, lock: bool = False) -> Subject:
    """The thing ``citizen`` rates; ``NotFound`` for an unknown kind or id, or someone else's (not revealed)."""
    adapter = ADAPTERS.get(kind)
    record = adapter.load(subject_id, lock) if adapter else None
    subject = adapter.subject(record) if record is not None else None
    if subject is None or not authz.can(citizen, "rating.give", subject):
        raise NotFound("rating")
    return subject


def _rating_of(subject: Subject, lock: bool = False) -> Rating | None:
    query = select(Rating).where(Rating.subject_kind == subject.kind, Rating.subject_id == subject.id)
    return db.session.scalar(query.with_for_update() if lock else query)


def _reason(subject: Subject, now: datetime) -> str | None:
    if subject.not_yet:
        return subject.not_yet
    if now > subject.until:
        return _("A rating can be given or changed within %(days)d days; that time has passed.", days=subject.days)
    return None


def standing(citizen: User, kind: str, subject_id: int, now: datetime | None = None) -> Standing:
    """The resident's rating of their ``kind`` ``subject_id`` and whether it may be given or changed now.

    ``NotFound`` when the thing is not the resident's (its existence is not revealed)."""
    subject = _subject(citizen, kind, subject_id)
    return Standing(subject, _rating_of(subject), _reason(subject, now or utcnow()))


def _check(marks: dict, comment: str | None) -> tuple[dict[str, int | None], str | None]:
    errors: dict[str, str] = {}
    checked: dict[str, int | None] = {}
    overall = marks.get("overall")
    if overall is None or not isinstance(overall, int) or not 1 <= overall <= 5:
        errors["overall"] = _("Choose an overall mark from 1 to 5.")
    checked["overall"] = overall
    for name in CRITERIA:
        value = marks.get(name)
        if value is not None and (not isinstance(value, int) or not 1 <= value <= 5):
            errors[name] = _("Choose a mark from 1 to 5, or “No answer”.")
        checked[name] = value
    comment = (comment or "").strip() or None
    if comment and len(comment) > COMMENT_LIMIT:
        errors["comment"] = _("Use at most %(max)d characters.", max=COMMENT_LIMIT)
    if errors:
        raise Invalid(errors)
    return checked, comment


def rate(citizen: User, kind: str, subject_id: int, marks: dict, comment: str | None,
         now: datetime | None = None) -> Rating:
    """The resident gives or changes their rating of a thing of ``kind`` (one of ``RATED_KINDS``).

    ``marks`` holds ``overall`` (required, 1–5) and any of ``CRITERIA`` (each 1–5 or None). Refused with
    ``NotFound`` when the thing is not the resident's, ``Invalid`` when it cannot be rated yet, when the time to
    give or change the rating has passed, or when a mark is missing or out of range (beside its field). All or
    nothing: one transaction.
    """
    now = now or utcnow()
    if kind not in RATED_KINDS:
        raise NotFound("rating")
    try:
        subject = _subject(citizen, kind, subject_id, lock=True)
        if (reason := _reason(subject, now)) is not None:
            raise Invalid({None: reason})
        checked, comment = _check(marks, comment)
        rating = _rating_of(subject, lock=True)
        previous = rating.overall if rating is not None else None
        fresh = _KEEP_IN_STEP[kind](citizen, subject, checked["overall"], comment, previous, now)
        if rating is None:
            rating = Rating(subject_kind=kind, subject_id=subject.id, rated_at=now)
            db.session.add(rating)
        elif fresh:
            rating.rated_at, rating.changed_at = now, now
        else:
            rating.changed_at = now
        rating.citizen_id = citizen.id
        rating.district_id = subject.district_id
        rating.category_id, rating.service_id = subject.category_id, subject.service_id
        rating.queue_service_id = subject.queue_service_id
        for name, value in checked.items():
            setattr(rating, name, value)
        rating.comment = comment
        notify.commit()
    except Exception:
        db.session.rollback()
        raise
    return rating


def _keep_appeal(citizen: User, subject: Subject, overall: int, comment: str | None, previous: int | None,
                 now: datetime) -> bool:
    """The appeal's own mark follows the rating: its first rating closes it (a dispute's new answer is rated afresh),
    a later one is a change. Whether the rating counts as given now."""
    appeal: Appeal = subject.record
    if appeal.status == "answered":
        appeals.transition(citizen, appeal.id, "closed", appeals.StepData(rating=overall, comment=comment or ""),
                           now=now, commit=False)
        return True
    appeals.rate_closed(citizen, appeal, overall, comment, now)
    return previous is None


def _keep_application(citizen: User, subject: Subject, overall: int, comment: str | None, previous: int | None,
                      now: datetime) -> bool:
    application: ServiceApplication = subject.record
    application.rating, application.rating_comment = overall, comment
    if previous is None or application.rated_at is None:
        application.rated_at = now
    return previous is None


def _keep_ticket(citizen: User, subject: Subject, overall: int, comment: str | None, previous: int | None,
                 now: datetime) -> bool:
    return previous is None


_KEEP_IN_STEP = {"appeal": _keep_appeal, "application": _keep_application, "ticket": _keep_ticket}


# --- The resident's own data ------------------------------------------------------------------------------------


def export_own(user: User, add_file: mydata.AddFile) -> list[dict]:
    """The resident's ratings, for the download: what they rated, their marks and comment, when."""
    rows = db.session.scalars(select(Rating).where(Rating.citizen_id == user.id)
                              .order_by(Rating.rated_at, Rating.id))
    return [{"kind": r.subject_kind, "id": r.subject_id, **{name: getattr(r, name) for name in MARKS},
             "comment": r.comment, "rated_at": r.rated_at, "changed_at": r.changed_at} for r in rows]


def close_own(user: User) -> None:
    """Closing the account: the ratings stay for the figures, no longer anyone's, and their comments go (with the
    copies kept on the appeals and applications)."""
    db.session.execute(update(Rating).where(Rating.citizen_id == user.id).values(citizen_id=None, comment=None)
                       .execution_options(synchronize_session=False))
    db.session.execute(update(Appeal).where(Appeal.citizen_id == user.id).values(rating_comment=None)
                       .execution_options(synchronize_session=False))
    db.session.execute(update(ServiceApplication).where(ServiceApplication.citizen_id == user.id)
                       .values(rating_comment=None).execution_options(synchronize_session=False))


mydata.register_exporter("ratings", export_own)
mydata.register_closer(close_own)
