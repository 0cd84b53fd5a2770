"""What the Open311 API reads: the services (the active appeal categories) and the public appeals.

Only the appeals the portal already shows everyone are listed or readable (``appeals.queries.public_rule``, the
rule of the public list, in an active district); any other answers exactly like a number that does not exist.
A request's id (``service_request_id``) is the appeal's registration number, such as ``GNC-2026-000123``: what
residents know, quote and see on the public pages.

Every list runs a fixed number of statements whatever its length.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from app.appeals import queries as appeal_queries
from app.extensions import db
from app.kit.calendar import BAKU
from app.kit.errors import Invalid, NotFound
from app.models import OPEN_STATUSES, Appeal, AppealEvent, Category, Department, District, Open311Request, utcnow

# The standard's default window when no date is given, and the longest span a client may ask for.
WINDOW = timedelta(days=90)
# The most requests one answer lists (newest first), and the most ids one ``service_request_id`` may name.
MAX_REQUESTS = 200
MAX_CODES = 50
# Years a date filter may name: wide enough for any real question, narrow enough that a window never overflows.
YEARS = (1970, 2999)
STATUS_FILTERS = ("open", "closed")


# --- Jurisdictions and services -------------------------------------------------------------------------------


def jurisdiction(code: str | None) -> District | None:
    """The active district whose code is ``jurisdiction_id``; None when none was given; ``NotFound`` otherwise."""
    code = (code or "").strip()
    if not code:
        return None
    district = db.session.scalar(select(District).where(District.code == code.upper(), District.active.is_(True))) \
        if len(code) == 3 else None
    if district is None:
        raise NotFound("district")
    return district


def services() -> list[Category]:
    """The services: every active appeal category, in the categories' set order."""
    return list(db.session.scalars(select(Category).where(Category.active.is_(True))
                                   .order_by(Category.position, Category.code)))


def service(code: str) -> Category:
    """The active category whose code is ``code``, or ``NotFound``."""
    code = (code or "").strip().lower()
    category = db.session.scalar(select(Category).where(Category.code == code, Category.active.is_(True))) \
        if 0 < len(code) <= 40 else None
    if category is None:
        raise NotFound("service")
    return category


def groups(categories: list[Category], district: District | None) -> dict[int, Department]:
    """Each category's group: the department it goes to by default, the jurisdiction's when one is named (else the
    first district's that has one; every district has the same departments). One statement."""
    kinds = {c.default_department_kind for c in categories if c.default_department_kind}
    if not kinds:
        return {}
    query = select(Department).where(Department.kind.in_(kinds), Department.active.is_(True))
    if district is not None:
        query = query.where(Department.district_id == district.id)
    by_kind: dict[str, Department] = {}
    for department in db.session.scalars(query.order_by(Department.district_id, Department.id)):
        by_kind.setdefault(department.kind, department)
    return {c.id: by_kind[c.default_department_kind] for c in categories if c.default_department_kind in by_kind}


# --- Public appeals -----------------------------------------------------------------------------------------------


@dataclass
class PublicRequest:
    """A public appeal as the API shows it: the appeal (district and category loaded) and its public steps."""

    appeal: Appeal
    events: list[AppealEvent]


@dataclass
class RequestFilters:
    """The standard's filters of GET requests, checked: ids (which override the rest), services, the window of
    ``requested_datetime``, open/closed, and the jurisdiction."""

    ids: list[str] = field(default_factory=list)
    service_codes: list[str] = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None
    statuses: list[str] = field(default_factory=list)
    district: District | None = None


def _listed(raw: str) -> list[str]:
    """A comma-delimited parameter (possibly given several times, joined by the view) as its non-empty items."""
    return [item.strip() for item in (raw or "").split(",") if item.strip()]


def parse_moment(raw: str, end_of_day: bool = False) -> datetime:
    """A W3C date-time (``2026-01-01T00:00:00Z``, ``…+04:00``) or a date (``2026-01-01``, the day's start in Baku, or
    its end with ``end_of_day``); a time without an offset is Baku time. ``ValueError`` when it is none of these."""
    text = raw.strip()
    if len(text) > 40:
        raise ValueError(text)
    if len(text) == 10:
        day = date.fromisoformat(text)
        moment = datetime.combine(day, time.max if end_of_day else time.min, tzinfo=BAKU)
    else:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=BAKU)
    if not YEARS[0] <= moment.year <= YEARS[1]:
        raise ValueError(text)
    return moment


