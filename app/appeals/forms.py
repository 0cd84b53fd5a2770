"""Forms of the appeals module, for residents and officials.

Numbers and choices are parsed leniently here and checked by the services,
so every refusal comes with the portal's own message in the user's language.
"""
from __future__ import annotations

import secrets

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from app.appeals.service import GROUND_LABELS, KIND_LABELS
from app.kit.forms import MAX, BaseForm, Coordinate, int_or_none
from app.models import KINDS, NOT_CONSIDERED_GROUNDS
from app.models.appeal import TEXT_LIMIT


class AppealForm(BaseForm):
    """A resident's appeal to a district authority."""

    district_id = SelectField(_l("District (city) executive authority"), coerce=int_or_none, validate_choice=False)
    category_id = SelectField(_l("Category"), coerce=int_or_none, validate_choice=False)
    kind = RadioField(_l("Kind of appeal"), validate_choice=False, default="application")
    subject = StringField(
        _l("Subject"), validators=[DataRequired(_l("Write the subject of your appeal.")), Length(max=200, message=MAX)]
    )
    text = TextAreaField(
        _l("Your appeal"),
        validators=[DataRequired(_l("Write your appeal.")), Length(max=TEXT_LIMIT, message=MAX)],
        description=_l("At most 10,000 characters. Describe the situation, the place and what you ask for."),
    )
    applicant_name = StringField(
        _l("Full name"),
        validators=[DataRequired(_l("The law does not accept anonymous appeals: write your full name.")), Length(max=200, message=MAX)],
    )
    applicant_address = StringField(
        _l("Address"),
        validators=[Length(max=300, message=MAX)],
        description=_l("Your postal address. An address or a phone number is required."),
    )
    applicant_phone = StringField(_l("Phone"), validators=[Length(max=32, message=MAX)])
    location_lat = StringField(_l("Latitude of the place (optional)"), validators=[Optional(), Coordinate()])
    location_lon = StringField(_l("Longitude of the place (optional)"), validators=[Optional(), Coordinate()])
    confidential = BooleanField(_l("Keep my personal details confidential"))
    public_ok = BooleanField(_l("The appeal and its answer may be published without my name"))
    attachments = MultipleFileField(
        _l("Attachments"), description=_l("Up to 5 files: PDF, JPEG or PNG, at most 10 MB each.")
    )
    submission_token = HiddenField()
    # Without JavaScript: the form comes back with the open appeals like this one, and nothing is filed.
    check_similar = SubmitField(_l("Check for similar appeals"))
    # The web form's buttons: on to "check your answers", or keep the draft to finish later. A POST with neither
    # (an API-like caller) files at once, as before.
    proceed = SubmitField(_l("Continue"))
    save_draft = SubmitField(_l("Save and come back later"))
    submit = SubmitField(_l("Send the appeal"))

    def fill_choices(self, districts, categories, tr) -> None:
        """Offer the districts and categories in the current language."""
        self.district_id.choices = [SelectChoice("", _l("Choose a district"))] + [SelectChoice(d.id, tr(d)) for d in districts]
        self.category_id.choices = [SelectChoice("", _l("Choose a category"))] + [SelectChoice(c.id, tr(c)) for c in categories]
        self.kind.choices = [SelectChoice(k, KIND_LABELS[k]) for k in KINDS]
        if not self.submission_token.data:
            # One token per rendered form: sending it twice files one appeal.
            self.submission_token.data = secrets.token_urlsafe(24)


    def answers_shown(self, pending_files) -> list[dict]:
        """Every answer as the check page shows it: the field's id (its "Change" link lands there), its label and
        the value as the authority will read it (names of the district and category, the kind's label)."""

        def chosen(field) -> str:
            return next((str(c.label) for c in field.choices if str(c.value) == str(field.data)), "")

        yes_no = {True: _("Yes"), False: _("No")}
        place = (f"{self.location_lat.data}, {self.location_lon.data}"
                 if self.location_lat.data or self.location_lon.data else _("Not given"))
        rows = [(self.district_id, chosen(self.district_id)), (self.category_id, chosen(self.category_id)),
                (self.kind, chosen(self.kind)), (self.subject, self.subject.data),
                (self.text, self.text.data), (self.applicant_name, self.applicant_name.data),
                (self.applicant_address, self.applicant_address.data), (self.applicant_phone, self.applicant_phone.data),
                (self.confidential, yes_no[bool(self.confidential.data)]),
                (self.public_ok, yes_no[bool(self.public_ok.data)]), (self.location_lat, place)]
        shown = [{"id": f.id, "label": f.label.text, "value": value or "—"} for f, value in rows]
        shown[-1]["label"] = _("Place on the map")
        shown.append({"id": self.attachments.id, "label": self.attachments.label.text,
                      "files": [f.original_name for f in pending_files], "value": _("No files")})
        return shown


