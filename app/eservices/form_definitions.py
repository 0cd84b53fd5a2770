"""Application forms kept as data: checking a definition, building the WTForms form, reading answers back.

A definition is a list of field dicts (see ``ServiceForm``). Administrators
save a new version instead of changing one that applications were filled
against, so a past application is always shown with the labels it was
answered under.
"""
from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, DecimalField, FileField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from app.kit.forms import BaseForm
from app.models import FIELD_TYPES
from app.models.base import text_from

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
LANGS = ("az", "ru", "en")
MAX_FIELDS = 40
TEXT_LIMIT = 2000
RESERVED = {"csrf_token", "submit", "submission_token"}
TYPE_LABELS = {
    "text": _l("Short text"), "long_text": _l("Long text"), "number": _l("Whole or decimal number"), "date": _l("Date"),
    "select": _l("Choice from a list"), "checkbox": _l("Checkbox"), "file": _l("File (PDF, JPEG or PNG)"),
}


def label(item: dict, locale: str, stem: str = "label") -> str:
    """A field's (or option's) label or help in ``locale``, falling back to Azerbaijani (``Translated``'s rule)."""
    return text_from(item, stem, locale)


def _number(value) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def check_definition(fields: list[dict]) -> dict[str, str]:
    """Problems of a form definition, keyed "fields-<index>-<attribute>" (or "fields"); empty when it is sound."""
    errors: dict[str, str] = {}
    if not fields:
        errors["fields"] = _("A form needs at least one field.")
    if len(fields) > MAX_FIELDS:
        errors["fields"] = _("A form has at most %(max)d fields.", max=MAX_FIELDS)
    seen: set[str] = set()
    for index, field in enumerate(fields):
        where = f"fields-{index}"
        key = (field.get("key") or "").strip()
        if not KEY_RE.match(key) or key in RESERVED:
            errors[f"{where}-key"] = _("A key is 1 to 40 small Latin letters, digits or _, starting with a letter.")
        elif key in seen:
            errors[f"{where}-key"] = _("The key “%(key)s” is used twice; each field needs its own.", key=key)
        seen.add(key)
        if field.get("type") not in FIELD_TYPES:
            errors[f"{where}-type"] = _("Choose one of the field types.")
        if not (field.get("label_az") or "").strip():
            errors[f"{where}-label_az"] = _("Every field needs a label in Azerbaijani.")
        low, high = _number(field.get("min")), _number(field.get("max"))
        if (field.get("min") not in (None, "") and low is None) or (field.get("max") not in (None, "") and high is None):
            errors[f"{where}-min"] = _("Minimum and maximum are numbers.")
        elif low is not None and high is not None and low > high:
            errors[f"{where}-min"] = _("The minimum is larger than the maximum.")
        if field.get("type") == "select":
            options = field.get("options") or []
            values = [str(o.get("value") or "").strip() for o in options]
            if not options:
                errors[f"{where}-options"] = _("A choice needs at least one option.")
            elif any(not v for v in values) or any(not (o.get("label_az") or "").strip() for o in options):
                errors[f"{where}-options"] = _("Every option needs a value and a label in Azerbaijani.")
            elif len(set(values)) != len(values):
                errors[f"{where}-options"] = _("Two options have the same value.")
    return errors


class CommaDecimalField(DecimalField):
    """A number field that also takes a decimal comma, as az and ru write it (12,5)."""

    def process_formdata(self, valuelist):
        super().process_formdata([v.replace(",", ".").strip() if isinstance(v, str) else v for v in valuelist])


def _validators(field: dict, messages: dict) -> list:
    found = []
    # Checkboxes and files are checked apart: a required box must be ticked, a required file attached.
    if field.get("required") and field["type"] not in ("checkbox", "file"):
        found.append(InputRequired(messages["required"]))
    else:
        found.append(Optional())
    low, high = _number(field.get("min")), _number(field.get("max"))
    if field["type"] in ("text", "long_text"):
        found.append(Length(min=int(low or 0), max=int(high or TEXT_LIMIT),
                            message=_("Write from %(min)d to %(max)d characters.", min=int(low or 0),
                                      max=int(high or TEXT_LIMIT))))
    if field["type"] == "number" and (low is not None or high is not None):
        found.append(NumberRange(min=low, max=high, message=_range_message(low, high)))
    return found


