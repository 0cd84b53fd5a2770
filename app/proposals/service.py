"""Citizen proposals (vətəndaş təşəbbüsü): write, publish, support, answer, carry out, expire.

The life of a proposal::

    draft → published → threshold_reached → answered → in_progress → implemented
                  └→ expired (the support period ended below the threshold)

A resident writes a draft and publishes it; from then on residents with a
confirmed email support it (one support each, the database refuses a second)
until its support period ends. The support that reaches the threshold obliges
the district's head to answer within 15 working days: that moment is recorded
once, under a row lock on the proposal, so fifty residents supporting at the
same instant count fifty and cross the threshold once (one deadline, one set
of notifications). An answer accepts, partly accepts or rejects, with the
reasoning; an accepted proposal is carried out and may be linked to the
authority's commitments. ``expire`` closes what ran out of time.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app import authz
from app.accounts import mydata
from app.extensions import db
from app.kit import audit, files, notify, participation
from app.kit.calendar import deadline
from app.kit.errors import Invalid, NotFound
from app.kit.i18n import by_name, fmt_date
from app.kit.paging import Page, paginate
from app.models import (
    DECISIONS,
    PROPOSAL_STATES,
    Category,
    Commitment,
    CommitmentLink,
    District,
    Proposal,
    ProposalSettings,
    ProposalSupport,
    RoleAssignment,
    User,
    utcnow,
)
from app.models.proposal import (
    DEFAULT_PERIOD_DAYS,
    DEFAULT_THRESHOLD,
    PERIOD_MAX,
    PERIOD_MIN,
    RESPONSE_LIMIT,
    RESPONSE_WORKING_DAYS,
    SUPPORTABLE_STATES,
    TEXT_LIMIT,
    THRESHOLD_MAX,
    TITLE_LIMIT,
)
from app.moderation import service as moderation

PER_PAGE = 20
# Rate limits: proposals a resident may start in a day, supports they may give in an hour.
CREATE_LIMIT, CREATE_WINDOW = 5, timedelta(days=1)
SUPPORT_LIMIT, SUPPORT_WINDOW = 60, timedelta(hours=1)
IMAGE_TYPES = ("image/png", "image/jpeg")
# Lists a person keeps in the cabinet are bounded, newest first.
CABINET_LIMIT = 200

STATE_LABELS = {
    "draft": _l("Draft"),
    "published": _l("Collecting supports"),
    "threshold_reached": _l("Threshold reached"),
    "answered": _l("Answered"),
    "in_progress": _l("In progress"),
    "implemented": _l("Implemented"),
    "expired": _l("Closed: threshold not reached"),
}
DECISION_LABELS = {
    "accepted": _l("Accepted"),
    "partly_accepted": _l("Partly accepted"),
    "rejected": _l("Rejected"),
}
# What the public list offers to filter by (drafts are never public).
PUBLIC_STATES = tuple(s for s in PROPOSAL_STATES if s != "draft")


# --- Settings ----------------------------------------------------------------------------------------


@dataclass
class Settings:
    """A district's threshold and support period (the defaults when it set none)."""

    district_id: int
    threshold: int = DEFAULT_THRESHOLD
    period_days: int = DEFAULT_PERIOD_DAYS


def settings_for(district_id: int) -> Settings:
    """The district's proposal rules: its stored row, or 100 supports in 90 days."""
    row = db.session.get(ProposalSettings, district_id)
    if row is None:
        return Settings(district_id)
    return Settings(district_id, row.threshold, row.period_days)


def settings_districts(actor: User) -> list[District]:
    """The districts whose rules ``actor`` may set: every active one for an administrator, else where they are head."""
    query = select(District).where(District.active.is_(True))
    if not authz.can(actor, "admin.access"):
        ids = authz.staff_districts(actor, ("head",))
        if not ids:
            return []
        query = query.where(District.id.in_(ids))
    return by_name(db.session.scalars(query))


def settings_district(actor: User, district_id: int | None) -> District:
    """The district whose rules ``actor`` opens: the one asked for if allowed, else their first; else ``NotFound``."""
    allowed = settings_districts(actor)
    if district_id is None:
        if not allowed:
            raise NotFound("district")
        return allowed[0]
    district = db.session.get(District, district_id)
    if district is None or not authz.can(actor, "proposal.settings", district):
        raise NotFound("district")
    return district


