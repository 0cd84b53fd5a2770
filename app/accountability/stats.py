"""Accountability figures: rollups kept as appeals change, the figures of a period, the service index.

Every step on an appeal's timeline goes through ``appeals._event``, which calls
``on_event`` here in the same transaction: the step's contribution is added to
the day row and the month row of its district and category. ``rebuild``
recomputes every row from the timeline with the same ``contribution``, so the
incremental rows and a rebuild agree by construction (a test drives random
histories to prove it).

A period's figures read whole months from month rows and the days at either
end from day rows, so a page costs the same whatever the number of appeals.
"Overdue now" reads the open appeals counted per deadline (``OpenDeadline``,
kept by the database's triggers), not the appeals.

The figure functions only read ``db.session``: the public pages, open data and
the supervisor's dashboard call them inside ``replica.reading()``, where that
session is the read replica's (app/replica.py). ``on_event``, ``rebuild`` and
``write_rows`` write, and always run on the primary: inside ``reading()`` the
session refuses them.
"""
from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache

from sqlalchemy import and_, bindparam, delete, func, insert, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.extensions import db
from app.kit.calendar import counted_working_days, local_date
from app.kit.reference import active_districts
from app.models import OPEN_STATUSES, Appeal, AppealEvent, utcnow
from app.models.stats import BUCKET_COLUMNS, COUNTERS, DAY_BUCKETS, AppealStat, OpenDeadline, bucket_for

SMALL = 5  # breakdown cells counting fewer appeals are suppressed (with complements: see ``hidden_cells``)
MIN_RATINGS = 5  # a mean rating over fewer ratings is never shown: with one rating it is that resident's rating
MIN_RANKED = 20  # districts with fewer answered appeals in the period are shown but not ranked
MAX_PERIOD_DAYS = 5 * 366
# The years a period may lie in. The calendar's ends cannot be counted in (a month after December 9999, midnight
# in Baku of 1 January 1 in UTC), and no appeal of the portal is dated outside these years.
FIRST_YEAR, LAST_YEAR = 2000, 2099
# The service index: the weights of its first version (in force from 2000-01-01, the four parts of issue 15; they
# sum to 100). Later versions are reference data (``index_weights``, ``weights_for``); this one is also what counts
# when that table holds no version in force (an empty database).
WEIGHTS = {"speed": 25, "on_time": 35, "satisfaction": 25, "openness": 15}
# Every part the index can weigh, in the order the pages show them: the appeals' four, then the ASAN criteria from
# the ratings and the front desk's waiting (issue 19). A part missing from a version weighs 0 in it.
PARTS = ("speed", "on_time", "satisfaction", "openness", "courtesy", "clarity", "outcome", "waiting")
ASAN_PARTS = ("courtesy", "clarity", "outcome", "waiting")
WEIGHTS_ALL = {name: WEIGHTS.get(name, 0) for name in PARTS}  # the first version with every part named
ALL_COLUMNS = COUNTERS + BUCKET_COLUMNS


# --- Contributions: what one timeline step adds ----------------------------------------------------


def _working_days(start: date, end: date) -> int:
    return max(0, counted_working_days(start, end))


# A resident's changed rating of an appeal (app/ratings/) is a step "rating_changed" whose note reads
# "OLD>NEW@YYYY-MM-DD": the overall mark before and after (0: none, when a dispute's new answer is rated afresh) and
# the local day the rating counts on (the day it was given), so that the change corrects that day's counters.
RATING_CHANGED = "rating_changed"


def rating_change_note(old: int | None, new: int | None, counted_on: date) -> str:
    """The note of a "rating_changed" step: the old and new overall marks and the day the rating counts on."""
    return f"{old or 0}>{new or 0}@{counted_on.isoformat()}"


def parse_rating_change(note: str | None) -> tuple[int, int, date] | None:
    """(old, new, counted_on) of a "rating_changed" note, None when it is not one."""
    try:
        marks, day = (note or "").split("@")
        old, new = (int(part) for part in marks.split(">"))
        return old, new, date.fromisoformat(day)
    except ValueError:
        return None


def counted_day(action: str, when: datetime, note: str | None = None) -> date:
    """The local day whose counters a step changes: its own day, or for a changed rating the day it was given."""
    if action == RATING_CHANGED and (change := parse_rating_change(note)) is not None:
        return change[2]
    return local_date(when)


