"""The four service KPIs and the ASAN figures, computed by the portal from its own records (issue 19).

- **Digital take-up**: appeals and e-service applications filed online (an appeal's ``source`` web or api, an
  application's ``source`` web) as a share of every transaction of the period: all appeals (those written down at
  the citizen reception too), all applications (those registered at the front desk too), and the front desk's
  served tickets that are no appeal or application of their own (a ticket that registered an application or
  checked in a reception booking is counted through that record, not twice).
- **Completion rate**: of the drafts started in the period (``drafts.created_at``) and finished one way or
  another, the share submitted: submitted ÷ (submitted + expired + discarded); drafts still open are left out.
- **Cost per transaction**: for each yearly cost an authority entered (``service_costs``), the amount ÷ the
  transactions of that subject in that district and year: appeals received, front-desk tickets served,
  applications of that e-service. A district's figure is its total cost ÷ the total transactions of the costed
  subjects. None when no cost is entered or there was no transaction.
- **User satisfaction**: the mean overall mark of every rating given in the period (answers, e-service results,
  served tickets) and the share of marks 4 and 5; None under ``stats.MIN_RATINGS`` ratings.

The ASAN figures: the mean of each mark (overall, speed, courtesy, clarity, outcome) per district or per service,
None under ``stats.MIN_RATINGS`` marks; the front desk's tickets, served, no-shows, mean and median waiting time.

The completion rate counts drafts with ``app.kit.drafts.completion_figures``. The marks and the front desk are read
here (``_marks``, ``_desk``) from the same tables and with the same definitions as ``app.ratings.queries.
criteria_figures`` and ``app.queue.queries.front_desk_figures``, for what those do not give: the sums behind the
means (a national figure adds the districts' sums, which a mean hidden under ``MIN_RATINGS`` would lose), the share
of marks 4 and 5, and the waits as a histogram of whole minutes (the median and the share called within
``WAIT_LIMIT_MINUTES`` from a few rows per district, where a list of every wait would grow with the tickets). Every
reader is one grouped statement whatever the number of records, so the pages' cost stays fixed. The appeals of a
period are not counted row by row: how many were filed is read from the rollups (``stats.received``, the pages'
"appeals received"), and only those not filed online are counted live, through their own small partial index.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import bindparam, case, func, literal_column, select

from app.accountability import stats
from app.extensions import db
from app.kit.calendar import BAKU
from app.kit.drafts import completion_figures
from app.models import Appeal, Service, ServiceApplication
from app.models.draft import DRAFT_STATUSES
from app.models.kpi import ServiceCost
from app.models.queue import QueueService, QueueTicket
from app.models.rating import MARKS, Rating

# A served ticket called within this many minutes of joining the queue counts as served without a long wait (the
# index's part "waiting"); ASAN's halls publish waits of around a quarter of an hour as their norm.
WAIT_LIMIT_MINUTES = 15
ONLINE_APPEAL_SOURCES = ("web", "api")
ONLINE_APPLICATION_SOURCES = ("web",)
NATIONAL = None  # the key of the whole country in every dict keyed by district


def _bounds(period: stats.Period) -> tuple[datetime, datetime]:
    """The period's first moment and the moment after its last (Baku days)."""
    return (datetime.combine(period.start, time.min, tzinfo=BAKU),
            datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=BAKU))


def _year(year: int) -> stats.Period:
    return stats.Period(date(year, 1, 1), date(year, 12, 31))


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# --- Ratings on the ASAN criteria --------------------------------------------------------------------------------


