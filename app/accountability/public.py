"""Public accountability pages: the national table of districts and a page per district.

Both read through ``replica.from_replica``: from the read replica when ``DATABASE_REPLICA_URL`` is set (figures may
then be the replica's lag behind, see app/replica.py), else from the primary.
"""
from __future__ import annotations

from flask import render_template, request

from app.accountability import bp, charts, stats
from app.accountability import service as accountability
from app.accountability.charts import Series
from app.accountability.params import BadParameter, categories, read_query
from app.authz import public
from app.commitments import service as commitments
from app.kit.pagecache import cached_page
from app.kit.reference import by_code as district_by_code
from app.polls import service as polls
from app.proposals import service as proposals
from app.replica import from_replica


def _invalid(error: BadParameter, title_district=None):
    """The filter form again with the error beside the field it concerns."""
    return render_template("accountability/invalid.html", error=error, district=title_district,
                           values=request.args, categories=categories()), 400


def trend_charts(trend: accountability.Trend, prefix: str):
    """The two trend charts of a report: appeals per month, and the share answered on time."""
    from flask_babel import gettext as _

    volume = charts.bars(
        f"{prefix}-volume", _("Appeals received and answered per month"),
        _("Bar chart; the same numbers are in the table below it."), trend.labels,
        [Series(_("Appeals received"), trend.received, "series-a"), Series(_("Answered"), trend.answered, "series-b")])
    on_time = charts.line(
        f"{prefix}-on-time", _("Answered on time per month, per cent"),
        _("Line chart; the same numbers are in the table below it."), trend.labels,
        [Series(_("Answered on time, per cent"), trend.on_time_pct, "series-c")])
    return volume, on_time


@bp.get("/")
@cached_page("from", "to", "category", "sort", "dir", "format")
@public
@from_replica
def national():
    """Every district: received, answered on time, median days, overdue now, satisfaction, service index."""
    try:
        query = read_query()
    except BadParameter as error:
        return _invalid(error)
    # The ASAN figures are read once, for the grid's index and for their own table.
    report, grid = accountability.report_and_grid(query.period)
    table, total = accountability.national(query.period, query.category_id, query.sort, query.descending, grid=grid)
    trend = accountability.trend(query.period)
    weights = total.weights or stats.WEIGHTS
    return render_template("accountability/national.html", query=query, table=table, total=total,
                           total_row=table.total, trend=trend,
                           charts=trend_charts(trend, "national"), categories=categories(),
                           formula=accountability.index_formula(weights), weights=weights,
                           asan=accountability.asan_national(query.period, report),
                           part_labels=accountability.PART_LABELS,
                           min_ratings=stats.MIN_RATINGS)


@bp.get("/<code>")
@cached_page("from", "to", "category", "sort", "dir", "format")
@public
@from_replica
def district(code: str):
    """One district: its figures, 12-month trends, categories (small counts hidden), reception, commitments, proposals."""
    chosen = district_by_code(code)
    try:
        query = read_query()
    except BadParameter as error:
        return _invalid(error, chosen)
    report, grid = accountability.report_and_grid(query.period)
    figures = grid.at(chosen.id, stats.TOTAL)
    categories_table = accountability.categories(query.period, chosen, grid=grid)
    trend = accountability.trend(query.period, chosen.id)
    return render_template(
        "accountability/district.html", district=chosen, query=query, figures=figures,
        row=categories_table.total, trend=trend, charts=trend_charts(trend, "district"),
        categories_table=categories_table,
        reception=accountability.reception_figures(query.period, chosen.id), parts=stats.all_parts(figures),
        weights=figures.weights or stats.WEIGHTS, asan=accountability.asan_district(query.period, chosen, report),
        part_labels=accountability.PART_LABELS,
        commitments=commitments.status_counts(chosen.id),
        consultations=accountability.consultation_figures(query.period, chosen.id),
        poll_figures=polls.period_figures(query.period, chosen.id),
        proposals=proposals.period_figures(query.period, chosen.id),
        eservices_table=accountability.eservice_figures(query.period, chosen),
        formula=accountability.index_formula(figures.weights or stats.WEIGHTS), small=stats.SMALL,
        min_ratings=stats.MIN_RATINGS,
    )
