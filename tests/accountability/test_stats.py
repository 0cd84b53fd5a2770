"""Accountability rollups: incremental rows equal a rebuild, and the figures equal what the raw rows say."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, update

from app.accountability import stats
from app.appeals import service as appeals
from app.extensions import db
from app.kit.calendar import BAKU, local_date, working_days_between
from app.models import OPEN_STATUSES, Appeal, AppealEvent, AppealStat, Category, OpenDeadline
from app.ratings import service as ratings
from tests.factories import create_appeal, create_reference_data, create_user

START = datetime(2026, 1, 12, 9, 0, tzinfo=BAKU)


@pytest.fixture
def world(ctx):
    districts = create_reference_data()
    gnc, msl = districts["GNC"], districts["MSL"]
    return {
        "districts": [gnc, msl],
        "categories": list(db.session.scalars(select(Category).order_by(Category.id)))[:3],
        "citizen": create_user("citizen@example.az"),
        "officials": {gnc.id: create_user("official.gnc@example.az", roles=[("official", gnc), ("head", gnc)]),
                      msl.id: create_user("official.msl@example.az", roles=[("official", msl), ("head", msl)])},
    }


def snapshot() -> dict[tuple, dict[str, int]]:
    rows = db.session.scalars(select(AppealStat)).all()
    return {(r.grain, r.period, r.district_id, r.category_id): {c: getattr(r, c) for c in stats.ALL_COLUMNS}
            for r in rows}


def random_history(world, rng: random.Random, appeal_id: int, official, clock: datetime) -> datetime:
    """Walk one appeal through a random legal path, each step a few hours to days later."""
    citizen = world["citizen"]

    def later() -> datetime:
        nonlocal clock
        clock += timedelta(hours=rng.randint(2, 30 * 24 // 3))
        return clock

    def step(actor, status, **data):
        appeals.transition(actor, appeal_id, status, appeals.StepData(**data), now=later())

    if rng.random() < 0.1:
        step(citizen, "not_considered", note="Geri götürürəm")
        return clock
    step(official, "registered")
    roll = rng.random()
    if roll < 0.1:
        step(official, "forwarded", forwarded_to="Nazirlik")
        return clock
    if roll < 0.2:
        step(official, "not_considered", ground="repeated", note="Təkrar")
        return clock
    step(official, "in_progress")
    if rng.random() < 0.3:
        step(official, "info_requested", note="Ünvan?")
        step(citizen, "in_progress", note="Nizami küç. 5")
    if rng.random() < 0.2:
        appeals.extend(official, appeal_id, rng.randint(1, 30), "Ekspertiza", now=later())
    if rng.random() < 0.15:
        return clock  # still open
    step(official, "answered", answer="Cavab")
    if rng.random() < 0.25:
        step(citizen, "reopened", note="Razı deyiləm")
        step(official, "in_progress")
        step(official, "answered", answer="Yeni cavab")
    if rng.random() < 0.6:
        # The resident rates on the ASAN criteria (a first rating closes the appeal), and may change the rating
        # while the answer is open to dispute: the change corrects the day the rating was given.
        rate(citizen, rng, appeal_id, later())
        if rng.random() < 0.4:
            rate(citizen, rng, appeal_id, later())
        if rng.random() < 0.25 and clock < answered_by(appeal_id) + timedelta(days=appeals.DISPUTE_CALENDAR_DAYS - 10):
            # A rated answer disputed, answered again and (sometimes) rated afresh: still one rating of the appeal.
            step(citizen, "reopened", note="Yenə razı deyiləm")
            step(official, "in_progress")
            step(official, "answered", answer="Üçüncü cavab")
            if rng.random() < 0.6:
                rate(citizen, rng, appeal_id, later())
    return clock


def answered_by(appeal_id: int) -> datetime:
    return db.session.get(Appeal, appeal_id).answered_at


def rate(citizen, rng: random.Random, appeal_id: int, when: datetime) -> None:
    """Rate (or rate again) through the ratings' use case, when its window still allows."""
    if when <= answered_by(appeal_id) + timedelta(days=appeals.DISPUTE_CALENDAR_DAYS):
        ratings.rate(citizen, "appeal", appeal_id, {"overall": rng.randint(1, 5), "speed": rng.randint(1, 5)}, "",
                     now=when)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_rollups_equal_a_rebuild_after_random_histories(world, seed):
    rng = random.Random(seed)
    clock = START
    for _ in range(40):
        district = rng.choice(world["districts"])
        clock += timedelta(hours=rng.randint(1, 72))
        appeal = create_appeal(world["citizen"], district, rng.choice(world["categories"]), now=clock)
        random_history(world, rng, appeal.id, world["officials"][district.id], clock)
    incremental = snapshot()
    assert incremental, "the histories produced no rollup rows"
    stats.rebuild()
    assert snapshot() == incremental
    # The open appeals per deadline, kept by the database's triggers through every step, equal a count of them.
    kept = open_deadlines()
    assert kept == counted_open_deadlines()
    assert 0 < sum(kept.values()) < 40, "the histories left no appeal open, or every one"
    stats.rebuild_open_deadlines()
    assert open_deadlines() == kept