class AppealCheckForm(BaseForm):
    """The "check your answers" page's buttons: send the appeal, or keep the draft to finish later."""

    send = SubmitField(_l("Send the appeal"))
    save_draft = SubmitField(_l("Save and come back later"))


class TextForm(BaseForm):
    """A single text and optional files: a reply, a message, a note, a dispute."""

    note = TextAreaField(_l("Text"), validators=[DataRequired(_l("Write the text.")), Length(max=5000, message=MAX)])
    attachments = MultipleFileField(_l("Attachments"), description=_l("Up to 5 files: PDF, JPEG or PNG, at most 10 MB each."))
    submit = SubmitField(_l("Send"))


class WithdrawForm(BaseForm):
    """The applicant withdraws the appeal."""

    note = TextAreaField(_l("Reason (optional)"), validators=[Length(max=2000, message=MAX)])
    submit = SubmitField(_l("Withdraw the appeal"))


class RegisterStepForm(BaseForm):
    """An official registers the appeal, optionally to a department."""

    department_id = SelectField(_l("Department"), coerce=int_or_none, validate_choice=False)
    submit = SubmitField(_l("Register the appeal"))


class AssignForm(BaseForm):
    """An official assigns the appeal to a colleague of the district."""

    assignee_id = SelectField(_l("Official"), coerce=int_or_none, validate_choice=False)
    submit = SubmitField(_l("Assign"))


class AnswerForm(BaseForm):
    """The official's answer to the applicant."""

    answer = TextAreaField(_l("Answer"), validators=[DataRequired(_l("Write the answer.")), Length(max=TEXT_LIMIT, message=MAX)])
    # Shown only for an appeal linked into a case (app/appeals/cases.py answer_all).
    to_case = BooleanField(_l("Send this answer to every open appeal of the case, each applicant on their own appeal"))
    submit = SubmitField(_l("Send the answer"))


class LinkForm(BaseForm):
    """An official links the appeal with another one on the same matter, by number or from the suggestions."""

    number = StringField(_l("Registration number of the appeal to link with"),
                         validators=[Length(max=20, message=MAX)])
    submit = SubmitField(_l("Link the appeals"))

    def example_from(self, number: str) -> None:
        """Show the number's shape with this appeal's district and year (never another district's code: an
        official of one district is not shown another's numbers, not even as an example)."""
        self.number.description = _("For example %(number)s.", number=number.rsplit("-", 1)[0] + "-000123")


class ForwardForm(BaseForm):
    """Forwarding an appeal that is outside the authority's competence."""

    forwarded_to = StringField(
        _l("Competent body"),
        validators=[DataRequired(_l("Name the competent body the appeal is forwarded to.")), Length(max=300, message=MAX)],
    )
    submit = SubmitField(_l("Forward"))


class NotConsiderForm(BaseForm):
    """Leaving an appeal without consideration, on a ground the law names."""

    ground = SelectField(_l("Legal ground"), validate_choice=False)
    note = TextAreaField(
        _l("Explanation for the applicant"),
        validators=[DataRequired(_l("Explain the decision to the applicant.")), Length(max=2000, message=MAX)],
    )
    submit = SubmitField(_l("Leave without consideration"))

    def fill_choices(self) -> None:
        """Offer the grounds an official may use (withdrawal is the applicant's own)."""
        self.ground.choices = [SelectChoice("", _l("Choose a ground"))] + [
            SelectChoice(g, GROUND_LABELS[g]) for g in NOT_CONSIDERED_GROUNDS if g != "withdrawn"
        ]


class ExtendForm(BaseForm):
    """The head extends the deadline once."""

    days = StringField(_l("Extend by (working days)"), description=_l("From 1 to 30 working days."))
    reason = TextAreaField(
        _l("Reason, told to the applicant"),
        validators=[DataRequired(_l("Give the reason for the extension; the applicant is told.")), Length(max=2000, message=MAX)],
    )
    submit = SubmitField(_l("Extend the deadline"))


