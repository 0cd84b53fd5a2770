"""The verification code form, sent by GET so that a check can be bookmarked and changes nothing."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField

from app.kit.forms import BaseForm


class VerifyForm(BaseForm):
    """One field: the code printed on the document."""

    class Meta:
        # Nothing is stored or changed, and a CSRF token would spoil the shareable address.
        csrf = False

    code = StringField(
        _l("Verification code"),
        description=_l("It is printed on the document, for example K7QM-2XWD-9FJH-RT4P-8CNA."),
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
