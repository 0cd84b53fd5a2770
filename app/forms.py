"""The base form every form subclasses, and shared form helpers."""
from __future__ import annotations

from flask_wtf import FlaskForm

from app.errors import Invalid

MAX_ID = 2**31 - 1


def int_or_none(value) -> int | None:
    """A whole number, None when empty, -1 when it is not a number (which the services refuse).

    Choices are parsed leniently and checked by the services, so a refusal comes with the portal's
    own message in the user's language rather than WTForms' generic one.
    """
    if value in (None, "", "None"):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return -1
    # Ids fit a 32-bit column; a longer number (a scanner's 99999999999999999999) is simply no such id.
    return number if -MAX_ID <= number <= MAX_ID else -1


def page_number(value) -> int:
    """A page number from the query string: 1 when missing or not a page (from 1 to 100,000)."""
    number = int_or_none(value)
    return number if number is not None and 1 <= number <= 100_000 else 1


def _strip(value):
    # NUL is never typed by a person, and PostgreSQL refuses it in text: dropped with the surrounding blanks.
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


class BaseForm(FlaskForm):
    """A CSRF-protected form that strips surrounding whitespace (and NUL characters) from every text field."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = list(unbound_field.kwargs.get("filters", ()))
            if unbound_field.field_class.__name__ not in {"PasswordField", "FileField"}:
                filters.insert(0, _strip)
            return unbound_field.bind(form=form, filters=filters, **options)

    def apply(self, error: Invalid) -> None:
        """Put a service's ``Invalid`` messages beside the fields they concern."""
        for name, message in error.errors.items():
            field = self._fields.get(name) if name else None
            if field is None:
                self.form_errors.append(str(message))
            else:
                field.errors = [*field.errors, str(message)]

    @property
    def all_errors(self) -> list[tuple[str | None, str]]:
        """Every error as (field id or None, message), for the error summary."""
        pairs: list[tuple[str | None, str]] = [(None, str(m)) for m in self.form_errors]
        for field in self:
            for message in field.errors:
                pairs.append((field.id, str(message)))
        return pairs
