"""Reading ratings: the figures per district and service on the ASAN criteria, and the resident's own ratings.

Nobody but the resident who gave a rating ever reads it one by one: staff and the public see only the figures
of ``criteria_figures``, where a mean over fewer than ``MIN_RATINGS`` answers is never given (with one answer it
would be that resident's mark).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from app.accountability.stats import MIN_RATINGS
from app.extensions import db
from app.kit.calendar import BAKU
from app.models import CRITERIA, MARKS, Rating

BY = ("district", "service")
# The column naming the service of each kind of rated thing: an appeal's category, an e-service, a queue service.
SERVICE_COLUMNS = {"appeal": "category_id", "application": "service_id", "ticket": "queue_service_id"}


@dataclass(frozen=True)
class CriteriaFigures:
    """The ratings of one district (or one service of a district) over a period.

    ``count`` is the number of ratings (every rating has an overall mark); ``answers`` how many answered each mark
    (the criteria are optional); ``means`` the mean of each mark, 1–5, or None when fewer than ``MIN_RATINGS``
    answered it.
    """

    count: int
    answers: dict[str, int] = field(default_factory=dict)
    means: dict[str, float | None] = field(default_factory=dict)

    @property
    def overall(self) -> float | None:
        """The mean overall mark, or None under ``MIN_RATINGS`` ratings."""
        return self.means.get("overall")

    def mean(self, mark: str) -> float | None:
        """The mean of ``mark`` (one of ``MARKS``), or None under ``MIN_RATINGS`` answers."""
        return self.means.get(mark)


def utc_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The moments a period of local (Baku) days begins and ends: [start 00:00, the day after end 00:00)."""
    return (datetime.combine(start, datetime.min.time(), tzinfo=BAKU),
            datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=BAKU))


def _figures(sums: dict[str, tuple[int, int]]) -> CriteriaFigures:
    answers = {mark: count for mark, (count, _total) in sums.items()}
    means = {mark: (total / count if count >= MIN_RATINGS else None) for mark, (count, total) in sums.items()}
    return CriteriaFigures(count=answers["overall"], answers=answers, means=means)


def criteria_figures(start: date, end: date, district_id: int | None = None,
                     by: str = "district") -> dict:
    """The figures on the ASAN criteria of the ratings given from ``start`` to ``end`` (local days, inclusive).

    ``by="district"``: ``{district_id: CriteriaFigures}``. ``by="service"``: ``{(district_id, service_key):
    CriteriaFigures}`` where ``service_key`` is ``(kind, id)``: ``("appeal", category_id)``, ``("application",
    service_id)`` (an e-service) or ``("ticket", queue_service_id)`` (a front-desk service). ``district_id``
    keeps one district. A rating counts in the period it was first given (``rated_at``; a change keeps it
    there). Each mean is None under ``MIN_RATINGS`` answers for that mark; ``count`` is given as is (it says
    how many rated, not how). A caller showing a district's figures beside its services' must still hide the
    complements (``app.accountability.stats.hidden_cells``), or a hidden mean could be worked out from the others.
    One statement whatever the number of ratings; reads ``db.session`` only (the replica inside
    ``replica.reading()``).
    """
    if by not in BY:
        raise ValueError(f"by must be one of {BY}, not {by!r}")
    first, after = utc_bounds(start, end)
    columns = []
    for mark in MARKS:
        column = getattr(Rating, mark)
        columns += [func.count(column).label(f"{mark}_n"), func.coalesce(func.sum(column), 0).label(f"{mark}_sum")]
    keys = [Rating.district_id]
    if by == "service":
        keys += [Rating.subject_kind, Rating.category_id, Rating.service_id, Rating.queue_service_id]
    query = select(*keys, *columns).where(Rating.rated_at >= first, Rating.rated_at < after)
    if district_id is not None:
        query = query.where(Rating.district_id == district_id)
    totals: dict = {}
    for row in db.session.execute(query.group_by(*keys)):
        if by == "district":
            key = row.district_id
        else:
            key = (row.district_id, (row.subject_kind, getattr(row, SERVICE_COLUMNS[row.subject_kind])))
        sums = totals.setdefault(key, {mark: [0, 0] for mark in MARKS})
        for mark in MARKS:
            sums[mark][0] += int(getattr(row, f"{mark}_n"))
            sums[mark][1] += int(getattr(row, f"{mark}_sum"))
    return {key: _figures({mark: tuple(value) for mark, value in sums.items()}) for key, sums in totals.items()}


