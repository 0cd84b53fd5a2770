"""The rating form: an overall mark (required) and the four ASAN criteria (each optional), 1–5, and a comment.

Marks are parsed leniently and checked by the service, so a refusal comes with the portal's own message. The
overall mark's field is called ``rating`` (with the usual prefix ``rate``: ``rate-rating``), as the appeals' and
e-services' rating forms always called it, so the forms embedded in their pages post the same fields.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from wtforms import RadioField, SelectChoice, SubmitField, TextAreaField
from wtforms.validators import Length

from app.kit.forms import MAX, BaseForm, int_or_none
from app.models import CRITERIA
from app.models.rating import COMMENT_LIMIT

NO_ANSWER = _l("No answer")
MARK_CHOICES = [SelectChoice(n, str(n)) for n in range(5, 0, -1)]
# What each criterion asks, in plain words (shown under its legend).
EXPLANATIONS = {
    "speed": _l("Was your matter dealt with quickly, within the time you were promised?"),
    "courtesy": _l("Were the staff polite, attentive and helpful?"),
    "clarity": _l("Was the answer, the result or the explanation clear and easy to understand?"),
    "outcome": _l("Was your matter settled? Mark what was done, whether or not the decision was the one you wanted."),
}


def _criterion(name: str, label) -> RadioField:
    return RadioField(label, coerce=int_or_none, validate_choice=False, default="", description=EXPLANATIONS[name],
                      choices=[*MARK_CHOICES, SelectChoice("", NO_ANSWER)])


class RatingForm(BaseForm):
    """A resident's rating of an answer, a result or a visit."""

    rating = RadioField(
        _l("Overall mark"), coerce=int_or_none, validate_choice=False, choices=MARK_CHOICES,
        description=_l("Required. 5 is the best, 1 the worst."),
    )
    speed = _criterion("speed", _l("Speed"))
    courtesy = _criterion("courtesy", _l("Courtesy"))
    clarity = _criterion("clarity", _l("Clarity"))
    outcome = _criterion("outcome", lazy_pgettext("rating criterion", "Outcome"))
    comment = TextAreaField(_l("Comment (optional)"), validators=[Length(max=COMMENT_LIMIT, message=MAX)])
    submit = SubmitField(_l("Save the rating"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "rate")
        super().__init__(*args, **kwargs)

    def fill(self, rating) -> None:
        """Show the resident's current rating (on the first display of the form only)."""
        if rating is None:
            return
        self.rating.data = rating.overall
        for name in CRITERIA:
            self[name].data = getattr(rating, name)
        self.comment.data = rating.comment or ""

    @property
    def marks(self) -> dict[str, int | None]:
        """The marks as the service takes them (``overall`` and each criterion)."""
        return {"overall": self.rating.data, **{name: self[name].data for name in CRITERIA}}

    def apply(self, error) -> None:
        """The service names the overall mark ``overall``; here it is the ``rating`` field."""
        error.errors = {("rating" if name == "overall" else name): message for name, message in error.errors.items()}
        super().apply(error)
