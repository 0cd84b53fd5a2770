"""Forms of the reference-data pages: a district, a department, an appeal category, a calendar exception.

Choices and numbers are parsed leniently and checked by ``app.administration.reference_service``, so every
refusal comes with the portal's own message, beside the field, in the user's language.
"""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectChoice, SelectField, StringField, SubmitField

from app.administration.reference_service import CALENDAR_KIND_LABELS, Names
from app.kit.forms import BaseForm, int_or_none

FALLBACK = _l("When empty, the Azerbaijani name is shown.")


def _lang(code: str) -> dict:
    """Inputs holding another language's text say so, for screen readers and spelling checkers."""
    return {"lang": code}


class NamesMixin:
    """The three names every reference row has."""

    name_az = StringField(_l("Name in Azerbaijani"), render_kw=_lang("az"))
    name_ru = StringField(_l("Name in Russian (optional)"), render_kw=_lang("ru"), description=FALLBACK)
    name_en = StringField(_l("Name in English (optional)"), render_kw=_lang("en"), description=FALLBACK)

    def names(self) -> Names:
        """The names as the service takes them."""
        return Names(self.name_az.data or "", self.name_ru.data or "", self.name_en.data or "")


class DistrictForm(NamesMixin, BaseForm):
    """An administrator adds a district authority or changes one (its code is fixed once given)."""

    code = StringField(_l("Code"), render_kw={"spellcheck": "false", "autocapitalize": "characters", "maxlength": 3},
                       description=_l("Three Latin letters, such as GNC. Appeal numbers carry it; it cannot be "
                                      "changed later."))
    active = BooleanField(_l("Active: residents can choose it for new appeals, bookings and applications"),
                          default=True)
    submit = SubmitField(_l("Save the district"))


class DepartmentForm(NamesMixin, BaseForm):
    """An administrator adds a department to a district or changes one."""

    kind = StringField(_l("Kind (optional)"), render_kw={"spellcheck": "false", "autocapitalize": "none"},
                       description=_l("What the department does, as a short code shared by every district, such "
                                      "as housing. Appeal categories go to a kind by default."))
    active = BooleanField(_l("Active: appeals can be assigned to it"), default=True)
    submit = SubmitField(_l("Save the department"))


class CategoryForm(NamesMixin, BaseForm):
    """An administrator adds an appeal category or changes one (its code is fixed once given)."""

    code = StringField(_l("Code"), render_kw={"spellcheck": "false", "autocapitalize": "none"},
                       description=_l("Small Latin letters, digits and hyphens, such as roads. It cannot be "
                                      "changed later."))
    default_department_kind = SelectField(
        _l("Department it goes to by default"), validate_choice=False,
        description=_l("In each district, a new appeal of this category is given to that district's active "
                       "department of this kind; officials can change it when registering."))
    position = StringField(_l("Position in the list"), default="0", render_kw={"inputmode": "numeric"},
                           description=_l("Smaller numbers come first."))
    active = BooleanField(_l("Active: residents can choose it for new appeals"), default=True)
    submit = SubmitField(_l("Save the category"))

    def fill_choices(self, kinds: list[str]) -> None:
        """Offer the department kinds in use, and none."""
        self.default_department_kind.choices = [SelectChoice("", _l("None: officials choose"))] + [
            SelectChoice(kind, kind) for kind in kinds]

    def parsed_position(self) -> int | None:
        """The position as a whole number (None when empty or not one)."""
        number = int_or_none(self.position.data)
        return None if number == -1 else number


class CalendarExceptionForm(BaseForm):
    """An administrator declares an extra rest day or a working Saturday."""

    day = StringField(_l("Date"), render_kw={"type": "date"},
                      description=_l("As YYYY-MM-DD, for example 2026-12-31."))
    kind = SelectField(_l("What the decision declares"), validate_choice=False,
                       choices=[SelectChoice("", _l("Choose one"))]
                       + [SelectChoice(value, label) for value, label in CALENDAR_KIND_LABELS.items()])
    decision = StringField(_l("Decision"), description=_l("The government decision that declares it: its number, "
                                                          "date and body, such as Cabinet of Ministers decision "
                                                          "No. 123 of 1 December 2026."))
    submit = SubmitField(_l("Declare"))

    def parsed_day(self) -> date | None:
        """The date typed, or None when it is not one."""
        try:
            return date.fromisoformat((self.day.data or "").strip())
        except ValueError:
            return None


class WithdrawForm(BaseForm):
    """Remove a calendar exception entered by mistake (a button)."""

    submit = SubmitField(_l("Remove"))