def update_settings(actor: User, district_id: int | None, threshold: int | None, period_days: int | None,
                    now: datetime | None = None) -> Settings:
    """The head (or an administrator) sets how many supports within how many days oblige an answer.

    Proposals already published keep the rules they were published under.
    """
    now = now or utcnow()
    district = settings_district(actor, district_id)
    errors: dict[str | None, str] = {}
    if threshold is None or not 1 <= threshold <= THRESHOLD_MAX:
        errors["threshold"] = _("The threshold is a whole number of supports from 1 to %(max)s.",
                                max=f"{THRESHOLD_MAX:,}".replace(",", " "))
    if period_days is None or not PERIOD_MIN <= period_days <= PERIOD_MAX:
        errors["period_days"] = _("The period is a whole number of days from %(min)d to %(max)d.",
                                  min=PERIOD_MIN, max=PERIOD_MAX)
    if errors:
        raise Invalid(errors)
    old = settings_for(district.id)
    row = db.session.get(ProposalSettings, district.id)
    if row is None:
        row = ProposalSettings(district_id=district.id)
        db.session.add(row)
    row.threshold, row.period_days, row.updated_by_id, row.updated_at = threshold, period_days, actor.id, now
    before = {"threshold": old.threshold, "period_days": old.period_days}
    _audit("proposal.settings", actor, None, object_type="proposal_settings", object_id=district.id,
           district_id=district.id, summary=f"threshold {threshold}, period {period_days} days", before=before,
           after={"threshold": threshold, "period_days": period_days})
    notify.commit()
    return Settings(district.id, threshold, period_days)


# --- Writing -------------------------------------------------------------------------------------------


@dataclass
class ProposalInput:
    """What a resident fills in: district, category, title, text and an optional picture (an upload or None)."""

    district_id: int | None
    category_id: int | None
    title: str
    body: str
    image: object | None = None
    remove_image: bool = False


def _audit(action: str, actor: User | None, proposal: Proposal | None, **kwargs) -> None:
    """Record a step in the audit trail, in the caller's transaction."""
    audit.record(action, actor=actor, obj=proposal, **kwargs)


def _guard(actor: User) -> None:
    """Who may take part at all: a confirmed email, and no block in force (the message says until when and why)."""
    participation.ensure_can_take_part(actor)


def _rate(actor: User, action: str, recent: int, limit: int) -> None:
    """Refuse when ``actor`` did ``action`` ``limit`` times in the caller's window."""
    participation.ensure_rate(actor, action, recent, limit=limit)


def _check(data: ProposalInput) -> tuple[dict[str | None, str], files.CheckedFile | None]:
    """Every rule a proposal's content keeps, and the checked picture (None when none was sent)."""
    errors: dict[str | None, str] = {}
    district = db.session.get(District, data.district_id) if data.district_id else None
    if district is None or not district.active:
        errors["district_id"] = _("Choose the district authority from the list.")
    category = db.session.get(Category, data.category_id) if data.category_id else None
    if category is None or not category.active:
        errors["category_id"] = _("Choose a category from the list.")
    title, body = (data.title or "").strip(), (data.body or "").strip()
    if not title:
        errors["title"] = _("Give the proposal a title.")
    elif len(title) > TITLE_LIMIT:
        errors["title"] = _("Use at most %(max)d characters (now %(n)d).", max=TITLE_LIMIT, n=len(title))
    if not body:
        errors["body"] = _("Describe what you propose.")
    elif len(body) > TEXT_LIMIT:
        errors["body"] = _("Use at most %(max)d characters (now %(n)d).", max=TEXT_LIMIT, n=len(body))
    image = None
    if data.image is not None and getattr(data.image, "filename", ""):
        try:
            checked = files.check_uploads([data.image], field="image")
        except Invalid as error:
            errors.update(error.errors)
        else:
            if checked and checked[0].content_type not in IMAGE_TYPES:
                errors["image"] = _("%(name)s is not a JPEG or PNG image.", name=checked[0].original_name)
            elif checked:
                image = checked[0]
    return errors, image


def _apply(proposal: Proposal, data: ProposalInput, image: files.CheckedFile | None, written: list[str]) -> list[str]:
    """Copy checked input onto the row; returns the stored names of pictures it replaced (to delete after commit)."""
    proposal.district_id, proposal.category_id = data.district_id, data.category_id
    proposal.title, proposal.body = data.title.strip(), data.body.strip()
    dropped = []
    if (image is not None or data.remove_image) and proposal.image_name:
        dropped.append(proposal.image_name)
        proposal.image_name = proposal.image_type = None
    if image is not None:
        try:
            stored = files.write(image)
        except files.StorageUnavailable:
            # The row may already carry this request's changes: none of them is kept without its picture.
            db.session.rollback()
            raise files.storage_failed("image") from None
        written.append(stored)
        proposal.image_name, proposal.image_type = stored, image.content_type
    return dropped


