"""Reading a report's query parameters (period, category, sort, format), shared by the pages, exports and API."""
from __future__ import annotations

from dataclasses import dataclass

from flask import request
from flask_babel import gettext as _
from sqlalchemy import select

from app.accountability import stats
from app.accountability.service import EXPORTS
from app.extensions import db
from app.kit.forms import int_or_none
from app.models import Category


class BadParameter(ValueError):
    """A query parameter that cannot be used; ``field`` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass
class ReportQuery:
    """What a report was asked for."""

    period: stats.Period
    category_id: int | None
    sort: str
    descending: bool
    export: str | None

    def args(self, **changes) -> dict:
        """The query string of this report, with changes (for links)."""
        values = {"from": self.period.start.isoformat(), "to": self.period.end.isoformat(),
                  "category": self.category_id or None, "sort": self.sort, "dir": "desc" if self.descending else "asc"}
        values.update(changes)
        return {k: v for k, v in values.items() if v is not None}


def read_query(exports: bool = True) -> ReportQuery:
    """The report query of the current request; ``BadParameter`` when a value cannot be used.

    ``exports=False`` (the open data, which answers JSON only) leaves ``format`` unread: it is no parameter there.
    """
    args = request.args
    try:
        period = stats.parse_period(args.get("from"), args.get("to"))
    except stats.PeriodError as error:
        raise BadParameter(error.field, str(error)) from None
    category_id = None
    if args.get("category"):
        category_id = int_or_none(args["category"])
        if category_id is None or db.session.get(Category, category_id) is None:
            raise BadParameter("category", _("Choose one of the listed categories."))
    export = (args.get("format") or None) if exports else None
    if export is not None and export not in EXPORTS:
        raise BadParameter("format", _("Exports are available as CSV or XLSX."))
    sort = args.get("sort", "index")
    if sort not in stats.SORT_KEYS:
        sort = "index"
    default_desc = sort not in ("name", "median", "overdue")
    descending = {"asc": False, "desc": True}.get(args.get("dir", ""), default_desc)
    return ReportQuery(period, category_id, sort, descending, export)


def categories() -> list[Category]:
    """The categories offered in the report filters."""
    return list(db.session.scalars(select(Category).order_by(Category.position)))
