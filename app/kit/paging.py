"""One pagination for every list: the ``Page`` a list returns, ``paginate()`` that fills it from a query, and
``page_number()`` that reads the page asked for from the query string."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, func, select

from app.extensions import db
from app.kit.forms import int_or_none

MAX_PER_PAGE = 100
MAX_PAGE = 100_000


@dataclass
class Page:
    """One page of a list and what pagination needs."""

    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def page_number(value) -> int:
    """A page number from the query string: 1 when missing or not a page (from 1 to 100,000)."""
    number = int_or_none(value)
    return number if number is not None and 1 <= number <= MAX_PAGE else 1


def paginate(query: Select, page: int, per_page: int, *, count: Select | None = None,
             wrap: Callable[[list], Sequence] | None = None, unique: bool = False, rows: bool = False,
             clamp_to_last: bool = False) -> Page:
    """One page of ``query`` (which carries its own ordering): the count and the page's rows, two statements
    whatever the page (plus those of ``selectinload`` options and of ``wrap``).

    - ``page`` is at least 1 and ``per_page`` within 1..``MAX_PER_PAGE``; with ``clamp_to_last`` a page past
      the end shows the last one instead of an empty list.
    - ``count`` is the statement that counts the rows (a plain ``count()`` with the same conditions is cheaper);
      without it the rows of ``query`` (its ordering dropped) are counted in a subquery.
    - The page's rows are fetched as scalars (``.unique()`` with ``unique``, needed when ``query`` joins a
      collection eagerly); with ``rows`` as whole result rows instead (a query selecting several columns).
    - ``wrap`` receives the whole list of rows and returns the items to show (summaries built with a
      constant number of statements, plain dicts for a cache...).
    """
    page = max(1, page)
    per_page = min(max(1, per_page), MAX_PER_PAGE)
    if count is None:
        count = select(func.count()).select_from(query.order_by(None).subquery())
    total = db.session.scalar(count) or 0
    if clamp_to_last:
        page = min(page, max(1, -(-total // per_page)))
    window = query.limit(per_page).offset((page - 1) * per_page)
    if rows:
        found = list(db.session.execute(window).all())
    else:
        result = db.session.scalars(window)
        found = list(result.unique().all() if unique else result.all())
    return Page(list(wrap(found)) if wrap is not None else found, total, page, per_page)
