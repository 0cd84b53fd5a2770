"""The figures on the ASAN criteria per district and service: means only over MIN_RATINGS answers, local days."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from app.accountability.stats import MIN_RATINGS
from app.extensions import db
from app.kit.calendar import BAKU
from app.models import Rating
from app.ratings.queries import criteria_figures
from tests.ratings.helpers import world as make_world
from tests.snapshots import replayed

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


@pytest.fixture
def world(ctx):
    """Built once, then put back (tests/snapshots.py)."""
    return replayed("ratings queries: world", _build_world)


def _build_world():
    return make_world()


def add(world, district, when: datetime, overall: int, kind: str = "appeal", category=0, **criteria) -> None:
    world["subjects"] = world.get("subjects", 0) + 1
    service = {"category_id": world["categories"][category].id} if kind == "appeal" else {"service_id": None}
    db.session.add(Rating(subject_kind=kind, subject_id=world["subjects"], district_id=district.id, overall=overall,
                          rated_at=when, **service, **criteria))
    db.session.commit()


def test_a_mean_is_shown_only_over_the_minimum_number_of_answers(world):
    day = datetime(2026, 3, 10, 12, tzinfo=BAKU)
    for n in range(MIN_RATINGS - 1):
        add(world, world["gnc"], day, 5 - n % 2, speed=4, courtesy=3 if n else None)
    few = criteria_figures(*MARCH)[world["gnc"].id]
    assert few.count == MIN_RATINGS - 1 and few.overall is None
    assert all(few.mean(mark) is None for mark in ("overall", "speed", "courtesy", "clarity", "outcome"))
    add(world, world["gnc"], day, 3, speed=2)
    enough = criteria_figures(*MARCH)[world["gnc"].id]
    marks = [5, 4, 5, 4, 3][:MIN_RATINGS]
    assert enough.count == MIN_RATINGS and enough.overall == pytest.approx(sum(marks) / MIN_RATINGS)
    assert enough.mean("speed") == pytest.approx((4 * (MIN_RATINGS - 1) + 2) / MIN_RATINGS)
    # Courtesy was answered by fewer than the minimum: still no mean, whatever the overall count.
    assert enough.answers["courtesy"] == MIN_RATINGS - 2 and enough.mean("courtesy") is None
    assert enough.answers["clarity"] == 0 and enough.mean("clarity") is None


def test_figures_per_service_and_one_district(world):
    day = datetime(2026, 3, 10, 12, tzinfo=BAKU)
    for _ in range(MIN_RATINGS):
        add(world, world["gnc"], day, 4, category=0)
        add(world, world["msl"], day, 2, category=0)
    add(world, world["gnc"], day, 1, category=1)
    by_service = criteria_figures(*MARCH, by="service")
    first, second = (("appeal", c.id) for c in world["categories"])
    assert by_service[(world["gnc"].id, first)].overall == 4
    assert by_service[(world["gnc"].id, second)].count == 1 and by_service[(world["gnc"].id, second)].overall is None
    assert by_service[(world["msl"].id, first)].overall == 2
    one = criteria_figures(*MARCH, district_id=world["msl"].id)
    assert list(one) == [world["msl"].id] and one[world["msl"].id].count == MIN_RATINGS
    with pytest.raises(ValueError):
        criteria_figures(*MARCH, by="category")


def test_the_period_is_read_in_local_days(world):
    # 23:30 in Baku on 31 March is 19:30 UTC: in March. 00:10 on 1 April in Baku is still 31 March in UTC: not.
    add(world, world["gnc"], datetime(2026, 3, 31, 23, 30, tzinfo=BAKU), 5)
    add(world, world["gnc"], datetime(2026, 4, 1, 0, 10, tzinfo=BAKU), 1)
    add(world, world["gnc"], datetime(2026, 3, 1, 0, 0, tzinfo=BAKU) - timedelta(seconds=1), 1)
    march = criteria_figures(*MARCH)[world["gnc"].id]
    assert march.count == 1 and march.answers["overall"] == 1
    assert criteria_figures(date(2026, 4, 1), date(2026, 4, 1))[world["gnc"].id].count == 1
    assert criteria_figures(date(2026, 5, 1), date(2026, 5, 31)) == {}
