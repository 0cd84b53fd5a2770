"""Commitments (öhdəliklər): a district's promises, their milestones, the appeals they answer, residents' word on delivery.

Editors and the head of a district maintain its commitments (policy
``commitment.edit``); to anyone else another district's commitment does not
exist (``NotFound``). Every use case checks all of its input before it changes
anything, so a refusal leaves nothing half-written.

Public reads never touch a resident's name: linked appeals are read column by
column (the number, and the subject only when the applicant allowed
publication and did not ask for confidentiality), feedback as counts and
comments without their authors.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app import authz
from app.appeals.queries import NUMBER_RE
from app.extensions import db
from app.kit import audit, notify
from app.kit.calendar import local_date
from app.kit.errors import Invalid, NotFound
from app.kit.i18n import by_name, tr
from app.kit.paging import Page, paginate
from app.models import (
    COMMITMENT_STATUSES,
    Appeal,
    Commitment,
    CommitmentFeedback,
    CommitmentLink,
    CommitmentMilestone,
    Department,
    District,
    User,
    utcnow,
)
from app.models.commitment import COST_MAX, DESCRIPTION_LIMIT, FEEDBACK_COMMENT_LIMIT, TITLE_LIMIT

PER_PAGE = 25
# Bounds that keep one commitment's page a readable size.
MAX_MILESTONES = 50
MAX_LINKS = 100
# The newest comments shown on the public page.
PUBLIC_COMMENTS = 100
CENT = Decimal("0.01")

STATUS_LABELS = {
    "planned": _l("Planned"),
    "in_progress": _l("In progress"),
    "completed": _l("Completed"),
    "cancelled": _l("Cancelled"),
}
# Ongoing work first, then what is coming, then what is finished.
_STATUS_ORDER = case({"in_progress": 0, "planned": 1, "completed": 2}, value=Commitment.status, else_=3)


@dataclass
class CommitmentInput:
    """What an editor fills in for a commitment; dates and amounts already parsed (None when empty)."""

    title_az: str
    description_az: str
    planned_start: date | None
    planned_end: date | None
    title_ru: str = ""
    title_en: str = ""
    description_ru: str = ""
    description_en: str = ""
    department_id: int | None = None
    status: str = "planned"
    progress: int | None = 0
    actual_start: date | None = None
    actual_end: date | None = None
    planned_cost: Decimal | None = None
    actual_cost: Decimal | None = None


@dataclass
class MilestoneInput:
    """A milestone: its title in az (ru, en optional) and the day it is due."""

    title_az: str
    due_on: date | None
    title_ru: str = ""
    title_en: str = ""


@dataclass
class CommitmentSummary:
    """A commitment with the figures its list row shows."""

    commitment: Commitment
    milestones_done: int = 0
    milestones_total: int = 0
    appeals: int = 0
    delivered: int = 0
    not_delivered: int = 0


@dataclass
class PublicLink:
    """A linked appeal as the public sees it: the number, and the subject only when it may be published."""

    id: int
    appeal_id: int
    number: str
    subject: str | None


@dataclass
class FeedbackComment:
    """A resident's comment without its author."""

    delivered: bool
    comment: str
    at: datetime


@dataclass
class FeedbackSummary:
    """Residents' word on a completed commitment: counts and anonymous comments."""

    delivered: int = 0
    not_delivered: int = 0
    comments: list[FeedbackComment] = field(default_factory=list)

    @property
    def total(self) -> int:
        """How many residents answered."""
        return self.delivered + self.not_delivered


@dataclass
class CommitmentView:
    """One commitment with its milestones, linked appeals and feedback summary."""

    commitment: Commitment
    milestones: list[CommitmentMilestone]
    links: list[PublicLink]
    feedback: FeedbackSummary
    # The citizen proposals it carries out, as (id, title); hidden ones are left out.
    proposals: list[tuple[int, str]] = field(default_factory=list)

    @property
    def milestones_done(self) -> int:
        """How many milestones are done."""
        return sum(1 for m in self.milestones if m.done_on is not None)


# --- Checking input --------------------------------------------------------------------------------


def _check_texts(errors: dict[str | None, str], values: dict[str, str], stem: str, limit: int, missing: str) -> None:
    """The Azerbaijani text is required; every language's text has the same limit."""
    if not values[f"{stem}_az"].strip():
        errors[f"{stem}_az"] = missing
    for lang in ("az", "ru", "en"):
        name = f"{stem}_{lang}"
        if len(values[name].strip()) > limit and name not in errors:
            errors[name] = _("Use at most %(max)d characters.", max=limit)