def _commit_with_files(written: list[str], dropped: list[str]) -> None:
    """Commit; a failed commit removes the files it wrote, a good one the files it replaced."""
    try:
        notify.commit()
    except Exception:
        files.remove(written)
        raise
    files.remove(dropped)


def create(actor: User, data: ProposalInput, publish_now: bool = False, now: datetime | None = None) -> Proposal:
    """A resident writes a proposal: kept as a draft, or published at once."""
    now = now or utcnow()
    authz.require(actor, "proposal.create")
    _guard(actor)
    recent = db.session.scalar(select(func.count()).select_from(Proposal).where(
        Proposal.author_id == actor.id, Proposal.created_at > now - CREATE_WINDOW,
        Proposal.created_at <= now)) or 0
    _rate(actor, "proposal.create", recent, CREATE_LIMIT)
    errors, image = _check(data)
    if errors:
        raise Invalid(errors)
    proposal = Proposal(author_id=actor.id, state="draft", created_at=now, updated_at=now)
    written: list[str] = []
    _apply(proposal, data, image, written)
    db.session.add(proposal)
    if publish_now:
        _publish(proposal, now)
    db.session.flush()
    _audit("proposal.publish" if publish_now else "proposal.draft", actor, proposal, summary=proposal.title)
    _commit_with_files(written, [])
    return proposal


def editable(actor: User, proposal_id: int) -> Proposal:
    """The author's own draft; anything else (another's, or one already published) is ``NotFound``."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not authz.can(actor, "proposal.edit", proposal):
        raise NotFound("proposal")
    return proposal


def update_draft(actor: User, proposal_id: int, data: ProposalInput, publish_now: bool = False,
                 now: datetime | None = None) -> Proposal:
    """The author changes a draft (and may publish it in the same step)."""
    now = now or utcnow()
    proposal = editable(actor, proposal_id)
    if publish_now:
        _guard(actor)
    errors, image = _check(data)
    if errors:
        raise Invalid(errors)
    written: list[str] = []
    dropped = _apply(proposal, data, image, written)
    proposal.updated_at = now
    if publish_now:
        _publish(proposal, now)
        _audit("proposal.publish", actor, proposal, summary=proposal.title)
    _commit_with_files(written, dropped)
    return proposal


def _publish(proposal: Proposal, now: datetime) -> None:
    """Open a draft for supports under its district's current rules."""
    rules = settings_for(proposal.district_id)
    proposal.state = "published"
    proposal.threshold = rules.threshold
    proposal.published_at = now
    proposal.support_until = now + timedelta(days=rules.period_days)
    proposal.updated_at = now


def publish(actor: User, proposal_id: int, now: datetime | None = None) -> Proposal:
    """The author publishes a draft: residents may support it from now until its period ends."""
    now = now or utcnow()
    proposal = editable(actor, proposal_id)
    _guard(actor)
    _publish(proposal, now)
    _audit("proposal.publish", actor, proposal, summary=proposal.title)
    notify.commit()
    return proposal


def delete_draft(actor: User, proposal_id: int) -> None:
    """The author throws a draft away (a published proposal stays: residents supported it)."""
    proposal = editable(actor, proposal_id)
    image = proposal.image_name
    db.session.delete(proposal)
    notify.commit()
    if image:
        files.remove([image])


# --- Supporting ------------------------------------------------------------------------------------------


def _locked(proposal_id: int) -> Proposal | None:
    """The proposal, read afresh and locked for this transaction (PostgreSQL; SQLite serialises writers anyway)."""
    return db.session.scalar(select(Proposal).where(Proposal.id == proposal_id).with_for_update()
                             .execution_options(populate_existing=True))


