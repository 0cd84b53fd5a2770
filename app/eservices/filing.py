"""Filling in a data-defined application form, shared by residents online and officials at the front desk."""
from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from wtforms import SelectChoice

from app.eservices import form_definitions as eservice_forms
from app.eservices import service as eservices
from app.eservices.forms import ApplyFrame
from app.kit.errors import Invalid
from app.kit.i18n import current_lang, tr
from app.models import Service, ServiceApplication, User


def district_choices(frame: ApplyFrame, service: Service) -> None:
    """Offer only the districts whose authority provides the service."""
    frame.district_id.choices = [SelectChoice("", _("Choose a district"))] + [
        SelectChoice(d.id, tr(d)) for d in service.districts]


def submit(service: Service, frame: ApplyFrame, fields_form, actor: User, citizen: User | None,
           source: str) -> ServiceApplication | None:
    """Validate and file; on bad input put every message beside its field and return None."""
    form_version = eservices.current_form(service)
    valid = frame.validate_on_submit() & fields_form.validate()
    eservice_forms.fix_messages(fields_form)
    uploads = {}
    for field in form_version.fields:
        if field["type"] != "file":
            continue
        items = [f for f in request.files.getlist(fields_form[field["key"]].name) if f and f.filename]
        if field.get("required") and not items:
            fields_form[field["key"]].errors = [_("Attach this document.")]
            valid = False
        uploads[field["key"]] = items
    if not valid:
        return None
    data = eservices.ApplicationInput(
        service_id=service.id, district_id=frame.district_id.data, form_id=form_version.id,
        answers=eservice_forms.answers_of(fields_form, form_version.fields), uploads=uploads,
        submission_token=frame.submission_token.data or None, locale=current_lang(), source=source,
    )
    try:
        return eservices.apply(actor, data, citizen=citizen)
    except Invalid as error:
        for name, message in error.errors.items():
            if name in {f["key"] for f in form_version.fields}:
                fields_form[name].errors = [*fields_form[name].errors, str(message)]
            else:
                frame.apply(Invalid({name: message}))
        return None