__all__ = ["BY", "CRITERIA", "CriteriaFigures", "criteria_figures", "utc_bounds"]


# --- The resident's own ratings (the cabinet) --------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One thing on the resident's list: what it is (``record``: the appeal, application or ticket), their rating
    (None: awaiting it) and until when it may be given or changed (``open``: still now)."""

    kind: str
    record: object
    rating: object
    until: datetime | None
    open: bool


@dataclass(frozen=True)
class Mine:
    """The resident's ratings page: what awaits their rating (the newest first) and what they rated."""

    awaiting: list[Entry]
    rated: list[Entry]


LIST_LIMIT = 200


def mine(citizen, now: datetime | None = None) -> Mine:
    """What ``citizen`` rated and what awaits their rating (answered appeals, decided applications, served tickets
    still inside their time for rating). A fixed number of statements whatever the number of ratings."""
    from sqlalchemy import and_, or_
    from sqlalchemy.orm import joinedload

    from app.appeals.service import DISPUTE_CALENDAR_DAYS
    from app.models import Appeal, QueueTicket, ServiceApplication, utcnow
    from app.ratings.service import ADAPTERS, TICKET_DAYS

    now = now or utcnow()
    ratings = list(db.session.scalars(select(Rating).where(Rating.citizen_id == citizen.id)
                                      .order_by(Rating.rated_at.desc(), Rating.id.desc()).limit(LIST_LIMIT)))
    rated_ids = {kind: [r.subject_id for r in ratings if r.subject_kind == kind] for kind in SERVICE_COLUMNS}
    cutoff = now - timedelta(days=DISPUTE_CALENDAR_DAYS)
    models = {
        "appeal": (Appeal, (), and_(Appeal.status.in_(("answered", "closed")), Appeal.answered_at >= cutoff)),
        "application": (ServiceApplication, (joinedload(ServiceApplication.service),), or_(
            and_(ServiceApplication.status == "issued", ServiceApplication.issued_at >= cutoff),
            and_(ServiceApplication.status == "refused", ServiceApplication.decided_at >= cutoff))),
        "ticket": (QueueTicket, (joinedload(QueueTicket.service),), and_(
            QueueTicket.status == "served", QueueTicket.served_at >= now - timedelta(days=TICKET_DAYS))),
    }
    records: dict[tuple[str, int], object] = {}
    for kind, (model, options, ratable) in models.items():
        # The records rated and the ones awaiting a rating, in one statement per kind.
        wanted = or_(model.id.in_(rated_ids[kind]), ratable) if rated_ids[kind] else ratable
        for record in db.session.scalars(select(model).where(model.citizen_id == citizen.id, wanted)
                                         .options(*options).limit(2 * LIST_LIMIT)):
            records[(kind, record.id)] = record

    def entry(kind: str, record, rating) -> Entry:
        subject = ADAPTERS[kind].subject(record)
        until = subject.until
        return Entry(kind, record, rating, until, bool(until and subject.not_yet is None and now <= until))

    given = {(r.subject_kind, r.subject_id): r for r in ratings}
    rated = [entry(r.subject_kind, records[(r.subject_kind, r.subject_id)], r) for r in ratings
             if (r.subject_kind, r.subject_id) in records]
    awaiting = [entry(kind, record, None) for (kind, record_id), record in records.items()
                if (kind, record_id) not in given]
    awaiting = [item for item in awaiting if item.open]
    awaiting.sort(key=lambda item: item.until, reverse=True)
    return Mine(awaiting, rated)
