"""Open data: accountability figures as JSON. Fields, units and parameters are documented in docs/areas/accountability.md.

Read from the read replica when ``DATABASE_REPLICA_URL`` is set (``replica.from_replica``), else from the primary.
"""
from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _

from app.accountability import api_bp, stats
from app.accountability import service as accountability
from app.accountability.params import BadParameter, read_query
from app.authz import public
from app.kit.reference import find_by_code
from app.replica import from_replica


def _error(status: int, field: str | None, message: str):
    return jsonify({"error": {"field": field, "message": message}}), status


def _period(query) -> dict:
    return {"from": query.period.start.isoformat(), "to": query.period.end.isoformat()}


def _numbers(row: dict) -> dict:
    return {key: row.get(key) for key in ("received", "answered", "on_time_pct", "median_days", "p90_days",
                                           "overdue_now", "satisfaction", "response_rate_pct")}


@api_bp.get("/accountability/districts")
@public
@from_replica
def national():
    """Every district's figures for the period, with the service index and rank."""
    try:
        query = read_query()
    except BadParameter as error:
        return _error(400, error.field, str(error))
    table, total = accountability.national(query.period, query.category_id, "name", False)
    return jsonify({
        "period": _period(query),
        "category_id": query.category_id,
        "districts": [{"code": r["code"], "name": r["district"], "rank": r["rank"], "service_index": r["index"],
                       **_numbers(r)} for r in table.rows],
        "total": _numbers(table.total or {}),
        "service_index_weights": stats.WEIGHTS,
    })


@api_bp.get("/accountability/districts/<code>")
@public
@from_replica
def district(code: str):
    """One district: its figures, month by month, and per category (small cells, and cells that would give them
    away, as null: ``stats.grid``)."""
    chosen = find_by_code(code)
    if chosen is None:
        return _error(404, "code", _("Unknown district code."))
    try:
        query = read_query()
    except BadParameter as error:
        return _error(400, error.field, str(error))
    grid = stats.grid(query.period)
    figures = grid.at(chosen.id, stats.TOTAL)
    trend = accountability.trend(query.period, chosen.id)
    categories = accountability.categories(query.period, chosen, grid=grid)
    return jsonify({
        "period": _period(query),
        "district": {"code": chosen.code, "name": {"az": chosen.name_az, "ru": chosen.name_ru, "en": chosen.name_en}},
        "figures": {**_numbers(categories.total or {}), "forwarded": figures.forwarded,
                    "not_considered": figures.not_considered, "reopened": figures.reopened,
                    "service_index": figures.index, "ranked": figures.ranked},
        "months": [{"month": m.isoformat()[:7], "received": trend.received[i], "answered": trend.answered[i],
                    "on_time_pct": trend.on_time_pct[i]} for i, m in enumerate(trend.months)],
        "categories": [{"category_id": r["category_id"], "name": r["category"], **_numbers(r)} for r in categories.rows],
        "reception": accountability.reception_figures(query.period, chosen.id),
    })