def _visible(actor: User | None, proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not authz.can(actor, "proposal.view", proposal):
        raise NotFound("proposal")
    return proposal


def _closed_message(proposal: Proposal) -> str:
    if proposal.state == "expired":
        return _("This proposal is closed: it did not reach its threshold in time, so it takes no more supports.")
    if proposal.state in SUPPORTABLE_STATES:
        return _("The support period of this proposal has ended; it takes no more supports.")
    return _("This proposal has been answered by the authority; it takes no more supports.")


def supports(actor: User | None, proposal_id: int) -> bool:
    """Whether ``actor`` supports the proposal."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    return db.session.scalar(select(ProposalSupport.id).where(
        ProposalSupport.proposal_id == proposal_id, ProposalSupport.citizen_id == actor.id)) is not None


def support(actor: User, proposal_id: int, now: datetime | None = None) -> Proposal:
    """A resident supports a proposal; the support that reaches the threshold starts the 15-working-day answer."""
    now = now or utcnow()
    authz.require(actor, "proposal.support")
    _visible(actor, proposal_id)
    _guard(actor)
    recent = db.session.scalar(select(func.count()).select_from(ProposalSupport).where(
        ProposalSupport.citizen_id == actor.id, ProposalSupport.created_at > now - SUPPORT_WINDOW,
        ProposalSupport.created_at <= now)) or 0
    _rate(actor, "proposal.support", recent, SUPPORT_LIMIT)
    already = _("You already support this proposal; each resident supports it once.")
    # The row lock makes concurrent supports of one proposal take turns: each sees the count the previous one left.
    proposal = _locked(proposal_id)
    if proposal.is_hidden:
        db.session.rollback()
        raise Invalid({None: _("The moderator has hidden this proposal; it takes no supports.")})
    if not proposal.supportable(now):
        message = _closed_message(proposal)
        db.session.rollback()  # let go of the lock at once
        raise Invalid({None: message})
    if supports(actor, proposal_id):
        db.session.rollback()
        raise Invalid({None: already})
    try:
        db.session.add(ProposalSupport(proposal_id=proposal.id, citizen_id=actor.id, created_at=now))
        db.session.flush()
    except IntegrityError:
        # The same resident's second request got past the check at the same instant: the unique constraint held.
        db.session.rollback()
        raise Invalid({None: already}) from None
    count = db.session.execute(
        update(Proposal).where(Proposal.id == proposal.id)
        .values(supports_count=Proposal.supports_count + 1, updated_at=now)
        .returning(Proposal.supports_count).execution_options(synchronize_session=False)
    ).scalar_one()
    proposal.supports_count = count
    crossed = proposal.threshold_reached_at is None and count >= proposal.threshold
    if crossed:
        _reach_threshold(proposal, now)
    notify.commit()
    return proposal


def _reach_threshold(proposal: Proposal, now: datetime) -> None:
    """Record the crossing once: the answer is due 15 working days later; the author and the heads are told."""
    # The deadline first: the calendar reads the declared exceptions, and a flush in between would meet the
    # check that a reached proposal has a due date.
    due = deadline(now, RESPONSE_WORKING_DAYS)
    proposal.state = "threshold_reached"
    proposal.threshold_reached_at = now
    proposal.response_due_at = due
    link = f"/proposals/{proposal.id}"
    _audit("proposal.threshold", None, proposal, summary=f"{proposal.supports_count}/{proposal.threshold}")
    notify.notify(proposal.author, lambda: _(
        "Your proposal “%(title)s” reached %(n)d supports. The authority must answer it by %(date)s.",
        title=proposal.title, n=proposal.threshold, date=fmt_date(due)), kind="proposal.threshold_reached", link=link,
        obj=proposal)
    notify.notify_all(heads(proposal.district_id), lambda: _(
        "The proposal “%(title)s” reached its threshold of %(n)d supports; answer it by %(date)s.",
        title=proposal.title, n=proposal.threshold, date=fmt_date(due)), kind="proposal.to_answer",
        link=f"/office/proposals/{proposal.id}", obj=proposal)


def heads(district_id: int) -> list[User]:
    """The district's active heads (deputies hold the head role too): who answers proposals."""
    return list(db.session.scalars(
        select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.district_id == district_id, RoleAssignment.role == "head", User.active.is_(True))
        .distinct().order_by(User.id)))


def withdraw_support(actor: User, proposal_id: int, now: datetime | None = None) -> Proposal:
    """A resident takes back their support while the proposal still collects supports.

    A threshold once reached stays reached: the authority's duty to answer does not go away.
    """
    now = now or utcnow()
    authz.require(actor, "proposal.support")
    _visible(actor, proposal_id)
    proposal = _locked(proposal_id)
    if not proposal.supportable(now):
        db.session.rollback()
        raise Invalid({None: _("Supports can be withdrawn only while the proposal collects them.")})
    mine = db.session.scalar(select(ProposalSupport).where(
        ProposalSupport.proposal_id == proposal_id, ProposalSupport.citizen_id == actor.id))
    if mine is None:
        db.session.rollback()
        raise Invalid({None: _("You do not support this proposal.")})
    db.session.delete(mine)
    count = db.session.execute(
        update(Proposal).where(Proposal.id == proposal.id)
        .values(supports_count=Proposal.supports_count - 1, updated_at=now)
        .returning(Proposal.supports_count).execution_options(synchronize_session=False)
    ).scalar_one()
    proposal.supports_count = count
    notify.commit()
    return proposal


# --- The authority's answer ------------------------------------------------------------------------------


