"""Polls (sorğular): residents propose topics, the district's moderator turns them into polls, residents vote.

The secret ballot. A vote writes two things in one transaction: a
``PollParticipation`` row ("this resident took part in this poll", with only the
day, shown in the resident's cabinet) and one UPDATE that adds 1 to the tally
of each chosen option and 0 to every other option of the poll. Nothing links
the two: the tallies have no voter, no time, no row per ballot (so no insertion
order or id to line up with the participation ids), and since the UPDATE
rewrites every option row of the poll, even PostgreSQL's per-row transaction
id (``xmin``) is the same on all of them and tells nothing about the choice.
Nobody sees a tally while the poll is open (a tally seen to change, lined up
with who voted then, would tell each voter's choice), and after closing only
when at least ``MIN_PARTICIPANTS`` residents took part (with one or two, anyone
who knows who voted would know how).

Moderators (role moderator) act on their own district's topics and polls;
administrators on national polls; to anyone else another district's topic or
poll does not exist (``NotFound``). Every use case checks all of its input
before it changes anything, so a refusal leaves nothing written.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app import authz
from app.extensions import db
from app.kit import audit, notify, participation
from app.kit.calendar import BAKU, local_date
from app.kit.errors import Invalid, NotFound
from app.kit.i18n import by_name, fmt_datetime, tr
from app.kit.paging import Page, paginate
from app.models import (
    DIRECTIONS,
    POLL_KINDS,
    RESULTS_VISIBILITY,
    District,
    Poll,
    PollOption,
    PollParticipation,
    PollTopic,
    RoleAssignment,
    User,
    utcnow,
)
from app.models.poll import (
    DESCRIPTION_LIMIT,
    MAX_OPTIONS,
    MIN_OPTIONS,
    OPTION_LIMIT,
    QUESTION_LIMIT,
    REASON_LIMIT,
)

PER_PAGE = 20
# A closed poll's results are shown only when at least this many residents took part (the same threshold as the
# accountability figures' small cells, stats.SMALL); an open poll's are shown to nobody.
MIN_PARTICIPANTS = 5
STATES = ("open", "upcoming", "closed")
LANGS = ("az", "ru", "en")

DIRECTION_LABELS = {
    "public_spaces": _l("Public spaces and improvement"),
    "transport": _l("Roads and transport"),
    "utilities": _l("Utilities"),
    "education": _l("Education"),
    "health": _l("Health care"),
    "culture_sport": _l("Culture, youth and sport"),
    "social": _l("Social protection"),
    "environment": _l("Environment"),
    "economy": _l("Economy and jobs"),
    "other": _l("Other"),
}
KIND_LABELS = {"single": _l("One answer"), "multiple": _l("Several answers")}
STATE_LABELS = {"upcoming": _l("Upcoming"), "open": _l("Open"), "closed": _l("Closed")}
VISIBILITY_LABELS = {
    "after_vote": _l("To each resident once they have voted, to everyone once the poll closes"),
    "after_close": _l("To everyone once the poll closes, not before"),
}
TOPIC_STATUS_LABELS = {
    "submitted": _l("Waiting for the moderator"),
    "changes_requested": _l("Changes requested"),
    "rejected": _l("Rejected"),
    "approved": _l("Approved: a poll"),
}


@dataclass
class TopicInput:
    """What a resident proposes: the authority, the direction, the question and the answers."""

    district_id: int | None
    direction: str
    question: str
    options: list[str]
    kind: str = "single"
    description: str = ""


@dataclass
class PollInput:
    """A poll as a moderator writes it: texts in az (ru and en optional), answers, kind, times, results rule."""

    direction: str
    question_az: str
    options_az: list[str]
    opens_at: datetime | None
    closes_at: datetime | None
    kind: str = "single"
    # Kept for the polls of before: every poll now shows its results only after closing (``results_visible``).
    results_visibility: str = "after_close"
    question_ru: str = ""
    question_en: str = ""
    description_az: str = ""
    description_ru: str = ""
    description_en: str = ""
    options_ru: list[str] = field(default_factory=list)
    options_en: list[str] = field(default_factory=list)
    # A moderator approving a topic may open the poll at once instead of at ``opens_at``.
    open_now: bool = False


@dataclass
class PollSummary:
    """A poll with how many residents took part, for lists."""

    poll: Poll
    participants: int
    state: str


@dataclass
class OptionResult:
    """One answer's tally and its share of the ballots."""

    option: PollOption
    votes: int
    percent: float


