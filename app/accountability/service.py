"""Accountability reports: the national table, a district's page, the supervisor's drill-down, their exports.

Every report is a list of plain rows (dicts of numbers and names), so the HTML
pages, the CSV and XLSX exports and the open-data JSON all show the same
numbers. Every report hides the same small cells (``stats.grid``, ``stats.hidden_cells``).

Everything here only reads ``db.session``; the views call it inside
``replica.reading()``, so it reads the read replica when there is one.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.accountability import stats
from app.extensions import db
from app.kit.calendar import BAKU
from app.kit.i18n import collation_key, current_lang, fmt_date, fmt_month, tr
from app.kit.reference import active_districts
from app.kit.spreadsheets import safe_cell
from app.models import Category, District, ReceptionBooking, ReceptionSession, Service, utcnow

# The service index's parts as the formula names them, and what each is (shown under the formula).
PART_NAMES = {
    "speed": _l("speed"), "on_time": _l("answered on time"), "satisfaction": _l("satisfaction"),
    "openness": _l("openness"), "courtesy": _l("courtesy"), "clarity": _l("clarity"), "outcome": _l("outcome"),
    "waiting": _l("waiting"),
}
PART_LABELS = {
    "speed": _l("Speed"), "on_time": _l("Answered on time"), "satisfaction": _l("Satisfaction"),
    "openness": _l("Openness"), "courtesy": _l("Courtesy"), "clarity": _l("Clarity of the answer"),
    "outcome": _l("Outcome of the matter"), "waiting": _l("Waiting at the front desk"),
}
PART_DEFINITIONS = {
    "speed": _l("speed = 1 − median working days to answer ÷ 15 (at least 0)"),
    "on_time": _l("answered on time = the share of answers given by their deadline"),
    "satisfaction": _l("satisfaction = (mean rating of the answers − 1) ÷ 4 (0.5 while there are fewer than "
                       "5 ratings)"),
    "openness": _l("openness = answered ÷ (answered + not considered)"),
    "courtesy": _l("courtesy = (mean courtesy mark − 1) ÷ 4 (0.5 while there are fewer than 5 marks)"),
    "clarity": _l("clarity = (mean mark for the clarity of the answer − 1) ÷ 4 (0.5 while there are fewer than "
                  "5 marks)"),
    "outcome": _l("outcome = (mean outcome mark − 1) ÷ 4 (0.5 while there are fewer than 5 marks)"),
    "waiting": _l("waiting = the share of served front-desk tickets called within 15 minutes (0.5 while no "
                  "ticket was served)"),
}


def index_formula(weights: dict[str, int]) -> str:
    """The service index's formula with the weights in force (parts weighing 0 left out), and what each part is."""
    from flask_babel import gettext as _

    used = [name for name in stats.PARTS if weights.get(name)]
    terms = " + ".join(f"{weights[name]} × {PART_NAMES[name]}" for name in used)
    definitions = "; ".join(str(PART_DEFINITIONS[name]) for name in used)
    return _("Service index = %(terms)s, where %(definitions)s. Districts with fewer than 20 answers in the period "
             "are shown but not ranked.", terms=terms, definitions=definitions)


# Column keys of the district table, with their headings (the same in HTML, CSV, XLSX and JSON).
DISTRICT_COLUMNS = [
    ("rank", _l("Rank")),
    ("district", _l("District")),
    ("received", _l("Appeals received")),
    ("answered", _l("Answered")),
    ("on_time_pct", _l("Answered on time, per cent")),
    ("median_days", _l("Median working days to answer")),
    ("p90_days", _l("90th percentile, working days")),
    ("overdue_now", _l("Overdue now")),
    ("satisfaction", _l("Satisfaction (1–5)")),
    ("response_rate_pct", _l("Rated answers, per cent")),
    ("index", _l("Service index")),
]
CATEGORY_COLUMNS = [("category", _l("Category"))] + DISTRICT_COLUMNS[2:10]
OVERDUE_COLUMNS = [("number", _l("Number")), ("category", _l("Category")), ("department", _l("Department")),
                   ("due", _l("Deadline")), ("days_overdue", _l("Working days overdue"))]


