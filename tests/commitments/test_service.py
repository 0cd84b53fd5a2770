"""Commitments: the rules of a commitment, fallbacks to Azerbaijani, milestones, links to appeals, residents' feedback."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.commitments import service as commitments
from app.extensions import db
from app.kit.calendar import BAKU
from app.kit.errors import Invalid, NotAllowed, NotFound
from app.models import (
    Appeal,
    Commitment,
    CommitmentFeedback,
    CommitmentLink,
    CommitmentMilestone,
    Department,
    Notification,
)
from tests.factories import create_appeal, create_reference_data, create_user
from tests.snapshots import replayed

# Monday 7 December 2026, 09:00 in Baku.
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=BAKU)
TODAY = date(2026, 12, 7)


@pytest.fixture
def world(ctx):
    """Built once, then put back (tests/snapshots.py)."""
    return replayed("commitments service: world", _build_world)


def _build_world():
    districts = create_reference_data()
    gnc, msl = districts["GNC"], districts["MSL"]
    resident = create_user("citizen@example.az", full_name="Aygün Həsənova", locale="ru")
    return {
        "gnc": gnc,
        "msl": msl,
        "editor": create_user("editor@example.az", roles=[("editor", gnc)]),
        "head": create_user("head@example.az", roles=[("head", gnc)]),
        "official": create_user("official@example.az", roles=[("official", gnc)]),
        "other_editor": create_user("editor.msl@example.az", roles=[("editor", msl)]),
        "resident": resident,
        "neighbour": create_user("neighbour@example.az", full_name="Nurlan Sadıqov"),
        "unconfirmed": create_user("new@example.az", confirmed=False),
        "department": db.session.scalars(select(Department).where(Department.district_id == gnc.id)).first(),
        "msl_department": db.session.scalars(select(Department).where(Department.district_id == msl.id)).first(),
    }


def valid(**changes) -> commitments.CommitmentInput:
    """A good commitment: planned for 2027, nothing started yet; keyword arguments change any field."""
    data = commitments.CommitmentInput(
        title_az="Nizami küçəsinin təmiri", description_az="Küçənin asfalt örtüyü yenilənir.",
        planned_start=date(2027, 3, 1), planned_end=date(2027, 9, 30), planned_cost=Decimal("480000.00"),
    )
    return replace(data, **changes)


def done(**changes) -> commitments.CommitmentInput:
    """A good completed commitment."""
    return valid(status="completed", progress=100, planned_start=date(2026, 3, 1), planned_end=date(2026, 9, 30),
                 actual_start=date(2026, 3, 10), actual_end=date(2026, 10, 20), actual_cost=Decimal("500000.50"),
                 **changes)


def create(world, data=None, actor="editor") -> Commitment:
    return commitments.create(world[actor], world["gnc"].id, data or valid(), now=NOW)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- A commitment's rules ------------------------------------------------------------------------


def test_a_commitment_keeps_every_field_and_falls_back_to_azerbaijani(world):
    commitment = create(world, valid(title_en="Repairing Nizami street", description_ru="  ", department_id=world["department"].id))
    db.session.expire_all()
    commitment = db.session.get(Commitment, commitment.id)
    assert (commitment.status, commitment.progress, commitment.created_by_id) == ("planned", 0, world["editor"].id)
    assert commitment.planned_cost == Decimal("480000.00") and commitment.actual_cost is None
    assert commitment.department_id == world["department"].id
    assert commitment.title_in("en") == "Repairing Nizami street"
    # Empty or blank translations are stored as nothing and fall back to Azerbaijani.
    assert commitment.title_ru is None and commitment.title_in("ru") == "Nizami küçəsinin təmiri"
    assert commitment.description_ru is None and commitment.description_in("ru") == "Küçənin asfalt örtüyü yenilənir."
    assert commitment.description_in("en") == commitment.description_in("az")


def test_a_completed_commitment_with_its_actual_dates_and_cost_is_accepted(world):
    commitment = create(world, done(), actor="head")
    assert (commitment.status, commitment.progress, commitment.actual_cost) == ("completed", 100, Decimal("500000.50"))


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"title_az": "  "}, "title_az", "Azerbaijani"),
    ({"title_az": "x" * 201}, "title_az", "200"),
    ({"title_ru": "x" * 201}, "title_ru", "200"),
    ({"description_az": ""}, "description_az", "Azerbaijani"),
    ({"description_en": "x" * 5001}, "description_en", "5000"),
    ({"planned_start": None}, "planned_start", "planned start"),
    ({"planned_end": None}, "planned_end", "planned end"),
    ({"planned_end": date(2027, 2, 28)}, "planned_end", "before the planned start"),
    ({"actual_start": date(2026, 12, 8)}, "actual_start", "future"),
    ({"actual_start": date(2026, 11, 1), "actual_end": date(2026, 12, 8)}, "actual_end", "future"),
    ({"actual_start": date(2026, 11, 1), "actual_end": date(2026, 10, 1)}, "actual_end", "before the actual start"),
    ({"actual_end": date(2026, 11, 1)}, "actual_start", "actual start"),
    ({"planned_cost": Decimal("-0.01")}, "planned_cost", "negative"),
    ({"actual_cost": Decimal("-5")}, "actual_cost", "negative"),
    ({"planned_cost": Decimal("1000000000000")}, "planned_cost", "too large"),
    ({"planned_cost": Decimal("10.005")}, "planned_cost", "two decimals"),
    ({"planned_cost": Decimal("NaN")}, "planned_cost", "number"),
    ({"progress": 101}, "progress", "0 to 100"),
    ({"progress": -1}, "progress", "0 to 100"),
    ({"progress": None}, "progress", "0 to 100"),
    ({"status": "done"}, "status", "status"),
    ({"status": "completed", "progress": 90, "actual_start": date(2026, 1, 5), "actual_end": date(2026, 5, 1)},
     "progress", "100"),
    ({"status": "completed", "progress": 100}, "actual_end", "completed"),
    ({"department_id": -1}, "department_id", "department"),
])
def test_bad_input_is_refused_beside_its_field_and_nothing_is_stored(world, changes, field, words):
    with pytest.raises(Invalid) as refused:
        create(world, valid(**changes))
    assert field in refused.value.errors, refused.value.errors
    assert words in str(refused.value.errors[field])
    assert count(Commitment) == 0


def test_a_department_of_another_district_is_refused(world):
    with pytest.raises(Invalid) as refused:
        create(world, valid(department_id=world["msl_department"].id))
    assert "department_id" in refused.value.errors and count(Commitment) == 0


def test_every_problem_is_reported_at_once(world):
    with pytest.raises(Invalid) as refused:
        create(world, valid(title_az="", planned_end=date(2027, 1, 1), planned_cost=Decimal("-1"), progress=500))
    assert set(refused.value.errors) == {"title_az", "planned_end", "planned_cost", "progress"}


def test_an_update_with_bad_input_leaves_the_commitment_as_it_was(world):
    commitment = create(world)
    with pytest.raises(Invalid):
        commitments.update(world["editor"], commitment.id, valid(title_az="Yeni ad", planned_end=date(2027, 1, 1)), now=NOW)
    db.session.rollback()
    db.session.expire_all()
    kept = db.session.get(Commitment, commitment.id)
    assert (kept.title_az, kept.planned_end) == ("Nizami küçəsinin təmiri", date(2027, 9, 30))
    changed = commitments.update(world["head"], commitment.id, valid(status="in_progress", progress=40,
                                                                    actual_start=date(2026, 12, 1)), now=NOW)
    assert (changed.status, changed.progress, changed.actual_start) == ("in_progress", 40, date(2026, 12, 1))


def test_only_the_districts_editors_and_head_maintain_its_commitments(world):
    for actor in ("official", "other_editor", "resident"):
        with pytest.raises(NotFound):
            create(world, actor=actor)
    commitment = create(world)
    for actor in ("official", "other_editor", "resident"):
        with pytest.raises(NotFound):
            commitments.update(world[actor], commitment.id, valid(title_az="Başqa"), now=NOW)
        with pytest.raises(NotFound):
            commitments.editable(world[actor], commitment.id)
    with pytest.raises(NotFound):
        commitments.editor_list(world["other_editor"], world["gnc"].id)
    assert commitments.editor_list(world["other_editor"], None)[0].code == "MSL"
    assert commitments.editable(world["head"], commitment.id).id == commitment.id


# --- Milestones ------------------------------------------------------------------------------------


def test_milestones_are_added_completed_and_reopened(world):
    commitment = create(world)
    later = commitments.add_milestone(world["editor"], commitment.id, commitments.MilestoneInput(
        title_az="Asfaltın döşənməsi", title_en="Laying the asphalt", due_on=date(2027, 8, 1)), now=NOW)
    first = commitments.add_milestone(world["editor"], commitment.id, commitments.MilestoneInput(
        title_az="Layihənin hazırlanması", due_on=date(2027, 4, 1)), now=NOW)
    assert [m.id for m in commitments.public_view(commitment.id).milestones] == [first.id, later.id]
    assert later.title_in("en") == "Laying the asphalt" and first.title_in("ru") == "Layihənin hazırlanması"
    commitments.complete_milestone(world["editor"], first.id, now=NOW)
    assert db.session.get(CommitmentMilestone, first.id).done_on == TODAY
    with pytest.raises(Invalid) as twice:
        commitments.complete_milestone(world["editor"], first.id, now=NOW)
    assert None in twice.value.errors
    with pytest.raises(Invalid) as future:
        commitments.complete_milestone(world["editor"], later.id, date(2026, 12, 8), now=NOW)
    assert "done_on" in future.value.errors
    commitments.complete_milestone(world["head"], later.id, date(2026, 12, 1), now=NOW)
    commitments.reopen_milestone(world["editor"], later.id, now=NOW)
    assert db.session.get(CommitmentMilestone, later.id).done_on is None
    assert commitments.public_view(commitment.id).milestones_done == 1


def test_bad_milestones_are_refused_and_other_districts_cannot_touch_them(world):
    commitment = create(world)
    with pytest.raises(Invalid) as refused:
        commitments.add_milestone(world["editor"], commitment.id, commitments.MilestoneInput(title_az=" ", due_on=None))
    assert set(refused.value.errors) == {"title_az", "due_on"}
    with pytest.raises(Invalid) as long:
        commitments.add_milestone(world["editor"], commitment.id, commitments.MilestoneInput(
            title_az="Mərhələ", title_ru="x" * 201, due_on=date(2027, 4, 1)))
    assert "title_ru" in long.value.errors
    assert count(CommitmentMilestone) == 0
    milestone = commitments.add_milestone(world["editor"], commitment.id, commitments.MilestoneInput(
        title_az="Mərhələ", due_on=date(2027, 4, 1)))
    with pytest.raises(NotFound):
        commitments.add_milestone(world["other_editor"], commitment.id, commitments.MilestoneInput(
            title_az="Mərhələ", due_on=date(2027, 4, 1)))
    with pytest.raises(NotFound):
        commitments.complete_milestone(world["other_editor"], milestone.id, now=NOW)
    assert count(CommitmentMilestone) == 1 and db.session.get(CommitmentMilestone, milestone.id).done_on is None


def test_a_commitment_has_a_bounded_number_of_milestones(world):
    commitment = create(world)
    for n in range(commitments.MAX_MILESTONES):
        commitments.add_milestone(world["editor"], commitment.id, commitments.MilestoneInput(
            title_az=f"Mərhələ {n}", due_on=date(2027, 4, 1)))
    with pytest.raises(Invalid) as refused:
        commitments.add_milestone(world["editor"], commitment.id, commitments.MilestoneInput(
            title_az="Bir daha", due_on=date(2027, 4, 1)))
    assert None in refused.value.errors and count(CommitmentMilestone) == commitments.MAX_MILESTONES


# --- Links to appeals --------------------------------------------------------------------------------


def test_an_appeal_of_the_district_is_linked_by_number_and_its_applicant_is_told(world):
    commitment = create(world)
    appeal = create_appeal(world["resident"], world["gnc"], now=NOW)
    link = commitments.link_appeal(world["editor"], commitment.id, f"  {appeal.number.lower()} ", now=NOW)
    assert (link.kind, link.appeal_id, link.proposal_id) == ("appeal", appeal.id, None)
    note = db.session.scalar(select(Notification).where(Notification.link == f"/commitments/item/{commitment.id}"))
    # Written for the applicant (Russian here): the title falls back to Azerbaijani, which has no Russian title.
    assert note.user_id == world["resident"].id and appeal.number in note.text and "Nizami küçəsinin" in note.text
    commitments.unlink(world["editor"], link.id)
    assert count(CommitmentLink) == 0


@pytest.mark.parametrize("number", ["", "GNC-26-1", "nonsense", "GNC-2026-999999"])
def test_unknown_or_malformed_numbers_are_refused(world, number):
    commitment = create(world)
    with pytest.raises(Invalid) as refused:
        commitments.link_appeal(world["editor"], commitment.id, number, now=NOW)
    assert "number" in refused.value.errors and count(CommitmentLink) == 0


def test_another_districts_appeal_is_refused_as_if_it_did_not_exist(world):
    commitment = create(world)
    theirs = create_appeal(world["resident"], world["msl"], now=NOW)
    with pytest.raises(Invalid) as other:
        commitments.link_appeal(world["editor"], commitment.id, theirs.number, now=NOW)
    with pytest.raises(Invalid) as missing:
        commitments.link_appeal(world["editor"], commitment.id, "GNC-2026-999999", now=NOW)
    assert str(other.value.errors["number"]) == str(missing.value.errors["number"]).replace("GNC-2026-999999", theirs.number)
    assert count(CommitmentLink) == 0 and count(Notification) == 1  # only the filing's own notice


def test_an_appeal_is_linked_once_and_only_by_the_districts_editors(world):
    commitment = create(world)
    appeal = create_appeal(world["resident"], world["gnc"], now=NOW)
    link = commitments.link_appeal(world["editor"], commitment.id, appeal.number, now=NOW)
    with pytest.raises(Invalid) as twice:
        commitments.link_appeal(world["head"], commitment.id, appeal.number, now=NOW)
    assert "already linked" in twice.value.errors["number"]
    with pytest.raises(NotFound):
        commitments.link_appeal(world["other_editor"], commitment.id, appeal.number, now=NOW)
    with pytest.raises(NotFound):
        commitments.unlink(world["other_editor"], link.id)
    with pytest.raises(NotFound):
        commitments.unlink(world["official"], link.id)
    assert count(CommitmentLink) == 1


def test_the_public_sees_the_number_and_the_subject_only_when_it_may_be_published(world):
    commitment = create(world)
    shown = create_appeal(world["resident"], world["gnc"], now=NOW, subject="Yolda çuxur", public_ok=True)
    private = create_appeal(world["resident"], world["gnc"], now=NOW, subject="Şəxsi məsələ")
    secret = create_appeal(world["neighbour"], world["gnc"], now=NOW, subject="Gizli şikayət", public_ok=True)
    # The filing form never stores both flags; the page must hold even if a row ever has them.
    db.session.get(Appeal, secret.id).confidential = True
    db.session.commit()
    for appeal in (shown, private, secret):
        commitments.link_appeal(world["editor"], commitment.id, appeal.number, now=NOW)
    view = commitments.public_view(commitment.id)
    assert {link.number: link.subject for link in view.links} == {
        shown.number: "Yolda çuxur", private.number: None, secret.number: None}
    assert "Aygün" not in repr(view) and "Nurlan" not in repr(view)


# --- Residents' feedback -------------------------------------------------------------------------------


def test_feedback_opens_only_when_the_commitment_is_completed(world):
    ongoing = create(world, valid(status="in_progress", progress=40))
    with pytest.raises(Invalid) as refused:
        commitments.record_feedback(world["resident"], ongoing.id, True, "", now=NOW)
    assert None in refused.value.errors and count(CommitmentFeedback) == 0
    with pytest.raises(NotFound):
        commitments.record_feedback(world["resident"], 999_999, True, "", now=NOW)


def test_feedback_needs_a_confirmed_resident_an_answer_and_a_short_comment(world):
    finished = create(world, done())
    with pytest.raises(NotAllowed):
        commitments.record_feedback(world["unconfirmed"], finished.id, True, "", now=NOW)
    with pytest.raises(Invalid) as unanswered:
        commitments.record_feedback(world["resident"], finished.id, None, "x" * 1001, now=NOW)
    assert set(unanswered.value.errors) == {"delivered", "comment"}
    assert count(CommitmentFeedback) == 0


def test_one_feedback_per_resident_changeable_and_shown_without_names(world):
    finished = create(world, done())
    commitments.record_feedback(world["resident"], finished.id, False, "  Səkilər təmir olunmayıb.  ", now=NOW)
    commitments.record_feedback(world["neighbour"], finished.id, True, "", now=NOW)
    summary = commitments.public_view(finished.id).feedback
    assert (summary.delivered, summary.not_delivered, summary.total) == (1, 1, 2)
    assert [(c.delivered, c.comment) for c in summary.comments] == [(False, "Səkilər təmir olunmayıb.")]
    # Saying it again changes the word; still one row per resident.
    changed = commitments.record_feedback(world["resident"], finished.id, True, "İndi hər şey qaydasındadır.", now=NOW)
    assert count(CommitmentFeedback) == 2 and changed.delivered is True
    summary = commitments.public_view(finished.id).feedback
    assert (summary.delivered, summary.not_delivered) == (2, 0)
    assert [c.comment for c in summary.comments] == ["İndi hər şey qaydasındadır."]
    assert "Aygün" not in repr(summary) and "Nurlan" not in repr(summary)
    assert commitments.my_feedback(world["neighbour"], finished.id).comment is None


# --- Public lists -----------------------------------------------------------------------------------------


def test_the_public_list_puts_ongoing_work_first_with_its_figures(world):
    planned = create(world)
    finished = create(world, done())
    ongoing = create(world, valid(status="in_progress", progress=40, actual_start=date(2026, 11, 1)))
    cancelled = create(world, valid(status="cancelled"))
    commitments.add_milestone(world["editor"], ongoing.id, commitments.MilestoneInput(title_az="Bir", due_on=date(2027, 1, 1)))
    second = commitments.add_milestone(world["editor"], ongoing.id, commitments.MilestoneInput(title_az="İki", due_on=date(2027, 2, 1)))
    commitments.complete_milestone(world["editor"], second.id, now=NOW)
    commitments.link_appeal(world["editor"], ongoing.id, create_appeal(world["resident"], world["gnc"], now=NOW).number, now=NOW)
    commitments.record_feedback(world["resident"], finished.id, True, "", now=NOW)
    theirs = commitments.create(world["other_editor"], world["msl"].id, valid(title_az="Masallının öhdəliyi"), now=NOW)
    page = commitments.public_list(world["gnc"])
    assert [s.commitment.id for s in page.items] == [ongoing.id, planned.id, finished.id, cancelled.id]
    row = page.items[0]
    assert (row.milestones_done, row.milestones_total, row.appeals) == (1, 2, 1)
    assert (page.items[2].delivered, page.items[2].not_delivered) == (1, 0)
    assert commitments.status_counts(world["gnc"].id) == {"planned": 1, "in_progress": 1, "completed": 1, "cancelled": 1}
    assert [s.commitment.id for s in commitments.public_list(world["gnc"], "completed").items] == [finished.id]
    assert [s.commitment.id for s in commitments.public_list(world["msl"]).items] == [theirs.id]
    assert commitments.district_counts() == {world["gnc"].id: 4, world["msl"].id: 1}


def test_the_database_refuses_what_the_service_refuses(world):
    """The CHECK constraints hold even for code that bypasses the service."""
    from sqlalchemy.exc import IntegrityError

    bad_rows = [
        dict(progress=101), dict(status="completed", progress=50), dict(planned_cost=Decimal("-1")),
        dict(planned_end=date(2027, 1, 1)), dict(status="unknown"),
    ]
    for changes in bad_rows:
        values = dict(district_id=world["gnc"].id, title_az="X", description_az="Y", planned_start=date(2027, 3, 1),
                      planned_end=date(2027, 9, 30), created_at=NOW, updated_at=NOW)
        values.update(changes)
        db.session.add(Commitment(**values))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
    commitment = create(world)
    db.session.add(CommitmentLink(commitment_id=commitment.id, kind="appeal", created_at=NOW))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


# --- Demo ------------------------------------------------------------------------------------------------


def test_seed_demo_is_idempotent_and_tells_a_story(ctx):
    from app.administration import seed
    from app.appeals import demo

    seed.seed_reference_data()
    seed.seed_demo_users()
    demo.seed_demo_appeals(80, now=NOW)
    assert commitments.seed_demo(NOW) == len(commitments.DEMO_COMMITMENTS)
    assert commitments.seed_demo(NOW) == 0
    rows = list(db.session.scalars(select(Commitment)))
    assert {c.district.code for c in rows} == {"GNC"}
    statuses = {c.status for c in rows}
    assert {"completed", "in_progress", "planned"} <= statuses
    completed = [c for c in rows if c.status == "completed"]
    assert all(commitments.public_view(c.id).feedback.total > 0 for c in completed)
    assert all(c.milestones for c in rows if c.status == "in_progress")
    linked = db.session.scalars(select(Appeal).join(CommitmentLink, CommitmentLink.appeal_id == Appeal.id)).all()
    assert linked and {a.district.code for a in linked} == {"GNC"}
    assert count(CommitmentFeedback) == sum(len(spec["feedback"]) for spec in commitments.DEMO_COMMITMENTS)
