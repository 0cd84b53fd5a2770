"""The working-day calendar on real 2026 dates (Novruz, Ramazan, Qurban, 8–10 November)."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.kit.calendar import (
    add_working_days,
    deadline,
    is_working_day,
    local_date,
    working_days_between,
)

# Nothing here reads the suite's database: run once, in the SQLite run (tests/conftest.py).
pytestmark = pytest.mark.database_independent


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 3, 19), True),   # Thursday before Novruz
        (date(2026, 3, 20), False),  # Novruz and Ramazan bayramı
        (date(2026, 3, 23), False),  # Novruz, Monday
        (date(2026, 3, 25), False),  # Ramazan, transferred rest day
        (date(2026, 3, 27), False),  # Novruz, transferred rest day
        (date(2026, 3, 30), False),  # Ramazan, transferred rest day (Monday)
        (date(2026, 3, 31), True),   # first working day after the holidays
        (date(2026, 5, 27), False),  # Qurban bayramı
        (date(2026, 5, 29), False),  # Qurban, transferred
        (date(2026, 6, 1), True),
        (date(2026, 11, 9), False),  # National Flag Day
        (date(2026, 11, 10), False),  # Victory Day (8 Nov, a Sunday) transferred
        (date(2026, 11, 11), True),
        (date(2026, 11, 14), False),  # an ordinary Saturday
    ],
)
def test_is_working_day(day, working):
    assert is_working_day(day) is working


def test_adding_working_days_skips_novruz_and_ramazan():
    # From Thursday 19 March, the next working day is Tuesday 31 March.
    assert add_working_days(date(2026, 3, 19), 1) == date(2026, 3, 31)
    # 15 working days from Monday 16 March 2026: 17, 18, 19 March, then 31 March to 15 April.
    assert add_working_days(date(2026, 3, 16), 15) == date(2026, 4, 15)


def test_adding_working_days_skips_qurban_and_november():
    assert add_working_days(date(2026, 5, 26), 1) == date(2026, 6, 1)
    assert add_working_days(date(2026, 11, 6), 1) == date(2026, 11, 11)
    assert add_working_days(date(2026, 11, 6), 3) == date(2026, 11, 13)


def test_working_days_between():
    assert working_days_between(date(2026, 3, 16), date(2026, 4, 15)) == 15
    assert working_days_between(date(2026, 11, 6), date(2026, 11, 11)) == 1
    assert working_days_between(date(2026, 11, 11), date(2026, 11, 6)) == -1
    assert working_days_between(date(2026, 6, 1), date(2026, 6, 1)) == 0


def test_zero_days_is_the_same_day_and_negative_is_refused():
    assert add_working_days(date(2026, 3, 20), 0) == date(2026, 3, 20)
    with pytest.raises(ValueError):
        add_working_days(date(2026, 3, 20), -1)


def test_deadline_counts_from_the_baku_day():
    # 21:30 UTC on 19 March is already 20 March in Baku (UTC+4).
    moment = datetime(2026, 3, 19, 21, 30, tzinfo=UTC)
    assert local_date(moment) == date(2026, 3, 20)
    due = deadline(moment, 1)
    assert due.date() == date(2026, 3, 31) and (due.hour, due.minute) == (23, 59)
