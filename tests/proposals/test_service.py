"""Proposals: writing and publishing, one support per resident, the threshold and its deadline, the answer,
carrying out, expiry, the district's settings and figures; 50 simultaneous supports on PostgreSQL."""
from __future__ import annotations

import os
import threading
from datetime import date, datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.extensions import db
from app.kit.calendar import BAKU, add_working_days, end_of_day
from app.kit.errors import Invalid, NotAllowed, NotFound
from app.models import Category, Commitment, CommitmentLink, Notification, Proposal, ProposalSupport, utcnow
from app.proposals import service as proposals
from tests.factories import EXE, PDF, PNG, Upload, create_reference_data, create_user
from tests.snapshots import replayed

# Monday 7 December 2026, 09:00 in Baku.
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=BAKU)


@pytest.fixture
def world(ctx):
    """Built once, then put back (tests/snapshots.py)."""
    return replayed("proposals service: world", _build_world)


def _build_world():
    districts = create_reference_data()
    gnc, msl = districts["GNC"], districts["MSL"]
    return {
        "gnc": gnc,
        "msl": msl,
        "category": db.session.scalars(select(Category).order_by(Category.position)).first(),
        "author": create_user("author@example.az", full_name="Aygün Həsənova"),
        "resident": create_user("resident2@example.az", full_name="Nurlan Sadıqov"),
        "unconfirmed": create_user("new@example.az", confirmed=False),
        "head": create_user("head@example.az", roles=[("head", gnc)]),
        "official": create_user("official@example.az", roles=[("official", gnc)]),
        "other_head": create_user("head.msl@example.az", roles=[("head", msl)]),
        "admin": create_user("admin@example.az", roles=[("admin", None)]),
    }


def data(world, **changes) -> proposals.ProposalInput:
    values = dict(district_id=world["gnc"].id, category_id=world["category"].id,
                  title="Parkda velosiped yolu", body="Mərkəzi parkda velosiped yolu salınsın.")
    values.update(changes)
    return proposals.ProposalInput(**values)


def published(world, threshold: int = 3, author=None, **changes) -> Proposal:
    if threshold is not None:
        proposals.update_settings(world["head"], world["gnc"].id, threshold, 90, now=NOW)
    return proposals.create(author or world["author"], data(world, **changes), publish_now=True, now=NOW)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def residents(n: int) -> list:
    return [create_user(f"supporter{i}@example.az") for i in range(n)]


def test_a_draft_is_kept_then_published_under_the_districts_rules(world):
    proposals.update_settings(world["head"], world["gnc"].id, 7, 30, now=NOW)
    draft = proposals.create(world["author"], data(world), now=NOW)
    assert draft.state == "draft" and draft.published_at is None
    # A draft is the author's alone.
    with pytest.raises(NotFound):
        proposals.public_view(world["resident"], draft.id)
    with pytest.raises(NotFound):
        proposals.support(world["resident"], draft.id, now=NOW)
    proposals.update_draft(world["author"], draft.id, data(world, title="Yeni başlıq"), now=NOW)
    proposal = proposals.publish(world["author"], draft.id, now=NOW)
    assert proposal.state == "published" and proposal.threshold == 7
    assert proposal.support_until == NOW + timedelta(days=30)
    # Published, it can no longer be edited; a later change of the rules does not move its goalposts.
    with pytest.raises(NotFound):
        proposals.update_draft(world["author"], draft.id, data(world), now=NOW)
    proposals.update_settings(world["head"], world["gnc"].id, 500, 90, now=NOW)
    db.session.refresh(proposal)
    assert proposal.threshold == 7


@pytest.mark.parametrize("changes, field", [
    ({"title": ""}, "title"),
    ({"title": "   "}, "title"),
    ({"title": "x" * 151}, "title"),
    ({"body": ""}, "body"),
    ({"body": "y" * 5001}, "body"),
    ({"district_id": None}, "district_id"),
    ({"district_id": -1}, "district_id"),
    ({"category_id": 999999}, "category_id"),
    ({"image": Upload("photo.png", EXE)}, "image"),
    ({"image": Upload("scan.pdf", PDF)}, "image"),
])
def test_bad_input_is_refused_beside_its_field_and_nothing_is_stored(world, changes, field):
    with pytest.raises(Invalid) as refused:
        proposals.create(world["author"], data(world, **changes), publish_now=True, now=NOW)
    assert field in refused.value.errors
    assert count(Proposal) == 0


