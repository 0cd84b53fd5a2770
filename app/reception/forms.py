"""Forms of the reception module, for residents and for the district's head and officials.

Dates, times and numbers are parsed leniently here and checked by the service,
so every refusal comes with the portal's own message in the user's language.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.appeals.forms import AppealForm
from app.kit.forms import MAX, BaseForm, int_or_none
from app.models.reception import TOPIC_LIMIT

FALLBACK = _l("When empty, the Azerbaijani text is shown.")


class SessionForm(BaseForm):
    """A head publishes a reception session."""

    host_id = SelectField(_l("Host"), coerce=int_or_none, validate_choice=False)
    day = StringField(_l("Date"), render_kw={"type": "date"}, description=_l("For example 2026-12-15."))
    start = StringField(_l("From"), render_kw={"type": "time"}, description=_l("For example 10:00."))
    end = StringField(_l("Until"), render_kw={"type": "time"}, description=_l("For example 13:00."))
    slot_minutes = StringField(_l("Minutes per slot"), default="15", render_kw={"inputmode": "numeric"})
    seats_per_slot = StringField(_l("Residents per slot"), default="1", render_kw={"inputmode": "numeric"})
    cutoff_hours = StringField(
        _l("Booking closes (hours before)"), default="24", render_kw={"inputmode": "numeric"},
        description=_l("Residents can book and cancel until this many hours before the reception starts."),
    )
    # The Azerbaijani texts keep the names ``place`` and ``topics`` (the service's and the older pages' names).
    place = StringField(_l("Place in Azerbaijani"), description=_l("The address and the room."))
    place_ru = StringField(_l("Place in Russian (optional)"), description=FALLBACK)
    place_en = StringField(_l("Place in English (optional)"), description=FALLBACK)
    topics = TextAreaField(_l("Topics in Azerbaijani (optional)"),
                           description=_l("For example: housing, land, social support."))
    topics_ru = TextAreaField(_l("Topics in Russian (optional)"), description=FALLBACK)
    topics_en = TextAreaField(_l("Topics in English (optional)"), description=FALLBACK)
    submit = SubmitField(_l("Publish the reception"))


class CancelSessionForm(BaseForm):
    """The head cancels a session; the booked residents are told the reason."""

    reason = TextAreaField(_l("Reason, told to the booked residents"),
                           validators=[DataRequired(_l("Give the reason; the booked residents are told.")),
                                       Length(max=2000, message=MAX)])
    submit = SubmitField(_l("Cancel the reception"))


class BookForm(BaseForm):
    """A resident picks a time and says what they want to discuss."""

    slot_id = RadioField(_l("Time"), coerce=int_or_none, validate_choice=False)
    topic = TextAreaField(
        _l("Topic"), validators=[DataRequired(_l("Say briefly what you want to discuss.")),
                                 Length(max=TOPIC_LIMIT, message=MAX)],
        description=_l("Briefly, at most 300 characters."),
    )
    submit = SubmitField(_l("Book the reception"))


class MarkForm(BaseForm):
    """Check-in, received, did not come: the step comes in ``status``."""

    status = HiddenField()


class OutcomeForm(BaseForm):
    """What came of the reception."""

    outcome = TextAreaField(_l("Outcome of the reception"),
                            validators=[DataRequired(_l("Write the outcome of the reception.")),
                                        Length(max=5000, message=MAX)])
    submit = SubmitField(_l("Save the outcome"))


class OralAppealForm(AppealForm):
    """An oral appeal made at the reception, written down by the official."""

    submit = SubmitField(_l("Register the oral appeal"))
