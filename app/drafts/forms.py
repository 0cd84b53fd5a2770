"""The drafts area's one form: deleting a draft, after the resident confirmed it."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SubmitField

from app.kit.forms import BaseForm


class DeleteDraftForm(BaseForm):
    """Delete the draft: its answers and files are erased."""

    submit = SubmitField(_l("Delete the draft"))