def _check_amount(value: Decimal | None) -> str | None:
    if value is None:
        return None
    if not value.is_finite():
        return _("Enter the amount in manat as a number, for example 12500.50.")
    if value < 0:
        return _("The cost cannot be negative.")
    if value > COST_MAX:
        return _("The amount is too large; the cost is entered in manat.")
    if value != value.quantize(CENT):
        return _("Give the amount in manat with at most two decimals.")
    return None


def _check(district_id: int, data: CommitmentInput, today: date) -> dict[str | None, str]:
    """Every rule a commitment must keep, as {field: message}; empty when the input is good."""
    errors: dict[str | None, str] = {}
    texts = {name: getattr(data, name) or "" for name in
             ("title_az", "title_ru", "title_en", "description_az", "description_ru", "description_en")}
    _check_texts(errors, texts, "title", TITLE_LIMIT,
                 _("Write the title in Azerbaijani; Russian and English fall back to it when empty."))
    _check_texts(errors, texts, "description", DESCRIPTION_LIMIT, _("Describe the commitment in Azerbaijani."))
    if data.department_id is not None and data.department_id not in department_ids(district_id):
        errors["department_id"] = _("Choose a department of this district from the list.")
    if data.status not in COMMITMENT_STATUSES:
        errors["status"] = _("Choose a status from the list.")
    if data.progress is None or not 0 <= data.progress <= 100:
        errors["progress"] = _("Progress is a whole number from 0 to 100.")
    elif data.status == "completed" and data.progress != 100:
        errors["progress"] = _("A completed commitment is fully done: set the progress to 100.")
    if data.planned_start is None:
        errors["planned_start"] = _("Enter the planned start date.")
    if data.planned_end is None:
        errors["planned_end"] = _("Enter the planned end date.")
    elif data.planned_start is not None and data.planned_end < data.planned_start:
        errors["planned_end"] = _("The planned end cannot be before the planned start.")
    if data.actual_start is not None and data.actual_start > today:
        errors["actual_start"] = _("The actual start cannot be in the future.")
    if data.actual_end is not None:
        if data.actual_end > today:
            errors["actual_end"] = _("The actual end cannot be in the future.")
        elif data.actual_start is None:
            errors.setdefault("actual_start", _("Enter the actual start as well as the actual end."))
        elif data.actual_end < data.actual_start:
            errors["actual_end"] = _("The actual end cannot be before the actual start.")
    elif data.status == "completed":
        errors["actual_end"] = _("Enter the day the commitment was completed.")
    for name in ("planned_cost", "actual_cost"):
        problem = _check_amount(getattr(data, name))
        if problem:
            errors[name] = problem
    return errors


# What the audit trail keeps of a commitment before and after a change.
AUDITED_FIELDS = ("title_az", "title_ru", "title_en", "description_az", "description_ru", "description_en",
                  "department_id", "status", "progress", "planned_start", "planned_end", "actual_start",
                  "actual_end", "planned_cost", "actual_cost")


def _apply(commitment: Commitment, data: CommitmentInput) -> None:
    """Copy checked input onto the row; empty translations are stored as NULL so they fall back to az."""
    for name in ("title_az", "title_ru", "title_en", "description_az", "description_ru", "description_en"):
        setattr(commitment, name, (getattr(data, name) or "").strip() or None)
    commitment.department_id = data.department_id
    commitment.status = data.status
    commitment.progress = data.progress
    commitment.planned_start, commitment.planned_end = data.planned_start, data.planned_end
    commitment.actual_start, commitment.actual_end = data.actual_start, data.actual_end
    commitment.planned_cost, commitment.actual_cost = data.planned_cost, data.actual_cost


# --- Editors: the district's commitments -----------------------------------------------------------


def department_ids(district_id: int) -> set[int]:
    """The ids of the district's active departments."""
    return set(db.session.scalars(select(Department.id).where(
        Department.district_id == district_id, Department.active.is_(True))))


def departments(district_id: int) -> list[Department]:
    """The district's active departments, for the form's list."""
    return by_name(db.session.scalars(select(Department).where(
        Department.district_id == district_id, Department.active.is_(True))))


def editor_districts(actor: User) -> list[District]:
    """The districts whose commitments ``actor`` maintains (as editor or head), by name."""
    ids = authz.staff_districts(actor, ("editor", "head"))
    if not ids:
        return []
    return by_name(db.session.scalars(select(District).where(District.id.in_(ids))))