@dataclass
class Marks:
    """Ratings of one district (or service): how many, and per mark the sum and the number given."""

    count: int = 0
    high: int = 0  # overall marks of 4 or 5
    sums: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MARKS, 0))
    given: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MARKS, 0))

    def mean(self, mark: str) -> float | None:
        """The mean of ``mark`` (1-5), None under ``stats.MIN_RATINGS`` marks (one resident's mark is theirs)."""
        return self.sums[mark] / self.given[mark] if self.given[mark] >= stats.MIN_RATINGS else None

    @property
    def high_share(self) -> float | None:
        """Overall marks of 4 or 5 as a share of the ratings (0-1); None under ``stats.MIN_RATINGS`` ratings."""
        return self.high / self.count if self.count >= stats.MIN_RATINGS else None

    def part(self, mark: str) -> float | None:
        """A mark's mean as an index part: 1 scores 0, 5 scores 1."""
        mean = self.mean(mark)
        return None if mean is None else (mean - 1) / 4

    def add(self, other: Marks) -> None:
        self.count += other.count
        self.high += other.high
        for mark in MARKS:
            self.sums[mark] += other.sums[mark]
            self.given[mark] += other.given[mark]


SERVICE_KEY = (Rating.subject_kind, Rating.category_id, Rating.service_id, Rating.queue_service_id)


def _marks(period: stats.Period, district_id: int | None = None, by: str = "district") -> dict:
    """Ratings given in the period per district (``by="district"``) or, for one district, per service: the key is
    (kind, category_id, service_id, queue_service_id). One statement."""
    start, end = _bounds(period)
    keys = (Rating.district_id,) if by == "district" else SERVICE_KEY
    columns = [func.count(Rating.id), func.sum(case((Rating.overall >= 4, 1), else_=0))]
    for mark in MARKS:
        column = getattr(Rating, mark)
        columns += [func.coalesce(func.sum(column), 0), func.count(column)]
    query = select(*keys, *columns).where(Rating.rated_at >= start, Rating.rated_at < end)
    if district_id is not None:
        query = query.where(Rating.district_id == district_id)
    result: dict = {}
    for row in db.session.execute(query.group_by(*keys)):
        values = list(row)
        key = values[0] if by == "district" else tuple(values[:4])
        rest = values[len(keys):]
        item = Marks(count=int(rest[0]), high=int(rest[1] or 0))
        for index, mark in enumerate(MARKS):
            item.sums[mark] = int(rest[2 + 2 * index])
            item.given[mark] = int(rest[3 + 2 * index])
        result[key] = item
    return result


# --- The front desk ----------------------------------------------------------------------------------------------


