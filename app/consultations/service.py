"""Consultations on draft decisions: editors publish a document in sections with a comment period and an optional
question set; residents comment per section, reply to comments and answer the questions; after the period the
authority publishes what changed and why, shown beside the final text.

Editors of a district maintain its consultations (policy ``consultation.edit``); national ones (no district) are
the administrators'. To anyone else a draft, or another district's consultation in the editors' pages, does not
exist (``NotFound``). Comments are moderated content (target "comment"): hidden ones show the moderator's reason
in their place, and the original to the moderators of the district.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app import authz
from app.accounts import mydata
from app.extensions import db
from app.kit import audit, notify
from app.kit.calendar import BAKU, local_date
from app.kit.errors import Invalid, NotFound
from app.kit.i18n import by_name
from app.kit.paging import Page, paginate
from app.kit.participation import ensure_can_take_part, ensure_rate
from app.models import (
    Consultation,
    ConsultationAnswer,
    ConsultationComment,
    ConsultationOption,
    ConsultationQuestion,
    ConsultationResponse,
    ConsultationSection,
    District,
    User,
    utcnow,
)
from app.models.consultation import (
    BODY_LIMIT,
    COMMENT_LIMIT,
    OPTION_LIMIT,
    OUTCOME_LIMIT,
    QUESTION_LIMIT,
    SUMMARY_LIMIT,
    TITLE_LIMIT,
)
from app.moderation import service as moderation

PER_PAGE = 10
LANGS = ("az", "ru", "en")
# Comments one resident may write per hour, across consultations.
COMMENTS_PER_HOUR = 20
MAX_SECTIONS = 40
MAX_QUESTIONS = 20
MAX_OPTIONS = 10
# The longest comment period, and how far ahead one may be planned.
MAX_PERIOD_DAYS = 180

STATE_LABELS = {
    "draft": _l("Draft"),
    "upcoming": _l("Not yet open"),
    "open": _l("Open for comments"),
    "closed": _l("Closed, awaiting the outcome"),
    "concluded": _l("Outcome published"),
}
PUBLIC_STATES = ("upcoming", "open", "closed", "concluded")


# --- Input ------------------------------------------------------------------------------------------


@dataclass
class ConsultationInput:
    """The consultation itself: titles and summaries in az (ru, en optional), the scope and the comment period."""

    title_az: str
    summary_az: str
    opens_on: date | None
    closes_on: date | None
    district_id: int | None = None
    title_ru: str = ""
    title_en: str = ""
    summary_ru: str = ""
    summary_en: str = ""


@dataclass
class SectionInput:
    """A section of the draft document."""

    title_az: str
    body_az: str
    title_ru: str = ""
    title_en: str = ""
    body_ru: str = ""
    body_en: str = ""


@dataclass
class QuestionInput:
    """A question and its options, one option a line (ru and en optional, with as many lines as az)."""

    text_az: str
    options_az: str
    text_ru: str = ""
    text_en: str = ""
    options_ru: str = ""
    options_en: str = ""


@dataclass
class SectionOutcomeInput:
    """After the period: the section's final text (empty: unchanged) and what changed and why."""

    final_az: str = ""
    final_ru: str = ""
    final_en: str = ""
    change_az: str = ""
    change_ru: str = ""
    change_en: str = ""


@dataclass
class OutcomeInput:
    """After the period: what changed and why, overall."""

    outcome_az: str
    outcome_ru: str = ""
    outcome_en: str = ""


def _texts(errors: dict, data, stem: str, limit: int, missing: str | None) -> None:
    """Azerbaijani required (when ``missing`` is given); every language within ``limit``."""
    if missing and not (getattr(data, f"{stem}_az") or "").strip():
        errors[f"{stem}_az"] = missing
    for lang in LANGS:
        name = f"{stem}_{lang}"
        if len((getattr(data, name) or "").strip()) > limit and name not in errors:
            errors[name] = _("Use at most %(max)d characters.", max=limit)


def _store(row, data, stems: tuple[str, ...]) -> None:
    """Copy texts; empty translations become NULL so they fall back to Azerbaijani."""
    for stem in stems:
        for lang in LANGS:
            setattr(row, f"{stem}_{lang}", (getattr(data, f"{stem}_{lang}") or "").strip() or None)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=BAKU)