def editor_district(actor: User, district_id: int | None) -> District:
    """The district ``actor`` works on: the one asked for if they maintain it, else their first; else ``NotFound``."""
    ids = sorted(authz.staff_districts(actor, ("editor", "head")))
    chosen = district_id if district_id is not None else (ids[0] if ids else None)
    district = db.session.get(District, chosen) if chosen is not None else None
    if district is None or not authz.can(actor, "commitment.edit", district):
        raise NotFound("district")
    return district


def editable(actor: User, commitment_id: int) -> Commitment:
    """A commitment ``actor`` may maintain; another district's is ``NotFound`` (its existence is not revealed)."""
    commitment = db.session.get(Commitment, commitment_id)
    if commitment is None or not authz.can(actor, "commitment.edit", commitment):
        raise NotFound("commitment")
    return commitment


def create(actor: User, district_id: int | None, data: CommitmentInput, now: datetime | None = None) -> Commitment:
    """An editor or the head publishes a commitment of their district."""
    now = now or utcnow()
    if district_id is None:
        raise NotFound("district")
    district = editor_district(actor, district_id)
    errors = _check(district.id, data, local_date(now))
    if errors:
        raise Invalid(errors)
    commitment = Commitment(district_id=district.id, created_by_id=actor.id, created_at=now, updated_at=now)
    _apply(commitment, data)
    db.session.add(commitment)
    audit.record("commitment.create", actor=actor, obj=commitment, summary=commitment.title_az or "",
                 after=audit.snapshot(commitment, AUDITED_FIELDS))
    notify.commit()
    return commitment


def update(actor: User, commitment_id: int, data: CommitmentInput, now: datetime | None = None) -> Commitment:
    """Change a commitment: texts, department, status and progress, dates, costs."""
    now = now or utcnow()
    commitment = editable(actor, commitment_id)
    errors = _check(commitment.district_id, data, local_date(now))
    if errors:
        raise Invalid(errors)
    before = audit.snapshot(commitment, AUDITED_FIELDS)
    _apply(commitment, data)
    commitment.updated_at = now
    changed_before, changed_after = audit.diff(before, audit.snapshot(commitment, AUDITED_FIELDS))
    audit.record("commitment.update", actor=actor, obj=commitment, summary=commitment.title_az or "",
                 before=changed_before, after=changed_after)
    notify.commit()
    return commitment


# --- Milestones ------------------------------------------------------------------------------------


def add_milestone(actor: User, commitment_id: int, data: MilestoneInput, now: datetime | None = None) -> CommitmentMilestone:
    """Add a dated milestone to a commitment."""
    now = now or utcnow()
    commitment = editable(actor, commitment_id)
    errors: dict[str | None, str] = {}
    texts = {f"title_{lang}": getattr(data, f"title_{lang}") or "" for lang in ("az", "ru", "en")}
    _check_texts(errors, texts, "title", TITLE_LIMIT, _("Write what the milestone is, in Azerbaijani."))
    if data.due_on is None:
        errors["due_on"] = _("Enter the day the milestone is due.")
    if len(commitment.milestones) >= MAX_MILESTONES:
        errors[None] = _("A commitment has at most %(max)d milestones.", max=MAX_MILESTONES)
    if errors:
        raise Invalid(errors)
    milestone = CommitmentMilestone(
        title_az=texts["title_az"].strip(), title_ru=texts["title_ru"].strip() or None,
        title_en=texts["title_en"].strip() or None, due_on=data.due_on, created_at=now,
    )
    commitment.milestones.append(milestone)
    commitment.updated_at = now
    audit.record("commitment.milestone_add", actor=actor, obj=commitment, summary=milestone.title_az,
                 after={"title_az": milestone.title_az, "due_on": milestone.due_on})
    notify.commit()
    return milestone


def editable_milestone(actor: User, milestone_id: int) -> CommitmentMilestone:
    """A milestone of a commitment ``actor`` may maintain; any other is ``NotFound``."""
    milestone = db.session.get(CommitmentMilestone, milestone_id)
    if milestone is None:
        raise NotFound("milestone")
    editable(actor, milestone.commitment_id)
    return milestone


