"""The resident's e-service applications in the personal cabinet."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.authz import requires
from app.eservices import cabinet_bp
from app.eservices import form_definitions as eservice_forms
from app.eservices import service as eservices
from app.eservices.forms import NoteForm
from app.kit import files
from app.kit.forms import ButtonForm
from app.kit.i18n import current_lang
from app.kit.steps import run_step
from app.ratings import service as ratings
from app.ratings.forms import RatingForm


@cabinet_bp.get("/services")
@requires("cabinet.view")
def service_applications():
    """My applications, newest first, with status and due date."""
    return render_template("eservices/cabinet/services.html", applications=eservices.citizen_applications(current_user))


def _render(application_id: int, status: int = 200, **forms):
    application = eservices.get_for(current_user, application_id)
    if application.citizen_id != current_user.id:
        return redirect(url_for("eservices_office.service_application", application_id=application_id))
    forms.setdefault("resubmit_form", NoteForm(prefix="resubmit"))
    forms.setdefault("withdraw_form", ButtonForm(prefix="withdraw"))
    forms.setdefault("rate_form", RatingForm())
    answers = eservice_forms.shown(application.form.fields, application.answers, current_lang())
    # The resident's rating on the ASAN criteria (app/ratings/): theirs to see, give or change while allowed.
    rating = ratings.standing(current_user, "application", application_id)
    return render_template("eservices/cabinet/service.html", application=application, answers=answers,
                           rating=rating, **forms), status


@cabinet_bp.get("/services/<int:application_id>")
@requires("cabinet.view")
def service_application(application_id: int):
    """One application: answers as filled in, documents, timeline, what can be done next."""
    return _render(application_id)


def _step(application_id: int, form, form_name: str, action, success: str):
    """Run one applicant step: on success back to the application, else the page with the errors beside the fields."""
    return run_step(form, action, success, url_for("eservices_cabinet.service_application", application_id=application_id),
                    lambda: _render(application_id, 422, **{form_name: form}))


@cabinet_bp.post("/services/<int:application_id>/resubmit")
@requires("cabinet.view")
def service_resubmit(application_id: int):
    """Send the requested documents."""
    form = NoteForm(prefix="resubmit")
    uploads = {"requested": [f for f in request.files.getlist(form.documents.name) if f and f.filename]}
    return _step(application_id, form, "resubmit_form", lambda: eservices.transition(
        current_user, application_id, "resubmitted", eservices.StepData(note=form.note.data or "", uploads=uploads)),
        _("The documents are sent to the authority."))


@cabinet_bp.post("/services/<int:application_id>/withdraw")
@requires("cabinet.view")
def service_withdraw(application_id: int):
    """Withdraw the application before a decision."""
    form = ButtonForm(prefix="withdraw")
    return _step(application_id, form, "withdraw_form",
                 lambda: eservices.transition(current_user, application_id, "withdrawn"),
                 _("Your application is withdrawn."))


@cabinet_bp.post("/services/<int:application_id>/rate")
@requires("cabinet.view")
def service_rate(application_id: int):
    """Rate the service on the ASAN criteria (the form embedded in the application's page): the same use case as
    the rating page (app/ratings/)."""
    form = RatingForm()
    return _step(application_id, form, "rate_form",
                 lambda: ratings.rate(current_user, "application", application_id, form.marks, form.comment.data),
                 _("Thank you for rating the service."))


@cabinet_bp.get("/services/<int:application_id>/documents/<int:document_id>")
@requires("cabinet.view")
def service_document(application_id: int, document_id: int):
    """Download a document of my application."""
    document = eservices.document_for(current_user, application_id, document_id)
    return files.send(document)


@cabinet_bp.get("/services/<int:application_id>/result.pdf")
@requires("cabinet.view")
def service_result(application_id: int):
    """The result document of an issued application, as PDF."""
    document = eservices.result_document(current_user, application_id)
    return files.send(document)