# --- Editors ----------------------------------------------------------------------------------------


def editor_scopes(actor: User) -> list[District | None]:
    """Where ``actor`` may hold consultations: their editor districts by name, and ``None`` (national) for admins."""
    ids = authz.staff_districts(actor, ("editor",))
    scopes: list[District | None] = []
    if authz.can(actor, "consultation.edit", moderation.Scope(None)):
        scopes.append(None)
        ids = set(db.session.scalars(select(District.id).where(District.active.is_(True))))
    if ids:
        scopes += by_name(db.session.scalars(select(District).where(District.id.in_(ids))))
    return scopes


def editable(actor: User, consultation_id: int) -> Consultation:
    """A consultation ``actor`` maintains; anything else is ``NotFound`` (its existence is not revealed)."""
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None or not authz.can(actor, "consultation.edit", consultation):
        raise NotFound("consultation")
    return consultation


def _check_consultation(data: ConsultationInput, now: datetime) -> dict:
    errors: dict = {}
    _texts(errors, data, "title", TITLE_LIMIT, _("Write the title in Azerbaijani."))
    _texts(errors, data, "summary", SUMMARY_LIMIT, _("Say in Azerbaijani what the draft decision is about."))
    today = local_date(now)
    if data.opens_on is None:
        errors["opens_on"] = _("Enter the day comments open.")
    elif data.opens_on < today:
        errors["opens_on"] = _("Comments cannot open in the past.")
    if data.closes_on is None:
        errors["closes_on"] = _("Enter the last day for comments.")
    elif data.opens_on is not None and data.closes_on < data.opens_on:
        errors["closes_on"] = _("The last day for comments cannot be before the first.")
    elif data.opens_on is not None and (data.closes_on - data.opens_on).days > MAX_PERIOD_DAYS:
        errors["closes_on"] = _("A comment period lasts at most %(days)d days.", days=MAX_PERIOD_DAYS)
    return errors


def create(actor: User, data: ConsultationInput, now: datetime | None = None) -> Consultation:
    """An editor starts a draft consultation of their district (an administrator: of any, or national)."""
    now = now or utcnow()
    scope = moderation.Scope(data.district_id)
    if not authz.can(actor, "consultation.edit", scope):
        raise Invalid({"district_id": _("Choose where the consultation is held from the list.")})
    if data.district_id is not None and db.session.get(District, data.district_id) is None:
        raise Invalid({"district_id": _("Choose where the consultation is held from the list.")})
    errors = _check_consultation(data, now)
    if errors:
        raise Invalid(errors)
    consultation = Consultation(district_id=data.district_id, created_by_id=actor.id, created_at=now, updated_at=now,
                                opens_at=_start_of(data.opens_on), closes_at=_start_of(data.closes_on + timedelta(days=1)))
    _store(consultation, data, ("title", "summary"))
    db.session.add(consultation)
    notify.commit()
    return consultation


def _draft(actor: User, consultation_id: int) -> Consultation:
    consultation = editable(actor, consultation_id)
    if consultation.status != "draft":
        raise Invalid({None: _("A published consultation's document no longer changes; publish the outcome instead.")})
    return consultation


def update(actor: User, consultation_id: int, data: ConsultationInput, now: datetime | None = None) -> Consultation:
    """Change a draft's texts and comment period (its scope stays)."""
    now = now or utcnow()
    consultation = _draft(actor, consultation_id)
    data.district_id = consultation.district_id
    errors = _check_consultation(data, now)
    if errors:
        raise Invalid(errors)
    _store(consultation, data, ("title", "summary"))
    consultation.opens_at = _start_of(data.opens_on)
    consultation.closes_at = _start_of(data.closes_on + timedelta(days=1))
    consultation.updated_at = now
    notify.commit()
    return consultation


def _check_section(data: SectionInput) -> None:
    errors: dict = {}
    _texts(errors, data, "title", TITLE_LIMIT, _("Write the section's title in Azerbaijani."))
    _texts(errors, data, "body", BODY_LIMIT, _("Write the section's text in Azerbaijani."))
    if errors:
        raise Invalid(errors)