def complete_milestone(actor: User, milestone_id: int, done_on: date | None = None,
                       now: datetime | None = None) -> CommitmentMilestone:
    """Mark a milestone as done on ``done_on`` (today when not given)."""
    now = now or utcnow()
    milestone = editable_milestone(actor, milestone_id)
    today = local_date(now)
    done_on = done_on or today
    if milestone.done_on is not None:
        raise Invalid({None: _("This milestone is already marked as done.")})
    if done_on > today:
        raise Invalid({"done_on": _("A milestone cannot be done in the future.")})
    milestone.done_on = done_on
    milestone.commitment.updated_at = now
    audit.record("commitment.milestone_done", actor=actor, obj=milestone.commitment, summary=milestone.title_az,
                 before={"milestone_id": milestone.id, "done_on": None},
                 after={"milestone_id": milestone.id, "done_on": done_on})
    notify.commit()
    return milestone


def reopen_milestone(actor: User, milestone_id: int, now: datetime | None = None) -> CommitmentMilestone:
    """Undo "done" on a milestone marked by mistake."""
    milestone = editable_milestone(actor, milestone_id)
    if milestone.done_on is None:
        raise Invalid({None: _("This milestone is not marked as done.")})
    before = milestone.done_on
    milestone.done_on = None
    milestone.commitment.updated_at = now or utcnow()
    audit.record("commitment.milestone_reopen", actor=actor, obj=milestone.commitment, summary=milestone.title_az,
                 before={"milestone_id": milestone.id, "done_on": before},
                 after={"milestone_id": milestone.id, "done_on": None})
    notify.commit()
    return milestone


# --- Links to appeals ------------------------------------------------------------------------------


def link_appeal(actor: User, commitment_id: int, number: str, now: datetime | None = None) -> CommitmentLink:
    """Link an appeal of the same district, by its registration number; its applicant is told in the cabinet."""
    now = now or utcnow()
    commitment = editable(actor, commitment_id)
    number = (number or "").strip().upper()
    example = f"{commitment.district.code}-{local_date(now).year}-000123"
    if not number:
        raise Invalid({"number": _("Enter the registration number of the appeal, such as %(example)s.", example=example)})
    if not NUMBER_RE.fullmatch(number):
        raise Invalid({"number": _("A registration number looks like %(example)s.", example=example)})
    appeal = db.session.scalar(select(Appeal).where(Appeal.number == number))
    # Another district's appeal gets the same words as a missing one: its existence is not revealed.
    if appeal is None or appeal.district_id != commitment.district_id:
        raise Invalid({"number": _("No appeal of %(district)s has the number %(number)s.",
                                   district=tr(commitment.district), number=number)})
    linked = set(db.session.scalars(select(CommitmentLink.appeal_id).where(CommitmentLink.commitment_id == commitment.id)))
    if appeal.id in linked:
        raise Invalid({"number": _("The appeal %(number)s is already linked to this commitment.", number=number)})
    if len(linked) >= MAX_LINKS:
        raise Invalid({None: _("A commitment links at most %(max)d appeals.", max=MAX_LINKS)})
    link = CommitmentLink(commitment_id=commitment.id, kind="appeal", appeal_id=appeal.id, created_by_id=actor.id,
                          created_at=now)
    db.session.add(link)
    applicant = appeal.citizen
    notify.notify(
        applicant,
        lambda: _("Your appeal %(number)s is answered by the authority's commitment “%(title)s”; follow its progress on the portal.",
                  number=appeal.number, title=commitment.title_in(applicant.locale)),
        kind="appeal.commitment", link=f"/commitments/item/{commitment.id}", obj=commitment, appeal_id=appeal.id,
    )
    audit.record("commitment.link", actor=actor, obj=commitment, summary=f"linked appeal {appeal.number}",
                 after={"appeal_id": appeal.id})
    try:
        notify.commit()
    except IntegrityError:
        # Two editors linked the same appeal at once: the unique constraint kept one.
        raise Invalid({"number": _("The appeal %(number)s is already linked to this commitment.", number=number)}) from None
    return link


def editable_link(actor: User, link_id: int) -> CommitmentLink:
    """A link of a commitment ``actor`` may maintain; any other is ``NotFound``."""
    link = db.session.get(CommitmentLink, link_id)
    if link is None:
        raise NotFound("link")
    editable(actor, link.commitment_id)
    return link


def unlink(actor: User, link_id: int) -> int:
    """Remove a link; returns the commitment's id."""
    link = editable_link(actor, link_id)
    commitment = link.commitment
    audit.record("commitment.unlink", actor=actor, obj=commitment, summary=f"unlinked {link.kind} link {link.id}",
                 before={"appeal_id": link.appeal_id})
    db.session.delete(link)
    commitment.updated_at = utcnow()
    notify.commit()
    return commitment.id


# --- Residents' feedback ---------------------------------------------------------------------------