@dataclass
class Results:
    """A poll's results: every answer's tally, and how many residents took part."""

    options: list[OptionResult]
    participants: int


# --- Rules every participation action shares ------------------------------------------------------


TOPICS_PER_DAY = 5


def _audit(action: str, actor: User, obj, summary: str = "", after: dict | None = None) -> None:
    """Record a moderation step in the audit trail (joins the caller's transaction)."""
    audit.record(action, actor=actor, obj=obj, summary=summary, after=after)


# --- Checking input ----------------------------------------------------------------------------------


def _clean_options(values: list[str]) -> list[str]:
    return [v.strip() for v in values if v and v.strip()]


def _check_options(errors: dict, name: str, options: list[str], required: bool) -> None:
    """Two to ten distinct answers of at most 200 characters each."""
    if not options and not required:
        return
    if len(options) < MIN_OPTIONS:
        errors[name] = _("Give at least %(min)d answers, one per line.", min=MIN_OPTIONS)
    elif len(options) > MAX_OPTIONS:
        errors[name] = _("Give at most %(max)d answers.", max=MAX_OPTIONS)
    elif any(len(o) > OPTION_LIMIT for o in options):
        errors[name] = _("Each answer has at most %(max)d characters.", max=OPTION_LIMIT)
    elif len({o.casefold() for o in options}) != len(options):
        errors[name] = _("Two answers are the same; give each answer once.")


def _check_topic(data: TopicInput) -> dict[str | None, str]:
    errors: dict[str | None, str] = {}
    district = db.session.get(District, data.district_id) if data.district_id else None
    if district is None or not district.active:
        errors["district_id"] = _("Choose the district authority from the list.")
    if data.direction not in DIRECTIONS:
        errors["direction"] = _("Choose a direction from the list.")
    if data.kind not in POLL_KINDS:
        errors["kind"] = _("Say whether residents choose one answer or several.")
    question = (data.question or "").strip()
    if not question:
        errors["question"] = _("Write the question residents will answer.")
    elif len(question) > QUESTION_LIMIT:
        errors["question"] = _("Use at most %(max)d characters.", max=QUESTION_LIMIT)
    if len((data.description or "").strip()) > DESCRIPTION_LIMIT:
        errors["description"] = _("Use at most %(max)d characters.", max=DESCRIPTION_LIMIT)
    _check_options(errors, "options", _clean_options(data.options), required=True)
    return errors


def _check_poll(data: PollInput, now: datetime) -> dict[str | None, str]:
    errors: dict[str | None, str] = {}
    if data.direction not in DIRECTIONS:
        errors["direction"] = _("Choose a direction from the list.")
    if data.kind not in POLL_KINDS:
        errors["kind"] = _("Say whether residents choose one answer or several.")
    if data.results_visibility not in RESULTS_VISIBILITY:
        errors["results_visibility"] = _("Say when the results are shown.")
    if not (data.question_az or "").strip():
        errors["question_az"] = _("Write the question in Azerbaijani; Russian and English fall back to it when empty.")
    for lang in LANGS:
        if len((getattr(data, f"question_{lang}") or "").strip()) > QUESTION_LIMIT:
            errors[f"question_{lang}"] = _("Use at most %(max)d characters.", max=QUESTION_LIMIT)
        if len((getattr(data, f"description_{lang}") or "").strip()) > DESCRIPTION_LIMIT:
            errors[f"description_{lang}"] = _("Use at most %(max)d characters.", max=DESCRIPTION_LIMIT)
    az = _clean_options(data.options_az)
    _check_options(errors, "options_az", az, required=True)
    for lang in ("ru", "en"):
        translated = _clean_options(getattr(data, f"options_{lang}"))
        name = f"options_{lang}"
        _check_options(errors, name, translated, required=False)
        if translated and name not in errors and len(translated) != len(az):
            errors[name] = _("Give as many answers as in Azerbaijani, in the same order, or leave it empty.")
    if data.opens_at is None:
        errors["opens_at"] = _("Enter when the poll opens.")
    if data.closes_at is None:
        errors["closes_at"] = _("Enter when the poll closes.")
    elif data.opens_at is not None and data.closes_at <= data.opens_at:
        errors["closes_at"] = _("The poll must close after it opens.")
    elif data.closes_at <= now:
        errors["closes_at"] = _("The closing time has already passed.")
    elif data.closes_at - (data.opens_at or now) > timedelta(days=366):
        errors["closes_at"] = _("A poll runs for at most a year.")
    return errors


