"""Ratings on the ASAN criteria: giving, changing within the window, refusing after it, refusing other people's
cases and states that cannot be rated, the marks' rules, the rollups after a change, the resident's data."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.accountability import stats
from app.accounts import mydata
from app.appeals import service as appeals
from app.eservices import service as eservices
from app.extensions import db
from app.kit.calendar import BAKU
from app.kit.errors import Invalid, NotFound
from app.models import Appeal, AppealEvent, AppealStat, Rating, ServiceApplication
from app.ratings import demo
from app.ratings import service as ratings
from tests.factories import PASSWORD
from tests.ratings.helpers import START, answered_appeal, decided_application, served_ticket
from tests.ratings.helpers import world as make_world
from tests.snapshots import replayed

LATER = START + timedelta(days=1)
FULL = {"overall": 4, "speed": 5, "courtesy": 4, "clarity": 3, "outcome": None}


@pytest.fixture
def world(ctx):
    """Built once, then put back (tests/snapshots.py)."""
    return replayed("ratings service: world", _build_world)


def _build_world():
    return make_world()


def snapshot() -> dict:
    rows = db.session.scalars(select(AppealStat)).all()
    return {(r.grain, r.period, r.district_id, r.category_id): {c: getattr(r, c) for c in stats.ALL_COLUMNS}
            for r in rows}


def rating_of(kind: str, subject_id: int) -> Rating | None:
    db.session.expire_all()
    return db.session.scalar(select(Rating).where(Rating.subject_kind == kind, Rating.subject_id == subject_id))


# --- Appeals -------------------------------------------------------------------------------------------------


def test_a_first_rating_closes_the_appeal_and_keeps_its_mark_in_step(world):
    appeal = answered_appeal(world)
    ratings.rate(world["citizen"], "appeal", appeal.id, FULL, "  Tez cavab verdilər. ", now=LATER)
    rating = rating_of("appeal", appeal.id)
    assert (rating.overall, rating.speed, rating.courtesy, rating.clarity, rating.outcome) == (4, 5, 4, 3, None)
    assert (rating.citizen_id, rating.district_id, rating.category_id) == (
        world["citizen"].id, world["gnc"].id, world["categories"][0].id)
    assert rating.comment == "Tez cavab verdilər." and rating.rated_at == LATER and rating.changed_at is None
    appeal = db.session.get(Appeal, appeal.id)
    assert (appeal.status, appeal.rating, appeal.rating_comment, appeal.rated_at) == (
        "closed", 4, "Tez cavab verdilər.", LATER)
    assert [e.action for e in appeal.events][-1] == "rated"
    figures = stats.by_district(stats.Period(date(2026, 3, 1), date(2026, 3, 31)))[world["gnc"].id]
    assert (figures.rating_count, figures.rating_sum, figures.ratings) == (1, 4, [0, 0, 0, 1, 0])


def test_the_staff_are_told_the_appeal_closed_never_the_mark(world):
    appeal = answered_appeal(world)
    ratings.rate(world["citizen"], "appeal", appeal.id, {"overall": 1}, "Pis", now=LATER)
    from app.models import Notification

    told = db.session.scalars(select(Notification).where(Notification.user_id == world["official"].id,
                                                         Notification.kind == "appeal.applicant")).all()
    assert told and all("1" not in n.text.replace(appeal.number, "") and "Pis" not in n.text for n in told)


def test_a_rating_is_changed_within_the_window_and_the_rollups_equal_a_rebuild(world):
    appeal = answered_appeal(world)
    ratings.rate(world["citizen"], "appeal", appeal.id, FULL, "", now=LATER)
    # A month later, but within 30 days of the answer: the figures of the day it was given change.
    changed_at = START + timedelta(days=29)
    ratings.rate(world["citizen"], "appeal", appeal.id, {"overall": 2, "courtesy": 1}, "Fikrimi dəyişdim", now=changed_at)
    rating = rating_of("appeal", appeal.id)
    assert (rating.overall, rating.speed, rating.courtesy, rating.clarity) == (2, None, 1, None)
    assert (rating.rated_at, rating.changed_at, rating.comment) == (LATER, changed_at, "Fikrimi dəyişdim")
    appeal = db.session.get(Appeal, appeal.id)
    assert (appeal.status, appeal.rating, appeal.rating_comment) == ("closed", 2, "Fikrimi dəyişdim")
    change = appeal.events[-1]
    assert (change.action, change.public) == ("rating_changed", False)
    march = stats.by_district(stats.Period(date(2026, 3, 1), date(2026, 3, 31)))[world["gnc"].id]
    assert (march.rating_count, march.rating_sum, march.ratings) == (1, 2, [0, 1, 0, 0, 0])
    incremental = snapshot()
    stats.rebuild()
    assert snapshot() == incremental


def test_the_same_mark_again_changes_the_criteria_only(world):
    appeal = answered_appeal(world)
    ratings.rate(world["citizen"], "appeal", appeal.id, FULL, "", now=LATER)
    before = snapshot()
    ratings.rate(world["citizen"], "appeal", appeal.id, {**FULL, "outcome": 2}, "", now=LATER + timedelta(hours=1))
    assert rating_of("appeal", appeal.id).outcome == 2
    assert snapshot() == before
    assert db.session.scalar(select(func.count()).select_from(AppealEvent)
                             .where(AppealEvent.action == "rating_changed")) == 0


def test_after_the_window_the_rating_is_refused_and_nothing_changes(world):
    appeal = answered_appeal(world)
    ratings.rate(world["citizen"], "appeal", appeal.id, FULL, "", now=LATER)
    too_late = appeal.answered_at + timedelta(days=appeals.DISPUTE_CALENDAR_DAYS, minutes=1)
    with pytest.raises(Invalid) as refused:
        ratings.rate(world["citizen"], "appeal", appeal.id, {"overall": 1}, "", now=too_late)
    assert "30 days" in str(refused.value.errors[None])
    assert rating_of("appeal", appeal.id).overall == 4 and db.session.get(Appeal, appeal.id).rating == 4


def test_a_first_rating_of_an_appeal_closed_by_itself_counts_once(world):
    appeal = answered_appeal(world)
    appeals.autoclose(now=START + timedelta(days=20))
    assert db.session.get(Appeal, appeal.id).status == "closed"
    ratings.rate(world["citizen"], "appeal", appeal.id, {"overall": 5}, "", now=START + timedelta(days=21))
    appeal = db.session.get(Appeal, appeal.id)
    assert (appeal.status, appeal.rating) == ("closed", 5)
    assert (appeal.events[-1].action, appeal.events[-1].from_status) == ("rated", "closed")
    incremental = snapshot()
    stats.rebuild()
    assert snapshot() == incremental
    assert sum(row["rating_count"] for key, row in incremental.items() if key[0] == "day") == 1


def test_a_disputed_answer_answered_again_is_rated_afresh_once(world):
    appeal = answered_appeal(world)
    ratings.rate(world["citizen"], "appeal", appeal.id, {"overall": 2}, "", now=LATER)
    appeals.transition(world["citizen"], appeal.id, "reopened", appeals.StepData(note="Razı deyiləm"),
                       now=LATER + timedelta(hours=1))
    with pytest.raises(Invalid):  # being examined again: nothing to rate until the new answer
        ratings.rate(world["citizen"], "appeal", appeal.id, {"overall": 3}, "", now=LATER + timedelta(hours=2))
    appeals.transition(world["official"], appeal.id, "in_progress", now=START + timedelta(days=5))
    appeals.transition(world["official"], appeal.id, "answered", appeals.StepData(answer="Yeni cavab"),
                       now=START + timedelta(days=6))
    # More than 30 days after the first answer, but within 30 of the new one: the window follows the answer.
    ratings.rate(world["citizen"], "appeal", appeal.id, {"overall": 5}, "", now=START + timedelta(days=33))
    appeal = db.session.get(Appeal, appeal.id)
    assert (appeal.status, appeal.rating) == ("closed", 5)
    assert db.session.scalar(select(func.count()).select_from(Rating)) == 1
    incremental = snapshot()
    day_rows = [row for key, row in incremental.items() if key[0] == "day"]
    assert sum(r["rating_count"] for r in day_rows) == 1 and sum(r["rating_sum"] for r in day_rows) == 5
    stats.rebuild()
    assert snapshot() == incremental


def test_another_resident_and_staff_cannot_rate_or_see_a_rating(world):
    appeal = answered_appeal(world)
    for person in (world["stranger"], world["official"], world["other"]):
        with pytest.raises(NotFound):
            ratings.rate(person, "appeal", appeal.id, FULL, "", now=LATER)
        with pytest.raises(NotFound):
            ratings.standing(person, "appeal", appeal.id, now=LATER)
    with pytest.raises(NotFound):
        ratings.rate(world["citizen"], "appeal", 999_999, FULL, "", now=LATER)
    with pytest.raises(NotFound):
        ratings.rate(world["citizen"], "poll", appeal.id, FULL, "", now=LATER)
    assert rating_of("appeal", appeal.id) is None and db.session.get(Appeal, appeal.id).status == "answered"


def test_states_that_cannot_be_rated_are_refused_with_a_reason(world):
    from tests.factories import create_appeal

    filed = create_appeal(world["citizen"], world["gnc"], world["categories"][0], now=START)
    pending = decided_application(world, status="in_review")
    waiting = served_ticket(world, status="waiting")
    for kind, subject, words in (("appeal", filed, "answered"), ("application", pending, "decided"),
                                 ("ticket", waiting, "served")):
        with pytest.raises(Invalid) as refused:
            ratings.rate(world["citizen"], kind, subject.id, FULL, "", now=LATER)
        assert words in str(refused.value.errors[None])
        assert ratings.standing(world["citizen"], kind, subject.id, now=LATER).open is False
    assert db.session.scalar(select(func.count()).select_from(Rating)) == 0


def test_the_overall_mark_is_required_and_each_criterion_optional(world):
    appeal = answered_appeal(world)
    for marks, field in (({"speed": 4}, "overall"), ({"overall": 0}, "overall"), ({"overall": 6}, "overall"),
                         ({"overall": 4, "clarity": 9}, "clarity"), ({"overall": 4, "outcome": -1}, "outcome")):
        with pytest.raises(Invalid) as refused:
            ratings.rate(world["citizen"], "appeal", appeal.id, marks, "", now=LATER)
        assert field in refused.value.errors
    with pytest.raises(Invalid) as refused:
        ratings.rate(world["citizen"], "appeal", appeal.id, {"overall": 4}, "x" * 2001, now=LATER)
    assert "comment" in refused.value.errors
    assert rating_of("appeal", appeal.id) is None and db.session.get(Appeal, appeal.id).status == "answered"
    ratings.rate(world["citizen"], "appeal", appeal.id, {"overall": 4}, "", now=LATER)
    rating = rating_of("appeal", appeal.id)
    assert (rating.overall, rating.speed, rating.courtesy, rating.clarity, rating.outcome) == (4, None, None, None, None)


# --- Applications and tickets ----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["issued", "refused"])
def test_a_decided_application_is_rated_and_changed_within_the_window(world, status):
    application = decided_application(world, status=status)
    ratings.rate(world["citizen"], "application", application.id, FULL, "Rahat", now=LATER + timedelta(days=1))
    ratings.rate(world["citizen"], "application", application.id, {"overall": 3}, "", now=LATER + timedelta(days=30))
    rating = rating_of("application", application.id)
    assert (rating.overall, rating.speed, rating.service_id, rating.district_id) == (
        3, None, world["service"].id, world["gnc"].id)
    kept = db.session.get(ServiceApplication, application.id)
    assert (kept.rating, kept.rating_comment, kept.rated_at) == (3, None, LATER + timedelta(days=1))
    with pytest.raises(Invalid):
        ratings.rate(world["citizen"], "application", application.id, {"overall": 5}, "",
                     now=LATER + timedelta(days=30, minutes=1))
    assert rating_of("application", application.id).overall == 3


def test_the_old_e_service_rating_call_still_works_through_the_ratings(world):
    application = decided_application(world)
    eservices.rate(world["citizen"], application.id, 5, "Tez və rahat", now=LATER)
    assert rating_of("application", application.id).overall == 5
    assert db.session.get(ServiceApplication, application.id).rating == 5


def test_a_served_ticket_is_rated_within_thirty_days_by_its_holder_only(world):
    ticket = served_ticket(world)
    other = served_ticket(world, citizen=world["stranger"])
    with pytest.raises(NotFound):
        ratings.rate(world["citizen"], "ticket", other.id, FULL, "", now=LATER)
    ratings.rate(world["citizen"], "ticket", ticket.id, FULL, "", now=START + timedelta(days=ratings.TICKET_DAYS))
    rating = rating_of("ticket", ticket.id)
    assert (rating.queue_service_id, rating.district_id, rating.overall) == (ticket.service_id, world["gnc"].id, 4)
    with pytest.raises(Invalid):
        ratings.rate(world["citizen"], "ticket", ticket.id, {"overall": 1}, "",
                     now=START + timedelta(days=ratings.TICKET_DAYS, seconds=1))


# --- The resident's data, the demo -------------------------------------------------------------------------------


def test_the_download_holds_the_ratings_and_closing_keeps_them_for_the_figures_only(world):
    appeal = answered_appeal(world)
    ratings.rate(world["citizen"], "appeal", appeal.id, FULL, "Şəxsi fikrim", now=LATER)
    data = mydata.collect(world["citizen"], lambda stored, path: None)
    assert data["ratings"] == [{"kind": "appeal", "id": appeal.id, **FULL, "comment": "Şəxsi fikrim",
                                "rated_at": LATER, "changed_at": None}]
    json.dumps(data, default=mydata._json_default)
    mydata.close_account(world["citizen"], PASSWORD)
    rating = rating_of("appeal", appeal.id)
    assert (rating.citizen_id, rating.comment, rating.overall, rating.speed) == (None, None, 4, 5)
    assert db.session.get(Appeal, appeal.id).rating_comment is None


def test_the_demo_gives_rated_appeals_their_criteria_once(world):
    for _ in range(3):
        appeal = answered_appeal(world)
        # Rated the old way (the lifecycle alone), as the demo appeals are.
        appeals.transition(world["citizen"], appeal.id, "closed", appeals.StepData(rating=4), now=LATER)
    assert demo.seed_demo(now=LATER) == 3
    assert demo.seed_demo(now=LATER) == 0
    rows = db.session.scalars(select(Rating)).all()
    assert len(rows) == 3 and {r.overall for r in rows} == {4}
    assert any(getattr(r, name) is not None for r in rows for name in ("speed", "courtesy", "clarity", "outcome"))


def test_local_days_bound_the_figures(world):
    from app.ratings.queries import utc_bounds

    first, after = utc_bounds(date(2026, 3, 1), date(2026, 3, 31))
    assert first.tzinfo == BAKU and (first.day, after.month, after.day) == (1, 4, 1)
