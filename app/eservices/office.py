"""The district's e-service applications in the official cabinet: the queue, review, decisions, the front desk."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import authz
from app.accounts import service as accounts
from app.authz import requires
from app.eservices import form_definitions as eservice_forms
from app.eservices import office_bp
from app.eservices import service as eservices
from app.eservices.filing import district_choices, submit
from app.eservices.forms import FrontDeskForm, NoteForm
from app.kit import files
from app.kit.errors import Invalid, NotAllowed
from app.kit.forms import ButtonForm, int_or_none
from app.kit.i18n import current_lang
from app.kit.paging import page_number
from app.kit.steps import form_status, run_step


@office_bp.get("/services")
@requires("application.work")
def service_queue():
    """Applications of the district by due date, with counts per service and status."""
    try:
        box = eservices.queue(current_user, int_or_none(request.args.get("district")),
                              int_or_none(request.args.get("service")), request.args.get("status", ""),
                              page_number(request.args.get("page")))
    except Invalid:
        flash(_("That filter is not available; showing the open applications."), "info")
        return redirect(url_for("eservices_office.service_queue"))
    return render_template("eservices/office/services.html", box=box, statuses=eservices.STATUS_LABELS,
                           service_id=int_or_none(request.args.get("service")), status=request.args.get("status", ""))


STEPS = {
    "review": ("in_review", ButtonForm, _l("The application is in review.")),
    "request": ("documents_requested", NoteForm, _l("The applicant is asked for documents.")),
    "approve": ("approved", ButtonForm, _l("The application is approved.")),
    "refuse": ("refused", NoteForm, _l("The application is refused and the applicant is told why.")),
    "issue": ("issued", ButtonForm, _l("The result document is issued.")),
}


def _render(application_id: int, status: int = 200, **forms):
    application = eservices.get_for(current_user, application_id)
    if not authz.can(current_user, "application.work", application):
        abort(404)
    for name, (_target, factory, _message) in STEPS.items():
        forms.setdefault(f"{name}_form", factory(prefix=name))
    answers = eservice_forms.shown(application.form.fields, application.answers, current_lang())
    allowed = {to for (frm, to) in authz.APPLICATION_TRANSITIONS
               if frm == application.status and authz.application_transition_allowed(current_user, application, to)}
    return render_template("eservices/office/service.html", application=application, answers=answers, allowed=allowed,
                           **forms), status


@office_bp.get("/services/<int:application_id>")
@requires("application.work")
def service_application(application_id: int):
    """One application with its answers, documents, timeline and the decisions open to this official."""
    return _render(application_id)


@office_bp.post("/services/<int:application_id>/<step>")
@requires("application.work")
def service_step(application_id: int, step: str):
    """Take into review, ask for documents, approve, refuse, or issue the result."""
    if step not in STEPS:
        abort(404)
    target, factory, success = STEPS[step]
    form = factory(prefix=step)
    note = getattr(form, "note", None)
    return run_step(
        form,
        lambda: eservices.transition(current_user, application_id, target,
                                     eservices.StepData(note=note.data if note is not None else "")),
        success, url_for("eservices_office.service_application", application_id=application_id),
        lambda: _render(application_id, 422, **{f"{step}_form": form}), not_allowed=403)


@office_bp.get("/services/<int:application_id>/documents/<int:document_id>")
@requires("application.work")
def service_document(application_id: int, document_id: int):
    """Download a document of an application of the district."""
    document = eservices.document_for(current_user, application_id, document_id)
    if not authz.can(current_user, "application.work", document.application):
        abort(404)
    return files.send(document)


@office_bp.get("/services/<int:application_id>/result.pdf")
@requires("application.work")
def service_result(application_id: int):
    """The result document, as the resident receives it."""
    document = eservices.result_document(current_user, application_id)
    if not authz.can(current_user, "application.work", document.application):
        abort(404)
    return files.send(document)


@office_bp.route("/services/front-desk/<code>", methods=["GET", "POST"])
@requires("application.work")
def service_front_desk(code: str):
    """Register an application for a resident who came to the front desk (source: front desk)."""
    chosen = eservices.public_service(code)
    version = eservices.current_form(chosen)
    frame = FrontDeskForm()
    district_choices(frame, chosen)
    frame.ensure_token()
    fields_form = eservice_forms.build_form(version.fields, current_lang(), prefix="f",
                                            formdata=request.form if request.method == "POST" else None)
    if request.method == "POST":
        citizen = accounts.find_by_email(frame.email.data or "")
        if citizen is None:
            frame.validate_on_submit()
            frame.email.errors = [*frame.email.errors, _("No resident has an account with this email address.")]
        else:
            try:
                application = submit(chosen, frame, fields_form, current_user, citizen, "front_desk")
            except NotAllowed:
                frame.district_id.errors = [_("You register applications for your own district only.")]
                application = None
            if application is not None:
                flash(_("The application is registered with number %(number)s.", number=application.number), "success")
                return redirect(url_for("eservices_office.service_application", application_id=application.id))
    return render_template("eservices/office/service_front_desk.html", service=chosen, frame=frame, form=fields_form), \
        form_status()