def contribution(action: str, when: datetime, registered_at: datetime | None, due_at: datetime | None,
                 rating: int | None, note: str | None = None) -> dict[str, int]:
    """The counters one timeline step adds to its district, category and day (``counted_day``).

    ``rating`` is the overall mark a "rated" step gave; ``note`` is read for a "rating_changed" step only.
    """
    if action == "filed":
        return {"received": 1}
    if action == "registered":
        return {"registered": 1}
    if action == "answered":
        days = _working_days(local_date(registered_at or when), local_date(when))
        return {"answered": 1, "on_time": int(due_at is None or when <= due_at), bucket_for(days): 1}
    if action == "forwarded":
        return {"forwarded": 1}
    if action == "not_considered":
        return {"not_considered": 1}
    if action == "withdrawn":
        return {"withdrawn": 1}
    if action == "disputed":
        return {"reopened": 1}
    if action == "rated" and rating:
        return {"rating_count": 1, "rating_sum": rating, f"r{rating}": 1}
    if action == RATING_CHANGED and (change := parse_rating_change(note)) is not None:
        old, new, _day = change
        if old == new:
            return {}
        delta = {"rating_count": (new > 0) - (old > 0), "rating_sum": new - old}
        if old:
            delta[f"r{old}"] = -1
        if new:
            delta[f"r{new}"] = 1
        return {name: value for name, value in delta.items() if value}
    return {}


def _keys(district_id: int, category_id: int, day: date) -> list[tuple[str, date, int, int]]:
    return [("day", day, district_id, category_id), ("month", day.replace(day=1), district_id, category_id)]


def _upsert(key: tuple[str, date, int, int], delta: dict[str, int]) -> None:
    grain, period, district_id, category_id = key
    values = {"grain": grain, "period": period, "district_id": district_id, "category_id": category_id, **delta}
    maker = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = maker(AppealStat).values(**values)
    # ``excluded`` makes a new alias of the table at each access (a millisecond each): once per statement.
    excluded = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=["grain", "period", "district_id", "category_id"],
        set_={name: getattr(AppealStat, name) + excluded[name] for name in delta},
    )
    db.session.execute(statement)


def on_event(appeal: Appeal, event: AppealEvent) -> None:
    """Add a timeline step to the rollups, in the caller's transaction."""
    delta = contribution(event.action, event.created_at, appeal.registered_at, event.due_at, appeal.rating,
                         event.note)
    if not delta:
        return
    for key in _keys(appeal.district_id, appeal.category_id, counted_day(event.action, event.created_at, event.note)):
        _upsert(key, delta)


def _given_marks() -> dict[int, list[tuple[datetime, int, int]]]:
    """Per appeal whose rating was ever changed, its "rating_changed" steps in order: (when, id, old mark).

    A "rated" step gave the mark that the first change after it replaced (the appeal's current mark when none did).
    """
    changes: dict[int, list[tuple[datetime, int, int]]] = defaultdict(list)
    rows = db.session.execute(
        select(AppealEvent.appeal_id, AppealEvent.created_at, AppealEvent.id, AppealEvent.note)
        .where(AppealEvent.action == RATING_CHANGED).order_by(AppealEvent.created_at, AppealEvent.id))
    for appeal_id, created_at, event_id, note in rows:
        if (change := parse_rating_change(note)) is not None:
            changes[appeal_id].append((created_at, event_id, change[0]))
    return changes


def _mark_given(changes: dict[int, list[tuple[datetime, int, int]]], appeal_id: int, when: datetime, event_id: int,
                current: int | None) -> int | None:
    for changed_at, change_id, old in changes.get(appeal_id, ()):
        if (changed_at, change_id) > (when, event_id):
            return old
    return current