def test_the_picture_is_kept_and_replaced(world, app):
    proposal = proposals.create(world["author"], data(world, image=Upload("park.png", PNG)), now=NOW)
    assert proposal.image_type == "image/png" and proposal.image_name
    first = proposal.image_name
    from app.kit import storage

    assert storage.current().exists(first)
    proposals.update_draft(world["author"], proposal.id, data(world, remove_image=True), now=NOW)
    assert proposal.image_name is None and not storage.current().exists(first)


def test_an_unconfirmed_resident_may_not_propose_or_support(world):
    with pytest.raises(NotAllowed):
        proposals.create(world["unconfirmed"], data(world), now=NOW)
    proposal = published(world)
    with pytest.raises(NotAllowed):
        proposals.support(world["unconfirmed"], proposal.id, now=NOW)


def test_one_support_per_resident_and_it_can_be_withdrawn_while_open(world):
    proposal = published(world, threshold=10)
    proposals.support(world["author"], proposal.id, now=NOW)  # the author may support their own, once
    proposals.support(world["resident"], proposal.id, now=NOW)
    for who in ("author", "resident"):
        with pytest.raises(Invalid) as refused:
            proposals.support(world[who], proposal.id, now=NOW)
        assert "already support" in refused.value.errors[None]
    assert proposal.supports_count == 2 and count(ProposalSupport) == 2
    proposals.withdraw_support(world["resident"], proposal.id, now=NOW)
    db.session.refresh(proposal)
    assert proposal.supports_count == 1 and count(ProposalSupport) == 1
    with pytest.raises(Invalid):
        proposals.withdraw_support(world["resident"], proposal.id, now=NOW)
    # The database itself refuses a second row for the same resident.
    from sqlalchemy.exc import IntegrityError

    db.session.add(ProposalSupport(proposal_id=proposal.id, citizen_id=world["author"].id, created_at=NOW))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_threshold_is_crossed_once_with_a_deadline_of_fifteen_working_days(world):
    proposal = published(world, threshold=3)
    crowd = residents(4)
    for person in crowd[:2]:
        proposals.support(person, proposal.id, now=NOW)
    assert proposal.state == "published" and proposal.threshold_reached_at is None
    later = NOW + timedelta(hours=2)
    proposals.support(crowd[2], proposal.id, now=later)
    assert proposal.state == "threshold_reached" and proposal.threshold_reached_at == later
    assert proposal.response_due_at == end_of_day(add_working_days(date(2026, 12, 7), 15))
    told = db.session.scalars(select(Notification).where(Notification.link.like("%/proposals/%"))).all()
    assert sorted(n.user_id for n in told) == sorted([world["author"].id, world["head"].id])
    # More supports (and a withdrawal) never cross it again.
    proposals.support(crowd[3], proposal.id, now=later + timedelta(hours=1))
    proposals.withdraw_support(crowd[0], proposal.id, now=later + timedelta(hours=2))
    proposals.withdraw_support(crowd[1], proposal.id, now=later + timedelta(hours=2))
    db.session.refresh(proposal)
    assert proposal.state == "threshold_reached" and proposal.threshold_reached_at == later
    assert proposal.supports_count == 2
    assert count(Notification) == 2


def test_closed_and_expired_proposals_take_no_support(world):
    proposal = published(world, threshold=5)
    proposals.support(world["resident"], proposal.id, now=NOW)
    after = NOW + timedelta(days=91)
    with pytest.raises(Invalid) as refused:
        proposals.support(world["author"], proposal.id, now=after)
    assert "ended" in refused.value.errors[None]
    with pytest.raises(Invalid):
        proposals.withdraw_support(world["resident"], proposal.id, now=after)
    assert proposals.expire(now=after) == 1
    assert proposals.expire(now=after) == 0  # idempotent
    db.session.refresh(proposal)
    assert proposal.state == "expired" and proposal.expired_at == after and proposal.supports_count == 1
    with pytest.raises(Invalid) as refused:
        proposals.support(world["author"], proposal.id, now=after)
    assert "closed" in refused.value.errors[None]
    told = db.session.scalars(select(Notification).where(Notification.user_id == world["author"].id)).all()
    assert len(told) == 1


def test_a_proposal_that_reached_its_threshold_does_not_expire(world):
    proposal = published(world, threshold=1)
    proposals.support(world["resident"], proposal.id, now=NOW)
    assert proposals.expire(now=NOW + timedelta(days=200)) == 0
    assert proposal.state == "threshold_reached"