def open_deadlines() -> dict[tuple, int]:
    """The rows the triggers keep: (district, category, deadline) → open appeals."""
    return {(r.district_id, r.category_id, r.due_at): r.open_count for r in db.session.scalars(select(OpenDeadline))}


def counted_open_deadlines() -> dict[tuple, int]:
    """The same, counted from the appeals."""
    rows = db.session.execute(select(Appeal.district_id, Appeal.category_id, Appeal.due_at, func.count())
                              .where(Appeal.status.in_(OPEN_STATUSES))
                              .group_by(Appeal.district_id, Appeal.category_id, Appeal.due_at))
    return {(d, c, due): n for d, c, due, n in rows}


def test_open_deadlines_follow_every_write_even_one_made_in_sql(world):
    """Whatever writes to the appeals (a use case, a bulk update, a delete), the rows move with it; none stays at 0."""
    gnc, msl = world["districts"]
    first, second = world["categories"][:2]
    made = [create_appeal(world["citizen"], gnc, first, now=START + timedelta(hours=i)) for i in range(3)]
    official = world["officials"][gnc.id]
    for appeal in made:
        appeals.transition(official, appeal.id, "registered", appeals.StepData(), now=START + timedelta(days=1))
    assert open_deadlines() == counted_open_deadlines()
    assert sum(open_deadlines().values()) == 3
    # Moved to another district and category and given another deadline, by SQL, as a fix by hand would be.
    due = datetime(2026, 3, 2, 19, 59, tzinfo=BAKU)
    db.session.execute(update(Appeal).where(Appeal.id == made[0].id)
                       .values(district_id=msl.id, category_id=second.id, due_at=due))
    assert open_deadlines() == counted_open_deadlines()
    assert open_deadlines()[(msl.id, second.id, due)] == 1
    # Closed, then deleted: the rows go, none is left at 0.
    db.session.execute(update(Appeal).where(Appeal.id == made[1].id).values(status="closed"))
    db.session.execute(delete(AppealEvent).where(AppealEvent.appeal_id == made[2].id))
    db.session.execute(delete(Appeal).where(Appeal.id == made[2].id))
    assert open_deadlines() == counted_open_deadlines()
    assert set(open_deadlines().values()) == {1}
    db.session.execute(update(Appeal).values(status="answered"))
    assert open_deadlines() == {}
    db.session.rollback()


def test_overdue_now_counts_the_deadlines_passed_at_that_moment(world):
    gnc, _msl = world["districts"]
    first, second = world["categories"][:2]
    for hours, category in ((0, first), (1, first), (2, second)):
        appeal = create_appeal(world["citizen"], gnc, category, now=START + timedelta(hours=hours))
        appeals.transition(world["officials"][gnc.id], appeal.id, "registered", appeals.StepData(),
                           now=START + timedelta(hours=hours))
    due = sorted(open_deadlines())[0][2]
    assert stats.overdue_now(now=due) == {}, "an appeal due at this very moment is not overdue yet"
    after = due + timedelta(seconds=1)
    assert stats.overdue_now(now=after) == {gnc.id: 3}
    assert stats.overdue_now(gnc.id, by="category", now=after) == {first.id: 2, second.id: 1}
    assert stats.overdue_now(gnc.id, category_id=second.id, by="category", now=after) == {second.id: 1}


