"""Forms of the news search and the subscription to a district's news."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.fields import SearchField

from app.kit.forms import BaseForm
from app.kit.i18n import LANGUAGE_NAMES
from app.models import LANGUAGES


class SearchForm(BaseForm):
    """Words to search for and an optional district; sent by GET so that results can be bookmarked."""

    class Meta:
        # Nothing is stored or changed, and a CSRF token would spoil the shareable address.
        csrf = False

    q = SearchField(_l("Words to search for"),
                    description=_l("Titles, summaries and texts of the news in the language you read the portal in."))
    district = SelectField(_l("District"), choices=[], validate_choice=False)

    def fill_choices(self, districts, name_of) -> None:
        """Every district by code, after "the whole country"."""
        self.district.choices = [SelectChoice("", _l("The whole country"))] + [
            SelectChoice(d.code, name_of(d)) for d in districts]


class SubscribeForm(BaseForm):
    """An email address and the language of the weekly news digest."""

    email = StringField(_l("Email address"), render_kw={"autocomplete": "email", "spellcheck": "false"},
                        description=_l("We send a link to confirm it; nothing is sent before you open it."))
    lang = RadioField(_l("Language of the news"), choices=[SelectChoice(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
                      validate_choice=False)
    submit = SubmitField(_l("Subscribe"))


class UnsubscribeForm(BaseForm):
    """One button: stop this subscription."""

    submit = SubmitField(_l("Stop sending me this news"))