def test_the_head_answers_and_carries_out_an_accepted_proposal(world):
    proposal = published(world, threshold=1)
    proposals.support(world["resident"], proposal.id, now=NOW)
    for bad, field in ((("maybe", "Səbəb"), "decision"), (("accepted", ""), "response"),
                       (("accepted", "z" * 5001), "response")):
        with pytest.raises(Invalid) as refused:
            proposals.answer(world["head"], proposal.id, *bad, now=NOW)
        assert field in refused.value.errors
    assert proposal.state == "threshold_reached"
    # Only the head of its own district answers: the official and another district's head see no such proposal.
    for who in ("official", "other_head", "admin", "resident"):
        with pytest.raises(NotFound):
            proposals.answer(world[who], proposal.id, "accepted", "Qəbul edildi.", now=NOW)
    answered_at = NOW + timedelta(days=3)
    proposals.answer(world["head"], proposal.id, "accepted", "Gələn il büdcəyə daxil edilir.", now=answered_at)
    assert proposal.state == "answered" and proposal.answered_on_time is True
    with pytest.raises(Invalid):
        proposals.answer(world["head"], proposal.id, "rejected", "Yox.", now=answered_at)
    commitment = Commitment(district_id=world["gnc"].id, title_az="Velosiped yolu", description_az="Park.",
                            planned_start=date(2027, 1, 1), planned_end=date(2027, 6, 1))
    other = Commitment(district_id=world["msl"].id, title_az="Başqa", description_az="Başqa.",
                       planned_start=date(2027, 1, 1), planned_end=date(2027, 6, 1))
    db.session.add_all([commitment, other])
    db.session.commit()
    with pytest.raises(Invalid) as refused:
        proposals.link_commitment(world["head"], proposal.id, other.id, now=answered_at)
    assert "commitment_id" in refused.value.errors
    proposals.link_commitment(world["head"], proposal.id, commitment.id, now=answered_at)
    with pytest.raises(Invalid):
        proposals.link_commitment(world["head"], proposal.id, commitment.id, now=answered_at)
    link = db.session.scalar(select(CommitmentLink))
    assert link.kind == "proposal" and link.proposal_id == proposal.id
    assert [c.id for c in proposals.linked_commitments(proposal.id)] == [commitment.id]
    from app.commitments import service as commitments

    assert commitments.public_view(commitment.id).proposals == [(proposal.id, proposal.title)]
    with pytest.raises(Invalid):
        proposals.advance(world["head"], proposal.id, "implemented", now=answered_at)
    proposals.advance(world["head"], proposal.id, "in_progress", now=answered_at)
    proposals.advance(world["head"], proposal.id, "implemented", now=answered_at)
    assert proposal.state == "implemented"
    # The supporter heard of each step in the cabinet.
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == world["resident"].id)) == 3


def test_a_rejected_proposal_is_not_carried_out(world):
    proposal = published(world, threshold=1)
    proposals.support(world["resident"], proposal.id, now=NOW)
    late = NOW + timedelta(days=40)
    proposals.answer(world["head"], proposal.id, "rejected", "Büdcə imkan vermir.", now=late)
    assert proposal.answered_on_time is False
    with pytest.raises(Invalid):
        proposals.advance(world["head"], proposal.id, "in_progress", now=late)


def test_settings_belong_to_the_districts_head_or_an_administrator(world):
    assert proposals.settings_for(world["msl"].id).threshold == 100
    with pytest.raises(NotFound):
        proposals.update_settings(world["head"], world["msl"].id, 10, 30, now=NOW)
    with pytest.raises(NotFound):
        proposals.update_settings(world["official"], world["gnc"].id, 10, 30, now=NOW)
    proposals.update_settings(world["admin"], world["msl"].id, 10, 30, now=NOW)
    assert proposals.settings_for(world["msl"].id).threshold == 10
    for threshold, period, field in ((0, 30, "threshold"), (None, 30, "threshold"), (10, 3, "period_days"),
                                     (10, 400, "period_days")):
        with pytest.raises(Invalid) as refused:
            proposals.update_settings(world["head"], world["gnc"].id, threshold, period, now=NOW)
        assert field in refused.value.errors


def test_the_rate_limit_on_new_proposals(world):
    for _ in range(proposals.CREATE_LIMIT):
        proposals.create(world["author"], data(world), now=NOW)
    with pytest.raises(Invalid) as refused:
        proposals.create(world["author"], data(world), now=NOW)
    assert None in refused.value.errors
    assert count(Proposal) == proposals.CREATE_LIMIT


