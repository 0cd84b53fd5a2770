"""Forms of the accountability area: a yearly service cost (``/office/costs``).

The year, the subject and the amount are parsed leniently and checked by ``app.accountability.costs``, so every
refusal comes with the portal's own message beside its field.
"""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField, StringField, SubmitField

from app.kit.forms import BaseForm, parse_money


class CostForm(BaseForm):
    """The head of a district enters what the authority spent in a year on one service."""

    year = StringField(_l("Year"), render_kw={"inputmode": "numeric", "autocomplete": "off"},
                       description=_l("This year or an earlier one."))
    subject = SelectField(_l("What the cost is for"), validate_choice=False)
    amount = StringField(_l("Amount, manat"), render_kw={"inputmode": "decimal", "autocomplete": "off"},
                         description=_l("Staff, premises and systems of that service for the whole year. Entering a "
                                        "cost again for the same year and service replaces it."))
    submit = SubmitField(_l("Save the cost"))

    def fill(self, services: list, lang: str) -> None:
        """Offer the appeals, the front desk and each of the district's e-services."""
        self.subject.choices = [SelectChoice("", _l("Choose one")), SelectChoice("appeals", _l("Appeals")),
                                SelectChoice("front_desk", _l("The front desk"))] + [
            SelectChoice(f"eservice:{service.id}", service.text_in("title", lang)) for service in services]

    def parsed_year(self) -> int | None:
        """The year typed, or None when it is not a whole number."""
        text = (self.year.data or "").strip()
        return int(text) if text.isdigit() and len(text) <= 4 else None

    def parsed_amount(self) -> Decimal | None:
        """The amount typed, or None when it is not a number."""
        return parse_money(self.amount.data)
