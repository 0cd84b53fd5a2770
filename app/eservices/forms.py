"""Forms of the e-services module around the data-defined application forms."""
from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, MultipleFileField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length

from app.kit.forms import MAX, BaseForm, int_or_none


class ApplyFrame(BaseForm):
    """What every application asks besides the service's own fields: the district, and a one-time token."""

    district_id = SelectField(_l("District (city) executive authority"), coerce=int_or_none, validate_choice=False)
    submission_token = HiddenField()
    # The resident's buttons online: on to "check your answers", or keep the draft to finish later. A POST with
    # neither (an API-like caller) files at once, as before; the front desk files with ``submit``.
    proceed = SubmitField(_l("Continue"))
    save_draft = SubmitField(_l("Save and come back later"))
    submit = SubmitField(_l("Send the application"))

    def ensure_token(self) -> None:
        """One token per rendered form: sending it twice files one application."""
        if not self.submission_token.data:
            self.submission_token.data = secrets.token_urlsafe(24)


class ApplicationCheckForm(BaseForm):
    """The "check your answers" page's buttons: send the application, or keep the draft to finish later."""

    send = SubmitField(_l("Send the application"))
    save_draft = SubmitField(_l("Save and come back later"))


class FrontDeskForm(ApplyFrame):
    """An official registers an application for a resident who came to the front desk."""

    email = StringField(_l("The resident's email address"), description=_l("The resident's account on the portal."))


class NoteForm(BaseForm):
    """A note for a step: what documents are needed, the reason for a refusal, a reply with documents."""

    note = TextAreaField(_l("Text"), validators=[Length(max=2000, message=MAX)])
    documents = MultipleFileField(_l("Documents"), description=_l("Up to 5 files: PDF, JPEG or PNG, at most 10 MB each."))
    submit = SubmitField(_l("Send"))