def test_district_figures(world):
    start, end = NOW - timedelta(days=30), NOW + timedelta(days=60)
    on_time = published(world, threshold=1)
    late = published(world, threshold=None, title="İkinci")
    waiting = published(world, threshold=None, title="Üçüncü")
    for proposal in (on_time, late, waiting):
        proposals.support(world["resident"], proposal.id, now=NOW)
    proposals.answer(world["head"], on_time.id, "accepted", "Bəli.", now=NOW + timedelta(days=2))
    proposals.answer(world["head"], late.id, "rejected", "Xeyr.", now=NOW + timedelta(days=45))
    figures = proposals.figures(world["gnc"].id, start, end, now=NOW + timedelta(days=50))
    assert (figures.reached, figures.answered, figures.on_time, figures.accepted, figures.rejected) == (3, 2, 1, 1, 1)
    assert (figures.awaiting, figures.overdue_now) == (1, 1)
    assert proposals.figures(world["msl"].id, start, end).reached == 0


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="concurrency needs PostgreSQL")
def test_fifty_residents_supporting_at_once_count_fifty_and_cross_once(app, world):
    proposal = published(world, threshold=25)
    proposal_id = proposal.id
    crowd = [user.id for user in residents(50)]
    barrier = threading.Barrier(50)
    done, errors = [], []

    def race(user_id: int) -> None:
        with app.test_request_context(), force_locale("en"):
            try:
                from app.models import User

                user = db.session.get(User, user_id)
                user.roles  # noqa: B018 - loaded now, so the thread holds no connection at the barrier
                db.session.close()
                barrier.wait()
                proposals.support(user, proposal_id, now=NOW)
                done.append(user_id)
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=race, args=(user_id,)) for user_id in crowd]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == [] and len(done) == 50
    db.session.expire_all()
    proposal = db.session.get(Proposal, proposal_id)
    assert proposal.supports_count == 50 and count(ProposalSupport) == 50
    assert proposal.state == "threshold_reached" and proposal.response_due_at is not None
    # Crossed once: one notification to the author, one to the head.
    told = db.session.scalars(select(Notification.user_id).where(Notification.link.like("%/proposals/%"))).all()
    assert sorted(told) == sorted([world["author"].id, world["head"].id])


def test_a_blocked_resident_is_told_until_when_and_why(world):
    from app.moderation import service as moderation

    moderator = create_user("moderator@example.az", roles=[("moderator", world["gnc"])])
    proposal = published(world, threshold=5)
    moderation.block(moderator, world["resident"].id, "Təhqiramiz şərhlər", utcnow() + timedelta(days=7))
    for attempt in (lambda: proposals.support(world["resident"], proposal.id, now=NOW),
                    lambda: proposals.create(world["resident"], data(world), now=NOW)):
        with pytest.raises(Invalid) as refused:
            attempt()
        assert "You may not take part until" in refused.value.errors[None]
        assert "Təhqiramiz şərhlər" in refused.value.errors[None]
    assert count(ProposalSupport) == 0 and count(Proposal) == 1


def test_a_reported_proposal_hidden_by_the_moderator_takes_no_support(world):
    from app.moderation import service as moderation

    moderator = create_user("moderator@example.az", roles=[("moderator", world["gnc"])])
    other_moderator = create_user("moderator.msl@example.az", roles=[("moderator", world["msl"])])
    proposal = published(world, threshold=5)
    moderation.report(world["resident"], "proposal", proposal.id, "Reklam")
    with pytest.raises(NotFound):
        moderation.hide(other_moderator, "proposal", proposal.id, "Reklamdır")
    moderation.hide(moderator, "proposal", proposal.id, "Reklamdır")
    assert proposal.is_hidden and proposal.hidden_reason == "Reklamdır"
    assert proposals.shows_original(moderator, proposal) and not proposals.shows_original(world["resident"], proposal)
    with pytest.raises(Invalid) as refused:
        proposals.support(world["resident"], proposal.id, now=NOW)
    assert "hidden" in refused.value.errors[None]


def test_the_authoritys_steps_are_audited(world):
    from app.models import AuditEntry

    proposal = published(world, threshold=1)
    proposals.support(world["resident"], proposal.id, now=NOW)
    proposals.answer(world["head"], proposal.id, "accepted", "Bəli.", now=NOW)
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["proposal.settings", "proposal.publish", "proposal.threshold", "proposal.answer"]
    answer = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "proposal.answer")).one()
    assert answer.actor_id == world["head"].id and answer.district_id == world["gnc"].id