def add_section(actor: User, consultation_id: int, data: SectionInput) -> ConsultationSection:
    """Add a section at the end of a draft's document."""
    consultation = _draft(actor, consultation_id)
    _check_section(data)
    if len(consultation.sections) >= MAX_SECTIONS:
        raise Invalid({None: _("A document has at most %(count)d sections.", count=MAX_SECTIONS)})
    section = ConsultationSection(position=max((s.position for s in consultation.sections), default=0) + 1)
    _store(section, data, ("title", "body"))
    consultation.sections.append(section)
    notify.commit()
    return section


def editable_section(actor: User, section_id: int) -> ConsultationSection:
    """A section of a consultation ``actor`` maintains, else ``NotFound``."""
    section = db.session.get(ConsultationSection, section_id)
    if section is None:
        raise NotFound("section")
    editable(actor, section.consultation_id)
    return section


def update_section(actor: User, section_id: int, data: SectionInput) -> ConsultationSection:
    """Change a draft's section."""
    section = editable_section(actor, section_id)
    _draft(actor, section.consultation_id)
    _check_section(data)
    _store(section, data, ("title", "body"))
    notify.commit()
    return section


def delete_section(actor: User, section_id: int) -> None:
    """Remove a section from a draft."""
    section = editable_section(actor, section_id)
    _draft(actor, section.consultation_id)
    db.session.delete(section)
    notify.commit()


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def add_question(actor: User, consultation_id: int, data: QuestionInput) -> ConsultationQuestion:
    """Add a question with its options (2 to 10, one a line) to a draft's question set."""
    consultation = _draft(actor, consultation_id)
    errors: dict = {}
    _texts(errors, data, "text", QUESTION_LIMIT, _("Write the question in Azerbaijani."))
    options = {lang: _lines(getattr(data, f"options_{lang}")) for lang in LANGS}
    if not 2 <= len(options["az"]) <= MAX_OPTIONS:
        errors["options_az"] = _("Give from 2 to %(max)d options, one a line.", max=MAX_OPTIONS)
    for lang in LANGS:
        if any(len(o) > OPTION_LIMIT for o in options[lang]):
            errors.setdefault(f"options_{lang}", _("An option has at most %(max)d characters.", max=OPTION_LIMIT))
    for lang in ("ru", "en"):
        if options[lang] and len(options[lang]) != len(options["az"]):
            errors.setdefault(f"options_{lang}", _("Give as many options as in Azerbaijani, in the same order, or none."))
    if len(consultation.questions) >= MAX_QUESTIONS:
        errors[None] = _("A question set has at most %(count)d questions.", count=MAX_QUESTIONS)
    if errors:
        raise Invalid(errors)
    question = ConsultationQuestion(position=max((q.position for q in consultation.questions), default=0) + 1)
    _store(question, data, ("text",))
    for i, label in enumerate(options["az"]):
        question.options.append(ConsultationOption(
            position=i + 1, label_az=label,
            label_ru=options["ru"][i] if options["ru"] else None, label_en=options["en"][i] if options["en"] else None))
    consultation.questions.append(question)
    notify.commit()
    return question


def delete_question(actor: User, question_id: int) -> None:
    """Remove a question from a draft's question set."""
    question = db.session.get(ConsultationQuestion, question_id)
    if question is None:
        raise NotFound("question")
    _draft(actor, editable(actor, question.consultation_id).id)
    db.session.delete(question)
    notify.commit()


def publish(actor: User, consultation_id: int, now: datetime | None = None) -> Consultation:
    """Publish a draft: its document, period and questions are public from now on and no longer change."""
    now = now or utcnow()
    consultation = _draft(actor, consultation_id)
    if not consultation.sections:
        raise Invalid({None: _("Add at least one section of the document before publishing.")})
    if consultation.closes_at <= now:
        raise Invalid({None: _("The comment period is already over: change its dates before publishing.")})
    consultation.status, consultation.published_at, consultation.updated_at = "published", now, now
    audit.record("consultation.publish", actor=actor, obj=consultation, summary=consultation.title_az,
                 after={"opens_at": consultation.opens_at.isoformat(), "closes_at": consultation.closes_at.isoformat()})
    notify.commit()
    return consultation


def _closed(actor: User, consultation_id: int, now: datetime) -> Consultation:
    consultation = editable(actor, consultation_id)
    if consultation.state(now) != "closed":
        if consultation.state(now) == "concluded":
            raise Invalid({None: _("The outcome is already published.")})
        raise Invalid({None: _("The outcome is written once the comment period is over.")})
    return consultation