@dataclass
class Desk:
    """Front-desk tickets of one district (or queue service) over a period, with a histogram of waits in minutes.

    ``tickets`` counts every ticket of the period's days but the cancelled ones (as ``app.queue.queries`` does)."""

    tickets: int = 0
    served: int = 0
    no_shows: int = 0
    served_quickly: int = 0  # served, called within WAIT_LIMIT_MINUTES
    served_waited: int = 0  # served with a recorded wait
    wait_sum: int = 0  # seconds, over every called ticket with a recorded wait
    wait_count: int = 0
    minutes: Counter = field(default_factory=Counter)  # whole minutes waited → tickets

    @property
    def mean_wait(self) -> float | None:
        """The mean wait from joining the queue to being called, in minutes."""
        return self.wait_sum / self.wait_count / 60 if self.wait_count else None

    @property
    def median_wait(self) -> int | None:
        """The median wait in whole minutes (the lower median of the minute histogram)."""
        if not self.wait_count:
            return None
        rank, seen = (self.wait_count + 1) // 2, 0
        for minute in sorted(self.minutes):
            seen += self.minutes[minute]
            if seen >= rank:
                return minute
        return None

    @property
    def no_show_share(self) -> float | None:
        """No-shows as a share of the tickets that ended served or unused (0-1)."""
        return _share(self.no_shows, self.served + self.no_shows)

    @property
    def quick_share(self) -> float | None:
        """Served tickets called within ``WAIT_LIMIT_MINUTES``, as a share of served tickets with a recorded wait."""
        return _share(self.served_quickly, self.served_waited)

    def add(self, other: Desk) -> None:
        for name in ("tickets", "served", "no_shows", "served_quickly", "served_waited", "wait_sum", "wait_count"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.minutes.update(other.minutes)


def _desk(period: stats.Period, district_id: int | None = None, by: str = "district") -> dict:
    """Tickets of the period's days per district (``by="district"``) or, for one district, per queue service.
    One statement: grouped by status and whole minute waited, so the median needs no row per ticket."""
    key = QueueTicket.district_id if by == "district" else QueueTicket.service_id
    minute = (QueueTicket.wait_seconds // 60).label("minute")
    quick = case((QueueTicket.wait_seconds <= WAIT_LIMIT_MINUTES * 60, 1), else_=0)
    query = (select(key, QueueTicket.status, minute, func.count(), func.coalesce(func.sum(QueueTicket.wait_seconds), 0),
                    func.coalesce(func.sum(quick), 0))
             .where(QueueTicket.day >= period.start, QueueTicket.day <= period.end, QueueTicket.status != "cancelled"))
    if district_id is not None:
        query = query.where(QueueTicket.district_id == district_id)
    result: dict = defaultdict(Desk)
    for owner, status, waited, count, seconds, quickly in db.session.execute(
            query.group_by(key, QueueTicket.status, minute)):
        item = result[owner]
        item.tickets += count
        if status == "served":
            item.served += count
        elif status == "no_show":
            item.no_shows += count
        if waited is not None:
            item.wait_sum += int(seconds)
            item.wait_count += count
            item.minutes[int(waited)] += count
            if status == "served":
                item.served_waited += count
                item.served_quickly += int(quickly)
    return dict(result)


# --- The index's ASAN parts --------------------------------------------------------------------------------------


def _national(items: dict, kind: type) -> object:
    total = kind()
    for item in items.values():
        total.add(item)
    return total


def asan_parts(period: stats.Period) -> dict[int | None, dict[str, float | None]]:
    """The index's ASAN parts per district and for the country (key ``NATIONAL``): courtesy, clarity, outcome
    (``Marks.part``) and waiting (``Desk.quick_share``); None where there is no figure. Two statements."""
    marks, desks = _marks(period), _desk(period)
    marks[NATIONAL] = _national(marks, Marks)
    desks[NATIONAL] = _national(desks, Desk)
    return _parts(marks, desks)


def _parts(marks: dict, desks: dict) -> dict[int | None, dict[str, float | None]]:
    """``asan_parts`` from the marks and desks per district, the country's (``NATIONAL``) among them."""
    result: dict[int | None, dict[str, float | None]] = {}
    for owner in set(marks) | set(desks):
        given, desk = marks.get(owner, Marks()), desks.get(owner, Desk())
        result[owner] = {"courtesy": given.part("courtesy"), "clarity": given.part("clarity"),
                         "outcome": given.part("outcome"), "waiting": desk.quick_share}
    return result


# --- The four KPIs -----------------------------------------------------------------------------------------------


@dataclass
class CostLine:
    """One entered cost of a year with its transactions."""

    subject: str
    service_id: int | None
    amount: Decimal
    transactions: int

    @property
    def per_transaction(self) -> Decimal | None:
        return (self.amount / self.transactions).quantize(Decimal("0.01")) if self.transactions else None


@dataclass
class Costs:
    """A district's (or the country's) entered costs of one year and their transactions."""

    year: int
    lines: list[CostLine] = field(default_factory=list)

    @property
    def amount(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))

    @property
    def transactions(self) -> int:
        return sum(line.transactions for line in self.lines)

    @property
    def per_transaction(self) -> Decimal | None:
        """Total cost ÷ total transactions of the costed subjects; None without a cost or a transaction."""
        if not self.lines or not self.transactions:
            return None
        return (self.amount / self.transactions).quantize(Decimal("0.01"))


@dataclass
class Kpis:
    """The four service KPIs of one district (or the country) over a period."""

    appeals: int = 0
    appeals_online: int = 0
    applications: int = 0
    applications_online: int = 0
    desk_visits: int = 0  # served tickets that are neither an application nor a reception booking
    drafts: Counter = field(default_factory=Counter)  # drafts started in the period, by status
    marks: Marks = field(default_factory=Marks)
    costs: Costs | None = None

    @property
    def transactions(self) -> int:
        return self.appeals + self.applications + self.desk_visits

    @property
    def online(self) -> int:
        return self.appeals_online + self.applications_online

    @property
    def digital_take_up(self) -> float | None:
        """Online appeals and applications ÷ every appeal, application and front-desk visit (0-1)."""
        return _share(self.online, self.transactions)

    @property
    def completion_rate(self) -> float | None:
        """Submitted ÷ (submitted + expired + discarded) of the drafts started in the period (0-1)."""
        ended = self.drafts["submitted"] + self.drafts["expired"] + self.drafts["discarded"]
        return _share(self.drafts["submitted"], ended)

    @property
    def cost_per_transaction(self) -> Decimal | None:
        """The cost per transaction of ``costs.year``."""
        return self.costs.per_transaction if self.costs else None

    @property
    def satisfaction(self) -> float | None:
        """The mean overall mark (1-5), None under ``stats.MIN_RATINGS`` ratings."""
        return self.marks.mean("overall")

    @property
    def satisfied_share(self) -> float | None:
        """Overall marks of 4 and 5 as a share of the ratings (0-1)."""
        return self.marks.high_share

    def add(self, other: Kpis) -> None:
        for name in ("appeals", "appeals_online", "applications", "applications_online", "desk_visits"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.drafts.update(other.drafts)
        self.marks.add(other.marks)
        if other.costs is not None:
            if self.costs is None:
                self.costs = Costs(other.costs.year)
            self.costs.lines += other.costs.lines


def _offline():
    """SQL: the appeal was not filed online (written down at the citizen reception). The sources are constants in the
    statement, as in the partial index ``ix_appeals_offline`` that PostgreSQL and SQLite use only for this very
    condition."""
    return Appeal.source.not_in(bindparam("online_sources", ONLINE_APPEAL_SOURCES, expanding=True,
                                          literal_execute=True))


def _by_district(query, district_id, column):
    if district_id is not None:
        query = query.where(column == district_id)
    return query


def costs(year: int, district_id: int | None = None) -> dict[int, Costs]:
    """Each district's entered costs of ``year`` with the transactions of their subjects. Four statements."""
    period = _year(year)
    start, end = _bounds(period)
    rows = db.session.scalars(_by_district(select(ServiceCost).where(ServiceCost.year == year), district_id,
                                           ServiceCost.district_id)).all()
    if not rows:
        return {}
    appeals = stats.received(period, district_id)
    served = dict(db.session.execute(_by_district(
        select(QueueTicket.district_id, func.count()).where(
            QueueTicket.day >= period.start, QueueTicket.day <= period.end, QueueTicket.status == "served"),
        district_id, QueueTicket.district_id).group_by(QueueTicket.district_id)).all())
    applications = {(d, s): n for d, s, n in db.session.execute(_by_district(
        select(ServiceApplication.district_id, ServiceApplication.service_id, func.count())
        .where(ServiceApplication.created_at >= start, ServiceApplication.created_at < end),
        district_id, ServiceApplication.district_id).group_by(ServiceApplication.district_id,
                                                              ServiceApplication.service_id))}
    result: dict[int, Costs] = {}
    for row in sorted(rows, key=lambda r: (r.subject, r.service_id or 0)):
        if row.subject == "appeals":
            transactions = appeals.get(row.district_id, 0)
        elif row.subject == "front_desk":
            transactions = served.get(row.district_id, 0)
        else:
            transactions = applications.get((row.district_id, row.service_id), 0)
        result.setdefault(row.district_id, Costs(year)).lines.append(
            CostLine(row.subject, row.service_id, Decimal(row.amount), int(transactions)))
    return result


def kpis(period: stats.Period, district_id: int | None = None, cost_year: int | None = None,
         marks: dict | None = None, received: dict[int, int] | None = None) -> dict:
    """The four KPIs per district over ``period`` and for the country (key ``NATIONAL``); the cost per transaction
    is that of ``cost_year`` (by default the year the period ends in). At most ten statements, one fewer each when
    the period's ``_marks`` per district and its appeals ``received`` per district are given (read already for the
    same page)."""
    start, end = _bounds(period)
    result: dict = defaultdict(Kpis)
    # Every appeal filed in the period from the rollups (a million appeals are not counted again per page), minus
    # those not filed online, counted live: few, through their partial index (migration 0031). Grouped by
    # ``district_id + 0``, the district in a form no index is ordered by: grouped by the column itself, SQLite
    # prefers reading every appeal of the period district by district from (district_id, created_at, id).
    owner = (Appeal.district_id + literal_column("0")).label("district_id")
    offline = dict(db.session.execute(_by_district(
        select(owner, func.count())
        .where(_offline(), Appeal.created_at >= start, Appeal.created_at < end), district_id, Appeal.district_id)
        .group_by(owner)).all())
    for owner, count in (stats.received(period, district_id) if received is None else received).items():
        result[owner].appeals, result[owner].appeals_online = count, count - offline.get(owner, 0)
    online_application = case((ServiceApplication.source.in_(ONLINE_APPLICATION_SOURCES), 1), else_=0)
    for owner, count, online in db.session.execute(_by_district(
            select(ServiceApplication.district_id, func.count(), func.coalesce(func.sum(online_application), 0))
            .where(ServiceApplication.created_at >= start, ServiceApplication.created_at < end),
            district_id, ServiceApplication.district_id).group_by(ServiceApplication.district_id)):
        result[owner].applications, result[owner].applications_online = count, int(online)
    for owner, count in db.session.execute(_by_district(
            select(QueueTicket.district_id, func.count())
            .where(QueueTicket.day >= period.start, QueueTicket.day <= period.end, QueueTicket.status == "served",
                   QueueTicket.application_id.is_(None), QueueTicket.reception_booking_id.is_(None)),
            district_id, QueueTicket.district_id).group_by(QueueTicket.district_id)):
        result[owner].desk_visits = count
    # Drafts saved before a district was chosen (key None there) count for the country only.
    unplaced = Counter()
    for owner, figures in completion_figures(period.start, period.end, district_id).items():
        counts = Counter({status: getattr(figures, status) for status in DRAFT_STATUSES})
        if owner is None:
            unplaced = counts
        else:
            result[owner].drafts = counts
    for owner, given in (_marks(period, district_id) if marks is None else marks).items():
        result[owner].marks = given
    for owner, entered in costs(cost_year or period.end.year, district_id).items():
        result[owner].costs = entered
    national = Kpis(drafts=unplaced)
    for item in result.values():
        national.add(item)
    result = dict(result)
    result[NATIONAL] = national
    return result


# --- What the pages show -----------------------------------------------------------------------------------------


def _pct(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def hidden_in_line(values: dict, total: int, minimum: int, total_guarded: bool,
                   total_hidden: bool = False) -> tuple[set, bool]:
    """The entries of one published line (the districts with the country's total, or a district's services with
    the district's) to hide so that no count under ``minimum`` can be worked out by subtraction, and whether the
    total is hidden: the rule of ``stats.hidden_cells`` on one line. Entries from 1 to ``minimum`` − 1 are hidden
    (and the total, when ``total_guarded`` and small, or ``total_hidden`` already); while exactly one entry of the
    line is hidden, the smallest non-zero shown entry is hidden too, else the total (when it may be), else a zero
    entry."""
    hidden = {key for key, value in values.items() if 0 < value < minimum}
    total_off = total_hidden or (total_guarded and 0 < total < minimum)
    while len(hidden) + total_off == 1:
        free = [key for key in values if key not in hidden]
        nonzero = [key for key in free if values[key] > 0]
        if nonzero:
            hidden.add(min(nonzero, key=lambda key: (values[key], str(key))))
        elif total_guarded and not total_off:
            total_off = True
        elif free:
            hidden.add(free[0])
        else:
            break
    return hidden, total_off


def hidden_marks(marks: dict, total: Marks, total_hidden: frozenset = frozenset()) -> tuple[dict, frozenset]:
    """Per entry of ``marks`` (districts, or a district's services) the marks whose mean must be hidden, and those
    of the total: a mean over fewer than ``stats.MIN_RATINGS`` marks, and the complements that would give one
    away (``hidden_in_line`` per mark). ``total_hidden``: marks of the total hidden already elsewhere."""
    per_entry: dict = defaultdict(set)
    total_off = set()
    for mark in MARKS:
        hidden, off = hidden_in_line({key: item.given[mark] for key, item in marks.items()}, total.given[mark],
                                     stats.MIN_RATINGS, True, mark in total_hidden)
        for key in hidden:
            per_entry[key].add(mark)
        if off:
            total_off.add(mark)
    return {key: frozenset(names) for key, names in per_entry.items()}, frozenset(total_off)


def hidden_desks(desks: dict, total: Desk) -> set:
    """The entries of ``desks`` whose figures must be hidden: tickets from 1 to 4, and the complements that would
    give them away beside the total (always shown, like an authority's appeals)."""
    hidden, _off = hidden_in_line({key: item.tickets for key, item in desks.items()}, total.tickets, stats.SMALL,
                                  False)
    return hidden


def marks_row(marks: Marks | None, hidden: frozenset = frozenset()) -> dict:
    """The means of every mark (None under ``stats.MIN_RATINGS`` marks, or in ``hidden``), and the number of
    ratings (None from 1 to 4, or when the overall mark is hidden)."""
    marks = marks or Marks()
    count = marks.count if marks.count == 0 or marks.count >= stats.MIN_RATINGS else None
    return {"ratings": None if "overall" in hidden else count,
            **{mark: None if mark in hidden else _round(marks.mean(mark)) for mark in MARKS}}


def desk_row(desk: Desk | None, public: bool = True, hidden: bool = False) -> dict:
    """A front desk's figures: tickets, served, no-shows, the no-show share, mean and median wait (minutes).

    In public, counts of 1-4 are hidden, and so are the shares and waits computed from fewer than
    ``stats.SMALL`` tickets (they would be one resident's visit); ``hidden``: every figure (a complement)."""
    if hidden:
        return dict.fromkeys(("tickets", "served", "no_shows", "no_show_pct", "mean_wait_minutes",
                              "median_wait_minutes", "called_within_limit_pct"))
    desk = desk or Desk()
    few = public and 0 < desk.served + desk.no_shows < stats.SMALL
    hide = stats.suppress if public else (lambda value: value)
    return {
        "tickets": hide(desk.tickets), "served": hide(desk.served), "no_shows": hide(desk.no_shows),
        "no_show_pct": None if few else _pct(desk.no_show_share),
        "mean_wait_minutes": None if public and 0 < desk.wait_count < stats.SMALL else _round(desk.mean_wait, 1),
        "median_wait_minutes": None if public and 0 < desk.wait_count < stats.SMALL else desk.median_wait,
        "called_within_limit_pct": None if public and 0 < desk.served_waited < stats.SMALL else _pct(desk.quick_share),
    }


def kpi_row(item: Kpis | None) -> dict:
    """The four KPIs as shown: per cent, manat, mean mark."""
    item = item or Kpis()
    per = item.cost_per_transaction
    return {
        "digital_take_up_pct": _pct(item.digital_take_up),
        "completion_rate_pct": _pct(item.completion_rate),
        "cost_per_transaction": None if per is None else float(per),
        "satisfaction": _round(item.satisfaction),
        "satisfied_pct": _pct(item.satisfied_share),
    }


@dataclass
class Report:
    """The ASAN figures and KPIs of the districts over a period, with what must be hidden."""

    cost_year: int
    marks: dict
    desks: dict
    kpis: dict
    hidden_marks: dict  # district (or NATIONAL) → the marks whose mean is hidden
    hidden_desks: set  # districts whose front-desk figures are hidden
    # The active districts the report was made for, in the page's order (``service.report``), when it knows them.
    districts: list = field(default_factory=list)

    def marks_row(self, owner) -> dict:
        return marks_row(self.marks.get(owner), self.hidden_marks.get(owner, frozenset()))

    def desk_row(self, owner) -> dict:
        return desk_row(self.desks.get(owner), hidden=owner in self.hidden_desks)

    def asan_parts(self) -> dict[int | None, dict[str, float | None]]:
        """``asan_parts`` of the report's period, from what the report read (for ``stats.grid``: no second read)."""
        return _parts(self.marks, self.desks)


def national_report(period: stats.Period, active: Collection[int] | None = None,
                    received: dict[int, int] | None = None) -> Report:
    """Per district and for the country: the marks, the front desk and the four KPIs. ``active``: the districts
    shown (the lines whose complements are hidden); by default every district with figures. ``received``: the
    period's appeals per district when the page has read them (``stats.received_in``)."""
    marks, desks = _marks(period), _desk(period)
    figures = kpis(period, marks=dict(marks), received=received)
    national_marks, national_desk = _national(marks, Marks), _national(desks, Desk)
    shown = set(marks) | set(desks) if active is None else set(active)
    per_district, national_off = hidden_marks({key: marks.get(key, Marks()) for key in shown}, national_marks)
    hidden = {**per_district, NATIONAL: national_off}
    hidden_desk = hidden_desks({key: desks.get(key, Desk()) for key in shown}, national_desk)
    marks[NATIONAL], desks[NATIONAL] = national_marks, national_desk
    return Report(period.end.year, marks, desks, figures, hidden, hidden_desk)


def district_services(period: stats.Period, district_id: int, lang: str,
                      total_hidden: frozenset = frozenset()) -> tuple[list[dict], list[dict]]:
    """A district's marks per service (appeal categories, e-services, front-desk services: ``{"title", "kind",
    "marks"}``) and its front desk per queue service (``{"title", "desk"}``); only services with a rating or a
    ticket in the period are listed. Small cells and their complements are hidden along the line of the
    district's services and its total (``total_hidden``: the total's marks hidden on the national line)."""
    from app.models import Category

    by_service = _marks(period, district_id, by="service")
    merged: dict[tuple[str, int], Marks] = defaultdict(Marks)
    for (_kind, category_id, service_id, queue_service_id), item in by_service.items():
        if queue_service_id is not None:
            merged[("front_desk", queue_service_id)].add(item)
        elif service_id is not None:
            merged[("eservice", service_id)].add(item)
        elif category_id is not None:
            merged[("category", category_id)].add(item)
    desks = _desk(period, district_id, by="service")
    queue_ids = {key for kind, key in merged if kind == "front_desk"} | set(desks)
    titles: dict[tuple[str, int], str] = {}
    categories = [key for kind, key in merged if kind == "category"]
    if categories:
        for category in db.session.scalars(select(Category).where(Category.id.in_(categories))):
            titles[("category", category.id)] = category.text_in("name", lang)
    services = [key for kind, key in merged if kind == "eservice"]
    if services:
        for service in db.session.scalars(select(Service).where(Service.id.in_(services))):
            titles[("eservice", service.id)] = service.text_in("title", lang)
    if queue_ids:
        for queue in db.session.scalars(select(QueueService).where(QueueService.id.in_(queue_ids))):
            titles[("front_desk", queue.id)] = queue.text_in("title", lang)
    order = {"category": 0, "eservice": 1, "front_desk": 2}
    hidden, _total_off = hidden_marks(dict(merged), _national(by_service, Marks), total_hidden)
    hidden_desk = hidden_desks(desks, _national(desks, Desk))
    marks_rows = [{"kind": kind, "id": key, "title": titles.get((kind, key), ""),
                   "marks": marks_row(item, hidden.get((kind, key), frozenset()))}
                  for (kind, key), item in sorted(merged.items(), key=lambda pair: (order[pair[0][0]],
                                                                                     titles.get(pair[0], "")))]
    desk_rows = [{"id": key, "title": titles.get(("front_desk", key), ""),
                  "desk": desk_row(item, hidden=key in hidden_desk)}
                 for key, item in sorted(desks.items(), key=lambda pair: titles.get(("front_desk", pair[0]), ""))]
    return marks_rows, desk_rows


def cost_years(period: stats.Period) -> list[int]:
    """The years a period touches, latest first (the cost per transaction is yearly)."""
    return list(range(period.end.year, period.start.year - 1, -1))