def read_filters(*, ids: str = "", service_codes: str = "", start_date: str = "", end_date: str = "",
                 status: str = "", district: District | None = None, now: datetime | None = None) -> RequestFilters:
    """The filters from the query's values, each checked; ``Invalid`` names every parameter that is wrong."""
    errors: dict[str | None, str] = {}
    filters = RequestFilters(district=district)
    filters.ids = [item.upper() for item in _listed(ids)]
    if len(filters.ids) > MAX_REQUESTS:
        errors["service_request_id"] = _("Ask for at most %(max)d requests at once.", max=MAX_REQUESTS)
    filters.service_codes = [item.lower() for item in _listed(service_codes)]
    if len(filters.service_codes) > MAX_CODES:
        errors["service_code"] = _("Ask for at most %(max)d services at once.", max=MAX_CODES)
    filters.statuses = [item.lower() for item in _listed(status)]
    if any(item not in STATUS_FILTERS for item in filters.statuses):
        errors["status"] = _("Use open, closed, or both separated by a comma.")
    moments: dict[str, datetime] = {}
    for name, raw in (("start_date", start_date), ("end_date", end_date)):
        if raw and raw.strip():
            try:
                moments[name] = parse_moment(raw, end_of_day=name == "end_date")
            except (ValueError, OverflowError, TypeError):
                errors[name] = _("Give a W3C date and time such as 2026-01-31T00:00:00+04:00, or a date such as "
                                 "2026-01-31.")
    if errors:
        raise Invalid(errors)
    now = now or utcnow()
    start, end = moments.get("start_date"), moments.get("end_date")
    if start is None and end is None:
        start, end = now - WINDOW, now
    elif start is None:
        start = end - WINDOW
    elif end is None:
        end = start + WINDOW
    if start > end:
        raise Invalid({"end_date": _("end_date comes before start_date.")})
    if end - start > WINDOW:
        raise Invalid({"end_date": _("The dates may span at most %(days)d days.", days=WINDOW.days)})
    filters.start, filters.end = start, end
    return filters


def _public() -> list:
    """The public list's rule, in an active district (``District`` joined)."""
    return [*appeal_queries.public_rule(), District.active.is_(True)]


def _load(conditions: list, limit: int) -> list[PublicRequest]:
    """The public appeals matching ``conditions``, newest first, with their public steps."""
    appeals = list(db.session.scalars(
        select(Appeal)
        .join(Appeal.district)
        .join(Appeal.category)
        .where(*_public(), *conditions)
        .options(contains_eager(Appeal.district), contains_eager(Appeal.category), selectinload(Appeal.events))
        .order_by(Appeal.created_at.desc(), Appeal.id.desc())
        .limit(limit)
    ).unique())
    return [PublicRequest(a, [e for e in a.events if e.public and e.action != "note"]) for a in appeals]


def public_requests(filters: RequestFilters) -> list[PublicRequest]:
    """The public appeals the filters ask for, newest first, at most ``MAX_REQUESTS``."""
    conditions = []
    if filters.district is not None:
        conditions.append(Appeal.district_id == filters.district.id)
    if filters.ids:
        # The standard: a list of ids overrides every other filter (the jurisdiction still scopes it).
        conditions.append(Appeal.number.in_(filters.ids))
        return _load(conditions, MAX_REQUESTS)
    if filters.service_codes:
        conditions.append(Category.code.in_(filters.service_codes))
    if set(filters.statuses) == {"open"}:
        conditions.append(Appeal.status.in_(OPEN_STATUSES))
    elif set(filters.statuses) == {"closed"}:
        conditions.append(Appeal.status.not_in(OPEN_STATUSES))
    conditions += [Appeal.created_at >= filters.start, Appeal.created_at <= filters.end]
    return _load(conditions, MAX_REQUESTS)


def public_request(number: str, district: District | None = None) -> PublicRequest:
    """One public appeal by its registration number; ``NotFound`` for one that does not exist, is not public, or
    is not in the jurisdiction named: the three answer alike."""
    number = (number or "").strip().upper()
    conditions = [Appeal.number == number]
    if district is not None:
        conditions.append(Appeal.district_id == district.id)
    found = _load(conditions, 1) if 0 < len(number) <= 20 else []
    if not found:
        raise NotFound("request")
    return found[0]


def number_for_token(token: str) -> str:
    """The registration number of the appeal filed with the server's ``token``; ``NotFound`` otherwise."""
    token = (token or "").strip()
    number = db.session.scalar(
        select(Appeal.number).join(Open311Request, Open311Request.appeal_id == Appeal.id)
        .where(Open311Request.token == token)
    ) if 0 < len(token) <= 32 else None
    if number is None:
        raise NotFound("token")
    return number