def _check_opening(errors: dict[str | None, str], data: PollInput, now: datetime) -> None:
    """An opening time chosen by hand must not have passed: the moderator meant a later time, or "open now".

    The form's time has whole minutes, so the current minute still counts as now."""
    if data.open_now or data.opens_at is None or "opens_at" in errors:
        return
    if data.opens_at < now.replace(second=0, microsecond=0):
        errors["opens_at"] = _("The opening time has already passed: choose a later time or open the poll now.")


def _apply_poll(poll: Poll, data: PollInput) -> None:
    """Copy checked input onto the poll; empty translations are stored as NULL so they fall back to az."""
    poll.direction, poll.kind, poll.results_visibility = data.direction, data.kind, data.results_visibility
    for lang in LANGS:
        setattr(poll, f"question_{lang}", (getattr(data, f"question_{lang}") or "").strip() or None)
        setattr(poll, f"description_{lang}", (getattr(data, f"description_{lang}") or "").strip() or None)
    poll.opens_at, poll.closes_at = data.opens_at, data.closes_at
    az, ru, en = (_clean_options(getattr(data, f"options_{lang}")) for lang in LANGS)
    poll.options.clear()
    db.session.flush()
    for i, label in enumerate(az):
        poll.options.append(PollOption(position=i + 1, label_az=label, label_ru=ru[i] if ru else None,
                                       label_en=en[i] if en else None))