def my_feedback(actor: User, commitment_id: int) -> CommitmentFeedback | None:
    """The resident's own feedback on the commitment, if any."""
    if not getattr(actor, "is_authenticated", False):
        return None
    return db.session.scalar(select(CommitmentFeedback).where(
        CommitmentFeedback.commitment_id == commitment_id, CommitmentFeedback.citizen_id == actor.id))


def record_feedback(actor: User, commitment_id: int, delivered: bool | None, comment: str,
                    now: datetime | None = None) -> CommitmentFeedback:
    """A resident says whether a completed commitment was delivered; saying it again changes the earlier word."""
    now = now or utcnow()
    commitment = db.session.get(Commitment, commitment_id)
    if commitment is None:
        raise NotFound("commitment")
    if commitment.status != "completed":
        raise Invalid({None: _("Residents can say whether the commitment was delivered once it is completed.")})
    authz.require(actor, "commitment.feedback", commitment)
    comment = (comment or "").strip()
    errors: dict[str | None, str] = {}
    if delivered is None:
        errors["delivered"] = _("Say whether the commitment was delivered.")
    if len(comment) > FEEDBACK_COMMENT_LIMIT:
        errors["comment"] = _("Use at most %(max)d characters.", max=FEEDBACK_COMMENT_LIMIT)
    if errors:
        raise Invalid(errors)
    feedback = my_feedback(actor, commitment.id)
    if feedback is None:
        feedback = CommitmentFeedback(commitment_id=commitment.id, citizen_id=actor.id, created_at=now)
        db.session.add(feedback)
    feedback.delivered, feedback.comment, feedback.updated_at = delivered, comment or None, now
    try:
        notify.commit()
    except IntegrityError:
        # The same resident sent the form twice at once: the other request made the row; give it this word.
        feedback = my_feedback(actor, commitment.id)
        if feedback is None:
            raise
        feedback.delivered, feedback.comment, feedback.updated_at = delivered, comment or None, now
        notify.commit()
    return feedback


# --- What the public sees --------------------------------------------------------------------------


def _summaries(commitments: list[Commitment]) -> list[CommitmentSummary]:
    """Each commitment with its milestone, link and feedback counts: three grouped statements whatever the number."""
    ids = [c.id for c in commitments]
    if not ids:
        return []
    milestones = {row[0]: (row[1], row[2]) for row in db.session.execute(
        select(CommitmentMilestone.commitment_id, func.count(CommitmentMilestone.done_on), func.count())
        .where(CommitmentMilestone.commitment_id.in_(ids)).group_by(CommitmentMilestone.commitment_id))}
    links = dict(db.session.execute(
        select(CommitmentLink.commitment_id, func.count())
        .where(CommitmentLink.commitment_id.in_(ids), CommitmentLink.kind == "appeal")
        .group_by(CommitmentLink.commitment_id)).all())
    feedback: dict[tuple[int, bool], int] = {(row[0], bool(row[1])): row[2] for row in db.session.execute(
        select(CommitmentFeedback.commitment_id, CommitmentFeedback.delivered, func.count())
        .where(CommitmentFeedback.commitment_id.in_(ids))
        .group_by(CommitmentFeedback.commitment_id, CommitmentFeedback.delivered))}
    return [
        CommitmentSummary(
            commitment=c, milestones_done=milestones.get(c.id, (0, 0))[0], milestones_total=milestones.get(c.id, (0, 0))[1],
            appeals=links.get(c.id, 0), delivered=feedback.get((c.id, True), 0), not_delivered=feedback.get((c.id, False), 0),
        )
        for c in commitments
    ]


def status_counts(district_id: int) -> dict[str, int]:
    """How many commitments the district has in each status (every status present, zeros included)."""
    counts = dict(db.session.execute(
        select(Commitment.status, func.count()).where(Commitment.district_id == district_id).group_by(Commitment.status)
    ).all())
    return {status: counts.get(status, 0) for status in COMMITMENT_STATUSES}


def district_counts() -> dict[int, int]:
    """How many commitments each district has published."""
    return dict(db.session.execute(select(Commitment.district_id, func.count()).group_by(Commitment.district_id)).all())


def public_list(district: District, status: str = "", page: int = 1, per_page: int = PER_PAGE) -> Page:
    """A district's commitments with their progress, ongoing ones first; ``status`` narrows the list."""
    conditions = [Commitment.district_id == district.id]
    if status in COMMITMENT_STATUSES:
        conditions.append(Commitment.status == status)
    return paginate(
        select(Commitment).where(*conditions).options(joinedload(Commitment.department))
        .order_by(_STATUS_ORDER, Commitment.planned_end, Commitment.id),
        page, per_page, count=select(func.count()).select_from(Commitment).where(*conditions), wrap=_summaries)