def workable(actor: User, proposal_id: int, policy: str = "proposal.office") -> Proposal:
    """A published proposal of a district ``actor`` works (``policy``); any other is ``NotFound``."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.state == "draft" or not authz.can(actor, policy, proposal):
        raise NotFound("proposal")
    return proposal


def _tell_supporters(proposal: Proposal, kind: str, text_factory) -> None:
    """The author (as ``kind``) and each supporter ("proposal.supported": by default in the cabinet only, there may
    be thousands), with one statement for all the supporters' choices."""
    link = f"/proposals/{proposal.id}"
    notify.notify(proposal.author, text_factory, kind=kind, link=link, obj=proposal)
    supporters = db.session.scalars(
        select(User).join(ProposalSupport, ProposalSupport.citizen_id == User.id)
        .where(ProposalSupport.proposal_id == proposal.id, User.id != proposal.author_id)).all()
    notify.notify_all(supporters, text_factory, kind="proposal.supported", link=link, obj=proposal)


def answer(actor: User, proposal_id: int, decision: str | None, response: str, now: datetime | None = None) -> Proposal:
    """The head answers a proposal that reached its threshold: accepted, partly accepted or rejected, with reasons."""
    now = now or utcnow()
    proposal = workable(actor, proposal_id, "proposal.answer")
    proposal = _locked(proposal_id)
    if proposal.state != "threshold_reached":
        db.session.rollback()
        raise Invalid({None: _("Only a proposal that reached its threshold and awaits an answer can be answered.")})
    response = (response or "").strip()
    errors: dict[str | None, str] = {}
    if decision not in DECISIONS:
        errors["decision"] = _("Choose the decision: accepted, partly accepted or rejected.")
    if not response:
        errors["response"] = _("Give the reasoning of the decision; residents read it on the proposal's page.")
    elif len(response) > RESPONSE_LIMIT:
        errors["response"] = _("Use at most %(max)d characters (now %(n)d).", max=RESPONSE_LIMIT, n=len(response))
    if errors:
        raise Invalid(errors)
    proposal.state, proposal.decision, proposal.response = "answered", decision, response
    proposal.answered_at, proposal.answered_by_id, proposal.updated_at = now, actor.id, now
    _audit("proposal.answer", actor, proposal, summary=decision, after={"decision": decision})
    _tell_supporters(proposal, "proposal.answered", lambda: _(
        "The authority answered the proposal “%(title)s”: %(decision)s.",
        title=proposal.title, decision=DECISION_LABELS[decision]))
    notify.commit()
    return proposal


def advance(actor: User, proposal_id: int, to_state: str, now: datetime | None = None) -> Proposal:
    """The head moves an accepted proposal into work, and a proposal in work to implemented."""
    now = now or utcnow()
    workable(actor, proposal_id, "proposal.answer")
    proposal = _locked(proposal_id)
    if to_state == "in_progress" and proposal.state == "answered" and proposal.decision != "rejected":
        proposal.started_at = now
        text = lambda: _("Work on the proposal “%(title)s” has started.", title=proposal.title)  # noqa: E731
    elif to_state == "implemented" and proposal.state == "in_progress":
        proposal.implemented_at = now
        text = lambda: _("The proposal “%(title)s” has been implemented.", title=proposal.title)  # noqa: E731
    else:
        raise Invalid({None: _("This step is not possible for the proposal in its present state.")})
    proposal.state, proposal.updated_at = to_state, now
    _audit("proposal.state", actor, proposal, summary=to_state, after={"state": to_state})
    _tell_supporters(proposal, "proposal.progress", text)
    notify.commit()
    return proposal


def district_commitments(district_id: int) -> list[Commitment]:
    """The district's commitments not cancelled, for linking an accepted proposal."""
    return list(db.session.scalars(select(Commitment).where(
        Commitment.district_id == district_id, Commitment.status != "cancelled").order_by(Commitment.title_az).limit(500)))


def link_commitment(actor: User, proposal_id: int, commitment_id: int | None, now: datetime | None = None) -> CommitmentLink:
    """The head links an accepted (or partly accepted) proposal to a commitment of the same district."""
    now = now or utcnow()
    proposal = workable(actor, proposal_id, "proposal.answer")
    if proposal.state not in ("answered", "in_progress", "implemented") or proposal.decision == "rejected":
        raise Invalid({None: _("Only an accepted or partly accepted proposal can be linked to a commitment.")})
    commitment = db.session.get(Commitment, commitment_id) if commitment_id else None
    # Another district's commitment reads the same as a missing one.
    if commitment is None or commitment.district_id != proposal.district_id:
        raise Invalid({"commitment_id": _("Choose a commitment of this district from the list.")})
    taken = db.session.scalar(select(CommitmentLink.id).where(
        CommitmentLink.commitment_id == commitment.id, CommitmentLink.proposal_id == proposal.id))
    if taken is not None:
        raise Invalid({"commitment_id": _("The proposal is already linked to this commitment.")})
    link = CommitmentLink(commitment_id=commitment.id, kind="proposal", proposal_id=proposal.id,
                          created_by_id=actor.id, created_at=now)
    db.session.add(link)
    _audit("proposal.link", actor, proposal, summary=f"commitment {commitment.id}")
    try:
        notify.commit()
    except IntegrityError:
        raise Invalid({"commitment_id": _("The proposal is already linked to this commitment.")}) from None
    return link


