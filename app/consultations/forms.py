"""Forms of consultations and moderation. Every rule about the input is the service's (its message comes in the
user's language, beside the field); the forms carry the CSRF token, strip whitespace and parse dates and ids."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField

from app.kit.forms import BaseForm, date_field, int_or_none

SAME_LINES = _l("Optional: as many lines as in Azerbaijani, in the same order.")
FALLBACK = _l("When empty, the Azerbaijani text is shown.")


class ConsultationForm(BaseForm):
    """An editor writes or changes a draft consultation."""

    district_id = SelectField(_l("Held by"), validate_choice=False)
    title_az = StringField(_l("Title in Azerbaijani"))
    title_ru = StringField(_l("Title in Russian (optional)"), description=FALLBACK)
    title_en = StringField(_l("Title in English (optional)"), description=FALLBACK)
    summary_az = TextAreaField(_l("What the draft decision is about, in Azerbaijani"),
                               description=_l("At most 2,000 characters."))
    summary_ru = TextAreaField(_l("What it is about, in Russian (optional)"), description=FALLBACK)
    summary_en = TextAreaField(_l("What it is about, in English (optional)"), description=FALLBACK)
    opens_on = date_field(_l("Comments open on"))
    closes_on = date_field(_l("Last day for comments"))
    submit = SubmitField(_l("Save the draft"))


class SectionForm(BaseForm):
    """A section of the draft document, in three languages."""

    title_az = StringField(_l("Section title in Azerbaijani"))
    body_az = TextAreaField(_l("Section text in Azerbaijani"))
    title_ru = StringField(_l("Section title in Russian (optional)"), description=FALLBACK)
    body_ru = TextAreaField(_l("Section text in Russian (optional)"), description=FALLBACK)
    title_en = StringField(_l("Section title in English (optional)"), description=FALLBACK)
    body_en = TextAreaField(_l("Section text in English (optional)"), description=FALLBACK)
    submit = SubmitField(_l("Save the section"))


class QuestionForm(BaseForm):
    """A question of the question set with its options, one a line."""

    text_az = StringField(_l("Question in Azerbaijani"))
    options_az = TextAreaField(_l("Answers in Azerbaijani, one a line"), description=_l("From 2 to 10 answers."))
    text_ru = StringField(_l("Question in Russian (optional)"), description=FALLBACK)
    options_ru = TextAreaField(_l("Answers in Russian, one a line (optional)"), description=SAME_LINES)
    text_en = StringField(_l("Question in English (optional)"), description=FALLBACK)
    options_en = TextAreaField(_l("Answers in English, one a line (optional)"), description=SAME_LINES)
    submit = SubmitField(_l("Add the question"))


class SectionOutcomeForm(BaseForm):
    """After the period: a section's final text and what changed in it and why."""

    final_az = TextAreaField(_l("Final text in Azerbaijani"), description=_l("Leave empty when the section did not change."))
    change_az = TextAreaField(_l("What changed and why, in Azerbaijani"))
    final_ru = TextAreaField(_l("Final text in Russian (optional)"), description=FALLBACK)
    change_ru = TextAreaField(_l("What changed and why, in Russian (optional)"), description=FALLBACK)
    final_en = TextAreaField(_l("Final text in English (optional)"), description=FALLBACK)
    change_en = TextAreaField(_l("What changed and why, in English (optional)"), description=FALLBACK)
    submit = SubmitField(_l("Save the section's outcome"))


class OutcomeForm(BaseForm):
    """After the period: what changed and why, overall; publishing it concludes the consultation."""

    outcome_az = TextAreaField(_l("What changed and why, in Azerbaijani"))
    outcome_ru = TextAreaField(_l("What changed and why, in Russian (optional)"), description=FALLBACK)
    outcome_en = TextAreaField(_l("What changed and why, in English (optional)"), description=FALLBACK)
    submit = SubmitField(_l("Publish the outcome"))


class CommentForm(BaseForm):
    """A resident's comment on a section, or a reply to a comment."""

    section_id = HiddenField(filters=[int_or_none])
    parent_id = HiddenField(filters=[int_or_none])
    body = TextAreaField(_l("Your comment"), description=_l("At most 2,000 characters. Your first name and the initial of your surname are shown with it."))


class ReportForm(BaseForm):
    """Reporting content to the moderators."""

    reason = TextAreaField(_l("Why should a moderator look at this?"), description=_l("At most 500 characters."))
    submit = SubmitField(_l("Send the report"))


