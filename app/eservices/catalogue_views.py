"""Routes of the administration area, all for administrators only (policy ``admin.access``).

``/`` what administrators manage; ``/services`` the e-service catalogue; ``/services/new`` and
``/services/<id>`` a service; ``/services/<id>/form`` the editor of its application form, with its versions.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.authz import requires
from app.eservices import admin_bp
from app.eservices import catalogue as catalogue_admin
from app.eservices.catalogue_forms import BLANK_ROW, FormEditorForm, ServiceAdminForm, row_data
from app.eservices.form_definitions import MAX_FIELDS
from app.kit.errors import Invalid
from app.kit.forms import int_or_none, parse_money
from app.kit.i18n import tr
from app.kit.steps import form_page
from app.models.eservice import LANGS


@admin_bp.get("/services")
@requires("admin.access")
def services():
    """The e-service catalogue: every service with its state, districts and current form version."""
    return render_template("eservices/admin/services.html", rows=catalogue_admin.service_list(current_user),
                           situations=catalogue_admin.LIFE_SITUATION_LABELS)


def _service_form(service=None) -> ServiceAdminForm:
    """The service form, filled from ``service`` on a first visit, from the request when posted."""
    if request.method == "GET" and service is not None:
        form = ServiceAdminForm(obj=service)
        form.district_ids.data = [d.id for d in service.districts]
    else:
        form = ServiceAdminForm()
    form.fill_choices(catalogue_admin.districts(), tr, catalogue_admin.LIFE_SITUATION_LABELS)
    return form


def _service_input(form: ServiceAdminForm) -> catalogue_admin.ServiceInput:
    """The use case's input from the submitted form."""
    texts = {f"{stem}_{lang}": form[f"{stem}_{lang}"].data or "" for stem in catalogue_admin.TEXT_STEMS for lang in LANGS}
    return catalogue_admin.ServiceInput(
        code=form.code.data or "", fee=parse_money(form.fee.data),
        processing_days=int_or_none(form.processing_days.data), life_situation=form.life_situation.data or "",
        online=bool(form.online.data), front_desk=bool(form.front_desk.data), active=bool(form.active.data),
        district_ids=list(form.district_ids.data or []), **texts,
    )


@admin_bp.route("/services/new", methods=["GET", "POST"])
@requires("admin.access")
def service_new():
    """Add a service to the catalogue; its application form is defined next."""
    form = _service_form()
    if form.validate_on_submit():
        try:
            service = catalogue_admin.create_service(current_user, _service_input(form))
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("The service is added. Now define its application form."), "success")
            return redirect(url_for("eservices_admin.service_form", service_id=service.id))
    return form_page("eservices/admin/service.html", form=form, service=None)


@admin_bp.route("/services/<int:service_id>", methods=["GET", "POST"])
@requires("admin.access")
def service_edit(service_id: int):
    """Change a service: texts, fee, processing time, channels, whether it is active, the districts."""
    service = catalogue_admin.get_service(current_user, service_id)
    form = _service_form(service)
    if form.validate_on_submit():
        try:
            catalogue_admin.update_service(current_user, service_id, _service_input(form))
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("The service is saved."), "success")
            return redirect(url_for("eservices_admin.services"))
    return form_page("eservices/admin/service.html", form=form, service=service)


def _render_editor(service_id: int, form: FormEditorForm, status: int = 200):
    service, history = catalogue_admin.form_history(current_user, service_id)
    return render_template("eservices/admin/service_form.html", service=service, history=history, form=form), status


@admin_bp.get("/services/<int:service_id>/form")
@requires("admin.access")
def service_form(service_id: int):
    """The editor of the service's application form, filled with the current version (or one empty row)."""
    service, history = catalogue_admin.form_history(current_user, service_id)
    fields = catalogue_admin.current_fields(current_user, service_id)
    rows = [row_data(item) for item in fields] or [dict(BLANK_ROW)]
    form = FormEditorForm(formdata=None, data={"based_on": str(history[0].version if history else 0), "fields": rows})
    return _render_editor(service.id, form)


@admin_bp.post("/services/<int:service_id>/form")
@requires("admin.access")
def service_form_save(service_id: int):
    """"Add a field" shows the rows again with one more; "Save a new version" saves them if they changed."""
    form = FormEditorForm()
    if form.add.data:
        rows = form.kept_rows()
        if len(rows) >= MAX_FIELDS:
            form.form_errors.append(_("A form has at most %(max)d fields.", max=MAX_FIELDS))
            return _render_editor(service_id, form, 422)
        # A fresh form numbers the rows 0, 1, 2… again once removed ones are gone.
        fresh = FormEditorForm(formdata=None, data={"based_on": form.based_on.data, "fields": [*rows, dict(BLANK_ROW)]})
        return _render_editor(service_id, fresh)
    if not form.validate():
        return _render_editor(service_id, form, 422)
    fields, rows = form.definition()
    try:
        saved = catalogue_admin.save_form(current_user, service_id, fields, based_on=int_or_none(form.based_on.data))
    except Invalid as error:
        form.apply_definition(error, rows)
        return _render_editor(service_id, form, 422)
    if saved is None:
        flash(_("Nothing changed, so no new version is saved."), "info")
    else:
        flash(_("Version %(version)d of the form is saved; new applications use it.", version=saved.version), "success")
    return redirect(url_for("eservices_admin.service_form", service_id=service_id))
