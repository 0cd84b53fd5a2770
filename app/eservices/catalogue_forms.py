"""Forms of the administration area: a service of the catalogue, and its application form's editor.

Numbers and choices are parsed leniently here and checked by the service
(``app.eservices.catalogue``), so every refusal comes with the portal's
own message in the user's language. The form editor works without
JavaScript: one row (a sub-form) per field, "Add a field" posts the rows back
and gets one more.
"""
from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.eservices.form_definitions import MAX_FIELDS, TYPE_LABELS
from app.kit.errors import Invalid
from app.kit.forms import BaseForm, int_or_none
from app.models import FIELD_TYPES

OPTION_PARTS = ("value", "label_az", "label_ru", "label_en")
# A row's attributes that, all empty, make it a blank row (skipped on saving); type and "required" have defaults.
TEXT_ATTRIBUTES = ("key", "label_az", "label_ru", "label_en", "help_az", "help_ru", "help_en", "options", "min", "max")
ERROR_KEY = re.compile(r"^fields-(\d+)-(\w+)$")
FALLBACK = _l("When empty, the Azerbaijani text is shown.")


def _lang(code: str) -> dict:
    """Inputs holding another language's text say so, for screen readers and spelling checkers."""
    return {"lang": code}


# --- A service -----------------------------------------------------------------------------------------


