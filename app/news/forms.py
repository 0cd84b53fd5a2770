"""Forms of the newsroom: an article in three languages with its cover, and the publishing steps.

Times are parsed here (a malformed one is refused beside its field); every rule
about them (a schedule in the past, an event that ends before it starts) is the
service's, so its message comes in the user's language.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FileField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length, ValidationError

from app.kit.forms import MAX, BaseForm, int_or_none
from app.models.news import ALT_LIMIT, BODY_LIMIT, PLACE_LIMIT, SUMMARY_LIMIT, TITLE_LIMIT
from app.news import service as news

TIME_HINT = _l("Baku time, for example 2026-12-15 10:30.")
BODY_HINT = _l("Markdown: a blank line between paragraphs, **bold**, *italic*, [a link](https://…), "
               "lists with - and headings with ##. HTML is removed.")
OPTIONAL_LANG = _l("Optional: when this language is empty, visitors read the Azerbaijani text with a notice.")
FALLBACK = _l("When empty, the Azerbaijani text is shown.")


def parse_local(value: str | None) -> datetime | None:
    """A datetime-local value ("2026-12-15T10:30", a space also accepted) in Baku time as UTC, or None."""
    text = (value or "").strip().replace(" ", "T")
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        return None
    return news.local_to_utc(parsed)


class LocalTime:
    """Validator: empty, or a day and time as year-month-day hours:minutes."""

    def __call__(self, form, field) -> None:
        if field.data and parse_local(field.data) is None:
            raise ValidationError(_l("Enter the day and time as year-month-day hours:minutes, for example 2026-12-15 10:30."))


def _time_field(label) -> StringField:
    return StringField(label, validators=[LocalTime()], render_kw={"type": "datetime-local"}, description=TIME_HINT)


class ArticleForm(BaseForm):
    """A writer writes or changes an article."""

    district = SelectField(_l("Published for"), validate_choice=False)
    kind = RadioField(_l("Kind"), validate_choice=False, default="news")

    title_az = StringField(_l("Title in Azerbaijani"), validators=[Length(max=TITLE_LIMIT, message=MAX)])
    summary_az = TextAreaField(_l("Summary in Azerbaijani (optional)"),
                               validators=[Length(max=SUMMARY_LIMIT, message=MAX)],
                               description=_l("One or two sentences shown in lists. At most 500 characters."),
                               render_kw={"rows": 2})
    body_az = TextAreaField(_l("Text in Azerbaijani"), validators=[Length(max=BODY_LIMIT, message=MAX)],
                            description=BODY_HINT, render_kw={"rows": 10})
    alt_az = StringField(_l("Description of the picture in Azerbaijani"), validators=[Length(max=ALT_LIMIT, message=MAX)],
                         description=_l("What the cover picture shows, for people who cannot see it. Required with a picture."))

    title_ru = StringField(_l("Title in Russian"), validators=[Length(max=TITLE_LIMIT, message=MAX)],
                           description=OPTIONAL_LANG)
    summary_ru = TextAreaField(_l("Summary in Russian (optional)"), validators=[Length(max=SUMMARY_LIMIT, message=MAX)],
                               render_kw={"rows": 2})
    body_ru = TextAreaField(_l("Text in Russian"), validators=[Length(max=BODY_LIMIT, message=MAX)],
                            description=BODY_HINT, render_kw={"rows": 10})
    alt_ru = StringField(_l("Description of the picture in Russian"), validators=[Length(max=ALT_LIMIT, message=MAX)])

    title_en = StringField(_l("Title in English"), validators=[Length(max=TITLE_LIMIT, message=MAX)],
                           description=OPTIONAL_LANG)
    summary_en = TextAreaField(_l("Summary in English (optional)"), validators=[Length(max=SUMMARY_LIMIT, message=MAX)],
                               render_kw={"rows": 2})
    body_en = TextAreaField(_l("Text in English"), validators=[Length(max=BODY_LIMIT, message=MAX)],
                            description=BODY_HINT, render_kw={"rows": 10})
    alt_en = StringField(_l("Description of the picture in English"), validators=[Length(max=ALT_LIMIT, message=MAX)])

    cover = FileField(_l("Cover picture (optional)"),
                      description=_l("JPEG or PNG, at most 8 MB, at least 200 pixels on each side. "
                                     "Camera and location data are removed."),
                      render_kw={"accept": "image/jpeg,image/png"})
    remove_cover = BooleanField(_l("Remove the current cover picture"))
    tags = SelectMultipleField(_l("Tags"), coerce=int_or_none, validate_choice=False)

    starts_at = _time_field(_l("Starts"))
    ends_at = _time_field(_l("Ends (optional)"))
    # The Azerbaijani place keeps the name ``place`` (the service's name for it). "Venue", not "Place": the
    # reception form's "Place" is a reception room in the catalogues (az "Qəbul yeri").
    place = StringField(_l("Venue in Azerbaijani"), validators=[Length(max=PLACE_LIMIT, message=MAX)],
                        description=_l("The address or the name of the venue."))
    place_ru = StringField(_l("Venue in Russian (optional)"), validators=[Length(max=PLACE_LIMIT, message=MAX)],
                           description=FALLBACK)
    place_en = StringField(_l("Venue in English (optional)"), validators=[Length(max=PLACE_LIMIT, message=MAX)],
                           description=FALLBACK)
    submit = SubmitField(_l("Save the article"))

    def fill_choices(self, districts, national: bool, tags, tr, lang: str) -> None:
        """Offer the writer's districts (and "national" to administrators), the kinds and the tags."""
        choices = [SelectChoice(str(d.id), tr(d)) for d in districts]
        if national:
            choices.append(SelectChoice("national", _l("The whole country (national)")))
        self.district.choices = choices
        self.kind.choices = [SelectChoice(value, label) for value, label in news.KIND_LABELS.items()]
        self.tags.choices = [SelectChoice(t.id, t.name_in(lang)) for t in tags]

    def fill_from(self, article) -> None:
        """Put a saved article's values in the fields (for editing)."""
        self.kind.data = article.kind
        for text in article.texts:
            getattr(self, f"title_{text.lang}").data = text.title
            getattr(self, f"summary_{text.lang}").data = text.summary
            getattr(self, f"body_{text.lang}").data = text.body_md
            getattr(self, f"alt_{text.lang}").data = text.image_alt or ""
        self.tags.data = [t.id for t in article.tags]
        self.starts_at.data = _local_value(article.starts_at)
        self.ends_at.data = _local_value(article.ends_at)
        self.place.data = article.place_az or ""
        self.place_ru.data = article.place_ru or ""
        self.place_en.data = article.place_en or ""

    def to_input(self) -> news.ArticleInput:
        """The service's input from the submitted form."""
        choice = self.district.data or ""
        texts = {lang: news.TextInput(
            title=getattr(self, f"title_{lang}").data or "", summary=getattr(self, f"summary_{lang}").data or "",
            body=getattr(self, f"body_{lang}").data or "", alt=getattr(self, f"alt_{lang}").data or "",
        ) for lang in ("az", "ru", "en")}
        return news.ArticleInput(
            kind=self.kind.data or "", national=choice == "national",
            district_id=None if choice == "national" else int_or_none(choice),
            texts=texts, tag_ids=[t for t in (self.tags.data or []) if t is not None],
            starts_at=parse_local(self.starts_at.data), ends_at=parse_local(self.ends_at.data),
            place=self.place.data or "", place_ru=self.place_ru.data or "", place_en=self.place_en.data or "",
            remove_cover=bool(self.remove_cover.data),
        )


def _local_value(moment: datetime | None) -> str:
    """An aware datetime as a datetime-local value in Baku time."""
    if moment is None:
        return ""
    return moment.astimezone(news.BAKU).strftime("%Y-%m-%dT%H:%M")


class ScheduleForm(BaseForm):
    """An editor chooses when the article appears."""

    publish_at = _time_field(_l("Publish on"))
    submit = SubmitField(_l("Schedule"))


class StepForm(BaseForm):
    """A publishing step with no input (send for review, publish now, archive, back to draft)."""
