"""The base form every form subclasses, and what every area's forms share: the messages and validators of
dates, times, amounts and coordinates, their lenient parsing, and the forms that are only a button."""
from __future__ import annotations

from datetime import date, time
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import _FlaskFormCSRF
from wtforms import HiddenField, StringField, SubmitField
from wtforms.csrf.core import CSRFTokenField
from wtforms.validators import ValidationError

from app.kit.errors import Invalid

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


def _strip(value):
    # NUL is never typed by a person, and PostgreSQL refuses it in text: dropped with the surrounding blanks.
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


class _TokenWhenShown(CSRFTokenField):
    """The CSRF field, its token made when the form is shown rather than when it is built.

    Flask-WTF makes the token (and writes it into the session) as soon as a form exists. Views build forms they
    show only to some people (a poll's ballot, a commitment's feedback): for a visitor the page then carried no
    token but had changed the session, so it could not be served to other visitors from the cache
    (``app.kit.pagecache``). Validation reads the submitted value, never this one.
    """

    _token: str | None = None

    @property
    def current_token(self) -> str:
        if self._token is None:
            self._token = self.csrf_impl.generate_csrf_token(self)
        return self._token

    @current_token.setter
    def current_token(self, value: str | None) -> None:
        self._token = value

    def process(self, *args, **kwargs) -> None:
        # The hidden field's own processing (the submitted value), without making a token.
        HiddenField.process(self, *args, **kwargs)


class _CSRFWhenShown(_FlaskFormCSRF):
    field_class = _TokenWhenShown


class BaseForm(FlaskForm):
    """A CSRF-protected form that strips surrounding whitespace (and NUL characters) from every text field."""

    class Meta:
        csrf_class = _CSRFWhenShown

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


MAX = _l("Use at most %(max)d characters.")
EMAIL_INVALID = _l("Enter an email address in the form name@example.az.")
DATE_HINT = _l("For example 2026-12-15.")


def parse_date(value: str | None) -> date | None:
    """An ISO date (YYYY-MM-DD, what a date input sends), or None."""
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def parse_time(value: str | None) -> time | None:
    """A time as HH:MM, or None."""
    try:
        return time.fromisoformat((value or "").strip()[:5])
    except ValueError:
        return None


def parse_money(value: str | None) -> Decimal | None:
    """An amount in manat as typed ("12500.50", "12 500,50", "12,500.50"), or None when empty or not a number.

    The separator that comes last is the decimal one; a lone comma is a decimal comma, as az and ru write it.
    """
    text = "".join((value or "").split())
    if not text:
        return None
    if "," in text and "." in text:
        thousands = "." if text.rfind(",") > text.rfind(".") else ","
        text = text.replace(thousands, "")
    text = text.replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


class Coordinate:
    """Validator: an optional decimal number (a map coordinate)."""

    def __call__(self, form, field) -> None:
        if field.data:
            try:
                float(field.data.replace(",", "."))
            except ValueError:
                raise ValidationError(_l("Enter the coordinate as a number, such as 40.6828.")) from None


def coordinate(value: str | None) -> float | None:
    """The parsed coordinate, or None."""
    return float(value.replace(",", ".")) if value else None


class IsoDate:
    """Validator: empty, or a date as year-month-day (what a date input sends)."""

    def __call__(self, form, field) -> None:
        if field.data and parse_date(field.data) is None:
            raise ValidationError(_l("Enter the date as year-month-day, for example 2026-12-15."))


def date_field(label) -> StringField:
    """A text field for a date (a date input in browsers), empty or year-month-day."""
    return StringField(label, validators=[IsoDate()], render_kw={"type": "date"}, description=DATE_HINT)


class ButtonForm(BaseForm):
    """A step that needs nothing but a confirmation."""

    submit = SubmitField(_l("Confirm"))


class ActionForm(BaseForm):
    """A form with only a CSRF token and a button (sign out, resend)."""

    submit = SubmitField(_l("Continue"))


class TokenForm(BaseForm):
    """A form that is only a button (publish, delete, dismiss, restore, lift): the CSRF token is what it carries."""
