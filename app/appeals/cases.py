"""Appeals about the same matter linked into one case, without losing anyone's legal clock.

The law on citizens' appeals gives every appellant their own answer, under their own registration number and within
their own deadline, so a duplicate is never closed in favour of another: the case only groups the appeals for the
district's officials. Each appeal keeps its number, deadline, notifications and answer.

- **Linking** (``link``), from an appeal's office page, by the other appeal's registration number: both appeals must
  be of the same district. Linking two appeals that are already in different cases merges the cases (the younger
  case's appeals move into the older one), because "the same matter as" is transitive: keeping two cases apart
  after an official said they are one matter would only hide that.
- **Unlinking** (``unlink``): the appeal leaves its case; a case left with one appeal dissolves.
- **Answering all** (``answer_all``): the same answer goes to every open appeal of the case, each through its own
  "answered" transition (``service.transition``), so each is counted against its own deadline and each appellant is
  told on their own. It is all or nothing: one transaction, and nothing is sent when one of them may not be
  answered in its status (the official is told which and why).
- **Privacy**: linking and unlinking are internal steps on each appeal's timeline (``public=False``) and in the
  audit trail; no resident's page reads cases, so a resident never learns that others wrote about the same matter.

Who may do this is the policy ``appeal.case`` in ``app/authz.py``.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from app import authz
from app.appeals import service
from app.extensions import db
from app.kit import audit, notify
from app.kit.errors import Invalid
from app.models import OPEN_STATUSES, Appeal, AppealCase, AppealCaseMember, User, utcnow
from app.models.appeal import TEXT_LIMIT

SUGGESTIONS = 5  # open appeals of the same district and category offered for linking


@dataclass
class CaseView:
    """What an appeal's office page shows of its case: the other appeals, and open ones that might be the same."""

    appeal: Appeal
    case: AppealCase | None
    others: list[Appeal] = field(default_factory=list)
    suggestions: list[Appeal] = field(default_factory=list)

    @property
    def size(self) -> int:
        """How many appeals the case holds, this one included (0: not in a case)."""
        return len(self.others) + 1 if self.case is not None else 0

    @property
    def open_count(self) -> int:
        """How many appeals of the case "answer all" would answer, this one included when it is open."""
        return sum(1 for a in (self.appeal, *self.others) if a.is_open)


def _membership(appeal_id: int) -> AppealCaseMember | None:
    return db.session.get(AppealCaseMember, appeal_id)


def _appeals_of(case_id: int, *, lock: bool = False) -> list[Appeal]:
    """The case's appeals by id; locked in that order, so that two officials working one case queue, not deadlock."""
    query = (select(Appeal).join(AppealCaseMember, AppealCaseMember.appeal_id == Appeal.id)
             .where(AppealCaseMember.case_id == case_id).order_by(Appeal.id))
    if lock:
        query = query.with_for_update(of=Appeal)
    return list(db.session.scalars(query))


def _numbers(appeals: Iterable[Appeal]) -> str:
    return ", ".join(sorted(a.number for a in appeals))


def case_view(actor: User, appeal: Appeal) -> CaseView:
    """The case of ``appeal`` as its office page shows it (for an official who may work cases, else empty)."""
    if not authz.can(actor, "appeal.case", appeal):
        return CaseView(appeal, None)
    membership = _membership(appeal.id)
    others = _mates(membership)
    linked = {appeal.id, *(a.id for a in others)}
    suggestions = []
    if appeal.is_open:
        suggestions = list(db.session.scalars(
            select(Appeal)
            .where(Appeal.district_id == appeal.district_id, Appeal.category_id == appeal.category_id,
                   Appeal.status.in_(OPEN_STATUSES), Appeal.id.not_in(linked))
            .order_by(Appeal.due_at, Appeal.id)
            .limit(SUGGESTIONS)
        ))
    return CaseView(appeal, membership.case if membership else None, sorted(others, key=lambda a: a.number),
                    suggestions)


def link(actor: User, appeal_id: int, number: str, now: datetime | None = None) -> AppealCase:
    """Link the appeal with the appeal numbered ``number`` of the same district, into one case.

    Linking two appeals already in different cases merges the cases into the older one. Refused beside the field
    ``number``: an empty or unknown number, the appeal itself, an appeal of another district, one already in this
    case. Nothing is written when refused.
    """
    now = now or utcnow()
    appeal = service.get_for(actor, appeal_id)
    authz.require(actor, "appeal.case", appeal)
    wanted = (number or "").strip().upper()
    if not wanted:
        raise Invalid({"number": _("Enter the registration number of the appeal to link with.")})
    other = db.session.scalar(select(Appeal).where(Appeal.number == wanted))
    if other is None:
        raise Invalid({"number": _("There is no appeal numbered %(number)s.", number=wanted)})
    if other.id == appeal.id:
        raise Invalid({"number": _("An appeal cannot be linked with itself.")})
    if other.district_id != appeal.district_id:
        raise Invalid({"number": _("Appeal %(number)s was sent to another district: only appeals of the same "
                                   "district can be linked.", number=other.number)})
    authz.require(actor, "appeal.case", other)
    # Both rows locked (by id) before reading their cases: two officials linking at once queue.
    db.session.scalars(select(Appeal.id).where(Appeal.id.in_((appeal.id, other.id))).order_by(Appeal.id)
                       .with_for_update()).all()
    mine, theirs = _membership(appeal.id), _membership(other.id)
    if mine is not None and theirs is not None and mine.case_id == theirs.case_id:
        raise Invalid({"number": _("Appeal %(number)s is already in this case.", number=other.number)})
    # Each side with the appeals already linked with it: every appeal of one side is newly linked with the other.
    sides = ([appeal, *_mates(mine)], [other, *_mates(theirs)])
    try:
        case = _join(actor, appeal, other, mine, theirs, now)
        for side, across in (sides, sides[::-1]):
            for member in side:
                # The internal timeline names the appeals it is newly linked with; the applicant never sees it.
                # service._event is the area's one timeline writer: it also feeds the audit trail and the signals.
                service._event(member, actor, "linked", member.status, member.status, note=_numbers(across),
                               public=False, now=now)
        audit.record("appeal_case.link", actor=actor, obj=case, summary=f"{appeal.number} + {other.number}",
                     after={"appeals": _numbers(sides[0] + sides[1])})
        notify.commit()
    except Exception:
        db.session.rollback()
        raise
    return case