def rebuild(progress: Callable[[Iterable], Iterable] = iter) -> int:
    """Recompute every rollup row from the timeline; return how many rows were written.

    One transaction: interrupted, it leaves the previous rows as they were.
    """
    totals: dict[tuple[str, date, int, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    changes = _given_marks()
    rows = db.session.execute(
        select(AppealEvent.action, AppealEvent.created_at, AppealEvent.due_at, AppealEvent.note, AppealEvent.id,
               Appeal.id, Appeal.registered_at, Appeal.rating, Appeal.district_id, Appeal.category_id)
        .join(Appeal, Appeal.id == AppealEvent.appeal_id)
        .where(AppealEvent.action.in_(("filed", "registered", "answered", "forwarded", "not_considered",
                                       "withdrawn", "disputed", "rated", RATING_CHANGED)))
        .execution_options(yield_per=5_000)
    )
    for (action, created_at, due_at, note, event_id, appeal_id, registered_at, rating, district_id,
         category_id) in progress(rows):
        if action == "rated":
            rating = _mark_given(changes, appeal_id, created_at, event_id, rating)
        delta = contribution(action, created_at, registered_at, due_at, rating, note)
        for key in _keys(district_id, category_id, counted_day(action, created_at, note)):
            target = totals[key]
            for name, value in delta.items():
                target[name] += value
    return write_rows(totals)


def write_rows(totals: dict[tuple[str, date, int, int], dict[str, int]]) -> int:
    """Replace every rollup row with ``totals`` (used by the rebuild and by the benchmark's seeding)."""
    db.session.execute(delete(AppealStat))
    batch = []
    # Written in the order of their key, the order the pages read them in: a period's rows then lie together on
    # disk, as the rows a live portal writes day after day do (in the timeline's order, a mid-month period's 7,200
    # rows were spread over 3,900 of PostgreSQL's pages: 19 ms to read, 7 ms in order).
    for (grain, period, district_id, category_id), counters in sorted(totals.items()):
        batch.append({"grain": grain, "period": period, "district_id": district_id, "category_id": category_id,
                      **{name: counters.get(name, 0) for name in ALL_COLUMNS}})
        if len(batch) == 5_000:
            db.session.execute(insert(AppealStat), batch)
            batch = []
    if batch:
        db.session.execute(insert(AppealStat), batch)
    db.session.commit()
    return len(totals)


# --- Periods --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """An inclusive range of days in Baku."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))


class PeriodError(ValueError):
    """A period that cannot be shown; ``field`` is the parameter at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def default_period(today: date | None = None) -> Period:
    """The last twelve months: from the first day of the month eleven months ago until today."""
    today = today or local_date(utcnow())
    month, year = today.month - 11, today.year
    if month < 1:
        month, year = month + 12, year - 1
    return Period(date(year, month, 1), today)


def parse_period(start: str | None, end: str | None, today: date | None = None) -> Period:
    """The period asked for in ``from`` and ``to`` (ISO dates), or the default; ``PeriodError`` when wrong."""
    from flask_babel import gettext as _

    default = default_period(today)
    try:
        first = date.fromisoformat(start) if start else default.start
    except ValueError:
        raise PeriodError("from", _("Enter the start date as YYYY-MM-DD.")) from None
    try:
        last = date.fromisoformat(end) if end else default.end
    except ValueError:
        raise PeriodError("to", _("Enter the end date as YYYY-MM-DD.")) from None
    for name, day in (("from", first), ("to", last)):
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise PeriodError(name, _("Enter a date in the years %(first)s to %(last)s.", first=FIRST_YEAR,
                                      last=LAST_YEAR))
    if last < first:
        raise PeriodError("to", _("The period must end on or after the day it starts."))
    if (last - first).days + 1 > MAX_PERIOD_DAYS:
        raise PeriodError("from", _("Choose a period of at most 5 years."))
    return Period(first, last)


def _segments(period: Period) -> tuple[list[date], list[tuple[date, date]]]:
    """Whole months inside the period (their first days) and the leftover day ranges."""
    months: list[date] = []
    days: list[tuple[date, date]] = []
    cursor = period.start
    while cursor <= period.end:
        next_month = (cursor.replace(day=28) + timedelta(days=4)).replace(day=1)
        month_end = next_month - timedelta(days=1)
        if cursor.day == 1 and month_end <= period.end:
            months.append(cursor)
        else:
            days.append((cursor, min(month_end, period.end)))
        cursor = next_month
    return months, days


def _period_filter(period: Period):
    months, days = _segments(period)
    parts = []
    if months:
        parts.append(and_(AppealStat.grain == "month", AppealStat.period.in_(months)))
    for first, last in days:
        parts.append(and_(AppealStat.grain == "day", AppealStat.period.between(first, last)))
    return or_(*parts)


# --- Figures ------------------------------------------------------------------------------------------


@dataclass
class Figures:
    """The accountability figures of one district (or category, or month) over a period."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ALL_COLUMNS, 0))
    overdue_now: int | None = None
    # The ASAN parts of the index (``ASAN_PARTS``, each 0-1, None: no figure, counted as the middle), read from the
    # ratings and the front desk by ``grid``; and the weights in force at the period's end (None: ``WEIGHTS``).
    asan: dict[str, float | None] = field(default_factory=dict)
    weights: dict[str, int] | None = None

    def __getattr__(self, name: str) -> int:
        counts = self.__dict__.get("counts", {})
        if name in counts:
            return counts[name]
        raise AttributeError(name)

    @property
    def on_time_share(self) -> float | None:
        """Answers given by the deadline, as a share of all answers (0–1)."""
        return self.counts["on_time"] / self.counts["answered"] if self.counts["answered"] else None

    @property
    def satisfaction(self) -> float | None:
        """Mean rating, 1–5; None under ``MIN_RATINGS`` ratings (everywhere: pages, open data, exports, the index)."""
        count = self.counts["rating_count"]
        return self.counts["rating_sum"] / count if count >= MIN_RATINGS else None

    @property
    def response_rate(self) -> float | None:
        """Rated answers as a share of answers (0–1)."""
        return min(1.0, self.counts["rating_count"] / self.counts["answered"]) if self.counts["answered"] else None

    @property
    def ratings(self) -> list[int]:
        """How many ratings of 1, 2, 3, 4 and 5."""
        return [self.counts[f"r{n}"] for n in range(1, 6)]

    def percentile(self, share: float) -> int | None:
        """Working days to answer at ``share`` (0.5 = median) of the answers; buckets above 30 give their top."""
        total = sum(self.counts[c] for c in BUCKET_COLUMNS)
        if not total:
            return None
        rank, seen = share * total, 0
        for limit, column in zip(DAY_BUCKETS, BUCKET_COLUMNS, strict=True):
            seen += self.counts[column]
            if seen >= rank:
                return limit
        return DAY_BUCKETS[-1]

    @property
    def median_days(self) -> int | None:
        return self.percentile(0.5)

    @property
    def p90_days(self) -> int | None:
        return self.percentile(0.9)

    @property
    def openness(self) -> float | None:
        """Appeals the authority took up and answered rather than dismissed: answered / (answered + not considered)."""
        decided = self.counts["answered"] + self.counts["not_considered"]
        return self.counts["answered"] / decided if decided else None

    @property
    def ranked(self) -> bool:
        return self.counts["answered"] >= MIN_RANKED

    @property
    def index(self) -> float | None:
        """The service index 0–100: each part of ``all_parts`` times its weight in force (``weights_for``; without
        one, the first version ``WEIGHTS``); ``service.index_formula`` says it in words."""
        if not self.counts["answered"]:
            return None
        weights = self.weights or WEIGHTS
        parts = all_parts(self)
        return round(sum(weights.get(name, 0) * value for name, value in parts.items()), 1)

    def add(self, other: Figures) -> None:
        for name, value in other.counts.items():
            self.counts[name] += value


def index_parts(figures: Figures) -> dict[str, float]:
    """The four parts of the service index, each 0–1."""
    median = figures.median_days
    return {
        # 0 working days scores 1; the legal 15 or more scores 0.
        "speed": max(0.0, 1 - (median or 0) / 15) if median is not None else 0.0,
        "on_time": figures.on_time_share or 0.0,
        # A mean rating of 1 scores 0, of 5 scores 1; fewer than MIN_RATINGS ratings count as the middle.
        "satisfaction": (figures.satisfaction - 1) / 4 if figures.satisfaction is not None else 0.5,
        "openness": figures.openness if figures.openness is not None else 0.0,
    }


def all_parts(figures: Figures) -> dict[str, float]:
    """Every part of the service index (``PARTS``), each 0-1: the appeals' four (``index_parts``) and the ASAN ones.

    courtesy, clarity and outcome: the mean mark of that criterion, 1 scoring 0 and 5 scoring 1; waiting: the share
    of served front-desk tickets called within ``kpi.WAIT_LIMIT_MINUTES``. Each counts the middle (0.5) when there
    is no figure (fewer than ``MIN_RATINGS`` marks, no served ticket), as satisfaction does.
    """
    parts = index_parts(figures)
    for name in ASAN_PARTS:
        value = figures.asan.get(name)
        parts[name] = 0.5 if value is None else value
    return parts


def weights_for(day: date) -> dict[str, int]:
    """The index weights in force on ``day`` (the latest version effective on or before it), every part of
    ``PARTS`` present (0 when the version leaves it out). One statement."""
    from app.models.kpi import IndexWeights

    found = db.session.scalar(select(IndexWeights.weights).where(IndexWeights.effective_from <= day)
                              .order_by(IndexWeights.effective_from.desc()).limit(1))
    chosen = found or WEIGHTS
    return {name: int(chosen.get(name, 0)) for name in PARTS}


@cache
def _sum_columns() -> tuple:
    # Plain sums: every group has rows and no counter is NULL. A coalesce with a bound 0 per counter made the
    # statement long enough, with 49 parameters, that the driver parsed it afresh on every page. Built once: the
    # expressions are immutable, and 49 of them cost a page a few milliseconds to build again.
    return tuple(func.sum(getattr(AppealStat, name)).label(name) for name in ALL_COLUMNS)


def _figures_from(row) -> Figures:
    values = row._mapping
    return Figures(counts={name: int(values[name] or 0) for name in ALL_COLUMNS})


def by_district(period: Period, category_id: int | None = None, now: datetime | None = None) -> dict[int, Figures]:
    """Figures per district over ``period`` (optionally one category), with the appeals overdue now."""
    query = select(AppealStat.district_id, *_sum_columns()).where(_period_filter(period))
    if category_id is not None:
        query = query.where(AppealStat.category_id == category_id)
    result = {row.district_id: _figures_from(row) for row in db.session.execute(query.group_by(AppealStat.district_id))}
    for district_id, count in overdue_now(category_id=category_id, now=now).items():
        result.setdefault(district_id, Figures()).overdue_now = count
    for figures in result.values():
        if figures.overdue_now is None:
            figures.overdue_now = 0
    return result


TREND_COUNTERS = ("received", "answered", "on_time")


def by_month(period: Period, district_id: int | None = None) -> dict[date, Figures]:
    """Figures per calendar month (month rows), for trends: the counters of ``TREND_COUNTERS`` (the others 0)."""
    months = [m for m in _month_starts(period)]
    query = (select(AppealStat.period, *(func.sum(getattr(AppealStat, name)).label(name) for name in TREND_COUNTERS))
             .where(AppealStat.grain == "month", AppealStat.period.in_(months)))
    if district_id is not None:
        query = query.where(AppealStat.district_id == district_id)
    found = {}
    for row in db.session.execute(query.group_by(AppealStat.period)):
        figures = Figures()
        figures.counts.update({name: int(getattr(row, name) or 0) for name in TREND_COUNTERS})
        found[row.period] = figures
    return {month: found.get(month, Figures()) for month in months}


def _month_starts(period: Period) -> list[date]:
    months, cursor = [], period.start.replace(day=1)
    while cursor <= period.end:
        months.append(cursor)
        cursor = (cursor.replace(day=28) + timedelta(days=4)).replace(day=1)
    return months


def is_open():
    """SQL: the appeal is open. The statuses are written into the statement as constants, so that PostgreSQL can
    use the partial indexes of open appeals (``ix_appeals_open_district_category``, ``ix_appeals_open_district_due``)
    in a prepared statement's generic plan too."""
    return Appeal.status.in_(bindparam("open_statuses", OPEN_STATUSES, expanding=True, literal_execute=True))


def received(period: Period, district_id: int | None = None) -> dict[int, int]:
    """Appeals filed in the period per district, from the rollups (the same "received" the pages show): one
    statement over month and day rows, whatever the number of appeals."""
    query = select(AppealStat.district_id, func.coalesce(func.sum(AppealStat.received), 0)).where(_period_filter(period))
    if district_id is not None:
        query = query.where(AppealStat.district_id == district_id)
    return {owner: int(count) for owner, count in db.session.execute(query.group_by(AppealStat.district_id))}


def overdue_now(district_id: int | None = None, category_id: int | None = None, by: str = "district",
                now: datetime | None = None) -> dict[int, int]:
    """Open appeals past their deadline right now, per district (or per category of one district)."""
    key = OpenDeadline.district_id if by == "district" else OpenDeadline.category_id
    query = _overdue_by(key, now=now)
    if district_id is not None:
        query = query.where(OpenDeadline.district_id == district_id)
    if category_id is not None:
        query = query.where(OpenDeadline.category_id == category_id)
    return {owner: int(count) for owner, count in db.session.execute(query)}


def _overdue_by(*keys, now: datetime | None = None):
    """SQL: the open appeals past their deadline at ``now``, per ``keys``, from the counts per deadline
    (``OpenDeadline``, kept by the database): one row per deadline passed, whatever the number of overdue appeals."""
    return (select(*keys, func.sum(OpenDeadline.open_count))
            .where(OpenDeadline.due_at < (now or utcnow())).group_by(*keys))


def rebuild_open_deadlines() -> int:
    """Count the open appeals per district, category and deadline again (``OpenDeadline``), in the caller's
    transaction; return how many rows were written. The triggers keep these rows; this is for a database whose
    triggers were missing (a table rebuilt by hand) and for ``flask stats rebuild``."""
    db.session.execute(delete(OpenDeadline))
    counted = (select(Appeal.district_id, Appeal.category_id, Appeal.due_at, func.count())
               .where(is_open()).group_by(Appeal.district_id, Appeal.category_id, Appeal.due_at))
    db.session.execute(insert(OpenDeadline).from_select(
        ["district_id", "category_id", "due_at", "open_count"], counted))
    return db.session.scalar(select(func.count()).select_from(OpenDeadline))


def suppress(value: int | None) -> int | None:
    """A count for public breakdowns: None when it is between 1 and 4 (it could single a resident out)."""
    return None if value is not None and 0 < value < SMALL else value


# --- Small cells: one rule for every page, open-data answer and export ------------------------------------

# The key of a total in a grid: (district_id, TOTAL) is a district's total, (TOTAL, category_id) a category's
# national total, (TOTAL, TOTAL) the national total.
TOTAL = None
# The counters whose small values are hidden, with their threshold. Each figure shown is hidden with the counter
# it is computed from (``accountability.figure_row``): the answered count hides the on-time share, the median,
# the 90th percentile and the response rate; the number of ratings hides the mean rating.
GUARDED = {"received": SMALL, "answered": SMALL, "overdue_now": SMALL, "rating_count": MIN_RATINGS}
# Totals that are hidden when they are themselves small, and may be hidden as complements. Any other counter's
# district totals and national total are always shown: they are the authority's workload, name no category,
# and the month-by-month trends publish them anyway. A mean rating over 1–4 ratings is hidden at every level.
GUARDED_TOTALS = frozenset({"rating_count"})

Key = tuple[Hashable, Hashable]


def hidden_cells(values: Mapping[Key, int], rows: Sequence[Hashable], columns: Sequence[Hashable],
                 minimum: int, totals_too: bool = False, fixed: Collection[Key] = ()) -> set[Key]:
    """The cells of a table published with its totals that must be hidden so that no small count can be known.

    ``values`` holds the interior cells ``(row, column)`` and the totals ``(row, TOTAL)``, ``(TOTAL, column)``
    and ``(TOTAL, TOTAL)``; a missing key counts 0. ``fixed`` are entries shown whatever happens (published
    elsewhere). Primary suppression hides every interior cell from 1 to ``minimum - 1`` (and such totals when
    ``totals_too``). Complementary suppression then makes sure that no line (a row with its total, a column
    with its total, the row totals with the grand total, the column totals with the grand total) has exactly
    one hidden entry, since that one would be its total minus the others. It hides, in this order of
    preference: the grand total (along a line of totals); the smallest non-zero shown cell of the line,
    preferring one whose other line has a hidden entry already (fewer new hidden cells); the line's total; a
    zero cell of the line (a district whose few appeals are all of one category: its total is fixed, so the
    zero cells beside that category are hidden, or they would show where the appeals are). Repeated until every
    line is safe. The result depends on the numbers only, so every view that shows a cell hides the same ones.
    """
    def value(key: Key) -> int:
        return values.get(key, 0)

    keep = set(fixed)
    interior = [(r, c) for r in rows for c in columns]
    margins = [(r, TOTAL) for r in rows] + [(TOTAL, c) for c in columns] + [(TOTAL, TOTAL)]
    hidden = {key for key in interior if 0 < value(key) < minimum and key not in keep}
    if totals_too:
        hidden |= {key for key in margins if 0 < value(key) < minimum and key not in keep}
    # Each line: its entries other than the total, and the total. Every entry lies on two lines (a total on
    # the line it totals and on a line of totals), except the grand total, which ends both lines of totals.
    lines: list[tuple[list[Key], Key]] = (
        [([(r, c) for c in columns], (r, TOTAL)) for r in rows]
        + [([(r, c) for r in rows], (TOTAL, c)) for c in columns]
        + [([(r, TOTAL) for r in rows], (TOTAL, TOTAL)), ([(TOTAL, c) for c in columns], (TOTAL, TOTAL))]
    )
    on_lines: dict[Key, list[int]] = defaultdict(list)
    for number, (cells, line_total) in enumerate(lines):
        for key in (*cells, line_total):
            on_lines[key].append(number)

    def hidden_in(number: int) -> int:
        cells, line_total = lines[number]
        return sum(key in hidden for key in (*cells, line_total))

    def complement(number: int) -> Key | None:
        cells, line_total = lines[number]

        def cost(key: Key) -> tuple[int, int]:
            already = any(hidden_in(other) for other in on_lines[key] if other != number)
            return (0 if already else 1, value(key))

        free = [key for key in cells if key not in hidden and key not in keep]
        if line_total == (TOTAL, TOTAL) and line_total not in hidden and line_total not in keep:
            return line_total
        if nonzero := [key for key in free if value(key) > 0]:
            return min(nonzero, key=cost)
        if line_total not in hidden and line_total not in keep:
            return line_total
        return min(free, key=cost) if free else None

    changed = True
    while changed:
        changed = False
        for number in range(len(lines)):
            if hidden_in(number) == 1 and (key := complement(number)) is not None:
                hidden.add(key)
                changed = True
    return hidden


@dataclass
class Grid:
    """A period's figures per active district and category, with every total, and which counters are hidden."""

    figures: dict[Key, Figures]
    hidden: dict[Key, frozenset[str]]

    weights: dict[str, int] = field(default_factory=lambda: dict(WEIGHTS_ALL))
    asan: dict[Hashable, dict[str, float | None]] = field(default_factory=dict)
    # The active districts, in the page's order (``active_districts``): the rows of every table made from the grid.
    districts: list = field(default_factory=list)

    def at(self, district_id: int | None, category_id: int | None) -> Figures:
        """The figures of a cell or a total (``TOTAL`` for "every district" or "every category")."""
        found = self.figures.get((district_id, category_id))
        if found is None:
            found = Figures(overdue_now=0, weights=self.weights, asan=self.asan.get(district_id, {}))
        return found

    def hidden_at(self, district_id: int | None, category_id: int | None) -> frozenset[str]:
        """The counters (keys of ``GUARDED``) hidden in that cell or total."""
        return self.hidden.get((district_id, category_id), frozenset())


def rollup_cells(period: Period) -> dict[Key, list[int]]:
    """Every district × category's counters over ``period``, as lists in ``ALL_COLUMNS``' order: one statement over
    the month and day rows, whatever the number of appeals."""
    query = (select(AppealStat.district_id, AppealStat.category_id, *_sum_columns())
             .where(_period_filter(period)).group_by(AppealStat.district_id, AppealStat.category_id))
    return {(row[0], row[1]): [int(value or 0) for value in row[2:]] for row in db.session.execute(query)}


def received_in(cells: Mapping[Key, list[int]]) -> dict[int, int]:
    """Appeals received per district from ``rollup_cells``: what ``received`` reads, without reading it again."""
    column = ALL_COLUMNS.index("received")
    result: dict[int, int] = defaultdict(int)
    for (district_id, _category_id), values in cells.items():
        result[district_id] += values[column]
    return dict(result)


def grid(period: Period, now: datetime | None = None, asan: dict | None = None,
         districts: list | None = None, cells: Mapping[Key, list[int]] | None = None) -> Grid:
    """Every active district × category of ``period`` with its totals, and the cells every view must hide.

    The public pages, the open data and the supervisor's dashboard and exports all read their figures from
    here, so a cell hidden on one of them is hidden on all (the district page, the national list filtered by
    that category, their totals); see ``hidden_cells``. Each district's cells carry its ASAN parts of the index
    (ratings and front desk, ``kpi.asan_parts``) and every cell the weights in force at the period's end
    (``weights_for``). Seven statements whatever the number of appeals, five when the page has read the ASAN
    parts already (``asan``, from ``kpi.Report.asan_parts``); one fewer when it gives the active ``districts``, and
    one fewer when it gives the period's ``cells`` (``rollup_cells``, read already for the same page).
    """
    from app.accountability import kpi
    from app.models import Category

    districts = active_districts() if districts is None else districts
    district_ids = [d.id for d in districts]
    category_ids = list(db.session.scalars(select(Category.id).order_by(Category.position, Category.id)))
    active = set(district_ids)
    # Each cell's counters as a list in ALL_COLUMNS' order, and its appeals overdue now; the totals are added up
    # as lists (element by element, in C) before any Figures is made: 200 cells, three totals each, 49 counters.
    read = rollup_cells(period) if cells is None else cells
    cells = {key: values for key, values in read.items() if key[0] in active}
    late_now: dict[Key, int] = {}
    late = _overdue_by(OpenDeadline.district_id, OpenDeadline.category_id, now=now)
    for district_id, category_id, count in db.session.execute(late):
        if district_id in active:
            cells.setdefault((district_id, category_id), [0] * len(ALL_COLUMNS))
            late_now[(district_id, category_id)] = int(count)
    sums: dict[Key, list[int]] = dict(cells)
    overdue: dict[Key, int] = {key: late_now.get(key, 0) for key in cells}
    for (district_id, category_id), values in cells.items():
        for key in ((district_id, TOTAL), (TOTAL, category_id), (TOTAL, TOTAL)):
            found = sums.get(key)
            sums[key] = list(map(operator.add, found, values)) if found else list(values)
            overdue[key] = overdue.get(key, 0) + overdue[(district_id, category_id)]
    figures: dict[Key, Figures] = {key: Figures(counts=dict(zip(ALL_COLUMNS, values, strict=True)),
                                                overdue_now=overdue[key]) for key, values in sums.items()}
    weights = weights_for(period.end)
    asan = kpi.asan_parts(period) if asan is None else asan
    for (district_id, _category_id), item in figures.items():
        item.weights = weights
        # A category's cells and a district's total take the district's ASAN parts (the ratings of the front desk
        # and of e-services name no appeal category); the national totals take the country's.
        item.asan = asan.get(district_id, {})
    hidden: dict[Key, set[str]] = defaultdict(set)
    for counter, minimum in GUARDED.items():
        values = {key: (item.overdue_now or 0) if counter == "overdue_now" else item.counts[counter]
                  for key, item in figures.items()}
        guarded_totals = counter in GUARDED_TOTALS
        fixed = () if guarded_totals else [(d, TOTAL) for d in district_ids] + [(TOTAL, TOTAL)]
        for key in hidden_cells(values, district_ids, category_ids, minimum, guarded_totals, fixed):
            hidden[key].add(counter)
    return Grid(figures, {key: frozenset(names) for key, names in hidden.items()}, weights, asan, list(districts))


# The columns the national table can be sorted by (``accountability.national`` sorts by the values shown).
SORT_KEYS = ("name", "index", "received", "on_time", "median", "overdue", "satisfaction")


def overdue_list(district_id: int, category_id: int | None = None, now: datetime | None = None,
                 limit: int = 500) -> list[tuple[Appeal, int]]:
    """A district's overdue open appeals with their working days overdue; no personal data is loaded."""
    from sqlalchemy.orm import joinedload, load_only

    now = now or utcnow()
    query = (select(Appeal)
             .options(load_only(Appeal.id, Appeal.number, Appeal.category_id, Appeal.department_id, Appeal.due_at,
                                Appeal.status, Appeal.district_id),
                      joinedload(Appeal.category), joinedload(Appeal.department))
             .where(Appeal.district_id == district_id, is_open(), Appeal.due_at < now)
             .order_by(Appeal.due_at).limit(limit))
    if category_id is not None:
        query = query.where(Appeal.category_id == category_id)
    today = local_date(now)
    return [(appeal, _working_days(local_date(appeal.due_at), today)) for appeal in db.session.scalars(query)]


# --- Where the overdue share rises (the top of the supervisor's dashboard) ---------------------------------------


@dataclass(frozen=True)
class OverdueShareRise:
    """A district whose overdue share rose from last month to this month so far (shares 0–1)."""

    district_id: int
    last: float
    current: float
    answered_last: int
    answered_current: int

    @property
    def rise(self) -> float:
        """The rise in percentage points."""
        return (self.current - self.last) * 100


def overdue_share_rises(today: date | None = None, category_id: int | None = None, limit: int = 5,
                        minimum: int = SMALL) -> list[OverdueShareRise]:
    """The active districts whose overdue share rose most from last month to this month so far, largest rise first.

    A month's overdue share is the share of its answers given after the deadline ((answered − on time) / answered),
    read from the month rows of the rollups (this month's row holds the month so far): one statement whatever the
    number of appeals. A district with fewer than ``minimum`` answers in either month is left out: a share of two or
    three answers swings too much to compare (early in a month every district has few)."""
    from app.models import District

    today = today or local_date(utcnow())
    current = today.replace(day=1)
    last = (current - timedelta(days=1)).replace(day=1)
    query = (select(AppealStat.period, AppealStat.district_id, func.sum(AppealStat.answered),
                    func.sum(AppealStat.on_time))
             .where(AppealStat.grain == "month", AppealStat.period.in_((last, current)),
                    AppealStat.district_id.in_(select(District.id).where(District.active.is_(True)))))
    if category_id is not None:
        query = query.where(AppealStat.category_id == category_id)
    months: dict[int, dict[date, tuple[int, int]]] = defaultdict(dict)
    for period, district_id, answered, on_time in db.session.execute(
            query.group_by(AppealStat.period, AppealStat.district_id)):
        months[district_id][period] = (int(answered or 0), int(on_time or 0))
    rises = []
    for district_id, counts in months.items():
        (answered_last, on_time_last), (answered_now, on_time_now) = counts.get(last, (0, 0)), counts.get(current, (0, 0))
        if answered_last < minimum or answered_now < minimum:
            continue
        item = OverdueShareRise(district_id, (answered_last - on_time_last) / answered_last,
                                (answered_now - on_time_now) / answered_now, answered_last, answered_now)
        if item.current > item.last:
            rises.append(item)
    rises.sort(key=lambda item: (-item.rise, item.district_id))
    return rises[:limit]
