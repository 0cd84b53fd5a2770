"""The working-day calendar of the law on citizens' appeals.

A working day is Monday to Friday, except Azerbaijan's public holidays and the
rest days transferred from them ("observed" days), as the ``holidays`` package
lists them for country ``AZ``. Deadlines count working days after the start
day: registering on a Friday with 15 working days to answer, the first day
counted is the next working day.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

BAKU = ZoneInfo("Asia/Baku")


@lru_cache(maxsize=64)
def _days_off(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("AZ", years=year, observed=True))


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day (a weekday that is no holiday or transferred rest day)."""
    return day.weekday() < 5 and day not in _days_off(day.year)


def add_working_days(start: date, count: int) -> date:
    """The day on which ``count`` working days after ``start`` have passed (``start`` not counted)."""
    if count < 0:
        raise ValueError("count must not be negative")
    day = start
    while count:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """How many working days lie after ``start`` up to and including ``end`` (negative if ``end`` is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    days = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        days += is_working_day(day)
    return days


def local_date(moment: datetime) -> date:
    """The calendar date in Baku of an aware timestamp."""
    return moment.astimezone(BAKU).date()


def end_of_day(day: date) -> datetime:
    """The last second of ``day`` in Baku, as an aware timestamp: a deadline on that day."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=BAKU)


def deadline(start: datetime, working_days: int) -> datetime:
    """The deadline ``working_days`` after the (Baku) day of ``start``: the end of that day."""
    return end_of_day(add_working_days(local_date(start), working_days))