def editor_list(actor: User, district_id: int | None) -> tuple[District, list[CommitmentSummary]]:
    """Every commitment of the district ``actor`` maintains, ongoing ones first."""
    district = editor_district(actor, district_id)
    rows = list(db.session.scalars(
        select(Commitment).where(Commitment.district_id == district.id).options(joinedload(Commitment.department))
        .order_by(_STATUS_ORDER, Commitment.planned_end, Commitment.id).limit(500)
    ))
    return district, _summaries(rows)


def _links(commitment_id: int) -> list[PublicLink]:
    # Column by column: the applicant's name and contact are never read here.
    rows = db.session.execute(
        select(CommitmentLink.id, Appeal.id, Appeal.number, Appeal.subject, Appeal.public_ok, Appeal.confidential)
        .join(Appeal, Appeal.id == CommitmentLink.appeal_id)
        .where(CommitmentLink.commitment_id == commitment_id, CommitmentLink.kind == "appeal")
        .order_by(Appeal.number)
    ).all()
    return [PublicLink(link_id, appeal_id, number, subject if public_ok and not confidential else None)
            for link_id, appeal_id, number, subject, public_ok, confidential in rows]


def _feedback(commitment_id: int) -> FeedbackSummary:
    counts = dict(db.session.execute(
        select(CommitmentFeedback.delivered, func.count()).where(CommitmentFeedback.commitment_id == commitment_id)
        .group_by(CommitmentFeedback.delivered)).all())
    comments = [FeedbackComment(bool(delivered), comment, at) for delivered, comment, at in db.session.execute(
        select(CommitmentFeedback.delivered, CommitmentFeedback.comment, CommitmentFeedback.updated_at)
        .where(CommitmentFeedback.commitment_id == commitment_id, CommitmentFeedback.comment.is_not(None))
        .order_by(CommitmentFeedback.updated_at.desc(), CommitmentFeedback.id.desc()).limit(PUBLIC_COMMENTS))]
    return FeedbackSummary(counts.get(True, 0), counts.get(False, 0), comments)


def public_view(commitment_id: int) -> CommitmentView:
    """One commitment with its milestones, linked appeals (numbers) and the residents' feedback (counts, comments)."""
    commitment = db.session.scalar(
        select(Commitment).where(Commitment.id == commitment_id)
        .options(joinedload(Commitment.district), joinedload(Commitment.department))
    )
    if commitment is None:
        raise NotFound("commitment")
    return CommitmentView(commitment, list(commitment.milestones), _links(commitment.id), _feedback(commitment.id),
                          _proposals(commitment.id))


def _proposals(commitment_id: int) -> list[tuple[int, str]]:
    from app.models import Proposal

    return [(proposal_id, title) for proposal_id, title in db.session.execute(
        select(Proposal.id, Proposal.title).join(CommitmentLink, CommitmentLink.proposal_id == Proposal.id)
        .where(CommitmentLink.commitment_id == commitment_id, Proposal.hidden_at.is_(None)).order_by(Proposal.id))]


def work_view(actor: User, commitment_id: int) -> CommitmentView:
    """The editor's view of a commitment they maintain; another district's is ``NotFound``."""
    editable(actor, commitment_id)
    return public_view(commitment_id)


# --- Demo --------------------------------------------------------------------------------------------