def set_section_outcome(actor: User, section_id: int, data: SectionOutcomeInput,
                        now: datetime | None = None) -> ConsultationSection:
    """After the period: a section's final text (empty: unchanged) and what changed in it and why."""
    now = now or utcnow()
    section = editable_section(actor, section_id)
    _closed(actor, section.consultation_id, now)
    errors: dict = {}
    _texts(errors, data, "final", BODY_LIMIT, None)
    _texts(errors, data, "change", OUTCOME_LIMIT, None)
    if (data.final_az or "").strip() and not (data.change_az or "").strip():
        errors["change_az"] = _("Say in Azerbaijani what changed in this section and why.")
    if errors:
        raise Invalid(errors)
    _store(section, data, ("final", "change"))
    notify.commit()
    return section


def publish_outcome(actor: User, consultation_id: int, data: OutcomeInput, now: datetime | None = None) -> Consultation:
    """After the period: publish what changed and why; the final text is shown beside it from now on."""
    now = now or utcnow()
    consultation = _closed(actor, consultation_id, now)
    errors: dict = {}
    _texts(errors, data, "outcome", OUTCOME_LIMIT, _("Say in Azerbaijani what changed after the consultation and why."))
    if errors:
        raise Invalid(errors)
    _store(consultation, data, ("outcome",))
    consultation.outcome_published_at = consultation.updated_at = now
    audit.record("consultation.outcome", actor=actor, obj=consultation, summary=consultation.title_az)
    notify.commit()
    return consultation


@dataclass
class ManagedConsultation:
    """A row of the editors' list."""

    consultation: Consultation
    comments: int = 0
    responses: int = 0


def manage_list(actor: User) -> list[ManagedConsultation]:
    """Every consultation ``actor`` maintains, newest first (at most 500)."""
    scopes = editor_scopes(actor)
    if not scopes:
        return []
    ids = [s.id for s in scopes if s is not None]
    where = Consultation.district_id.in_(ids)
    if None in scopes:
        where = where | Consultation.district_id.is_(None)
    rows = list(db.session.scalars(select(Consultation).where(where).options(joinedload(Consultation.district))
                                   .order_by(Consultation.created_at.desc(), Consultation.id.desc()).limit(500)))
    comments, responses = _counts([c.id for c in rows])
    return [ManagedConsultation(c, comments.get(c.id, 0), responses.get(c.id, 0)) for c in rows]


