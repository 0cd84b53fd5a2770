"""The public e-service catalogue, a page per service, and applying online."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app.authz import can, public, requires
from app.eservices import bp
from app.eservices import form_definitions as eservice_forms
from app.eservices import service as eservices
from app.eservices.filing import (
    answers_shown,
    application_input,
    district_choices,
    draft_input,
    file,
    put_errors,
    submit,
    validate,
)
from app.eservices.forms import ApplicationCheckForm, ApplyFrame
from app.kit import drafts
from app.kit.errors import Invalid, NotFound
from app.kit.forms import int_or_none
from app.kit.i18n import current_lang
from app.kit.pagecache import cached_page
from app.kit.reference import active_districts
from app.kit.steps import form_page


@bp.get("/")
@cached_page("q", "district", "situation")
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
@cached_page()
@public
def service(code: str):
    """One service: what it is, who may apply, documents, legal basis, fee, time, where it is offered."""
    chosen = _service(code)
    return render_template("eservices/service.html", service=chosen, may_apply=can(current_user, "eservice.apply"))


def _ended(draft):
    return render_template("drafts/ended.html", draft=draft), 410


def _filed(application):
    flash(_("Your application is registered with number %(number)s. The decision is due by %(due)s.",
            number=application.number, due=eservices.fmt_datetime(application.due_at)), "success")
    return redirect(url_for("eservices_cabinet.service_application", application_id=application.id))


def _saved(draft):
    flash(_("Your draft is saved. Find it under My drafts in your cabinet until %(date)s.",
            date=eservices.fmt_datetime(draft.expires_at)), "success")
    return redirect(url_for("drafts_cabinet.drafts_list"))


def _offered_online(code: str):
    """The service, if a resident may apply for it online now; else the answer to give (403, or back to the
    service's page with the front-desk message, as for a draft of a service that has since gone offline)."""
    chosen = _service(code)
    if not can(current_user, "eservice.apply"):
        return chosen, (render_template("appeals/confirm_first.html"), 403)
    if not chosen.online:
        flash(_("This service is offered at the authority's front desk only."), "info")
        return chosen, redirect(url_for("eservices.service", code=code))
    return chosen, None


def _apply_page(chosen, frame, fields_form, draft, version, status=None):
    context = dict(service=chosen, frame=frame, form=fields_form, version=version, draft=draft,
                   details=eservices.applicant_details(current_user))
    if status is not None:
        return render_template("eservices/apply.html", **context), status
    return form_page("eservices/apply.html", **context)


@bp.route("/<code>/apply", methods=["GET", "POST"])
@requires("cabinet.view")
def apply(code: str):
    """Apply online: the known details are filled in, the service's own questions are asked (or a draft goes on,
    ``?draft=<id>``). "Continue" leads to the check page, "Save and come back later" keeps the draft; a POST with
    neither files at once."""
    chosen, refusal = _offered_online(code)
    if refusal is not None:
        return refusal
    draft_id = int_or_none(request.args.get("draft"))
    try:
        draft = drafts.get_own(current_user, draft_id, "application") if draft_id is not None else None
    except drafts.DraftEnded as ended:
        return _ended(ended.draft)
    if draft is not None and draft.service_id != chosen.id:
        raise NotFound("draft")
    version = eservices.current_form(chosen)
    filled = MultiDict(draft.data) if request.method == "GET" and draft is not None else None
    frame = ApplyFrame(formdata=filled) if filled is not None else ApplyFrame()
    district_choices(frame, chosen)
    if request.method == "GET" and draft is None and current_user.district_id in {d.id for d in chosen.districts}:
        frame.district_id.data = current_user.district_id
    frame.ensure_token()
    fields_form = eservice_forms.build_form(version.fields, current_lang(), prefix="f",
                                            formdata=request.form if request.method == "POST" else filled)
    if request.method == "POST" and frame.save_draft.data:
        # Saving asks only for the length limits: the draft is not the application.
        if drafts.valid_to_save(frame, fields_form):
            try:
                return _saved(drafts.save(current_user, draft_input(chosen, frame, fields_form), draft_id))
            except drafts.DraftEnded as ended:
                return _ended(ended.draft)
            except Invalid as error:
                put_errors(chosen, frame, fields_form, error)
        return _apply_page(chosen, frame, fields_form, draft, version)
    if request.method == "POST" and frame.proceed.data:
        if validate(chosen, frame, fields_form, draft) is not None:
            try:
                eservices.check_application(current_user, application_input(chosen, frame, fields_form, {}, "web"))
                saved = drafts.save(current_user, draft_input(chosen, frame, fields_form), draft_id)
            except drafts.DraftEnded as ended:
                return _ended(ended.draft)
            except Invalid as error:
                put_errors(chosen, frame, fields_form, error)
            else:
                return redirect(url_for("eservices.apply_check", code=code, draft=saved.id))
        return _apply_page(chosen, frame, fields_form, draft, version)
    if request.method == "POST":
        application = submit(chosen, frame, fields_form, current_user, None, "web", record_draft=True)
        if application is not None:
            return _filed(application)
    return _apply_page(chosen, frame, fields_form, draft, version)


@bp.route("/<code>/apply/check", methods=["GET", "POST"])
@requires("cabinet.view")
def apply_check(code: str):
    """"Check your answers": every answer of the draft with a link back to its field, then send it (filed exactly
    as from the form) or keep it to finish later. Only the draft's resident sees it."""
    chosen, refusal = _offered_online(code)
    if refusal is not None:
        return refusal
    try:
        draft = drafts.get_own(current_user, int_or_none(request.args.get("draft")), "application")
    except drafts.DraftEnded as ended:
        if ended.draft.status == "submitted" and ended.draft.application_id is not None:
            # Sent already (a double click, a reload): the one application it became.
            return redirect(url_for("eservices_cabinet.service_application",
                                    application_id=ended.draft.application_id))
        return _ended(ended.draft)
    if draft.service_id != chosen.id:
        raise NotFound("draft")
    version = eservices.current_form(chosen)
    answers = MultiDict(draft.data)
    frame = ApplyFrame(formdata=answers, meta={"csrf": False})
    district_choices(frame, chosen)
    fields_form = eservice_forms.build_form(version.fields, current_lang(), prefix="f", formdata=answers)
    form = ApplicationCheckForm()
    if form.validate_on_submit():
        try:
            if form.save_draft.data:
                return _saved(drafts.touch(current_user, draft.id, "application"))
            # Checked again as when it is filed from the form: the service's form may have changed since.
            if validate(chosen, frame, fields_form, draft) is not None:
                application = file(chosen, frame, fields_form, application_input(
                    chosen, frame, fields_form, {}, "web", draft_id=draft.id), current_user, None)
                if application is not None:
                    return _filed(application)
        except drafts.DraftEnded as ended:
            # Ended between reading it and sending (expired, deleted in another tab).
            return _ended(ended.draft)
        return _apply_page(chosen, frame, fields_form, draft, version, 422)
    return render_template("eservices/apply_check.html", service=chosen, draft=draft, form=form,
                           answers=answers_shown(chosen, frame, fields_form, draft),
                           details=eservices.applicant_details(current_user)), \
        200 if request.method == "GET" else 422