# Gəncə's demo commitments, their titles, descriptions and milestones in az, ru and en. Months count from the planned
# start ("ago": how long before today it was); each milestone is ((az, ru, en), months after the start, done); each
# feedback is (delivered, comment).
DEMO_COMMITMENTS = [
    {
        "titles": ("Nizami küçəsinin asfalt örtüyünün yenilənməsi", "Обновление асфальтового покрытия улицы Низами",
                   "Resurfacing Nizami street"),
        "description": ("Nizami küçəsinin 1,2 km-lik hissəsində köhnə örtük sökülür, yeni asfalt döşənir "
                        "və səki bordürləri dəyişdirilir.",
                        "На участке улицы Низами длиной 1,2 км снимают старое покрытие, укладывают новый асфальт "
                        "и меняют бордюры тротуаров.",
                        "On a 1.2 km stretch of Nizami street the old surface is removed, new asphalt is laid "
                        "and the kerbs are replaced."),
        "department": "Tikinti və arxitektura şöbəsi",
        "status": "completed", "progress": 100, "ago": 9, "months": 4, "cost": Decimal("480000.00"),
        "answers": "Yolda dərin çuxur var",
        "milestones": [(("Layihə-smeta sənədlərinin hazırlanması", "Подготовка проектно-сметной документации",
                         "Preparing the design and cost estimate"), 1, True),
                       (("Köhnə örtüyün sökülməsi", "Снятие старого покрытия", "Removing the old surface"), 2, True),
                       (("Yeni asfaltın döşənməsi", "Укладка нового асфальта", "Laying the new asphalt"), 4, True)],
        "feedback": [(True, "Yol çox yaxşı oldu, çuxurlar yoxdur."), (True, None), (True, "İş vaxtında bitdi."),
                     (False, "Səkilər hələ də təmir olunmayıb.")],
    },
    {
        "titles": ("Mərkəzi parkda skamyaların və işıqlandırmanın təmiri", "Ремонт скамеек и освещения в центральном парке",
                   "Repairing the benches and lights of the central park"),
        "description": ("Mərkəzi parkdakı 60 skamya təmir olunur və ya dəyişdirilir, piyada yollarına "
                        "40 yeni işıq dirəyi qoyulur.",
                        "60 скамеек центрального парка ремонтируют или заменяют, вдоль пешеходных дорожек "
                        "ставят 40 новых фонарных столбов.",
                        "The 60 benches of the central park are repaired or replaced, and 40 new lamp posts "
                        "go up along the footpaths."),
        "department": "Mənzil-kommunal təsərrüfatı şöbəsi",
        "status": "completed", "progress": 100, "ago": 6, "months": 3, "cost": Decimal("95000.00"),
        "answers": "Parkda skamyalar qırılıb",
        "milestones": [(("Skamyaların dəyişdirilməsi", "Замена скамеек", "Replacing the benches"), 1, True),
                       (("İşıq dirəklərinin quraşdırılması", "Установка фонарных столбов", "Putting up the lamp posts"),
                        3, True)],
        "feedback": [(True, "Axşamlar parkda gəzmək artıq rahatdır."), (False, None), (True, None)],
    },
    {
        "titles": ("5 nömrəli məktəbin isitmə sisteminin yenilənməsi", "Обновление системы отопления школы № 5",
                   "Renewing the heating of school No. 5"),
        "description": ("Məktəbin ikinci mərtəbəsində radiatorlar və boru xətləri dəyişdirilir, "
                        "yeni qazanxana quraşdırılır.",
                        "На втором этаже школы меняют радиаторы и трубы, устанавливают новую котельную.",
                        "The radiators and pipes on the school's second floor are replaced and a new boiler house "
                        "is installed."),
        "department": "Tikinti və arxitektura şöbəsi",
        "status": "in_progress", "progress": 60, "ago": 3, "months": 5, "cost": Decimal("210000.00"),
        "answers": "Məktəbdə isitmə sistemi",
        "milestones": [(("Boru xətlərinin dəyişdirilməsi", "Замена труб", "Replacing the pipes"), 1, True),
                       (("Radiatorların quraşdırılması", "Установка радиаторов", "Installing the radiators"), 3, True),
                       (("Qazanxananın istifadəyə verilməsi", "Ввод котельной в эксплуатацию",
                         "Commissioning the boiler house"), 5, False)],
        "feedback": [],
    },
    {
        "titles": ("Kənd küçələrində işıqlandırmanın bərpası", "Восстановление уличного освещения в сёлах",
                   "Restoring street lighting in the villages"),
        "description": ("Beş kənddə küçə işıqlandırması bərpa olunur: 300 enerjiyə qənaət edən lampa "
                        "və yeni kabel xətləri.",
                        "В пяти сёлах восстанавливают уличное освещение: 300 энергосберегающих ламп "
                        "и новые кабельные линии.",
                        "Street lighting is restored in five villages: 300 energy-saving lamps and new cable lines."),
        "department": "Mənzil-kommunal təsərrüfatı şöbəsi",
        "status": "in_progress", "progress": 25, "ago": 1, "months": 6, "cost": Decimal("150000.00"),
        "answers": "Küçə işıqlandırması",
        "milestones": [(("Kabel xətlərinin çəkilməsi", "Прокладка кабельных линий", "Laying the cable lines"), 2, False),
                       (("Lampaların quraşdırılması", "Установка ламп", "Installing the lamps"), 5, False)],
        "feedback": [],
    },
    {
        "titles": ("Gənclər üçün pulsuz peşə kursları", "Бесплатные профессиональные курсы для молодёжи",
                   "Free vocational courses for young people"),
        "description": ("Rayon mərkəzində 18–29 yaşlı gənclər üçün kompüter, elektrik və aşpazlıq "
                        "üzrə pulsuz kurslar açılır.",
                        "В районном центре открываются бесплатные курсы по компьютеру, электрике и кулинарии "
                        "для молодёжи 18–29 лет.",
                        "Free courses in computing, electrics and cooking open in the district centre for young "
                        "people aged 18–29."),
        "department": "Sosial məsələlər şöbəsi",
        "status": "planned", "progress": 0, "ago": -1, "months": 8, "cost": None,
        "answers": "Gənclər üçün peşə kursları",
        "milestones": [(("Kurs binasının hazırlanması", "Подготовка здания для курсов",
                         "Preparing the building for the courses"), 2, False)],
        "feedback": [],
    },
]