def _counts(ids: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    if not ids:
        return {}, {}
    comments = dict(db.session.execute(select(ConsultationComment.consultation_id, func.count())
                                       .where(ConsultationComment.consultation_id.in_(ids))
                                       .group_by(ConsultationComment.consultation_id)).all())
    responses = dict(db.session.execute(select(ConsultationResponse.consultation_id, func.count())
                                        .where(ConsultationResponse.consultation_id.in_(ids))
                                        .group_by(ConsultationResponse.consultation_id)).all())
    return comments, responses


# --- Residents ---------------------------------------------------------------------------------------


def _public(consultation_id: int) -> Consultation:
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None or consultation.status != "published":
        raise NotFound("consultation")
    return consultation


def _ensure_open(consultation: Consultation, now: datetime) -> None:
    state = consultation.state(now)
    if state == "upcoming":
        raise Invalid({None: _("Comments open on %(date)s.", date=_fmt_day(consultation.opens_at))})
    if state != "open":
        raise Invalid({None: _("The comment period is over; comments are no longer accepted.")})


def _fmt_day(moment: datetime) -> str:
    from app.kit.i18n import fmt_date

    return fmt_date(local_date(moment))


def comment(user: User, consultation_id: int, section_id: int | None, body: str, parent_id: int | None = None,
            now: datetime | None = None) -> ConsultationComment:
    """A resident comments on a section, or replies to a comment of the same consultation.

    Refused with the reason, nothing stored: not confirmed or blocked, outside the comment period, an empty or
    over-long text, a section or a comment of another consultation, too many comments in the last hour.
    """
    now = now or utcnow()
    consultation = _public(consultation_id)
    ensure_can_take_part(user)
    _ensure_open(consultation, now)
    text = (body or "").strip()
    if not text:
        raise Invalid({"body": _("Write your comment.")})
    if len(text) > COMMENT_LIMIT:
        raise Invalid({"body": _("Use at most %(max)d characters.", max=COMMENT_LIMIT)})
    parent = None
    if parent_id is not None:
        parent = db.session.get(ConsultationComment, parent_id)
        if parent is None or parent.consultation_id != consultation.id:
            raise Invalid({None: _("You can reply only to a comment of this consultation.")})
        if parent.is_hidden:
            raise Invalid({None: _("This comment was hidden by the moderator; it takes no replies.")})
        # Replies stay one level deep: a reply to a reply joins the same thread.
        if parent.parent_id is not None:
            parent = db.session.get(ConsultationComment, parent.parent_id)
        section_id = parent.section_id
    section = db.session.get(ConsultationSection, section_id) if section_id is not None else None
    if section is None or section.consultation_id != consultation.id:
        raise Invalid({None: _("Choose a section of this consultation to comment on.")})
    recent = db.session.scalar(select(func.count(ConsultationComment.id)).where(
        ConsultationComment.author_id == user.id, ConsultationComment.created_at > now - timedelta(hours=1))) or 0
    ensure_rate(user, "comment", recent, limit=COMMENTS_PER_HOUR)
    entry = ConsultationComment(consultation_id=consultation.id, section_id=section.id,
                                parent_id=parent.id if parent else None, author_id=user.id, body=text, created_at=now)
    db.session.add(entry)
    db.session.flush()  # the reply's id, for the link in the notification
    if parent is not None and parent.author_id != user.id:
        author = db.session.get(User, parent.author_id)
        title = consultation.title_in(author.locale)
        notify.notify(author, lambda: _("A resident replied to your comment on \u201c%(title)s\u201d.", title=title),
                      kind="comment.replied", link=comment_url(entry), obj=entry)
    notify.commit()
    return entry


def answer(user: User, consultation_id: int, choices: dict[int, int | None], now: datetime | None = None
           ) -> ConsultationResponse:
    """A resident answers the question set once: ``choices`` maps each question id to the chosen option id.

    Every question needs an answer from its own options; a second answer set is refused (the database keeps one).
    """
    now = now or utcnow()
    consultation = _public(consultation_id)
    ensure_can_take_part(user)
    _ensure_open(consultation, now)
    if not consultation.questions:
        raise NotFound("questions")
    if db.session.scalar(select(ConsultationResponse.id).where(
            ConsultationResponse.consultation_id == consultation.id, ConsultationResponse.citizen_id == user.id)):
        raise Invalid({None: _("You have already answered these questions.")})
    errors: dict = {}
    for question in consultation.questions:
        chosen = choices.get(question.id)
        if chosen not in {o.id for o in question.options}:
            errors[f"q{question.id}"] = _("Choose one of the answers.")
    if errors:
        raise Invalid(errors)
    response = ConsultationResponse(consultation_id=consultation.id, citizen_id=user.id, created_at=now)
    response.answers = [ConsultationAnswer(question_id=q.id, option_id=choices[q.id]) for q in consultation.questions]
    db.session.add(response)
    try:
        db.session.flush()
    except IntegrityError:  # a double submit racing the first: the unique constraint keeps one answer set
        db.session.rollback()
        raise Invalid({None: _("You have already answered these questions.")}) from None
    notify.commit()
    return response


def report_comment(user: User, comment_id: int, reason: str):
    """Report a comment to the moderators of its consultation's district."""
    return moderation.report(user, "comment", comment_id, reason)


# --- Public pages ------------------------------------------------------------------------------------


def _state_condition(state: str, now: datetime):
    published = Consultation.status == "published"
    pending = Consultation.outcome_published_at.is_(None)
    return {
        "upcoming": and_(published, pending, Consultation.opens_at > now),
        "open": and_(published, pending, Consultation.opens_at <= now, Consultation.closes_at > now),
        "closed": and_(published, pending, Consultation.closes_at <= now),
        "concluded": and_(published, Consultation.outcome_published_at.is_not(None)),
    }[state]


@dataclass
class ConsultationSummary:
    """A consultation with the figures its list row shows."""

    consultation: Consultation
    comments: int = 0
    responses: int = 0


def public_list(district: District | None = None, state: str = "", page: int = 1, per_page: int = PER_PAGE,
                now: datetime | None = None, national: bool = False) -> Page:
    """Published consultations, open ones first then by the end of their period; filter by district and state."""
    now = now or utcnow()
    conditions = [Consultation.status == "published"]
    if district is not None:
        conditions.append(Consultation.district_id == district.id)
    elif national:
        conditions.append(Consultation.district_id.is_(None))
    if state in PUBLIC_STATES:
        conditions.append(_state_condition(state, now))

    def summaries(rows: list[Consultation]) -> list[ConsultationSummary]:
        comments, responses = _counts([c.id for c in rows])
        return [ConsultationSummary(c, comments.get(c.id, 0), responses.get(c.id, 0)) for c in rows]

    return paginate(
        select(Consultation).where(*conditions).options(joinedload(Consultation.district))
        .order_by(Consultation.closes_at.desc(), Consultation.id.desc()),
        page, per_page, count=select(func.count(Consultation.id)).where(*conditions), wrap=summaries)


@dataclass
class Thread:
    """A top-level comment and its replies."""

    comment: ConsultationComment
    replies: list[ConsultationComment] = field(default_factory=list)


@dataclass
class OptionResult:
    """How many residents chose one option."""

    option: ConsultationOption
    count: int
    percent: int


@dataclass
class QuestionResult:
    """The answers to one question."""

    question: ConsultationQuestion
    options: list[OptionResult]
    total: int


@dataclass
class ConsultationView:
    """Everything the consultation's page shows."""

    consultation: Consultation
    state: str
    sections: list[ConsultationSection]
    threads: dict[int, list[Thread]]
    comment_count: int
    results: list[QuestionResult]
    responses: int
    answered: bool = False
    moderates: bool = False


def results(consultation: Consultation) -> tuple[list[QuestionResult], int]:
    """The count of each option of each question, and how many residents answered (two statements)."""
    counts = dict(db.session.execute(
        select(ConsultationAnswer.option_id, func.count()).join(ConsultationResponse)
        .where(ConsultationResponse.consultation_id == consultation.id).group_by(ConsultationAnswer.option_id)).all())
    total = db.session.scalar(select(func.count(ConsultationResponse.id)).where(
        ConsultationResponse.consultation_id == consultation.id)) or 0
    out = []
    for question in consultation.questions:
        options = [OptionResult(o, counts.get(o.id, 0), round(100 * counts.get(o.id, 0) / total) if total else 0)
                   for o in question.options]
        out.append(QuestionResult(question, options, total))
    return out, total


def public_view(actor: User | None, consultation_id: int, now: datetime | None = None) -> ConsultationView:
    """A published consultation (a draft only to its editors, as a preview) with its comments and results."""
    now = now or utcnow()
    consultation = db.session.scalar(select(Consultation).where(Consultation.id == consultation_id)
                                     .options(joinedload(Consultation.district)))
    if consultation is None:
        raise NotFound("consultation")
    if consultation.status != "published" and not authz.can(actor, "consultation.edit", consultation):
        raise NotFound("consultation")
    comments = list(db.session.scalars(
        select(ConsultationComment).where(ConsultationComment.consultation_id == consultation.id)
        .options(joinedload(ConsultationComment.author)).order_by(ConsultationComment.created_at, ConsultationComment.id)))
    threads: dict[int, list[Thread]] = defaultdict(list)
    by_id: dict[int, Thread] = {}
    for entry in comments:
        if entry.parent_id is None:
            by_id[entry.id] = Thread(entry)
            threads[entry.section_id].append(by_id[entry.id])
        elif entry.parent_id in by_id:
            by_id[entry.parent_id].replies.append(entry)
    result, total = results(consultation)
    answered = bool(actor is not None and getattr(actor, "is_authenticated", False) and db.session.scalar(
        select(ConsultationResponse.id).where(ConsultationResponse.consultation_id == consultation.id,
                                              ConsultationResponse.citizen_id == actor.id)))
    return ConsultationView(consultation, consultation.state(now), list(consultation.sections), dict(threads),
                            len(comments), result, total, answered,
                            moderation.can_moderate(actor, consultation.district_id))


def author_label(user: User) -> str:
    """How a comment's author is shown: the first name and the initial of the surname ("Aygün H.")."""
    parts = (user.full_name or "").split()
    if not parts:
        return ""
    return parts[0] if len(parts) == 1 else f"{parts[0]} {parts[-1][0]}."


def comment_url(entry: ConsultationComment) -> str:
    """The address of a comment on its consultation's page."""
    return url_for("consultations.view", consultation_id=entry.consultation_id) + f"#comment-{entry.id}"


def my_comments(user: User, page: int = 1, per_page: int = 20) -> Page:
    """The resident's own comments, newest first, with their consultation (hidden ones with the reason)."""
    where = ConsultationComment.author_id == user.id
    return paginate(
        select(ConsultationComment).where(where)
        .options(joinedload(ConsultationComment.consultation), joinedload(ConsultationComment.section))
        .order_by(ConsultationComment.created_at.desc(), ConsultationComment.id.desc()),
        page, per_page, count=select(func.count(ConsultationComment.id)).where(where))


# --- Figures for accountability -----------------------------------------------------------------------


@dataclass
class DistrictFigures:
    """A district's consultations in a period: how many opened for comments, how many comments came in."""

    held: int
    comments: int
    concluded: int


def district_figures(district_id: int, start: datetime, end: datetime) -> DistrictFigures:
    """Consultations of the district whose comment period began in [start, end), their outcomes, the comments received."""
    held, concluded = db.session.execute(
        select(func.count(Consultation.id), func.count(Consultation.outcome_published_at))
        .where(Consultation.district_id == district_id, Consultation.status == "published",
               Consultation.opens_at >= start, Consultation.opens_at < end)).one()
    comments = db.session.scalar(
        select(func.count(ConsultationComment.id)).join(Consultation)
        .where(Consultation.district_id == district_id, ConsultationComment.created_at >= start,
               ConsultationComment.created_at < end)) or 0
    return DistrictFigures(held or 0, comments, concluded or 0)


# --- Moderation --------------------------------------------------------------------------------------


def _comment_district(entry: ConsultationComment) -> int | None:
    return entry.consultation.district_id


def _comment_title(entry: ConsultationComment) -> str:
    text = entry.body if len(entry.body) <= 160 else entry.body[:159] + "\u2026"
    return text


moderation.register_target("comment", ConsultationComment, district_of=_comment_district, title_of=_comment_title,
                           url_of=comment_url, author_of=lambda entry: entry.author_id)


# --- The resident's own data (the download) ---------------------------------------------------------------------


def export_own(user: User, add_file: mydata.AddFile) -> dict:
    """The comments and replies the resident wrote and their answers to question sets, for the download.

    Nothing is erased when the account closes: a comment holds no contact, other residents' replies hang on it,
    and the answers are counted in the published results (the author is shown as a closed account).
    """
    comments = db.session.scalars(
        select(ConsultationComment).where(ConsultationComment.author_id == user.id)
        .options(joinedload(ConsultationComment.consultation), joinedload(ConsultationComment.section))
        .order_by(ConsultationComment.created_at, ConsultationComment.id))
    answers = db.session.execute(
        select(ConsultationResponse.consultation_id, Consultation.title_az, ConsultationResponse.created_at,
               ConsultationQuestion.text_az, ConsultationOption.label_az)
        .join(Consultation, Consultation.id == ConsultationResponse.consultation_id)
        .join(ConsultationAnswer, ConsultationAnswer.response_id == ConsultationResponse.id)
        .join(ConsultationQuestion, ConsultationQuestion.id == ConsultationAnswer.question_id)
        .join(ConsultationOption, ConsultationOption.id == ConsultationAnswer.option_id)
        .where(ConsultationResponse.citizen_id == user.id)
        .order_by(ConsultationResponse.created_at, ConsultationResponse.id, ConsultationQuestion.position))
    return {
        "comments": [{
            "id": c.id, "consultation_id": c.consultation_id, "consultation": c.consultation.title_az,
            "section": c.section.title_az, "reply_to": c.parent_id, "text": c.body, "at": c.created_at,
            "hidden_by_moderator": {"at": c.hidden_at, "reason": c.hidden_reason} if c.hidden_at else None,
        } for c in comments],
        "answers": [{"consultation_id": cid, "consultation": title, "answered_at": at, "question": question,
                     "answer": label} for cid, title, at, question, label in answers],
    }


mydata.register_exporter("consultations", export_own)
