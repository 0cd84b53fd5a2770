"""The form of a new version of the service index's weights (``/admin/index-weights``).

Numbers are parsed leniently and checked by ``app.administration.weights_service``, so every refusal comes with the
portal's own message beside its field (or, when they do not add up to 100, on the group of weights).
"""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField, TextAreaField

from app.accountability.service import PART_LABELS
from app.accountability.stats import PARTS
from app.kit.errors import Invalid
from app.kit.forms import BaseForm, parse_date


def _weight(name: str) -> StringField:
    return StringField(PART_LABELS[name], render_kw={"inputmode": "numeric"})


class IndexWeightsForm(BaseForm):
    """An administrator dates a new version of the weights, one whole number per part, and says why."""

    effective_from = StringField(_l("In force from"), render_kw={"type": "date"},
                                 description=_l("Today or later, and after the latest version. The index of a "
                                                "period is computed with the weights in force on its last day."))
    weight_speed = _weight("speed")
    weight_on_time = _weight("on_time")
    weight_satisfaction = _weight("satisfaction")
    weight_openness = _weight("openness")
    weight_courtesy = _weight("courtesy")
    weight_clarity = _weight("clarity")
    weight_outcome = _weight("outcome")
    weight_waiting = _weight("waiting")
    note = TextAreaField(_l("Why the weights change"), render_kw={"rows": 3})
    submit = SubmitField(_l("Add the version"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Errors about the weights as a whole (they do not add up to 100), shown on their fieldset.
        self.group_errors: list[str] = []

    def weight_fields(self) -> list:
        """The weight inputs in the order of ``PARTS``."""
        return [self[f"weight_{name}"] for name in PARTS]

    def fill(self, weights: dict[str, int]) -> None:
        """Start from the latest version's weights."""
        for name in PARTS:
            self[f"weight_{name}"].data = str(weights.get(name, 0))

    def parsed_day(self) -> date | None:
        """The date typed, or None when it is not one."""
        return parse_date(self.effective_from.data)

    def weights(self) -> dict[str, int | None]:
        """Each part's number (None when empty or not a whole number)."""
        parsed: dict[str, int | None] = {}
        for name in PARTS:
            try:
                parsed[name] = int((self[f"weight_{name}"].data or "").strip())
            except ValueError:
                parsed[name] = None
        return parsed

    def apply(self, error: Invalid) -> None:
        """Put the service's messages beside their fields; the sum's message on the group."""
        group = error.errors.get("weights")
        if group:
            self.group_errors.append(str(group))
        super().apply(Invalid({key: value for key, value in error.errors.items() if key != "weights"}))

    @property
    def all_errors(self) -> list[tuple[str | None, str]]:
        """Every error for the summary, the group's linking to its fieldset."""
        return [("weights", message) for message in self.group_errors] + super().all_errors
