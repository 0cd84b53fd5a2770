"""Forms of the proposals area. Choices are parsed leniently and checked by the service (its messages)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FileField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)

from app.kit.forms import BaseForm, int_or_none
from app.models import DECISIONS
from app.models.proposal import TEXT_LIMIT, TITLE_LIMIT


class ProposalForm(BaseForm):
    """A resident's proposal: where, what, and an optional picture."""

    district_id = SelectField(_l("District (city) executive authority"), coerce=int_or_none, validate_choice=False)
    category_id = SelectField(_l("Category"), coerce=int_or_none, validate_choice=False)
    title = StringField(_l("Title"), description=_l("At most %(max)d characters.", max=TITLE_LIMIT))
    body = TextAreaField(_l("What you propose"), description=_l(
        "At most %(max)d characters. Say what should change, where, and why it matters to residents.", max=TEXT_LIMIT))
    image = FileField(_l("Picture (optional)"), description=_l("A JPEG or PNG image of at most 10 MB."))
    remove_image = BooleanField(_l("Remove the present picture"))
    save = SubmitField(_l("Save as a draft"))
    publish = SubmitField(_l("Publish and collect supports"))

    def fill_choices(self, districts, categories, tr) -> None:
        """Offer the districts and the appeal categories in the current language."""
        self.district_id.choices = [SelectChoice("", _l("Choose a district"))] + [SelectChoice(d.id, tr(d)) for d in districts]
        self.category_id.choices = [SelectChoice("", _l("Choose a category"))] + [SelectChoice(c.id, tr(c)) for c in categories]


class StepForm(BaseForm):
    """A step that needs nothing but the button (support, withdraw, publish, delete)."""

    submit = SubmitField(_l("Confirm"))


class AnswerForm(BaseForm):
    """The head's answer to a proposal that reached its threshold."""

    decision = RadioField(_l("Decision"), validate_choice=False)
    response = TextAreaField(_l("Reasoning"), description=_l("Residents read it on the proposal's page."))
    submit = SubmitField(_l("Publish the answer"))

    def fill_choices(self, labels) -> None:
        """The three decisions in the current language."""
        self.decision.choices = [SelectChoice(d, labels[d]) for d in DECISIONS]


class AdvanceForm(BaseForm):
    """Move an accepted proposal into work, or mark it implemented."""

    to_state = HiddenField()
    submit = SubmitField(_l("Confirm"))


class LinkForm(BaseForm):
    """Link an accepted proposal to a commitment of the district."""

    commitment_id = SelectField(_l("Commitment"), coerce=int_or_none, validate_choice=False)
    submit = SubmitField(_l("Link the commitment"))


class SettingsForm(BaseForm):
    """A district's threshold and support period."""

    threshold = StringField(_l("Supports needed"), description=_l(
        "How many residents' supports oblige the authority to answer within 15 working days."))
    period_days = StringField(_l("Support period in days"), description=_l(
        "How long a published proposal collects supports. Proposals already published keep their rules."))
    submit = SubmitField(_l("Save"))


class ReportForm(BaseForm):
    """A resident reports a proposal that breaks the rules."""

    reason = TextAreaField(_l("What breaks the rules?"), description=_l("A moderator of the district reads it."))
    submit = SubmitField(_l("Report to the moderator"))