def _range_message(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return _("Enter a number from %(min)s to %(max)s.", min=f"{low:g}", max=f"{high:g}")
    if low is not None:
        return _("Enter a number of at least %(min)s.", min=f"{low:g}")
    return _("Enter a number of at most %(max)s.", max=f"{high:g}")


class _RequiredBox:
    """A required checkbox must be ticked (a declaration the resident confirms)."""

    def __call__(self, form, field) -> None:
        if not field.data:
            raise ValidationError(_("Tick this box to continue."))


def build_form(fields: list[dict], locale: str, formdata=None, prefix: str = "") -> BaseForm:
    """The WTForms form of a definition, with labels and help in ``locale``, validated on the server."""

    class ApplicationForm(BaseForm):
        pass

    messages = {"required": _("Fill in this field.")}
    for field in fields:
        kind, name = field["type"], field["key"]
        text, help_text = label(field, locale), label(field, locale, "help")
        validators = _validators(field, messages)
        if kind == "text":
            unbound = StringField(text, validators=validators, description=help_text)
        elif kind == "long_text":
            unbound = TextAreaField(text, validators=validators, description=help_text)
        elif kind == "number":
            unbound = CommaDecimalField(text, validators=validators, description=help_text, places=None,
                                   render_kw={"inputmode": "decimal"})
        elif kind == "date":
            unbound = DateField(text, validators=validators, description=help_text, render_kw={"type": "date"})
        elif kind == "select":
            choices = [SelectChoice("", _("Choose…"))] + [SelectChoice(str(o["value"]), label(o, locale))
                                                          for o in field.get("options", [])]
            unbound = SelectField(text, validators=validators, description=help_text, choices=choices,
                                  validate_choice=True)
        elif kind == "checkbox":
            extra = [_RequiredBox()] if field.get("required") else []
            unbound = BooleanField(text, validators=extra, description=help_text)
        else:
            unbound = FileField(text, description=help_text or _("PDF, JPEG or PNG, at most 10 MB."))
        setattr(ApplicationForm, name, unbound)
    # The page's frame form carries the CSRF token; this one holds only the service's own questions.
    meta = {"csrf": False}
    if formdata is not None:
        return ApplicationForm(formdata=formdata, prefix=prefix, meta=meta)
    return ApplicationForm(prefix=prefix, meta=meta)


def fix_messages(form: BaseForm) -> None:
    """Put WTForms' own parse errors (a date or number that is not one, a choice not offered) in the portal's
    words and language; call after ``validate``."""
    for field in form:
        if not field.errors:
            continue
        if isinstance(field, DateField):
            replacement = _("Enter the date as YYYY-MM-DD.")
        elif isinstance(field, DecimalField):
            replacement = _("Enter a number, such as 12 or 12.5.")
        elif isinstance(field, SelectField):
            replacement = _("Choose one of the offered options.")
        else:
            continue
        field.errors = [replacement if str(message).startswith("Not a valid") else message for message in field.errors]


def answers_of(form: BaseForm, fields: list[dict]) -> dict:
    """The answers as JSON-safe values (files are stored separately and not answered here)."""
    values = {}
    for field in fields:
        if field["type"] == "file":
            continue
        data = form[field["key"]].data
        if isinstance(data, date):
            data = data.isoformat()
        elif field["type"] == "number" and data is not None:
            data = str(data)
        values[field["key"]] = data
    return values


def shown(fields: list[dict], answers: dict, locale: str) -> list[tuple[str, str]]:
    """(label, answer) pairs for display, in the form version's own labels; options shown by their label."""
    rows = []
    for field in fields:
        if field["type"] == "file":
            continue
        value = answers.get(field["key"])
        if field["type"] == "select":
            option = next((o for o in field.get("options", []) if str(o["value"]) == str(value)), None)
            value = label(option, locale) if option else (value or "")
        elif field["type"] == "checkbox":
            value = _("Yes") if value else _("No")
        rows.append((label(field, locale), "" if value is None else str(value)))
    return rows
