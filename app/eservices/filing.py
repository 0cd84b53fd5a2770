"""Filling in a data-defined application form, shared by residents online and officials at the front desk, and
the resident's "check your answers" step (the answers kept in a draft, app/kit/drafts.py)."""
from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from wtforms import SelectChoice

from app.eservices import form_definitions as eservice_forms
from app.eservices import service as eservices
from app.eservices.forms import ApplyFrame
from app.kit import drafts
from app.kit.errors import Invalid
from app.kit.i18n import current_lang, tr
from app.models import Draft, Service, ServiceApplication, User


def district_choices(frame: ApplyFrame, service: Service) -> None:
    """Offer only the districts whose authority provides the service."""
    frame.district_id.choices = [SelectChoice("", _("Choose a district"))] + [
        SelectChoice(d.id, tr(d)) for d in service.districts]


def validate(service: Service, frame: ApplyFrame, fields_form, draft: Draft | None = None,
             with_frame: bool = True) -> dict[str, list] | None:
    """Check the posted (or draft-filled) form: every message beside its field. The files chosen now per file
    question, or None when something is wrong. A required file is there when it was chosen now or the draft
    keeps one for that question."""
    form_version = eservices.current_form(service)
    valid = (frame.validate_on_submit() if with_frame else True) & fields_form.validate()
    eservice_forms.fix_messages(fields_form)
    kept = {f.field_key for f in draft.files} if draft is not None else set()
    uploads = {}
    for field in form_version.fields:
        if field["type"] != "file":
            continue
        items = [f for f in request.files.getlist(fields_form[field["key"]].name) if f and f.filename]
        if field.get("required") and not items and field["key"] not in kept:
            fields_form[field["key"]].errors = [_("Attach this document.")]
            valid = False
        uploads[field["key"]] = items
    return uploads if valid else None


def application_input(service: Service, frame: ApplyFrame, fields_form, uploads: dict, source: str,
                      **extra) -> eservices.ApplicationInput:
    """The use case's input from the checked forms."""
    form_version = eservices.current_form(service)
    return eservices.ApplicationInput(
        service_id=service.id, district_id=frame.district_id.data, form_id=form_version.id,
        answers=eservice_forms.answers_of(fields_form, form_version.fields), uploads=uploads,
        submission_token=frame.submission_token.data or None, locale=current_lang(), source=source, **extra,
    )


def put_errors(service: Service, frame: ApplyFrame, fields_form, error: Invalid) -> None:
    """A use case's refusal beside the question it concerns, or on the frame."""
    keys = {f["key"] for f in eservices.current_form(service).fields}
    for name, message in error.errors.items():
        if name in keys:
            fields_form[name].errors = [*fields_form[name].errors, str(message)]
        else:
            frame.apply(Invalid({name: message}))


def file(service: Service, frame: ApplyFrame, fields_form, data: eservices.ApplicationInput, actor: User,
         citizen: User | None) -> ServiceApplication | None:
    """File the checked application; on a refusal put its messages beside the fields and return None."""
    try:
        return eservices.apply(actor, data, citizen=citizen)
    except Invalid as error:
        put_errors(service, frame, fields_form, error)
        return None


def submit(service: Service, frame: ApplyFrame, fields_form, actor: User, citizen: User | None,
           source: str, **extra) -> ServiceApplication | None:
    """Validate and file; on bad input put every message beside its field and return None."""
    uploads = validate(service, frame, fields_form)
    if uploads is None:
        return None
    return file(service, frame, fields_form, application_input(service, frame, fields_form, uploads, source, **extra),
                actor, citizen)


def draft_input(service: Service, frame: ApplyFrame, fields_form) -> drafts.DraftInput:
    """What a draft keeps of the posted form: the answers as typed, the files chosen now per question, the kept
    files the resident ticked to remove."""
    form_version = eservices.current_form(service)
    district_id = frame.district_id.data if frame.district_id.data and frame.district_id.data > 0 else None
    uploads = {f["key"]: request.files.getlist(fields_form[f["key"]].name) for f in form_version.fields
               if f["type"] == "file"}
    removing = [int(v) for v in request.form.getlist("remove_file") if v.isdigit()]
    return drafts.DraftInput(kind="application", data=drafts.answers_of(frame, fields_form),
                             title=service.text("title", current_lang()), district_id=district_id,
                             service_id=service.id, uploads=uploads, remove_files=removing)


def answers_shown(service: Service, frame: ApplyFrame, fields_form, draft: Draft) -> list[dict]:
    """Every answer as the check page shows it: the field's id (its "Change" link lands there), the question's
    label, the answer as the authority will read it (an option by its label), and file names."""
    locale = current_lang()
    form_version = eservices.current_form(service)
    district = next((str(c.label) for c in frame.district_id.choices if str(c.value) == str(frame.district_id.data)),
                    "")
    rows = [{"id": frame.district_id.id, "label": frame.district_id.label.text, "value": district or "—"}]
    # ``shown`` gives (label, answer) for every question but the files, in the form's order.
    values = iter(eservice_forms.shown(form_version.fields,
                                       eservice_forms.answers_of(fields_form, form_version.fields), locale))
    for field in form_version.fields:
        row = {"id": fields_form[field["key"]].id, "label": eservice_forms.label(field, locale)}
        if field["type"] == "file":
            row.update(value=_("No files"), files=[f.original_name for f in draft.files if f.field_key == field["key"]])
        else:
            row["value"] = next(values)[1] or "—"
        rows.append(row)
    return rows