def _check_reason(reason: str, missing: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise Invalid({"reason": missing})
    if len(reason) > REASON_LIMIT:
        raise Invalid({"reason": _("Use at most %(max)d characters.", max=REASON_LIMIT)})
    return reason


# --- Residents: proposing topics ------------------------------------------------------------------------


def _moderators(district_id: int) -> list[User]:
    return list(db.session.scalars(select(User).join(RoleAssignment, RoleAssignment.user_id == User.id).where(
        RoleAssignment.role == "moderator", RoleAssignment.district_id == district_id, User.active.is_(True))))


def propose(actor: User, data: TopicInput, now: datetime | None = None) -> PollTopic:
    """A resident proposes a poll to a district authority; its moderators see it in their queue."""
    now = now or utcnow()
    participation.ensure_can_take_part(actor)
    authz.require(actor, "poll.propose")
    recent = db.session.scalar(select(func.count()).select_from(PollTopic).where(
        PollTopic.author_id == actor.id, PollTopic.created_at >= now - timedelta(days=1))) or 0
    participation.ensure_rate(actor, "poll.propose", recent, limit=TOPICS_PER_DAY)
    errors = _check_topic(data)
    if errors:
        raise Invalid(errors)
    topic = PollTopic(district_id=data.district_id, author_id=actor.id, direction=data.direction, kind=data.kind,
                      question=data.question.strip(), description=(data.description or "").strip() or None,
                      options=_clean_options(data.options), status="submitted", created_at=now, updated_at=now)
    db.session.add(topic)
    db.session.flush()
    notify.notify_all(_moderators(topic.district_id),
                      lambda: _("A resident proposed a poll topic: “%(question)s”.", question=topic.question),
                      kind="poll_topic.proposed", link=f"/office/polls/topics/{topic.id}", obj=topic)
    notify.commit()
    return topic


def my_topics(actor: User) -> list[PollTopic]:
    """The resident's own topics, newest first."""
    return list(db.session.scalars(select(PollTopic).where(PollTopic.author_id == actor.id)
                                   .options(joinedload(PollTopic.district), joinedload(PollTopic.poll))
                                   .order_by(PollTopic.updated_at.desc(), PollTopic.id.desc()).limit(200)))


def my_topic(actor: User, topic_id: int) -> PollTopic:
    """One of the resident's own topics; anyone else's is ``NotFound``."""
    topic = db.session.get(PollTopic, topic_id)
    if topic is None or topic.author_id != actor.id:
        raise NotFound("topic")
    return topic


def resubmit(actor: User, topic_id: int, data: TopicInput, now: datetime | None = None) -> PollTopic:
    """The resident changes a topic the moderator sent back and submits it again."""
    now = now or utcnow()
    topic = my_topic(actor, topic_id)
    participation.ensure_can_take_part(actor)
    if topic.status != "changes_requested":
        raise Invalid({None: _("Only a topic sent back for changes can be changed.")})
    data.district_id = topic.district_id
    errors = _check_topic(data)
    if errors:
        raise Invalid(errors)
    topic.direction, topic.kind = data.direction, data.kind
    topic.question, topic.description = data.question.strip(), (data.description or "").strip() or None
    topic.options = _clean_options(data.options)
    topic.status, topic.updated_at = "submitted", now
    notify.notify_all(_moderators(topic.district_id),
                      lambda: _("A resident changed the poll topic “%(question)s” as asked.", question=topic.question),
                      kind="poll_topic.proposed", link=f"/office/polls/topics/{topic.id}", obj=topic)
    notify.commit()
    return topic


# --- Moderators ------------------------------------------------------------------------------------------


def moderated_districts(actor: User) -> list[District]:
    """The districts whose polls ``actor`` moderates, by name."""
    ids = authz.staff_districts(actor, ("moderator",))
    if not ids:
        return []
    return by_name(db.session.scalars(select(District).where(District.id.in_(ids))))


def office_scope(actor: User, district_id: int | None, national: bool = False) -> District | None:
    """What ``actor`` works on: a district they moderate (the one asked for, else their first), or the national
    polls (None) for an administrator; ``NotFound`` when they may not."""
    is_admin = authz.can(actor, "poll.moderate", None) and "admin" in actor.role_names
    ids = sorted(authz.staff_districts(actor, ("moderator",)))
    if national or (district_id is None and not ids):
        if is_admin:
            return None
        raise NotFound("district")
    chosen = district_id if district_id is not None else ids[0]
    district = db.session.get(District, chosen)
    if district is None or not authz.can(actor, "poll.moderate", district):
        raise NotFound("district")
    return district


def office_lists(actor: User, district: District | None, now: datetime | None = None):
    """The moderator's queue: the district's topics (waiting ones first) and polls; for national, polls only."""
    now = now or utcnow()
    topics: list[PollTopic] = []
    if district is not None:
        order = case({"submitted": 0, "changes_requested": 1}, value=PollTopic.status, else_=2)
        topics = list(db.session.scalars(select(PollTopic).where(PollTopic.district_id == district.id)
                                         .order_by(order, PollTopic.updated_at.desc()).limit(200)))
    scope = Poll.district_id == district.id if district is not None else Poll.district_id.is_(None)
    polls = list(db.session.scalars(select(Poll).where(scope).order_by(Poll.closes_at.desc()).limit(200)))
    return topics, _summaries(polls, now)


def moderated_topic(actor: User, topic_id: int) -> PollTopic:
    """A topic of a district ``actor`` moderates; any other is ``NotFound``."""
    topic = db.session.get(PollTopic, topic_id)
    if topic is None or not authz.can(actor, "poll.moderate", topic):
        raise NotFound("topic")
    return topic


def moderated_poll(actor: User, poll_id: int) -> Poll:
    """A poll ``actor`` moderates (their district's, or national for an administrator); any other is ``NotFound``."""
    poll = db.session.get(Poll, poll_id)
    if poll is None or not authz.can(actor, "poll.moderate", poll):
        raise NotFound("poll")
    return poll


def _waiting(topic: PollTopic) -> None:
    if topic.status != "submitted":
        raise Invalid({None: _("This topic is not waiting for a decision.")})


def approve(actor: User, topic_id: int, data: PollInput, now: datetime | None = None) -> Poll:
    """The moderator turns a topic into a poll (times, translations); the resident is told."""
    now = now or utcnow()
    topic = moderated_topic(actor, topic_id)
    _waiting(topic)
    if data.open_now:
        data = replace(data, opens_at=now)
    errors = _check_poll(data, now)
    _check_opening(errors, data, now)
    if errors:
        raise Invalid(errors)
    poll = Poll(district_id=topic.district_id, topic_id=topic.id, created_by_id=actor.id, created_at=now,
                updated_at=now)
    _apply_poll(poll, data)
    db.session.add(poll)
    topic.status, topic.reason, topic.decided_by_id, topic.updated_at = "approved", None, actor.id, now
    db.session.flush()
    author = db.session.get(User, topic.author_id)
    opens = poll.opens_at
    notify.notify(author, lambda: _("Your poll topic “%(question)s” is approved: the poll opens on %(when)s.",
                                    question=topic.question, when=fmt_datetime(opens)),
                  kind="poll_topic.decided", link=f"/polls/{poll.id}", obj=poll)
    _audit("poll.approve", actor, poll, f"topic {topic.id}: {topic.question}",
           after={"opens_at": poll.opens_at, "closes_at": poll.closes_at})
    notify.commit()
    return poll


def ask_changes(actor: User, topic_id: int, reason: str, now: datetime | None = None) -> PollTopic:
    """The moderator sends a topic back to the resident, saying what to change."""
    return _decide(actor, topic_id, reason, now, "changes_requested", "poll.ask_changes",
                   _("Say what the resident should change."),
                   lambda topic, why: _("The moderator asks you to change your poll topic “%(question)s”: %(reason)s",
                                        question=topic.question, reason=why))


def reject(actor: User, topic_id: int, reason: str, now: datetime | None = None) -> PollTopic:
    """The moderator rejects a topic with a reason the resident is told."""
    return _decide(actor, topic_id, reason, now, "rejected", "poll.reject",
                   _("Give the reason for rejecting the topic; the resident is told."),
                   lambda topic, why: _("Your poll topic “%(question)s” is rejected: %(reason)s",
                                        question=topic.question, reason=why))


def _decide(actor: User, topic_id: int, reason: str, now: datetime | None, status: str, action: str,
            missing: str, told) -> PollTopic:
    """Send a waiting topic back or reject it: the reason is required, the resident is told in their language."""
    now = now or utcnow()
    topic = moderated_topic(actor, topic_id)
    _waiting(topic)
    reason = _check_reason(reason, missing)
    topic.status, topic.reason, topic.decided_by_id, topic.updated_at = status, reason, actor.id, now
    author = db.session.get(User, topic.author_id)
    notify.notify(author, lambda: told(topic, reason), kind="poll_topic.decided", link=f"/cabinet/poll-topics/{topic.id}",
                  obj=topic)
    _audit(action, actor, topic, reason)
    notify.commit()
    return topic


def create_poll(actor: User, district_id: int | None, data: PollInput, now: datetime | None = None) -> Poll:
    """A moderator creates a poll of their district; an administrator a national one (``district_id`` None)."""
    now = now or utcnow()
    district = office_scope(actor, district_id, national=district_id is None)
    errors = _check_poll(data, now)
    if errors:
        raise Invalid(errors)
    poll = Poll(district_id=district.id if district else None, created_by_id=actor.id, created_at=now, updated_at=now)
    _apply_poll(poll, data)
    db.session.add(poll)
    db.session.flush()
    _audit("poll.create", actor, poll, poll.question_az, after={"opens_at": poll.opens_at, "closes_at": poll.closes_at})
    notify.commit()
    return poll


def update_poll(actor: User, poll_id: int, data: PollInput, now: datetime | None = None) -> Poll:
    """Change a poll that has not opened yet (once residents vote, its question and answers stay as they were)."""
    now = now or utcnow()
    poll = moderated_poll(actor, poll_id)
    if poll.state(now) != "upcoming":
        raise Invalid({None: _("A poll can be changed only before it opens.")})
    errors = _check_poll(data, now)
    if errors:
        raise Invalid(errors)
    _apply_poll(poll, data)
    poll.updated_at = now
    _audit("poll.update", actor, poll, poll.question_az, after={"opens_at": poll.opens_at, "closes_at": poll.closes_at})
    notify.commit()
    return poll


def close_poll(actor: User, poll_id: int, now: datetime | None = None) -> Poll:
    """Close an open poll now (its results become public)."""
    now = now or utcnow()
    poll = moderated_poll(actor, poll_id)
    if poll.state(now) != "open":
        raise Invalid({None: _("Only an open poll can be closed.")})
    poll.closes_at, poll.updated_at = now, now
    _audit("poll.close", actor, poll, poll.question_az, after={"closes_at": now})
    notify.commit()
    return poll


# --- Voting ----------------------------------------------------------------------------------------------


def has_voted(user: User, poll_id: int) -> PollParticipation | None:
    """The resident's participation in the poll (the day they voted, never what), if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(PollParticipation).where(
        PollParticipation.poll_id == poll_id, PollParticipation.user_id == user.id))


def _already_voted() -> Invalid:
    return Invalid({None: _("You have already voted in this poll; each resident votes once.")})


def eligibility_problem(user: User, poll: Poll, now: datetime) -> str | None:
    """Why ``user`` cannot vote in ``poll`` now, or None when they can (the reason in the user's language)."""
    state = poll.state(now)
    if state == "upcoming":
        return _("The poll opens on %(when)s.", when=fmt_datetime(poll.opens_at))
    if state == "closed":
        return _("The poll closed on %(when)s.", when=fmt_datetime(poll.closes_at))
    if poll.district_id is not None and user.district_id != poll.district_id:
        if user.district_id is None:
            return _("This poll is for residents of %(district)s: choose your district in your profile.",
                     district=tr(poll.district))
        return _("This poll is for residents of %(district)s; your profile says you live elsewhere.",
                 district=tr(poll.district))
    return None


def vote(actor: User, poll_id: int, option_ids: list[int | None], now: datetime | None = None) -> None:
    """Cast the resident's ballot: their participation and the tallies, in one transaction, sharing nothing.

    One vote per resident and poll: the unique constraint on participations refuses a second
    one, also from two tabs at the same moment (the poll row is locked while voting on PostgreSQL).
    """
    now = now or utcnow()
    participation.ensure_can_take_part(actor)
    authz.require(actor, "poll.vote")
    poll = db.session.get(Poll, poll_id)
    if poll is None:
        raise NotFound("poll")
    problem = eligibility_problem(actor, poll, now)
    if problem:
        raise Invalid({None: problem})
    valid = {o.id for o in poll.options}
    chosen = set(option_ids)
    if not chosen:
        raise Invalid({"options": _("Choose an answer.") if poll.kind == "single" else _("Choose at least one answer.")})
    if not chosen <= valid:
        raise Invalid({"options": _("Choose from the answers of this poll.")})
    if poll.kind == "single" and len(chosen) > 1:
        raise Invalid({"options": _("Choose one answer only.")})
    user_id = actor.id
    # Voters of one poll take turns (a short lock): two tabs of one resident cannot both pass the check.
    db.session.execute(select(Poll.id).where(Poll.id == poll_id).with_for_update())
    if has_voted(actor, poll_id) is not None:
        db.session.rollback()
        raise _already_voted()
    # The day only (in Baku): the moment of the vote is never stored.
    db.session.add(PollParticipation(poll_id=poll_id, user_id=user_id, voted_on=local_date(now)))
    try:
        db.session.flush()
        # One statement for every option of the poll, +1 or +0: each tally row is rewritten alike.
        db.session.execute(
            update(PollOption).where(PollOption.poll_id == poll_id)
            .values(votes=PollOption.votes + case((PollOption.id.in_(chosen), 1), else_=0))
            .execution_options(synchronize_session=False))
        notify.commit()
    except IntegrityError:
        db.session.rollback()
        raise _already_voted() from None
    db.session.expire_all()


# --- Results and what the public sees ---------------------------------------------------------------


def participants(poll_id: int) -> int:
    """How many residents took part in the poll."""
    return db.session.scalar(select(func.count()).select_from(PollParticipation)
                             .where(PollParticipation.poll_id == poll_id)) or 0


def results_visible(poll: Poll, now: datetime, taking_part: int) -> bool:
    """Whether anyone may see the poll's tallies: only once it has closed, and only when at least
    ``MIN_PARTICIPANTS`` residents took part. The same for everyone, moderators and voters included.

    Never while open, whatever ``results_visibility`` an older poll was given: a tally that changes as votes
    come in, watched by someone who also sees who voted when (an access log, a neighbour at the next screen,
    a copy of the database), tells each voter's choice. A poll with one or two participants would do the same
    after closing for anyone who knows who took part.
    """
    return poll.state(now) == "closed" and taking_part >= MIN_PARTICIPANTS


def results(poll: Poll) -> Results:
    """Every answer's tally and share; shares are of the residents who took part (several answers may add up past 100)."""
    total = participants(poll.id)
    options = list(db.session.scalars(select(PollOption).where(PollOption.poll_id == poll.id)
                                      .order_by(PollOption.position)))
    return Results([OptionResult(o, o.votes, round(100 * o.votes / total, 1) if total else 0.0) for o in options],
                   total)


def public_poll(poll_id: int) -> Poll:
    """A poll with its options and district; ``NotFound`` when there is none."""
    poll = db.session.scalar(select(Poll).where(Poll.id == poll_id)
                             .options(joinedload(Poll.district), selectinload(Poll.options)))
    if poll is None:
        raise NotFound("poll")
    return poll


def _state_condition(state: str, now: datetime):
    if state == "upcoming":
        return Poll.opens_at > now
    if state == "open":
        return (Poll.opens_at <= now) & (Poll.closes_at > now)
    return Poll.closes_at <= now


def _summaries(polls: list[Poll], now: datetime) -> list[PollSummary]:
    """Each poll with its participant count: one grouped statement whatever the number."""
    ids = [p.id for p in polls]
    counts = dict(db.session.execute(
        select(PollParticipation.poll_id, func.count()).where(PollParticipation.poll_id.in_(ids))
        .group_by(PollParticipation.poll_id)).all()) if ids else {}
    return [PollSummary(p, counts.get(p.id, 0), p.state(now)) for p in polls]


def public_list(district: District | None = None, state: str = "", direction: str = "", page: int = 1,
                now: datetime | None = None, per_page: int = PER_PAGE, national: bool = False) -> Page:
    """Polls, open ones first then upcoming then closed; filters: district (its polls and national ones), state, direction."""
    now = now or utcnow()
    conditions = []
    if national:
        conditions.append(Poll.district_id.is_(None))
    elif district is not None:
        conditions.append((Poll.district_id == district.id) | Poll.district_id.is_(None))
    if state in STATES:
        conditions.append(_state_condition(state, now))
    if direction in DIRECTIONS:
        conditions.append(Poll.direction == direction)
    order = case((Poll.opens_at > now, 1), (Poll.closes_at <= now, 2), else_=0)
    return paginate(
        select(Poll).where(*conditions).options(joinedload(Poll.district))
        .order_by(order, case((Poll.closes_at <= now, Poll.closes_at), else_=None).desc(), Poll.closes_at, Poll.id),
        page, per_page, count=select(func.count()).select_from(Poll).where(*conditions),
        wrap=lambda rows: _summaries(rows, now))


def my_votes(actor: User) -> list[tuple[Poll, date]]:
    """The polls the resident took part in and on which day (never what they chose), newest first."""
    rows = db.session.execute(
        select(Poll, PollParticipation.voted_on).join(PollParticipation, PollParticipation.poll_id == Poll.id)
        .where(PollParticipation.user_id == actor.id).options(joinedload(Poll.district))
        .order_by(PollParticipation.voted_on.desc(), Poll.id.desc()).limit(500)).all()
    return [(poll, at) for poll, at in rows]


# --- Accountability --------------------------------------------------------------------------------------


def district_figures(start: datetime, end: datetime, district_id: int, now: datetime | None = None) -> dict:
    """The district's polls that opened in the period (and have opened): how many, votes cast, mean turnout.

    Turnout is votes per poll over the residents whose profile names the district with a confirmed email
    (counted now), in per cent; None while there are no such residents.
    """
    now = now or utcnow()
    held, votes = db.session.execute(
        select(func.count(func.distinct(Poll.id)), func.count(PollParticipation.id))
        .select_from(Poll).outerjoin(PollParticipation, PollParticipation.poll_id == Poll.id)
        .where(Poll.district_id == district_id, Poll.opens_at >= start, Poll.opens_at <= min(end, now))).one()
    residents = db.session.scalar(select(func.count()).select_from(User).where(
        User.district_id == district_id, User.confirmed_at.is_not(None), User.active.is_(True))) or 0
    turnout = round(100 * votes / (held * residents), 1) if held and residents else None
    return {"held": held or 0, "votes": votes or 0, "turnout_pct": turnout}


def period_figures(period, district_id: int) -> dict:
    """``district_figures`` for an accountability period (inclusive Baku days)."""
    start = datetime.combine(period.start, datetime.min.time(), tzinfo=BAKU)
    end = datetime.combine(period.end, datetime.max.time(), tzinfo=BAKU)
    return district_figures(start, end, district_id)
