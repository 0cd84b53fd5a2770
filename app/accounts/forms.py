"""Forms of the accounts area."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, ValidationError

from app.accounts.passwords import password_problem
from app.kit.forms import EMAIL_INVALID, BaseForm


class StrongPassword:
    """Field validator: the portal's password rules (length, not common, not the email)."""

    def __init__(self, email_field: str | None = None):
        self.email_field = email_field

    def __call__(self, form, field) -> None:
        email = form[self.email_field].data if self.email_field else None
        problem = password_problem(field.data or "", email)
        if problem:
            raise ValidationError(problem)


def new_password_field(label, email_field: str | None = None) -> PasswordField:
    """A field for choosing a password under the portal's rules."""
    return PasswordField(
        label,
        validators=[
            InputRequired(_l("Choose a password.")),
            Length(max=200, message=_l("Use at most %(max)d characters.")),
            StrongPassword(email_field),
        ],
        description=_l("At least 10 characters; not a common password."),
    )


def repeat_password_field(label, other: str) -> PasswordField:
    """The same password typed again, to catch a typing slip."""
    return PasswordField(
        label,
        validators=[InputRequired(_l("Repeat the password.")), EqualTo(other, _l("The two passwords do not match."))],
    )


class RegisterForm(BaseForm):
    """A resident creates an account."""

    full_name = StringField(
        _l("Full name"),
        validators=[DataRequired(_l("Enter your full name.")), Length(max=200, message=_l("Use at most %(max)d characters."))],
        description=_l("As in your identity card: first name, surname and patronymic."),
    )
    email = EmailField(
        _l("Email"),
        validators=[
            DataRequired(_l("Enter your email address.")),
            Email(EMAIL_INVALID, check_deliverability=False),
            Length(max=254, message=_l("Use at most %(max)d characters.")),
        ],
    )
    password = new_password_field(_l("Password"), "email")
    password_again = repeat_password_field(_l("Repeat the password"), "password")
    consent = BooleanField(
        _l("I have read and accept the privacy notice"),
        validators=[DataRequired(_l("You must accept the privacy notice to register."))],
    )
    submit = SubmitField(_l("Register"))


class LoginForm(BaseForm):
    """Sign in with email and password."""

    email = EmailField(
        _l("Email"),
        validators=[DataRequired(_l("Enter your email address.")), Email(EMAIL_INVALID, check_deliverability=False)],
    )
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password."))])
    remember = BooleanField(_l("Remember me on this device"))
    submit = SubmitField(_l("Sign in"))


class ResetRequestForm(BaseForm):
    """Ask for a password reset link."""

    email = EmailField(
        _l("Email"),
        validators=[DataRequired(_l("Enter your email address.")), Email(EMAIL_INVALID, check_deliverability=False)],
    )
    submit = SubmitField(_l("Send the link"))


class ResetPasswordForm(BaseForm):
    """Choose a new password through a reset link."""

    password = new_password_field(_l("New password"))
    password_again = repeat_password_field(_l("Repeat the password"), "password")
    submit = SubmitField(_l("Save the new password"))


class CodeForm(BaseForm):
    """The second step of signing in: a code from the app, or a recovery code."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(_l("Enter the code.")), Length(max=20, message=_l("Use at most %(max)d characters."))],
        description=_l("The six digits your authenticator app shows now, or one of your recovery codes."),
        render_kw={"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "none"},
    )
    submit = SubmitField(_l("Sign in"))


class TotpForm(BaseForm):
    """A code from the authenticator app, to confirm set-up or an action on the second factor."""

    code = StringField(
        _l("Code from the app"),
        validators=[DataRequired(_l("Enter the code.")), Length(max=20, message=_l("Use at most %(max)d characters."))],
        description=_l("The six digits your authenticator app shows now."),
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Confirm"))


class AcceptInvitationForm(BaseForm):
    """An invited member of staff chooses a password."""

    password = new_password_field(_l("Password"))
    password_again = repeat_password_field(_l("Repeat the password"), "password")
    submit = SubmitField(_l("Save the password"))
