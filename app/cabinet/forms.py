"""Forms of the citizen cabinet."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectChoice, SelectField, StringField, SubmitField, TelField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional, Regexp

from app.auth.forms import StrongPassword
from app.forms import BaseForm
from app.i18n import LANGUAGE_NAMES


def _district_choice(value) -> int | None:
    """An empty choice is None; a value that is no number becomes -1, which the service refuses."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


class ProfileForm(BaseForm):
    """Name, phone, language and home district."""

    full_name = StringField(
        _l("Full name"),
        validators=[DataRequired(_l("Enter your full name.")), Length(max=200, message=_l("Use at most %(max)d characters."))],
    )
    phone = TelField(
        _l("Phone"),
        validators=[
            Optional(),
            Regexp(r"^\+?[0-9 ()-]{7,20}$", message=_l("Enter a phone number such as +994 50 123 45 67.")),
        ],
        description=_l("Optional. So that officials can call you about your appeals."),
    )
    locale = SelectField(
        _l("Language"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()],
        validate_choice=False,  # the service checks it and answers in the user's language
        validators=[DataRequired(_l("Choose one of the offered languages."))],
    )
    district_id = SelectField(
        _l("My district"),
        coerce=_district_choice,
        validate_choice=False,
        description=_l("Optional. Where you live; the portal shows its news and polls first."),
    )
    submit = SubmitField(_l("Save"))


class PasswordForm(BaseForm):
    """Change the password, knowing the current one."""

    current_password = PasswordField(
        _l("Current password"), validators=[InputRequired(_l("Enter your current password."))]
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[
            InputRequired(_l("Choose a password.")),
            Length(max=200, message=_l("Use at most %(max)d characters.")),
            StrongPassword(),
        ],
        description=_l("At least 10 characters; not a common password."),
    )
    new_password_again = PasswordField(
        _l("Repeat the new password"),
        validators=[
            InputRequired(_l("Repeat the password.")),
            EqualTo("new_password", _l("The two passwords do not match.")),
        ],
    )
    submit = SubmitField(_l("Change the password"))
