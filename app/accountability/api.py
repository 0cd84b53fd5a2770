"""Open data: accountability figures as JSON. Fields, units and parameters are documented in docs/areas/accountability.md,
and in OpenAPI 3.1 in ``app/accountability/openapi.py`` (served in ``/api/openapi.json``).

Read from the read replica when ``DATABASE_REPLICA_URL`` is set (``replica.from_replica``), else from the primary.
Every error answers JSON of one shape, ``{"error": {"field", "message"}}``: a bad parameter (400), an unknown
district (404), and a database that cannot answer now (503, with Retry-After), which elsewhere is the busy page.
"""
from __future__ import annotations

import logging

from flask import jsonify, request
from flask_babel import gettext as _

from app.accountability import api_bp, kpi, stats
from app.accountability import service as accountability
from app.accountability.params import BadParameter, read_query
from app.authz import public
from app.extensions import db
from app.kit.errorpages import DATABASE_UNAVAILABLE, EXPLANATIONS, RETRY_AFTER
from app.kit.reference import find_by_code
from app.replica import from_replica

log = logging.getLogger("reqemsal.open_data")


def _error(status: int, field: str | None, message: str):
    return jsonify({"error": {"field": field, "message": message}}), status


def _busy(error: Exception):
    """A database that refuses, times out or is locked: 503 in the open data's own shape, for a client to retry."""
    log.error("database unavailable on %s %s: %s", request.method, request.path, error)
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is gone: the answer must still go out
        log.warning("rollback failed after a database error in the open data", exc_info=True)
    response, status = _error(503, None, str(EXPLANATIONS[503]))
    response.headers["Retry-After"] = str(RETRY_AFTER)
    response.headers["Cache-Control"] = "no-store"
    return response, status


for _unavailable in DATABASE_UNAVAILABLE:
    api_bp.register_error_handler(_unavailable, _busy)


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
        query = read_query(exports=False)
    except BadParameter as error:
        return _error(400, error.field, str(error))
    report, grid = accountability.report_and_grid(query.period)
    table, total = accountability.national(query.period, query.category_id, "name", False, grid=grid)
    asan = accountability.asan_national(query.period, report)
    by_code = {row["code"]: row for row in asan.rows}
    return jsonify({
        "period": _period(query),
        "category_id": query.category_id,
        "districts": [{"code": r["code"], "name": r["district"], "rank": r["rank"], "service_index": r["index"],
                       **_numbers(r), **_asan(by_code.get(r["code"]))} for r in table.rows],
        "total": _numbers(table.total or {}),
        "asan_total": _asan(asan.total),
        "cost_year": asan.cost_year,
        "service_index_weights": total.weights or stats.WEIGHTS_ALL,
    })


def _asan(row: dict | None) -> dict:
    """A row's ASAN figures and KPIs as the open data names them."""
    row = row or {"marks": kpi.marks_row(None), "desk": kpi.desk_row(None), "kpis": kpi.kpi_row(None)}
    return {"criteria": row["marks"], "front_desk": row["desk"], "kpis": row["kpis"]}


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
        query = read_query(exports=False)
    except BadParameter as error:
        return _error(400, error.field, str(error))
    report, grid = accountability.report_and_grid(query.period)
    figures = grid.at(chosen.id, stats.TOTAL)
    trend = accountability.trend(query.period, chosen.id)
    categories = accountability.categories(query.period, chosen, grid=grid)
    asan = accountability.asan_district(query.period, chosen, report)
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
        **_asan({"marks": asan.marks, "desk": asan.desk, "kpis": asan.kpis}),
        "criteria_by_service": [{"kind": r["kind"], "id": r["id"], "name": r["title"], **r["marks"]}
                                for r in asan.marks_by_service],
        "front_desk_by_service": [{"id": r["id"], "name": r["title"], **r["desk"]} for r in asan.desk_by_service],
        "cost_year": asan.cost_year,
        "costs": [{"year": year["year"], "amount": _money(year["amount"]), "transactions": year["transactions"],
                   "per_transaction": _money(year["per_transaction"]),
                   "lines": [{"subject": line["subject"], "amount": _money(line["amount"]),
                              "transactions": line["transactions"], "per_transaction": _money(line["per_transaction"])}
                             for line in year["lines"]]} for year in asan.costs],
        "index_parts": {name: round(value, 4) for name, value in stats.all_parts(figures).items()},
        "service_index_weights": figures.weights or stats.WEIGHTS_ALL,
    })


def _money(value) -> float | None:
    return None if value is None else float(value)