def linked_commitments(proposal_id: int) -> list[Commitment]:
    """The commitments that carry out the proposal."""
    return list(db.session.scalars(
        select(Commitment).join(CommitmentLink, CommitmentLink.commitment_id == Commitment.id)
        .where(CommitmentLink.proposal_id == proposal_id).order_by(Commitment.id)))


# --- Expiry (the scheduler) ------------------------------------------------------------------------------


def due_to_expire(now: datetime | None = None) -> list[int]:
    """The ids of published proposals whose support period has ended below the threshold."""
    now = now or utcnow()
    return list(db.session.scalars(select(Proposal.id).where(
        Proposal.state == "published", Proposal.support_until <= now).order_by(Proposal.id)))


def expire_one(proposal_id: int, now: datetime | None = None) -> bool:
    """Close one proposal whose period ended below its threshold; False when it no longer qualifies (idempotent)."""
    now = now or utcnow()
    proposal = _locked(proposal_id)
    if proposal is None or proposal.state != "published" or proposal.support_until > now:
        db.session.rollback()
        return False
    proposal.state, proposal.expired_at, proposal.updated_at = "expired", now, now
    _audit("proposal.expire", None, proposal, summary=f"{proposal.supports_count}/{proposal.threshold}")
    notify.notify(proposal.author, lambda: _(
        "Your proposal “%(title)s” is closed: it gathered %(n)d of the %(threshold)d supports needed in time.",
        title=proposal.title, n=proposal.supports_count, threshold=proposal.threshold), kind="proposal.expired",
        link=f"/proposals/{proposal.id}", obj=proposal)
    notify.commit()
    return True


def expire(now: datetime | None = None, progress=iter) -> int:
    """Close every proposal whose period ended below the threshold, one transaction each (safe to interrupt)."""
    now = now or utcnow()
    return sum(expire_one(proposal_id, now) for proposal_id in progress(due_to_expire(now)))


# --- Reading -------------------------------------------------------------------------------------------


@dataclass
class Filters:
    """The public list's filters, each checked against what is on offer."""

    district_id: int | None = None
    state: str = ""
    category_id: int | None = None
    page: int = 1


def public_list(filters: Filters, per_page: int = PER_PAGE) -> Page:
    """Published proposals (never drafts), newest first; ``filters`` narrow the list. Two statements per page."""
    conditions = [Proposal.state != "draft"]
    if filters.district_id is not None:
        conditions.append(Proposal.district_id == filters.district_id)
    if filters.state in PUBLIC_STATES:
        conditions.append(Proposal.state == filters.state)
    if filters.category_id is not None:
        conditions.append(Proposal.category_id == filters.category_id)
    return paginate(
        select(Proposal).where(*conditions)
        .options(joinedload(Proposal.district), joinedload(Proposal.category))
        .order_by(Proposal.published_at.desc(), Proposal.id.desc()),
        filters.page, per_page, count=select(func.count()).select_from(Proposal).where(*conditions))


def public_view(actor: User | None, proposal_id: int) -> Proposal:
    """One proposal as its page shows it; a draft is the author's alone (``NotFound`` for anyone else)."""
    proposal = db.session.scalar(select(Proposal).where(Proposal.id == proposal_id).options(
        joinedload(Proposal.district), joinedload(Proposal.category)))
    if proposal is None or not authz.can(actor, "proposal.view", proposal):
        raise NotFound("proposal")
    return proposal


def shows_original(actor: User | None, proposal: Proposal) -> bool:
    """Whether ``actor`` reads the proposal itself: always unless hidden; hidden, only its district's moderators."""
    return not proposal.is_hidden or moderation.can_moderate(actor, proposal.district_id)


def image_of(actor: User | None, proposal_id: int) -> Proposal:
    """A proposal with a picture the actor may see (not a hidden one's, except to its moderators); else ``NotFound``."""
    proposal = _visible(actor, proposal_id)
    if not proposal.image_name or not shows_original(actor, proposal):
        raise NotFound("image")
    return proposal


