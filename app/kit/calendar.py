"""The working-day calendar of the law on citizens' appeals.

A working day is Monday to Friday, except Azerbaijan's public holidays and the
rest days transferred from them ("observed" days), as the ``holidays`` package
lists them for country ``AZ``. Deadlines count working days after the start
day: registering on a Friday with 15 working days to answer, the first day
counted is the next working day.

On top of the package, administrators declare exceptions a government decision
makes (``CalendarException``): an extra rest day, or a working Saturday. There
is no cross-request cache of them: they are read once per application context
(one request, or one ``flask`` command) into ``flask.g``, so every process sees
a change on its next request, and ``forget_exceptions()`` drops the copy of the
context that made the change. The package's own holidays never change at run
time and stay cached per year.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from flask import g, has_app_context

BAKU = ZoneInfo("Asia/Baku")


@lru_cache(maxsize=64)
def _days_off(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("AZ", years=year, observed=True))


def is_holiday(day: date) -> bool:
    """Whether ``day`` is a public holiday or a rest day transferred from one (the ``holidays`` package)."""
    return day in _days_off(day.year)


def is_usual_working_day(day: date) -> bool:
    """Whether ``day`` works by the law alone: Monday to Friday, no holiday, before any declared exception."""
    return day.weekday() < 5 and not is_holiday(day)


def exceptions() -> dict[date, str]:
    """The declared exceptions, ``{day: "rest_day" | "working_day"}``, read once per application context."""
    if not has_app_context():
        return {}
    cached = g.get("calendar_exceptions")
    if cached is None:
        from app.extensions import db
        from app.models import CalendarException

        # No autoflush: callers compute a deadline in the middle of a change (a status set, its due date not yet),
        # and reading the calendar must not flush that half-made row into the database's checks.
        with db.session.no_autoflush:
            rows = db.session.execute(db.select(CalendarException.day, CalendarException.kind)).all()
        cached = g.calendar_exceptions = dict(rows)
    return cached


def forget_exceptions() -> None:
    """Drop this context's copy of the exceptions (after one is added or removed), and what was counted with it."""
    if has_app_context():
        g.pop("calendar_exceptions", None)
        g.pop("calendar_counts", None)


def counted_working_days(start: date, end: date) -> int:
    """``working_days_between`` remembered for this application context, for loops that count the same spans
    again and again (the accountability rebuild). Like the exceptions it depends on, the memory lasts one
    request or one command: a process-wide cache would go on counting by exceptions changed since."""
    if not has_app_context():
        return working_days_between(start, end)
    counts = g.setdefault("calendar_counts", {})
    key = (start, end)
    if key not in counts:
        counts[key] = working_days_between(start, end)
    return counts[key]


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day: a declared exception first, else a weekday that is no holiday."""
    return _works(day, exceptions())


def _works(day: date, declared: dict[date, str]) -> bool:
    kind = declared.get(day)
    if kind is not None:
        return kind == "working_day"
    return is_usual_working_day(day)


def add_working_days(start: date, count: int) -> date:
    """The day on which ``count`` working days after ``start`` have passed (``start`` not counted)."""
    if count < 0:
        raise ValueError("count must not be negative")
    # The exceptions are looked up once, not once a day: an inbox page counts a few hundred days for its rows.
    declared = exceptions()
    day = start
    while count:
        day += timedelta(days=1)
        if _works(day, declared):
            count -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """How many working days lie after ``start`` up to and including ``end`` (negative if ``end`` is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    declared = exceptions()
    days = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        days += _works(day, declared)
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
