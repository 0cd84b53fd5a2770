"""The supervisor's national dashboard: ranking, drill-down district → category → overdue appeals, exports; and the
yearly service costs a district's head enters (``/office/costs``).

The figures are read inside ``replica.reading()`` (the read replica when ``DATABASE_REPLICA_URL`` is set): the
dashboards only read. An export's audit entry is written after that block, so it goes to the primary.
"""
from __future__ import annotations

from datetime import datetime

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accountability import costs, office_bp, stats
from app.accountability import service as accountability
from app.accountability.forms import CostForm
from app.accountability.params import BadParameter, categories, read_query
from app.authz import can, requires
from app.extensions import db
from app.kit import audit
from app.kit.errors import Invalid
from app.kit.i18n import current_lang, tr
from app.kit.reference import by_code as district_by_code
from app.models import Category
from app.replica import reading


def _export(table: accountability.Table, name: str, export: str) -> Response:
    mimetype, render = accountability.EXPORTS[export]
    stamp = datetime.now().strftime("%Y%m%d")
    audit.record("accountability.export", actor=current_user, object_type="report", object_id=name, summary=f"{name}.{export}")
    db.session.commit()
    return Response(render(table), mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}-{stamp}.{export}"'})


def _invalid(error: BadParameter, district=None):
    return render_template("accountability/office/accountability_invalid.html", error=error, district=district,
                           categories=categories()), 400


@office_bp.get("/accountability")
@requires("supervision.view")
def supervision():
    """Every district ranked for the period (and category), with the change since the previous period."""
    try:
        query = read_query()
    except BadParameter as error:
        return _invalid(error)
    with reading():
        # The page reads the period's ASAN figures once, for the grid's index and for their own table (as the public
        # national table does); an export shows only the table, whose index needs only their parts.
        report, grid = (None, stats.grid(query.period)) if query.export else accountability.report_and_grid(query.period)
        table, total = accountability.national(query.period, query.category_id, query.sort, query.descending,
                                               grid=grid)
        previous, _total = accountability.national(query.period.previous(), query.category_id)
        # The top of the dashboard: this month against last month, whatever period the table shows.
        rises = [] if query.export else stats.overdue_share_rises(category_id=query.category_id)
        asan = None if report is None else accountability.asan_national(query.period, report)
    accountability.compare(table, previous)
    table.title = _("Districts")
    if query.export:
        return _export(table, "districts", query.export)
    category = db.session.get(Category, query.category_id) if query.category_id else None
    rows = {row["district_id"]: row for row in table.rows}
    return render_template("accountability/office/supervision.html", query=query, table=table, total=total,
                           total_row=table.total, categories=categories(), category=category,
                           previous=query.period.previous(),
                           rising=[(rows[item.district_id], item) for item in rises if item.district_id in rows],
                           rising_minimum=stats.SMALL, asan=asan, weights=total.weights or stats.WEIGHTS,
                           formula=accountability.index_formula(total.weights or stats.WEIGHTS),
                           part_labels=accountability.PART_LABELS, min_ratings=stats.MIN_RATINGS)


@office_bp.get("/accountability/<code>")
@requires("supervision.view")
def supervision_district(code: str):
    """One district per category, for the supervisor: the same small cells hidden as in public, since its
    exports leave the portal (the overdue list below names appeals, not people, and stays whole)."""
    district = district_by_code(code)
    try:
        query = read_query()
    except BadParameter as error:
        return _invalid(error, district)
    with reading():
        grid = stats.grid(query.period)
        table = accountability.categories(query.period, district, grid=grid)
        asan = None if query.export else accountability.asan_district(query.period, district)
    table.title = tr(district)
    if query.export:
        return _export(table, f"{district.code}-categories", query.export)
    return render_template("accountability/office/supervision_district.html", query=query, district=district, table=table,
                           row=table.total, figures=grid.at(district.id, stats.TOTAL), asan=asan,
                           min_ratings=stats.MIN_RATINGS)


@office_bp.get("/accountability/<code>/overdue")
@requires("supervision.view")
def supervision_overdue(code: str):
    """A district's overdue appeals (optionally of one category): number, category, department, days overdue."""
    district = district_by_code(code)
    try:
        query = read_query()
    except BadParameter as error:
        return _invalid(error, district)
    with reading():
        table = accountability.overdue(district, query.category_id)
    table.title = _("Overdue")
    if query.export:
        return _export(table, f"{district.code}-overdue", query.export)
    category = db.session.get(Category, query.category_id) if query.category_id else None
    return render_template("accountability/office/supervision_overdue.html", query=query, district=district, table=table,
                           category=category)


# --- Yearly service costs (the cost per transaction) ----------------------------------------------------------


def _cost_districts() -> list:
    """The districts whose costs the signed-in user may see: every active one for supervisors and administrators,
    their own for a head."""
    from app.authz import staff_districts
    from app.kit.reference import active_districts

    if can(current_user, "supervision.view"):
        return active_districts()
    mine = staff_districts(current_user, ("head",))
    return [district for district in active_districts() if district.id in mine]


def _costs_page(district, form: CostForm | None, choices: list, status: int = 200):
    return render_template("accountability/office/costs.html", district=district, choices=choices, form=form,
                           rows=costs.listing(current_user, district)), status


def _cost_form(district, formdata=True) -> CostForm:
    form = CostForm() if formdata else CostForm(formdata=None)
    form.fill(costs.district_services(district.id), current_lang())
    return form


@office_bp.get("/costs")
@requires("cost.view")
def costs_page():
    """A district's yearly service costs (``?district=CODE``; by default the first the user may see), with the form
    to enter one for those who may."""
    choices = _cost_districts()
    code = request.args.get("district")
    district = district_by_code(code) if code else (choices[0] if choices else None)
    if district is None:
        abort(404)
    form = _cost_form(district, formdata=False) if can(current_user, "cost.manage", district) else None
    return _costs_page(district, form, choices)


@office_bp.post("/costs/<code>")
@requires("cost.view")
def cost_enter(code: str):
    """Enter a district's cost of a year for one service (replacing the one entered before)."""
    district = district_by_code(code)
    form = _cost_form(district)
    if form.validate_on_submit():
        try:
            cost = costs.enter(current_user, district, form.parsed_year(), form.subject.data or "",
                               form.parsed_amount())
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("The cost of %(year)s is saved.", year=cost.year), "success")
            return redirect(url_for("accountability_office.costs_page", district=district.code))
    return _costs_page(district, form, _cost_districts(), 422)