def _mates(membership: AppealCaseMember | None) -> list[Appeal]:
    """The other appeals of the case of ``membership`` (none without one)."""
    if membership is None:
        return []
    return [a for a in _appeals_of(membership.case_id) if a.id != membership.appeal_id]


def _join(actor: User, appeal: Appeal, other: Appeal, mine: AppealCaseMember | None,
          theirs: AppealCaseMember | None, now: datetime) -> AppealCase:
    """Put both appeals in one case: a new one, the one either is in, or (both in one) the older of the two."""
    if mine is None and theirs is None:
        case = AppealCase(district_id=appeal.district_id, created_at=now, created_by_id=actor.id)
        db.session.add(case)
        for member in (appeal, other):
            case.members.append(AppealCaseMember(appeal_id=member.id, linked_at=now, linked_by_id=actor.id))
        return case
    if mine is None or theirs is None:
        case = (mine or theirs).case
        newcomer = appeal if mine is None else other
        case.members.append(AppealCaseMember(appeal_id=newcomer.id, linked_at=now, linked_by_id=actor.id))
        return case
    keep, drop = sorted((mine.case, theirs.case), key=lambda c: c.id)
    for member in list(drop.members):
        member.case_id = keep.id
        member.linked_at, member.linked_by_id = now, actor.id
    db.session.flush()
    db.session.expire(keep, ["members"])
    db.session.expire(drop, ["members"])
    db.session.delete(drop)
    return keep


def unlink(actor: User, appeal_id: int, now: datetime | None = None) -> None:
    """The appeal leaves its case; a case left with one appeal dissolves. Each appeal's timeline says so."""
    now = now or utcnow()
    appeal = service.get_for(actor, appeal_id)
    authz.require(actor, "appeal.case", appeal)
    membership = _membership(appeal.id)
    if membership is None:
        raise Invalid({None: _("This appeal is not linked with other appeals.")})
    case = membership.case
    try:
        members = _appeals_of(case.id, lock=True)
        others = [a for a in members if a.id != appeal.id]
        audit.record("appeal_case.unlink", actor=actor, obj=case, summary=f"{appeal.number} left the case",
                     before={"appeals": _numbers(members)}, after={"appeals": _numbers(others) if len(others) > 1 else ""})
        service._event(appeal, actor, "unlinked", appeal.status, appeal.status, note=_numbers(others), public=False,
                       now=now)
        for member in others:
            service._event(member, actor, "unlinked", member.status, member.status, note=appeal.number, public=False,
                           now=now)
        if len(others) > 1:
            db.session.delete(membership)
        else:
            db.session.delete(case)  # its members go with it
        notify.commit()
    except Exception:
        db.session.rollback()
        raise


def answer_all(actor: User, appeal_id: int, answer: str, now: datetime | None = None) -> list[Appeal]:
    """Send the same answer to every open appeal of the appeal's case, each through its own "answered" step.

    All or nothing: one transaction; when one of the open appeals may not be answered in its status, nothing is
    sent and the message beside the answer names which and why. Returns the appeals answered.
    """
    now = now or utcnow()
    appeal = service.get_for(actor, appeal_id)
    authz.require(actor, "appeal.case", appeal)
    membership = _membership(appeal.id)
    if membership is None:
        raise Invalid({None: _("This appeal is not linked with other appeals.")})
    text = (answer or "").strip()
    if not text:
        raise Invalid({"answer": _("Write the answer.")})
    if len(text) > TEXT_LIMIT:
        raise Invalid({"answer": _("Use at most %(max)d characters.", max=TEXT_LIMIT)})
    try:
        members = _appeals_of(membership.case_id, lock=True)
        if not appeal.is_open:
            raise Invalid({"answer": _("This appeal is no longer open.")})
        to_answer = [a for a in members if a.is_open]
        refused = [a for a in to_answer if not authz.transition_allowed(actor, a, "answered")]
        if refused:
            allowed = sorted({str(service.STATUS_LABELS[frm]) for (frm, to) in authz.TRANSITIONS if to == "answered"})
            raise Invalid({"answer": _(
                "Nothing was sent. Only appeals with the status “%(allowed)s” can be answered, and these open appeals "
                "of the case cannot: %(appeals)s. Take them into work or unlink them, then send the answer again.",
                allowed=", ".join(allowed),
                appeals=", ".join(f"{a.number} ({service.STATUS_LABELS[a.status]})" for a in refused))})
        for member in to_answer:
            service.transition(actor, member.id, "answered", service.StepData(answer=text), now=now, commit=False)
        audit.record("appeal_case.answer_all", actor=actor, obj=membership.case,
                     summary=f"one answer to {_numbers(to_answer)}", after={"appeals": _numbers(to_answer)})
        notify.commit()
    except Exception:
        db.session.rollback()
        raise
    return to_answer