def pictures_to_clean() -> list[int]:
    """The proposals whose picture has an address (the work list of ``clean_picture``)."""
    return list(db.session.scalars(select(Proposal.id).where(Proposal.image_name.is_not(None)).order_by(Proposal.id)))


def clean_picture(proposal_id: int) -> bool:
    """Re-encode a picture stored before uploads were cleaned (issue 15) without its metadata; True if it was.

    The clean copy is stored under a new name and the proposal points at it in one commit; only then is the old
    file removed. An interruption leaves either the old picture or the new one in place, and a rerun skips what is
    clean already.
    """
    from app.kit import images

    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not proposal.image_name:
        return False
    with files.open_stored(proposal.image_name) as stored:
        data = stored.read_all()  # one picture of at most 10 MB
    if not images.carries_metadata(data):
        return False
    clean = images.strip_metadata(data, proposal.image_type or "image/jpeg", proposal.image_name, "image")
    old = proposal.image_name
    new = files.write(files.CheckedFile(f"{proposal.id}-picture", proposal.image_type, clean))
    proposal.image_name = new
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        files.remove([new])
        raise
    files.remove([old])
    return True


def image_is_public(proposal: Proposal) -> bool:
    """Whether a visitor who is not signed in may see the proposal's picture: only then may caches keep it."""
    return authz.can(None, "proposal.view", proposal) and shows_original(None, proposal)


def my_proposals(actor: User) -> list[Proposal]:
    """The resident's own proposals, drafts included, newest first."""
    return list(db.session.scalars(
        select(Proposal).where(Proposal.author_id == actor.id)
        .options(joinedload(Proposal.district), joinedload(Proposal.category))
        .order_by(Proposal.created_at.desc(), Proposal.id.desc()).limit(CABINET_LIMIT)))


def my_supports(actor: User) -> list[tuple[Proposal, datetime]]:
    """The proposals the resident supports, with when, newest support first."""
    return list(db.session.execute(
        select(Proposal, ProposalSupport.created_at)
        .join(ProposalSupport, ProposalSupport.proposal_id == Proposal.id)
        .where(ProposalSupport.citizen_id == actor.id)
        .options(joinedload(Proposal.district))
        .order_by(ProposalSupport.created_at.desc(), ProposalSupport.id.desc()).limit(CABINET_LIMIT)).tuples())


def office_districts(actor: User) -> list[District]:
    """The districts whose proposals ``actor`` works (as official or head)."""
    ids = authz.staff_districts(actor, tuple(authz.STAFF))
    if not ids:
        return []
    return by_name(db.session.scalars(select(District).where(District.id.in_(ids))))


def office_district(actor: User, district_id: int | None) -> District:
    """The district ``actor`` opens in the office: the one asked for if they work it, else their first."""
    ids = sorted(authz.staff_districts(actor, tuple(authz.STAFF)))
    chosen = district_id if district_id is not None else (ids[0] if ids else None)
    district = db.session.get(District, chosen) if chosen is not None else None
    if district is None or not authz.can(actor, "proposal.office", district):
        raise NotFound("district")
    return district


# Awaiting an answer first (by deadline), then what is collecting supports, then the rest.
_OFFICE_ORDER = case({"threshold_reached": 0, "published": 1, "answered": 2, "in_progress": 3}, value=Proposal.state,
                     else_=4)


def office_list(actor: User, district_id: int | None, state: str = "", page: int = 1,
                per_page: int = PER_PAGE) -> tuple[District, dict[str, int], Page]:
    """The district's published proposals for its officials and head, those owing an answer first."""
    district = office_district(actor, district_id)
    counts = dict(db.session.execute(
        select(Proposal.state, func.count()).where(Proposal.district_id == district.id, Proposal.state != "draft")
        .group_by(Proposal.state)).all())
    conditions = [Proposal.district_id == district.id, Proposal.state != "draft"]
    if state in PUBLIC_STATES:
        conditions.append(Proposal.state == state)
    listed = paginate(
        select(Proposal).where(*conditions).options(joinedload(Proposal.category))
        .order_by(_OFFICE_ORDER, Proposal.response_due_at, Proposal.published_at.desc(), Proposal.id.desc()),
        page, per_page, count=select(func.count()).select_from(Proposal).where(*conditions))
    return district, {s: counts.get(s, 0) for s in PUBLIC_STATES}, listed


# --- Accountability ------------------------------------------------------------------------------------


@dataclass
class Figures:
    """A district's proposals in a period: thresholds reached, answers given and on time, acceptances."""

    reached: int = 0
    answered: int = 0
    on_time: int = 0
    accepted: int = 0
    partly_accepted: int = 0
    rejected: int = 0
    awaiting: int = 0
    overdue_now: int = 0


