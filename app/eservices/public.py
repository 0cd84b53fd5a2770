"""The public e-service catalogue, a page per service, and applying online."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.authz import can, public, requires
from app.eservices import bp
from app.eservices import form_definitions as eservice_forms
from app.eservices import service as eservices
from app.eservices.filing import district_choices, submit
from app.eservices.forms import ApplyFrame
from app.kit.forms import int_or_none
from app.kit.i18n import current_lang
from app.kit.reference import active_districts
from app.kit.steps import form_page


@bp.get("/")
@public
def catalogue():
    """Every active service, searchable, by district and life situation."""
    filters = eservices.CatalogueFilters(q=request.args.get("q", "")[:100],
                                         district_id=int_or_none(request.args.get("district")),
                                         situation=request.args.get("situation", ""))
    districts = active_districts()
    return render_template("eservices/catalogue.html", services=eservices.catalogue(filters, current_lang()),
                           filters=filters, districts=districts, situations=eservices.SITUATION_LABELS)


def _service(code: str):
    return eservices.public_service(code)


@bp.get("/<code>")
@public
def service(code: str):
    """One service: what it is, who may apply, documents, legal basis, fee, time, where it is offered."""
    chosen = _service(code)
    return render_template("eservices/service.html", service=chosen, may_apply=can(current_user, "eservice.apply"))


@bp.route("/<code>/apply", methods=["GET", "POST"])
@requires("cabinet.view")
def apply(code: str):
    """Apply online: the known details are filled in, the service's own questions are asked."""
    chosen = _service(code)
    if not can(current_user, "eservice.apply"):
        return render_template("appeals/confirm_first.html"), 403
    if not chosen.online:
        flash(_("This service is offered at the authority's front desk only."), "info")
        return redirect(url_for("eservices.service", code=code))
    version = eservices.current_form(chosen)
    frame = ApplyFrame()
    district_choices(frame, chosen)
    if request.method == "GET" and current_user.district_id in {d.id for d in chosen.districts}:
        frame.district_id.data = current_user.district_id
    frame.ensure_token()
    fields_form = eservice_forms.build_form(version.fields, current_lang(), prefix="f",
                                            formdata=request.form if request.method == "POST" else None)
    if request.method == "POST":
        application = submit(chosen, frame, fields_form, current_user, None, "web")
        if application is not None:
            flash(_("Your application is registered with number %(number)s. The decision is due by %(due)s.",
                    number=application.number, due=eservices.fmt_datetime(application.due_at)), "success")
            return redirect(url_for("eservices_cabinet.service_application", application_id=application.id))
    return form_page("eservices/apply.html", service=chosen, frame=frame, form=fields_form, version=version,
                           details=eservices.applicant_details(current_user))