def _pct(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def figure_row(figures: stats.Figures, hidden: Collection[str] = ()) -> dict:
    """The numbers of one row, without those computed from a hidden counter (None: "—" on pages, null in JSON).

    ``hidden`` names counters of ``stats.GUARDED`` (from ``stats.Grid.hidden_at``): every page, open-data
    answer and export takes its rows from here, so that a cell hidden in one view is hidden in all of them.
    """
    def shown(counter: str, value):
        return None if counter in hidden else value

    return {
        "received": shown("received", figures.received),
        "answered": shown("answered", figures.answered),
        "on_time_pct": shown("answered", _pct(figures.on_time_share)),
        "median_days": shown("answered", figures.median_days),
        "p90_days": shown("answered", figures.p90_days),
        "overdue_now": shown("overdue_now", figures.overdue_now or 0),
        # Figures.satisfaction is already None under stats.MIN_RATINGS ratings; hidden also as a complement.
        "satisfaction": shown("rating_count", _round(figures.satisfaction)),
        "response_rate_pct": shown("answered", _pct(figures.response_rate)),
    }


@dataclass
class Table:
    """A report table: column keys with headings, and rows keyed the same way."""

    columns: list[tuple[str, object]]
    rows: list[dict]
    title: str = ""
    # The row of totals (the whole country, or the whole district), with the same cells hidden.
    total: dict | None = None


# Sorting the national table by a column sorts on what is shown: a hidden cell sorts last, as an empty one, so
# that its place between two shown values does not tell its value.
ROW_SORT_KEYS = {"received": "received", "on_time": "on_time_pct", "median": "median_days",
                 "overdue": "overdue_now", "satisfaction": "satisfaction", "index": "index"}


def national(period: stats.Period, category_id: int | None = None, sort: str = "index", descending: bool = True,
             now: datetime | None = None, grid: stats.Grid | None = None) -> tuple[Table, stats.Figures]:
    """Every active district ranked, and the national total (``Table.total``), small cells hidden (``stats.grid``)."""
    grid = grid or stats.grid(period, now)
    rows = []
    for district in grid.districts:
        figures = grid.at(district.id, category_id or stats.TOTAL)
        rows.append((district, figures, grid.hidden_at(district.id, category_id or stats.TOTAL)))
    ranked = sorted((item for item in rows if item[1].ranked), key=lambda item: -(item[1].index or 0))
    ranks = {item[0].id: position for position, item in enumerate(ranked, start=1)}
    table_rows = []
    for district, figures, hidden in rows:
        table_rows.append({
            "rank": ranks.get(district.id), "district": tr(district), "code": district.code, "district_id": district.id,
            "name_az": district.name_az, **figure_row(figures, hidden),
            "index": figures.index if figures.ranked else None,
            # Shown beside unranked districts: over a hidden count of answers it would tell their timing.
            "unranked_index": None if "answered" in hidden else figures.index,
        })
    column = ROW_SORT_KEYS.get(sort)
    if column is None:
        # By the name shown, in the page's alphabet (active_districts' order, or its reverse).
        lang = current_lang()
        table_rows.sort(key=lambda row: collation_key(row["district"], lang), reverse=descending)
    else:
        present = sorted((r for r in table_rows if r[column] is not None), key=lambda r: r[column], reverse=descending)
        table_rows = present + [r for r in table_rows if r[column] is None]
    total = grid.at(stats.TOTAL, category_id or stats.TOTAL)
    table = Table(DISTRICT_COLUMNS, table_rows, total=figure_row(total, grid.hidden_at(stats.TOTAL, category_id or stats.TOTAL)))
    return table, total


def compare(current: Table, previous: Table) -> None:
    """Add the change since the previous period to each row (``delta_<column>``)."""
    before = {row["code"]: row for row in previous.rows}
    for row in current.rows:
        old = before.get(row["code"], {})
        for key in ("received", "on_time_pct", "median_days", "overdue_now", "satisfaction", "index"):
            a, b = row.get(key), old.get(key)
            row[f"delta_{key}"] = None if a is None or b is None else round(a - b, 1)



def categories(period: stats.Period, district: District, now: datetime | None = None,
               grid: stats.Grid | None = None) -> Table:
    """A district's figures per category, small cells hidden, with the district's total (``Table.total``)."""
    grid = grid or stats.grid(period, now)
    rows = []
    for category in db.session.scalars(select(Category).order_by(Category.position, Category.id)):
        rows.append({"category": tr(category), "category_id": category.id,
                     **figure_row(grid.at(district.id, category.id), grid.hidden_at(district.id, category.id))})
    return Table(CATEGORY_COLUMNS, rows, total=figure_row(grid.at(district.id, stats.TOTAL),
                                                          grid.hidden_at(district.id, stats.TOTAL)))


@dataclass
class Trend:
    """Month by month: labels, received, answered, on-time %."""

    months: list[date]
    labels: list[str]
    received: list[int]
    answered: list[int]
    on_time_pct: list[float | None]


def trend(period: stats.Period, district_id: int | None = None) -> Trend:
    """The period's months with their figures (for charts and the tables beside them)."""
    monthly = stats.by_month(period, district_id)
    months = list(monthly)
    return Trend(
        months=months,
        labels=[fmt_month(m) for m in months],
        received=[monthly[m].received for m in months],
        answered=[monthly[m].answered for m in months],
        on_time_pct=[_pct(monthly[m].on_time_share) for m in months],
    )


def reception_figures(period: stats.Period, district_id: int, now: datetime | None = None) -> dict[str, int]:
    """Reception days held in the period and how the bookings went."""
    now = now or utcnow()
    start = datetime.combine(period.start, datetime.min.time(), tzinfo=BAKU)
    end = datetime.combine(period.end, datetime.max.time(), tzinfo=BAKU)
    held = db.session.scalar(select(func.count()).select_from(ReceptionSession).where(
        ReceptionSession.district_id == district_id, ReceptionSession.status == "scheduled",
        ReceptionSession.starts_at >= start, ReceptionSession.starts_at <= min(end, now))) or 0
    statuses = dict(db.session.execute(
        select(ReceptionBooking.status, func.count())
        .join(ReceptionSession, ReceptionSession.id == ReceptionBooking.session_id)
        .where(ReceptionSession.district_id == district_id, ReceptionSession.starts_at >= start,
               ReceptionSession.starts_at <= min(end, now))
        .group_by(ReceptionBooking.status)).all())
    return {"sessions_held": held, "received": statuses.get("attended", 0), "no_show": statuses.get("no_show", 0),
            "booked": sum(v for k, v in statuses.items() if k != "cancelled")}


def consultation_figures(period: stats.Period, district_id: int):
    """Consultations whose comment period began in the period, their outcomes, and the comments received in it."""
    from app.consultations.service import district_figures

    start = datetime.combine(period.start, datetime.min.time(), tzinfo=BAKU)
    end = datetime.combine(period.end + timedelta(days=1), datetime.min.time(), tzinfo=BAKU)
    return district_figures(district_id, start, end)


def overdue(district: District, category_id: int | None = None, now: datetime | None = None) -> Table:
    """The supervisor's list of a district's overdue appeals: no resident's personal data."""
    rows = [{"number": appeal.number, "appeal_id": appeal.id, "category": tr(appeal.category),
             "department": tr(appeal.department) if appeal.department else "",
             "due": fmt_date(appeal.due_at), "days_overdue": days}
            for appeal, days in stats.overdue_list(district.id, category_id, now)]
    return Table(OVERDUE_COLUMNS, rows)


# --- Exports ---------------------------------------------------------------------------------------


def _cell(value) -> object:
    # Names of districts, departments and categories are typed by people: none may start a formula.
    return safe_cell(value)


def to_csv(table: Table) -> bytes:
    """The table as CSV (UTF-8 with a byte-order mark, so that spreadsheet programs read Azerbaijani letters)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(str(heading)) for _key, heading in table.columns])
    for row in table.rows:
        writer.writerow([_cell(row.get(key)) for key, _heading in table.columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    """The table as an XLSX workbook with one sheet."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    # A sheet's name may not hold \ / ? * [ ] : (openpyxl refuses it), and a district's name is typed by people.
    sheet.title = re.sub(r"[\\/?*\[\]:]", " ", table.title or "Report")[:31].strip() or "Report"
    sheet.append([safe_cell(str(heading)) for _key, heading in table.columns])
    for row in table.rows:
        sheet.append([_cell(row.get(key)) for key, _heading in table.columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


EXPORTS = {"csv": ("text/csv", to_csv), "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", to_xlsx)}


# --- E-services ----------------------------------------------------------------------------------------

ESERVICE_COLUMNS = [("service", _l("Service")), ("applications", _l("Applications")), ("approved", _l("Approved")),
                    ("refused", _l("Refused")), ("median_days", _l("Median working days to decision")),
                    ("on_time_pct", _l("Decided on time, per cent")), ("satisfaction", _l("Satisfaction (1–5)"))]


def eservice_figures(period: stats.Period, district: District, public: bool = True) -> Table:
    """Per service of a district: applications filed in the period and decisions taken in it.

    Counted from the applications themselves (far fewer than appeals); small cells are suppressed in public.
    """
    from statistics import median

    from app.kit.calendar import local_date, working_days_between
    from app.models import Service, ServiceApplication

    start = datetime.combine(period.start, datetime.min.time(), tzinfo=BAKU)
    end = datetime.combine(period.end, datetime.max.time(), tzinfo=BAKU)
    rows = db.session.execute(
        select(ServiceApplication.service_id, ServiceApplication.status, ServiceApplication.created_at,
               ServiceApplication.decided_at, ServiceApplication.due_at, ServiceApplication.rating)
        .where(ServiceApplication.district_id == district.id,
               ((ServiceApplication.created_at >= start) & (ServiceApplication.created_at <= end))
               | ((ServiceApplication.decided_at >= start) & (ServiceApplication.decided_at <= end)))
    ).all()
    hide = stats.suppress if public else (lambda value: value)
    table = []
    services = db.session.scalars(select(Service).order_by(Service.position, Service.id)).all()
    for service in services:
        mine = [r for r in rows if r.service_id == service.id]
        if not mine:
            continue
        filed = [r for r in mine if start <= r.created_at <= end]
        decided = [r for r in mine if r.decided_at and start <= r.decided_at <= end]
        approved = sum(r.status in ("approved", "issued") for r in decided)
        refused = sum(r.status == "refused" for r in decided)
        days = [max(0, working_days_between(local_date(r.created_at), local_date(r.decided_at))) for r in decided]
        ratings = [r.rating for r in mine if r.rating]
        small = public and 0 < len(decided) < stats.SMALL
        table.append({
            "service": service.text("title", str(get_locale() or "az")), "applications": hide(len(filed)),
            "approved": hide(approved), "refused": hide(refused),
            "median_days": None if small or not days else median(days),
            "on_time_pct": None if small or not decided else _pct(sum(r.decided_at <= r.due_at for r in decided) / len(decided)),
            # A mean rating only over stats.MIN_RATINGS ratings or more, in public and for officials alike.
            "satisfaction": None if len(ratings) < stats.MIN_RATINGS else _round(sum(ratings) / len(ratings)),
        })
    return Table(ESERVICE_COLUMNS, table)


# --- The ASAN criteria, the front desk and the four service KPIs (issue 19) ------------------------------------

@dataclass
class AsanReport:
    """Per district (and for the country in ``total``): the marks, the front desk and the four KPIs."""

    rows: list[dict]
    total: dict
    cost_year: int


def _asan_row(report, owner) -> dict:
    from app.accountability import kpi

    return {"marks": report.marks_row(owner), "desk": report.desk_row(owner), "kpis": kpi.kpi_row(report.kpis.get(owner))}


def report(period: stats.Period, cells: dict | None = None):
    """The ASAN figures and KPIs of every active district over the period (``kpi.national_report``): read once for a
    page, then given to ``stats.grid`` (its ASAN parts) and to ``asan_national`` or ``asan_district``. ``cells``: the
    period's rollups (``stats.rollup_cells``) when the page has read them, for the appeals received."""
    from app.accountability import kpi

    districts = active_districts()
    received = None if cells is None else stats.received_in(cells)
    report = kpi.national_report(period, [district.id for district in districts], received=received)
    report.districts = districts
    return report


def report_and_grid(period: stats.Period):
    """The period's ASAN report (``report``) and its grid of figures (``stats.grid``), read together for a page: the
    rollups once (the grid's cells also give the KPIs their appeals received), the ASAN figures once (the grid's
    index takes their parts) and the active districts once."""
    cells = stats.rollup_cells(period)
    found = report(period, cells)
    return found, stats.grid(period, asan=found.asan_parts(), districts=found.districts, cells=cells)


def asan_national(period: stats.Period, report=None) -> AsanReport:
    """Every active district's ASAN figures and KPIs over the period, by name, and the country's (``report``: the
    period's ``report`` when the page has read it already)."""
    from app.accountability import kpi

    districts = report.districts if report is not None and report.districts else active_districts()
    report = report or kpi.national_report(period, [district.id for district in districts])
    rows = [{"district": tr(district), "code": district.code, "district_id": district.id,
             **_asan_row(report, district.id)} for district in districts]
    return AsanReport(rows, _asan_row(report, kpi.NATIONAL), report.cost_year)


@dataclass
class AsanDistrict:
    """One district's ASAN figures: its totals, per service, its KPIs and its costs of each year of the period."""

    marks: dict
    desk: dict
    kpis: dict
    cost_year: int
    marks_by_service: list
    desk_by_service: list
    costs: list[dict]


def asan_district(period: stats.Period, district: District, report=None) -> AsanDistrict:
    """A district's ASAN figures over the period (see ``kpi``; ``report``: the period's ``report`` when the page has
    read it already)."""
    from app.accountability import kpi

    # The district's total is a line of the national table too: hidden there, hidden here (one rule everywhere).
    national = report or kpi.national_report(period, [item.id for item in active_districts()])
    total_hidden = national.hidden_marks.get(district.id, frozenset())
    marks_rows, desk_rows = kpi.district_services(period, district.id, current_lang(), total_hidden)
    entered = [(year, kpi.costs(year, district.id).get(district.id)) for year in kpi.cost_years(period)]
    ids = {line.service_id for _year, item in entered if item for line in item.lines if line.service_id}
    services = {s.id: s for s in db.session.scalars(select(Service).where(Service.id.in_(ids)))} if ids else {}
    years = [{"year": year,
              "lines": [{"subject": cost_subject_title(line.subject, line.service_id, services),
                         "amount": line.amount, "transactions": line.transactions,
                         "per_transaction": line.per_transaction} for line in item.lines] if item else [],
              "amount": item.amount if item else None, "transactions": item.transactions if item else None,
              "per_transaction": item.per_transaction if item else None} for year, item in entered]
    return AsanDistrict(national.marks_row(district.id), national.desk_row(district.id),
                        kpi.kpi_row(national.kpis.get(district.id)),
                        period.end.year, marks_rows, desk_rows, years)


def cost_subject_title(subject: str, service_id: int | None, services: dict) -> str:
    """How a cost's subject is named on the pages: appeals, the front desk, or the e-service's title."""
    from app.accountability.costs import subject_title

    return subject_title(subject, services.get(service_id))
