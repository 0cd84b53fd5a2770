"""Forms of the citizen cabinet."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectChoice, SelectField, StringField, SubmitField, TelField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from app.accounts.forms import new_password_field, repeat_password_field
from app.kit.forms import BaseForm, int_or_none
from app.kit.i18n import LANGUAGE_NAMES


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
    address = StringField(
        _l("Postal address"),
        validators=[Optional(), Length(max=300, message=_l("Use at most %(max)d characters."))],
        description=_l("Optional. Filled in for you on appeals and e-service applications."),
    )
    locale = SelectField(
        _l("Language"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()],
        validate_choice=False,  # the service checks it and answers in the user's language
        validators=[DataRequired(_l("Choose one of the offered languages."))],
    )
    district_id = SelectField(
        _l("My district"),
        coerce=int_or_none,
        validate_choice=False,
        description=_l("Optional. Where you live; the portal shows its news and polls first."),
    )
    submit = SubmitField(_l("Save"))


class PasswordForm(BaseForm):
    """Change the password, knowing the current one."""

    current_password = PasswordField(
        _l("Current password"), validators=[InputRequired(_l("Enter your current password."))]
    )
    new_password = new_password_field(_l("New password"))
    new_password_again = repeat_password_field(_l("Repeat the new password"), "new_password")
    submit = SubmitField(_l("Change the password"))


class DownloadDataForm(BaseForm):
    """Download everything the portal holds about me (a button)."""

    submit = SubmitField(_l("Download my data"))


class CloseAccountForm(BaseForm):
    """Close my account, confirmed with my password."""

    password = PasswordField(_l("Your password"), validators=[InputRequired(_l("Enter your password to confirm."))],
                             description=_l("To confirm that it is you who closes the account."))
    submit = SubmitField(_l("Close my account"))