class ServiceAdminForm(BaseForm):
    """An administrator adds or changes a service of the catalogue."""

    code = StringField(_l("Code"), render_kw={"spellcheck": "false", "autocapitalize": "none"},
                       description=_l("Small Latin letters, digits and hyphens, such as birth-certificate."))
    title_az = StringField(_l("Title in Azerbaijani"), render_kw=_lang("az"))
    title_ru = StringField(_l("Title in Russian (optional)"), render_kw=_lang("ru"),
                           description=_l("When empty, the Azerbaijani title is shown."))
    title_en = StringField(_l("Title in English (optional)"), render_kw=_lang("en"),
                           description=_l("When empty, the Azerbaijani title is shown."))
    summary_az = TextAreaField(_l("Summary in Azerbaijani"), render_kw=_lang("az"),
                               description=_l("What the service gives, in a sentence or two."))
    summary_ru = TextAreaField(_l("Summary in Russian (optional)"), render_kw=_lang("ru"), description=FALLBACK)
    summary_en = TextAreaField(_l("Summary in English (optional)"), render_kw=_lang("en"), description=FALLBACK)
    eligibility_az = TextAreaField(_l("Who may apply, in Azerbaijani"), render_kw=_lang("az"))
    eligibility_ru = TextAreaField(_l("Who may apply, in Russian (optional)"), render_kw=_lang("ru"),
                                   description=FALLBACK)
    eligibility_en = TextAreaField(_l("Who may apply, in English (optional)"), render_kw=_lang("en"),
                                   description=FALLBACK)
    documents_az = TextAreaField(_l("Required documents in Azerbaijani"), render_kw=_lang("az"),
                                 description=_l("One document per line."))
    documents_ru = TextAreaField(_l("Required documents in Russian (optional)"), render_kw=_lang("ru"),
                                 description=FALLBACK)
    documents_en = TextAreaField(_l("Required documents in English (optional)"), render_kw=_lang("en"),
                                 description=FALLBACK)
    legal_basis_az = TextAreaField(_l("Legal basis in Azerbaijani"), render_kw=_lang("az"),
                                   description=_l("The laws and decisions the service rests on."))
    legal_basis_ru = TextAreaField(_l("Legal basis in Russian (optional)"), render_kw=_lang("ru"), description=FALLBACK)
    legal_basis_en = TextAreaField(_l("Legal basis in English (optional)"), render_kw=_lang("en"), description=FALLBACK)
    fee = StringField(_l("Fee in manat"), default="0", render_kw={"inputmode": "decimal"},
                      description=_l("0 when the service is free; for example 2.50."))
    processing_days = StringField(_l("Processing time in days"), render_kw={"inputmode": "numeric"},
                                  description=_l("A whole number from 1 to 90."))
    life_situation = SelectField(_l("Life situation"), validate_choice=False,
                                 description=_l("Where residents find the service in the catalogue."))
    online = BooleanField(_l("Residents can apply online"), default=True)
    front_desk = BooleanField(_l("Residents can apply at the front desk"), default=True)
    active = BooleanField(_l("Active: shown in the catalogue and open for applications"), default=True)
    district_ids = SelectMultipleField(_l("Districts that offer the service"), coerce=int_or_none, validate_choice=False,
                                       widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    submit = SubmitField(_l("Save the service"))

    def fill_choices(self, districts, tr, situation_labels) -> None:
        """Offer the life situations and every district, in the current language."""
        self.life_situation.choices = [SelectChoice("", _l("Choose a life situation"))] + [
            SelectChoice(value, label) for value, label in situation_labels.items()]
        self.district_ids.choices = [SelectChoice(d.id, tr(d)) for d in districts]


# --- The form editor -----------------------------------------------------------------------------------


def parse_options(text: str | None) -> list[dict]:
    """The options typed one per line as ``value | label az | label ru | label en`` (empty lines skipped)."""
    options = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")][: len(OPTION_PARTS)]
        parts += [""] * (len(OPTION_PARTS) - len(parts))
        options.append(dict(zip(OPTION_PARTS, parts, strict=True)))
    return options


def format_options(options: list[dict]) -> str:
    """Options as the editor's textarea shows them, one per line; trailing empty labels left out."""
    lines = []
    for option in options or []:
        parts = [str(option.get(name) or "") for name in OPTION_PARTS]
        while len(parts) > 1 and not parts[-1]:
            parts.pop()
        lines.append(" | ".join(parts))
    return "\n".join(lines)


def _format_bound(value) -> str:
    return "" if value is None else str(value)


class OptionLines:
    """Validator: every option line has at most four parts, so no label is cut at a stray "|"."""

    def __call__(self, form, field) -> None:
        for number, line in enumerate((field.data or "").splitlines(), start=1):
            if line.count("|") >= len(OPTION_PARTS):
                raise ValidationError(_("Line %(line)d has more than four parts; write value | label az | label ru "
                                        "| label en.", line=number))


class FieldRowForm(BaseForm):
    """One field of the application form; a row of the editor (its CSRF token is the editor's)."""

    class Meta:
        csrf = False

    key = StringField(_l("Key"), render_kw={"spellcheck": "false", "autocapitalize": "none"},
                      description=_l("Small Latin letters, digits and _, such as birth_date."))
    type = SelectField(_l("Type"), validate_choice=False,
                       choices=[SelectChoice(kind, TYPE_LABELS[kind]) for kind in FIELD_TYPES], default="text")
    required = BooleanField(_l("Required"))
    label_az = StringField(_l("Label in Azerbaijani"), render_kw=_lang("az"))
    label_ru = StringField(_l("Label in Russian (optional)"), render_kw=_lang("ru"))
    label_en = StringField(_l("Label in English (optional)"), render_kw=_lang("en"))
    help_az = StringField(_l("Help in Azerbaijani (optional)"), render_kw=_lang("az"))
    help_ru = StringField(_l("Help in Russian (optional)"), render_kw=_lang("ru"))
    help_en = StringField(_l("Help in English (optional)"), render_kw=_lang("en"))
    options = TextAreaField(_l("Options (for a choice from a list)"), validators=[OptionLines()],
                            description=_l("One option per line: value | label az | label ru | label en."))
    min = StringField(_l("Minimum (optional)"), render_kw={"inputmode": "decimal"},
                      description=_l("For a number, the smallest value; for text, the fewest characters."))
    max = StringField(_l("Maximum (optional)"), render_kw={"inputmode": "decimal"},
                      description=_l("For a number, the largest value; for text, the most characters."))
    remove = BooleanField(_l("Remove this field"))

    @property
    def is_blank(self) -> bool:
        """Nothing typed in the row (a row added and left empty)."""
        return not any((self[name].data or "").strip() for name in TEXT_ATTRIBUTES)

    def definition(self) -> dict:
        """The row as a field definition for the service."""
        item = {name: self[name].data or "" for name in TEXT_ATTRIBUTES if name != "options"}
        item.update(type=self.type.data or "", required=bool(self.required.data), options=parse_options(self.options.data))
        return item


def row_data(item: dict) -> dict:
    """A stored field definition as the editor row's data."""
    data = {name: str(item.get(name) or "") for name in TEXT_ATTRIBUTES if name not in ("options", "min", "max")}
    data.update(type=item.get("type") or "text", required=bool(item.get("required")),
                options=format_options(item.get("options") or []),
                min=_format_bound(item.get("min")), max=_format_bound(item.get("max")), remove=False)
    return data


BLANK_ROW = {"type": "text", "required": False, "remove": False}


class FormEditorForm(BaseForm):
    """The editor of a service's application form: one row per field, then "Add a field" or "Save"."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            # The list of rows and each row take no filters (WTForms refuses them); the rows' own fields are stripped.
            if unbound_field.field_class in (FieldList, FormField):
                return unbound_field.bind(form=form, **options)
            return super().bind_field(form, unbound_field, options)

    based_on = HiddenField()
    # Twice the fields a form may have: room for rows marked "Remove" or left blank.
    fields = FieldList(FormField(FieldRowForm), max_entries=2 * MAX_FIELDS)
    add = SubmitField(_l("Add a field"))
    save = SubmitField(_l("Save a new version"))

    def definition(self) -> tuple[list[dict], list[int]]:
        """The fields to save, without rows marked "Remove" or left blank, and each one's row number."""
        fields, rows = [], []
        for index, entry in enumerate(self.fields):
            row = entry.form
            if row.remove.data or row.is_blank:
                continue
            fields.append(row.definition())
            rows.append(index)
        return fields, rows

    def kept_rows(self) -> list[dict]:
        """The rows' data without those marked "Remove", for rendering the editor again."""
        return [entry.form.data for entry in self.fields if not entry.form.remove.data]

    def apply_definition(self, error: Invalid, rows: list[int]) -> None:
        """Put the service's messages ("fields-<i>-<attribute>") beside the row fields they concern;
        ``rows`` maps the i-th saved field to its row, since removed and blank rows were not sent."""
        for name, message in error.errors.items():
            match = ERROR_KEY.match(name or "")
            if match and int(match[1]) < len(rows):
                row = self.fields.entries[rows[int(match[1])]].form
                target = row._fields.get(match[2])
                if target is not None:
                    target.errors = [*target.errors, str(message)]
                    continue
            self.form_errors.append(str(message))

    @property
    def all_errors(self) -> list[tuple[str | None, str]]:
        """Every error as (field id or None, message), the rows' included, for the error summary."""
        pairs: list[tuple[str | None, str]] = [(None, str(m)) for m in self.form_errors]
        for entry in self.fields:
            for field in entry.form:
                pairs.extend((field.id, str(message)) for message in field.errors)
        return pairs
