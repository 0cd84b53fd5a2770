"""Forms of the polls module: voting, proposing a topic, the moderator's poll form and decisions.

Choices are parsed leniently (``int_or_none``) and checked by the service, so a
refusal comes with the portal's own message beside the field.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from wtforms import RadioField, SelectChoice, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.kit.calendar import BAKU
from app.kit.forms import MAX, BaseForm, int_or_none
from app.models.poll import DESCRIPTION_LIMIT, OPTION_LIMIT, QUESTION_LIMIT, REASON_LIMIT

# Ten answers of 200 characters, one per line.
OPTIONS_LIMIT = 10 * (OPTION_LIMIT + 2)
OPTIONS_HINT = _l("One answer per line, from 2 to 10 answers, each at most 200 characters.")


def parse_local(value: str | None) -> datetime | None:
    """A Baku date and time as a ``datetime-local`` input sends it (2026-12-15T09:00), or None."""
    try:
        moment = datetime.fromisoformat((value or "").strip())
    except ValueError:
        return None
    return moment.replace(tzinfo=BAKU) if moment.tzinfo is None else moment


def to_local(moment: datetime | None) -> str:
    """The value a ``datetime-local`` input shows for ``moment``, in Baku time."""
    return moment.astimezone(BAKU).strftime("%Y-%m-%dT%H:%M") if moment else ""


def lines(value: str | None) -> list[str]:
    """The non-empty lines of a text area."""
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


class LocalDateTime:
    """Validator: empty, or a date and time (what a datetime-local input sends)."""

    def __call__(self, form, field) -> None:
        if field.data and parse_local(field.data) is None:
            raise ValidationError(_l("Enter the date and time, for example 2026-12-15 09:00."))


class SingleVoteForm(BaseForm):
    """A ballot of a one-answer poll: radios in a fieldset whose legend is the question."""

    options = RadioField(_l("Your answer"), coerce=int_or_none, validate_choice=False)
    submit = SubmitField(_l("Vote"))

    @property
    def chosen(self) -> list[int | None]:
        """Every option id sent (empty when none): a radio group sends one, but a crafted request may send two,
        which the service refuses rather than quietly counting the first."""
        return [int_or_none(v) for v in (self.options.raw_data or []) if v != ""]


class MultipleVoteForm(BaseForm):
    """A ballot of a several-answers poll: checkboxes in a fieldset whose legend is the question."""

    options = SelectMultipleField(_l("Your answers"), coerce=int_or_none, validate_choice=False,
                                  widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    submit = SubmitField(_l("Vote"))

    @property
    def chosen(self) -> list[int | None]:
        """The chosen option ids (empty when none)."""
        return list(self.options.data or [])


def vote_form(poll, lang: str, formdata=None):
    """The ballot form for ``poll`` with its answers in ``lang``."""
    form_class = SingleVoteForm if poll.kind == "single" else MultipleVoteForm
    form = form_class(prefix="vote") if formdata is None else form_class(formdata=formdata, prefix="vote")
    form.options.choices = [SelectChoice(o.id, o.label_in(lang)) for o in poll.options]
    form.options.label.text = poll.question_in(lang)
    form.options.description = _l("Choose one answer.") if poll.kind == "single" else _l("Choose one or more answers.")
    return form


class TopicForm(BaseForm):
    """A resident proposes a poll to their authority."""

    district_id = SelectField(_l("District authority"), coerce=int_or_none, validate_choice=False)
    direction = SelectField(_l("Direction"), validate_choice=False)
    question = StringField(_l("Question"), validators=[Length(max=QUESTION_LIMIT, message=MAX)],
                           description=_l("The question residents will answer, at most 300 characters."))
    description = TextAreaField(_l("Explanation (optional)"), validators=[Length(max=DESCRIPTION_LIMIT, message=MAX)],
                                description=_l("Why it matters, at most 2,000 characters."))
    kind = RadioField(_l("Residents choose"), validate_choice=False, default="single")
    options = TextAreaField(lazy_pgettext("poll options", "Answers"), validators=[Length(max=OPTIONS_LIMIT, message=MAX)], description=OPTIONS_HINT)
    submit = SubmitField(_l("Send to the moderator"))


class PollForm(BaseForm):
    """A moderator writes a poll (or approves a topic as one): texts in three languages, answers, times."""

    direction = SelectField(_l("Direction"), validate_choice=False)
    kind = RadioField(_l("Residents choose"), validate_choice=False, default="single")
    question_az = StringField(_l("Question in Azerbaijani"), validators=[Length(max=QUESTION_LIMIT, message=MAX)])
    question_ru = StringField(_l("Question in Russian (optional)"), validators=[Length(max=QUESTION_LIMIT, message=MAX)],
                              description=_l("When empty, the Azerbaijani question is shown."))
    question_en = StringField(_l("Question in English (optional)"), validators=[Length(max=QUESTION_LIMIT, message=MAX)],
                              description=_l("When empty, the Azerbaijani question is shown."))
    description_az = TextAreaField(_l("Explanation in Azerbaijani (optional)"),
                                   validators=[Length(max=DESCRIPTION_LIMIT, message=MAX)])
    description_ru = TextAreaField(_l("Explanation in Russian (optional)"),
                                   validators=[Length(max=DESCRIPTION_LIMIT, message=MAX)],
                                   description=_l("When empty, the Azerbaijani text is shown."))
    description_en = TextAreaField(_l("Explanation in English (optional)"),
                                   validators=[Length(max=DESCRIPTION_LIMIT, message=MAX)],
                                   description=_l("When empty, the Azerbaijani text is shown."))
    options_az = TextAreaField(_l("Answers in Azerbaijani"), validators=[Length(max=OPTIONS_LIMIT, message=MAX)],
                               description=OPTIONS_HINT)
    options_ru = TextAreaField(_l("Answers in Russian (optional)"), validators=[Length(max=OPTIONS_LIMIT, message=MAX)],
                               description=_l("As many lines as in Azerbaijani, in the same order; empty: shown in Azerbaijani."))
    options_en = TextAreaField(_l("Answers in English (optional)"), validators=[Length(max=OPTIONS_LIMIT, message=MAX)],
                               description=_l("As many lines as in Azerbaijani, in the same order; empty: shown in Azerbaijani."))
    opens_at = StringField(_l("Opens at (Baku time)"), validators=[LocalDateTime()],
                           render_kw={"type": "datetime-local"}, description=_l("For example 2026-12-15 09:00."))
    closes_at = StringField(_l("Closes at (Baku time)"), validators=[LocalDateTime()],
                            render_kw={"type": "datetime-local"}, description=_l("For example 2026-12-31 18:00."))
    # No longer offered: every poll shows its results only after closing (services.polls.results_visible).
    results_visibility = RadioField(_l("Results are shown"), validate_choice=False, default="after_close")
    submit = SubmitField(_l("Save the poll"))


class ApprovePollForm(PollForm):
    """The poll form of a topic's approval: the moderator opens the poll at once or at the time they set."""

    opening = RadioField(_l("The poll opens"), validate_choice=False, default="at",
                         choices=[SelectChoice("now", _l("Now, on approval")), SelectChoice("at", _l("At the time I set"))])

    @property
    def open_now(self) -> bool:
        """Whether "now" was chosen (anything else, or nothing, means the time in ``opens_at``)."""
        return self.opening.data == "now"


