"""Forms of the commitments module, for editors and for residents giving feedback.

Dates and amounts are parsed here (a malformed one is refused beside its field);
every rule about them (an end before a start, a negative cost, progress outside
0–100) is the service's, so its message comes in the user's language.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, ValidationError

from app.kit.forms import MAX, BaseForm, IsoDate, date_field, int_or_none, parse_money
from app.models.commitment import DESCRIPTION_LIMIT, FEEDBACK_COMMENT_LIMIT, TITLE_LIMIT


class Money:
    """Validator: empty, or an amount in manat written as a number."""

    def __call__(self, form, field) -> None:
        if field.data and parse_money(field.data) is None:
            raise ValidationError(_l("Enter the amount in manat as a number, for example 12500.50."))


class CommitmentForm(BaseForm):
    """An editor writes or changes a commitment of the district."""

    title_az = StringField(_l("Title in Azerbaijani"), validators=[Length(max=TITLE_LIMIT, message=MAX)])
    title_ru = StringField(_l("Title in Russian (optional)"), validators=[Length(max=TITLE_LIMIT, message=MAX)],
                           description=_l("When empty, the Azerbaijani title is shown."))
    title_en = StringField(_l("Title in English (optional)"), validators=[Length(max=TITLE_LIMIT, message=MAX)],
                           description=_l("When empty, the Azerbaijani title is shown."))
    description_az = TextAreaField(_l("Description in Azerbaijani"),
                                   validators=[Length(max=DESCRIPTION_LIMIT, message=MAX)],
                                   description=_l("What will be done, where, and for whom. At most 5,000 characters."))
    description_ru = TextAreaField(_l("Description in Russian (optional)"),
                                   validators=[Length(max=DESCRIPTION_LIMIT, message=MAX)],
                                   description=_l("When empty, the Azerbaijani description is shown."))
    description_en = TextAreaField(_l("Description in English (optional)"),
                                   validators=[Length(max=DESCRIPTION_LIMIT, message=MAX)],
                                   description=_l("When empty, the Azerbaijani description is shown."))
    department_id = SelectField(_l("Responsible department (optional)"), coerce=int_or_none, validate_choice=False)
    status = RadioField(_l("Status"), validate_choice=False, default="planned")
    progress = StringField(_l("Progress, in per cent"), default="0", render_kw={"inputmode": "numeric"},
                           description=_l("A whole number from 0 to 100; a completed commitment is at 100."))
    planned_start = date_field(_l("Planned start"))
    planned_end = date_field(_l("Planned end"))
    actual_start = date_field(_l("Actual start (optional)"))
    actual_end = date_field(_l("Actual end (optional)"))
    planned_cost = StringField(_l("Planned cost in manat (optional)"), validators=[Money()],
                               render_kw={"inputmode": "decimal"}, description=_l("For example 12500.50."))
    actual_cost = StringField(_l("Actual cost in manat (optional)"), validators=[Money()],
                              render_kw={"inputmode": "decimal"}, description=_l("For example 12500.50."))
    submit = SubmitField(_l("Save the commitment"))

    def fill_choices(self, departments, tr, status_labels) -> None:
        """Offer the district's departments and the statuses in the current language."""
        self.department_id.choices = [SelectChoice("", _l("No department"))] + [SelectChoice(d.id, tr(d)) for d in departments]
        self.status.choices = [SelectChoice(value, label) for value, label in status_labels.items()]


class MilestoneForm(BaseForm):
    """A dated milestone of a commitment."""

    title_az = StringField(_l("Milestone in Azerbaijani"), validators=[Length(max=TITLE_LIMIT, message=MAX)])
    title_ru = StringField(_l("Milestone in Russian (optional)"), validators=[Length(max=TITLE_LIMIT, message=MAX)],
                           description=_l("When empty, the Azerbaijani title is shown."))
    title_en = StringField(_l("Milestone in English (optional)"), validators=[Length(max=TITLE_LIMIT, message=MAX)],
                           description=_l("When empty, the Azerbaijani title is shown."))
    due_on = date_field(_l("Due on"))
    submit = SubmitField(_l("Add the milestone"))


class DoneForm(BaseForm):
    """Marks one milestone as done; each row's form has its own prefix, so its ids are unique on the page."""

    done_on = StringField(_l("Done on"), validators=[IsoDate()], render_kw={"type": "date"},
                          description=_l("Leave empty for today."))
    submit = SubmitField(_l("Mark as done"))


class LinkForm(BaseForm):
    """Links an appeal of the district by its registration number."""

    number = StringField(_l("Registration number of the appeal"), validators=[Length(max=40, message=MAX)],
                         description=_l("For example GNC-2026-000123. Only the number is shown publicly, "
                                        "and the subject when the applicant allowed publication."))
    submit = SubmitField(_l("Link the appeal"))


class FeedbackForm(BaseForm):
    """A resident says whether a completed commitment was delivered."""

    delivered = RadioField(
        _l("Was the commitment delivered?"), validate_choice=False,
        choices=[SelectChoice("yes", _l("Yes, it was delivered")), SelectChoice("no", _l("No, it was not delivered"))],
    )
    comment = TextAreaField(
        _l("Comment (optional)"), validators=[Length(max=FEEDBACK_COMMENT_LIMIT, message=MAX)],
        description=_l("At most 1,000 characters. It is published without your name; do not write personal details."),
    )
    submit = SubmitField(_l("Send my feedback"))

    @property
    def delivered_value(self) -> bool | None:
        """The answer as True / False, None when none was chosen."""
        return {"yes": True, "no": False}.get(self.delivered.data or "")