def test_period_figures_equal_what_the_raw_rows_say(world):
    rng = random.Random(7)
    clock = START
    for _ in range(60):
        district = rng.choice(world["districts"])
        clock += timedelta(hours=rng.randint(1, 48))
        appeal = create_appeal(world["citizen"], district, rng.choice(world["categories"]), now=clock)
        random_history(world, rng, appeal.id, world["officials"][district.id], clock)
    # A period cut mid-month on both ends, so both month and day rows are read.
    period = stats.Period(date(2026, 1, 20), date(2026, 4, 10))
    figures = stats.by_district(period, now=datetime(2026, 4, 10, 18, tzinfo=BAKU))
    for district in world["districts"]:
        events = db.session.execute(
            select(AppealEvent, Appeal).join(Appeal).where(Appeal.district_id == district.id)).all()
        inside = [(e, a) for e, a in events if period.start <= local_date(e.created_at) <= period.end]
        answered = [(e, a) for e, a in inside if e.action == "answered"]
        raw_days = sorted(working_days_between(local_date(a.registered_at), local_date(e.created_at)) for e, a in answered)
        got = figures[district.id]
        assert got.received == sum(e.action == "filed" for e, _a in inside)
        assert got.answered == len(answered)
        assert got.on_time == sum(e.created_at <= e.due_at for e, _a in answered)
        assert got.reopened == sum(e.action == "disputed" for e, _a in inside)
        # One rating per appeal, counted on the day of its latest "rated" step (a dispute's new answer is rated
        # afresh), with the appeal's mark now (a change corrects the day the rating was given).
        last_rated = {}
        for e, a in events:
            if e.action == "rated" and (a.id not in last_rated or (e.created_at, e.id) > last_rated[a.id][0]):
                last_rated[a.id] = ((e.created_at, e.id), e, a)
        counted = [(e, a) for _key, e, a in last_rated.values() if period.start <= local_date(e.created_at) <= period.end]
        assert got.rating_count == len(counted)
        assert got.rating_sum == sum(a.rating for _e, a in counted)
        if raw_days:
            # Up to 30 working days the median is exact.
            median = raw_days[(len(raw_days) + 1) // 2 - 1]
            assert got.median_days == (median if median <= 30 else got.median_days)
        overdue = db.session.scalars(select(Appeal).where(
            Appeal.district_id == district.id, Appeal.status.in_(appeals.OPEN_STATUSES),
            Appeal.due_at < datetime(2026, 4, 10, 18, tzinfo=BAKU))).all()
        assert got.overdue_now == len(overdue)


def test_a_period_reads_whole_months_and_the_days_at_either_end():
    months, days = stats._segments(stats.Period(date(2026, 1, 20), date(2026, 4, 10)))
    assert months == [date(2026, 2, 1), date(2026, 3, 1)]
    assert days == [(date(2026, 1, 20), date(2026, 1, 31)), (date(2026, 4, 1), date(2026, 4, 10))]
    months, days = stats._segments(stats.Period(date(2026, 2, 1), date(2026, 2, 28)))
    assert (months, days) == ([date(2026, 2, 1)], [])


@pytest.mark.parametrize(("start", "end", "field"), [
    ("2026-05-01", "2026-04-01", "to"),
    ("2020-01-01", "2026-01-02", "from"),
    ("yesterday", None, "from"),
    (None, "2026-13-40", "to"),
])
def test_bad_periods_are_refused_with_the_field_at_fault(ctx, start, end, field):
    with pytest.raises(stats.PeriodError) as refused:
        stats.parse_period(start, end, today=date(2026, 11, 24))
    assert refused.value.field == field and str(refused.value)


def test_the_default_period_is_the_last_twelve_months(ctx):
    assert stats.parse_period(None, None, today=date(2026, 11, 24)) == stats.Period(date(2025, 12, 1), date(2026, 11, 24))


def test_percentiles_and_the_service_index_follow_the_documented_formula():
    figures = stats.Figures()
    figures.counts.update(answered=10, on_time=8, not_considered=0, rating_count=6, rating_sum=27,
                          d3=5, d10=4, d45=1)
    assert (figures.median_days, figures.p90_days) == (3, 10)
    parts = stats.index_parts(figures)
    assert parts == {"speed": pytest.approx(0.8), "on_time": 0.8, "satisfaction": pytest.approx(0.875), "openness": 1.0}
    assert figures.index == pytest.approx(round(25 * 0.8 + 35 * 0.8 + 25 * 0.875 + 15 * 1.0, 1))
    assert not figures.ranked and stats.suppress(3) is None and stats.suppress(0) == 0 and stats.suppress(5) == 5
    # Under MIN_RATINGS ratings there is no mean (issue 15, item 6): the index counts the middle, as with none.
    figures.counts.update(rating_count=stats.MIN_RATINGS - 1, rating_sum=4 * (stats.MIN_RATINGS - 1))
    assert figures.satisfaction is None and stats.index_parts(figures)["satisfaction"] == 0.5