def _months(day: date, months: int) -> date:
    """``day`` moved by whole months of 30 days (close enough for demo dates)."""
    return day + timedelta(days=30 * months)


def _demo_commitment(district: District, spec: dict, today: date, now: datetime, editor: User | None) -> Commitment:
    """One demo commitment built from its ``spec`` with dates that fit together around ``today``."""
    start = _months(today, -spec["ago"])
    end = _months(start, spec["months"])
    done = spec["status"] == "completed"
    department = db.session.scalar(select(Department.id).where(
        Department.district_id == district.id, Department.name_az == spec["department"]))
    cost = spec["cost"]
    commitment = Commitment(
        district_id=district.id, department_id=department,
        title_az=spec["titles"][0], title_ru=spec["titles"][1], title_en=spec["titles"][2],
        description_az=spec["description"][0], description_ru=spec["description"][1],
        description_en=spec["description"][2], status=spec["status"], progress=spec["progress"],
        planned_start=start, planned_end=end, actual_start=start if spec["ago"] > 0 else None,
        actual_end=min(end + timedelta(days=12), today - timedelta(days=7)) if done else None,
        planned_cost=cost, actual_cost=(cost * Decimal("1.04")).quantize(CENT) if done and cost else None,
        created_by_id=editor.id if editor else None, created_at=now, updated_at=now,
    )
    for (title_az, title_ru, title_en), after, is_done in spec["milestones"]:
        due = _months(start, after)
        commitment.milestones.append(CommitmentMilestone(
            title_az=title_az, title_ru=title_ru, title_en=title_en, due_on=due,
            done_on=min(due, today) if is_done else None, created_at=now))
    return commitment


def seed_demo(now: datetime | None = None) -> int:
    """Commitments of Gəncə for the demo: some completed with residents' feedback, some in progress with milestones.

    Idempotent: a commitment whose Azerbaijani title Gəncə already has is left alone. Returns how many were new.
    """
    from app.administration.seed import DEMO_PASSWORD, ensure_user
    from app.appeals.demo import DEMO_RESIDENTS

    now = now or utcnow()
    today = local_date(now)
    district = db.session.scalar(select(District).where(District.code == "GNC"))
    if district is None:
        return 0
    have = set(db.session.scalars(select(Commitment.title_az).where(Commitment.district_id == district.id)))
    missing = [spec for spec in DEMO_COMMITMENTS if spec["titles"][0] not in have]
    if not missing:
        return 0
    editor = db.session.scalar(select(User).where(User.email == "editor.gnc@demo.az"))
    residents = [ensure_user(email, name, DEMO_PASSWORD, [])[0] for email, name in DEMO_RESIDENTS]
    for spec in missing:
        commitment = _demo_commitment(district, spec, today, now, editor)
        db.session.add(commitment)
        db.session.flush()
        # The Gəncə demo appeals it answers, when they were seeded (the two oldest on its topic).
        for appeal_id in db.session.scalars(select(Appeal.id).where(
                Appeal.district_id == district.id, Appeal.subject == spec["answers"]).order_by(Appeal.id).limit(2)):
            db.session.add(CommitmentLink(commitment_id=commitment.id, kind="appeal", appeal_id=appeal_id,
                                          created_by_id=commitment.created_by_id, created_at=now))
        for resident, (delivered, comment) in zip(residents, spec["feedback"], strict=False):
            db.session.add(CommitmentFeedback(commitment_id=commitment.id, citizen_id=resident.id,
                                              delivered=delivered, comment=comment, created_at=now, updated_at=now))
    db.session.commit()
    return len(missing)