def figures(district_id: int, start: datetime, end: datetime, now: datetime | None = None) -> Figures:
    """Counted from the district's proposals (far fewer than appeals), in two statements."""
    now = now or utcnow()
    in_period = lambda column: (column >= start) & (column < end)  # noqa: E731
    answered = Proposal.answered_at.is_not(None) & in_period(Proposal.answered_at)
    row = db.session.execute(select(
        func.count(case((Proposal.threshold_reached_at.is_not(None) & in_period(Proposal.threshold_reached_at), 1))),
        func.count(case((answered, 1))),
        func.count(case((answered & (Proposal.answered_at <= Proposal.response_due_at), 1))),
        func.count(case((answered & (Proposal.decision == "accepted"), 1))),
        func.count(case((answered & (Proposal.decision == "partly_accepted"), 1))),
        func.count(case((answered & (Proposal.decision == "rejected"), 1))),
    ).where(Proposal.district_id == district_id)).one()
    awaiting, overdue = db.session.execute(select(
        func.count(), func.count(case((Proposal.response_due_at < now, 1))),
    ).where(Proposal.district_id == district_id, Proposal.state == "threshold_reached")).one()
    return Figures(*row, awaiting=awaiting, overdue_now=overdue)


def period_figures(period, district_id: int, now: datetime | None = None) -> Figures:
    """``figures`` for an accountability period (an inclusive range of Baku days)."""
    from app.kit.calendar import BAKU

    start = datetime.combine(period.start, datetime.min.time(), tzinfo=BAKU)
    end = datetime.combine(period.end + timedelta(days=1), datetime.min.time(), tzinfo=BAKU)
    return figures(district_id, start, end, now)


# Residents may report a proposal; the moderators of its district hide it (the public reads the reason) or restore it.
moderation.register_target(
    "proposal", Proposal,
    district_of=lambda proposal: proposal.district_id,
    title_of=lambda proposal: proposal.title,
    url_of=lambda proposal: f"/proposals/{proposal.id}",
    author_of=lambda proposal: proposal.author_id,
)


# --- The resident's own data (download, closing the account) ----------------------------------------------------

PICTURE_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg"}


def export_own(user: User, add_file: mydata.AddFile) -> dict:
    """The resident's proposals (drafts too: state, answer, picture) and the supports they gave, for the download."""
    written = db.session.scalars(
        select(Proposal).where(Proposal.author_id == user.id)
        .options(joinedload(Proposal.district), joinedload(Proposal.category))
        .order_by(Proposal.created_at, Proposal.id))
    supported = db.session.execute(
        select(Proposal.id, Proposal.title, ProposalSupport.created_at)
        .join(ProposalSupport, ProposalSupport.proposal_id == Proposal.id)
        .where(ProposalSupport.citizen_id == user.id).order_by(ProposalSupport.created_at, ProposalSupport.id))
    return {
        "written": [{
            "id": p.id, "district": p.district.code, "category": p.category.code, "title": p.title, "text": p.body,
            "state": p.state, "written_at": p.created_at, "published_at": p.published_at,
            "support_until": p.support_until, "threshold": p.threshold, "supports": p.supports_count,
            "threshold_reached_at": p.threshold_reached_at, "answer_due_at": p.response_due_at,
            "decision": p.decision, "answer": p.response, "answered_at": p.answered_at, "started_at": p.started_at,
            "implemented_at": p.implemented_at, "expired_at": p.expired_at,
            "hidden_by_moderator": {"at": p.hidden_at, "reason": p.hidden_reason} if p.hidden_at else None,
            "picture": add_file(p.image_name, f"proposals/{p.id}-picture.{PICTURE_EXTENSIONS.get(p.image_type, 'bin')}")
            if p.image_name else None,
        } for p in written],
        "supported": [{"proposal_id": pid, "title": title, "supported_at": at} for pid, title, at in supported],
    }


def close_own(user: User) -> list[str]:
    """Closing the account: the resident's drafts go (nobody else ever saw them) and their pictures with them.

    Published proposals stay, with their picture, supports and answer: residents supported them and the authority
    answered, a public record that holds no contact (the author is shown as a closed account). The supports the
    resident gave stay too (only their id): withdrawing them would move other residents' counts after the fact.
    """
    drafts = db.session.scalars(select(Proposal).where(Proposal.author_id == user.id, Proposal.state == "draft")).all()
    pictures = [d.image_name for d in drafts if d.image_name]
    for draft in drafts:
        db.session.delete(draft)
    return pictures


mydata.register_exporter("proposals", export_own)
mydata.register_closer(close_own)
