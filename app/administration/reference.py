"""Reference-data pages of the administration area, for administrators only (policy ``reference.manage``).

``/districts`` the district authorities; ``/districts/new`` and ``/districts/<id>`` one district;
``/districts/<id>/departments`` its departments with a form to add one; ``/departments/<id>`` one department;
``/categories``, ``/categories/new`` and ``/categories/<id>`` the appeal categories; ``/calendar`` the working-day
calendar's exceptions (declare one, remove one entered by mistake).
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.administration import bp
from app.administration import reference_service as reference
from app.administration.reference_forms import (
    CalendarExceptionForm,
    CategoryForm,
    DepartmentForm,
    DistrictForm,
    WithdrawForm,
)
from app.authz import requires
from app.kit.errors import Invalid
from app.kit.i18n import fmt_date
from app.kit.steps import form_status


def _status() -> int:
    """A page shown again after a POST carries errors: 422."""
    return form_status()


# --- Districts ------------------------------------------------------------------------------------------------


@bp.get("/districts")
@requires("reference.manage")
def districts():
    """Every district authority with its code, names, state and number of departments."""
    return render_template("administration/reference/districts.html", rows=reference.district_list(current_user))


@bp.route("/districts/new", methods=["GET", "POST"])
@requires("reference.manage")
def district_new():
    """Add a district authority."""
    form = DistrictForm()
    if form.validate_on_submit():
        try:
            district = reference.create_district(current_user, form.code.data, form.names(), bool(form.active.data))
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("The district %(code)s is added. Now add its departments.", code=district.code), "success")
            return redirect(url_for("admin.district_departments", district_id=district.id))
    return render_template("administration/reference/district.html", form=form, district=None), _status()


@bp.route("/districts/<int:district_id>", methods=["GET", "POST"])
@requires("reference.manage")
def district_edit(district_id: int):
    """Rename a district, or deactivate it (hidden from new filings; every record stays)."""
    district = reference.get_district(current_user, district_id)
    form = DistrictForm(obj=district if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            reference.update_district(current_user, district_id, form.names(), bool(form.active.data))
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("The district is saved."), "success")
            return redirect(url_for("admin.districts"))
    return render_template("administration/reference/district.html", form=form, district=district), _status()


# --- Departments ----------------------------------------------------------------------------------------------


def _departments_page(district_id: int, form: DepartmentForm, status: int = 200):
    district, rows = reference.departments(current_user, district_id)
    return render_template("administration/reference/departments.html", district=district, rows=rows, form=form), status


@bp.get("/districts/<int:district_id>/departments")
@requires("reference.manage")
def district_departments(district_id: int):
    """A district's departments, active or not, and a form to add one."""
    return _departments_page(district_id, DepartmentForm(formdata=None))


@bp.post("/districts/<int:district_id>/departments")
@requires("reference.manage")
def department_new(district_id: int):
    """Add a department to the district."""
    form = DepartmentForm()
    if form.validate_on_submit():
        try:
            reference.create_department(current_user, district_id, form.names(), form.kind.data or "",
                                        bool(form.active.data))
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("The department is added."), "success")
            return redirect(url_for("admin.district_departments", district_id=district_id))
    return _departments_page(district_id, form, 422)


@bp.route("/departments/<int:department_id>", methods=["GET", "POST"])
@requires("reference.manage")
def department_edit(department_id: int):
    """Rename a department, change its kind, or deactivate it (appeals already given to it keep it)."""
    department = reference.get_department(current_user, department_id)
    form = DepartmentForm(obj=department if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            reference.update_department(current_user, department_id, form.names(), form.kind.data or "",
                                        bool(form.active.data))
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("The department is saved."), "success")
            return redirect(url_for("admin.district_departments", district_id=department.district_id))
    return render_template("administration/reference/department.html", form=form, department=department), _status()


# --- Categories -----------------------------------------------------------------------------------------------


@bp.get("/categories")
@requires("reference.manage")
def categories():
    """Every appeal category with its names, default department kind and state."""
    return render_template("administration/reference/categories.html", rows=reference.category_list(current_user))


def _category_input(form: CategoryForm) -> reference.CategoryInput:
    return reference.CategoryInput(names=form.names(), default_department_kind=form.default_department_kind.data or "",
                                   position=form.parsed_position(), active=bool(form.active.data),
                                   code=form.code.data or "")


@bp.route("/categories/new", methods=["GET", "POST"])
@requires("reference.manage")
def category_new():
    """Add an appeal category."""
    form = CategoryForm()
    form.fill_choices(reference.department_kinds())
    if form.validate_on_submit():
        try:
            reference.create_category(current_user, _category_input(form))
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("The category is added."), "success")
            return redirect(url_for("admin.categories"))
    return render_template("administration/reference/category.html", form=form, category=None), _status()


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@requires("reference.manage")
def category_edit(category_id: int):
    """Change a category, or deactivate it (hidden from new appeals; old appeals keep it)."""
    category = reference.get_category(current_user, category_id)
    form = CategoryForm(obj=category if request.method == "GET" else None)
    if request.method == "GET":
        form.default_department_kind.data = category.default_department_kind or ""
    form.fill_choices(reference.department_kinds())
    if form.validate_on_submit():
        try:
            reference.update_category(current_user, category_id, _category_input(form))
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("The category is saved."), "success")
            return redirect(url_for("admin.categories"))
    return render_template("administration/reference/category.html", form=form, category=category), _status()


# --- The working-day calendar ---------------------------------------------------------------------------------


def _calendar_page(form: CalendarExceptionForm, status: int = 200):
    return render_template("administration/reference/calendar.html", form=form,
                           rows=reference.calendar_exceptions(current_user), withdraw_form=WithdrawForm(),
                           kinds=reference.CALENDAR_KIND_LABELS), status


@bp.get("/calendar")
@requires("reference.manage")
def calendar():
    """The exceptions declared on top of the law's calendar, and a form to declare one."""
    return _calendar_page(CalendarExceptionForm(formdata=None))


@bp.post("/calendar")
@requires("reference.manage")
def calendar_declare():
    """Declare an extra rest day or a working Saturday."""
    form = CalendarExceptionForm()
    if form.validate_on_submit():
        try:
            exception = reference.declare(current_user, form.parsed_day(), form.kind.data or "", form.decision.data or "")
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("%(day)s is declared: %(what)s. Deadlines computed from now on count with it.",
                    day=fmt_date(exception.day), what=reference.CALENDAR_KIND_LABELS[exception.kind]), "success")
            return redirect(url_for("admin.calendar"))
    return _calendar_page(form, 422)


@bp.post("/calendar/<int:exception_id>/withdraw")
@requires("reference.manage")
def calendar_withdraw(exception_id: int):
    """Remove an exception entered by mistake."""
    form = WithdrawForm()
    if not form.validate_on_submit():
        abort(400)
    reference.withdraw(current_user, exception_id)
    flash(_("The exception is removed."), "success")
    return redirect(url_for("admin.calendar"))
