"""Forms of the area alerts: subscribing (the public page and the cabinet), the frequency of one alert, ending one."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectChoice, SelectField, StringField, SubmitField

from app.alerts.service import FREQUENCY_LABELS, FREQUENCY_NAMES
from app.kit.forms import BaseForm
from app.models import ALERT_FREQUENCIES


class SubscribeForm(BaseForm):
    """An address, a district, optionally a category, and how often. Districts and categories go by code; the
    use case checks them, so a wrong one is refused beside its field in the page's language."""

    email = StringField(_l("Email address"), render_kw={"autocomplete": "email", "spellcheck": "false"},
                        description=_l("We send a link to confirm it; nothing is sent before you open it."))
    district = SelectField(_l("District"), choices=[], validate_choice=False)
    category = SelectField(_l("Category"), choices=[], validate_choice=False,
                           description=_l("Only the appeals of one category, or all of them."))
    frequency = RadioField(_l("How often"), choices=[SelectChoice(code, FREQUENCY_LABELS[code])
                                                     for code in ALERT_FREQUENCIES], validate_choice=False)
    submit = SubmitField(_l("Subscribe"))

    def fill_choices(self, districts, categories, name_of) -> None:
        """Every active district and category by code (a district to choose first; "all categories" first)."""
        self.district.choices = [SelectChoice("", _l("Choose a district"))] + [
            SelectChoice(d.code, name_of(d)) for d in districts]
        self.category.choices = [SelectChoice("", _l("All categories"))] + [
            SelectChoice(c.code, name_of(c)) for c in categories]


class FrequencyForm(BaseForm):
    """How often one alert comes (the cabinet's list, one form per alert)."""

    frequency = SelectField(_l("How often"), choices=[SelectChoice(code, FREQUENCY_NAMES[code])
                                                      for code in ALERT_FREQUENCIES], validate_choice=False)
    submit = SubmitField(_l("Save"))


class UnsubscribeForm(BaseForm):
    """One button: stop this alert."""

    submit = SubmitField(_l("Stop these alerts"))