class ReasonForm(BaseForm):
    """A moderator's words to the resident: what to change, or why the topic is rejected."""

    reason = TextAreaField(_l("Reason"), validators=[Length(max=REASON_LIMIT, message=MAX)],
                           description=_l("The resident reads it. At most 1,000 characters."))
    submit = SubmitField(_l("Send"))


def fill_topic_choices(form: TopicForm, districts, tr, direction_labels, kind_labels) -> None:
    """Offer the districts, directions and kinds in the current language."""
    form.district_id.choices = [SelectChoice("", _l("Choose…"))] + [SelectChoice(d.id, tr(d)) for d in districts]
    form.direction.choices = [SelectChoice("", _l("Choose…"))] + [SelectChoice(k, v) for k, v in direction_labels.items()]
    form.kind.choices = [SelectChoice(k, v) for k, v in kind_labels.items()]


def fill_poll_choices(form: PollForm, direction_labels, kind_labels, visibility_labels) -> None:
    """Offer the directions, kinds and results rules in the current language."""
    form.direction.choices = [SelectChoice("", _l("Choose…"))] + [SelectChoice(k, v) for k, v in direction_labels.items()]
    form.kind.choices = [SelectChoice(k, v) for k, v in kind_labels.items()]
    form.results_visibility.choices = [SelectChoice(k, v) for k, v in visibility_labels.items()]
