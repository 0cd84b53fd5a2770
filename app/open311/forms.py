"""The administrators' form for issuing an Open311 key (rotating and revoking are buttons: ``ButtonForm``)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import Length

from app.kit.forms import MAX, BaseForm, int_or_none
from app.open311.keys import NAME_MAX


class IssueKeyForm(BaseForm):
    """A new key: whom it is for, and the one district it files appeals to."""

    name = StringField(_l("Client"), validators=[Length(max=NAME_MAX, message=MAX)],
                       description=_l("Who uses the key, such as the district's call centre or a mobile app."))
    district_id = SelectField(_l("District (city) executive authority"), coerce=int_or_none, validate_choice=False)
    submit = SubmitField(_l("Issue a key"))

    def fill_choices(self, districts, tr) -> None:
        """Offer the active districts in the current language."""
        self.district_id.choices = [SelectChoice("", _l("Choose a district"))] + \
            [SelectChoice(d.id, tr(d)) for d in districts]
