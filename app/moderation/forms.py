"""Forms of moderation: hiding a contribution and blocking a user from taking part."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, SubmitField, TextAreaField

from app.kit.forms import BaseForm, date_field, int_or_none


class HideForm(BaseForm):
    """A moderator hides content with a reason the public sees."""

    target_type = HiddenField()
    target_id = HiddenField(filters=[int_or_none])
    reason = StringField(_l("Reason shown in its place"))


class BlockForm(BaseForm):
    """A moderator blocks a user from taking part, with a reason and an end date."""

    reason = TextAreaField(_l("Reason the user is told"), description=_l("At most 500 characters."))
    ends_on = date_field(_l("Blocked until (inclusive)"))
    submit = SubmitField(_l("Block the user"))
