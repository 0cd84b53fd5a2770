"""Ratings on the ASAN criteria: the resident rates an answered appeal, an e-service result or a served queue ticket
(``/cabinet/ratings``); staff and the public see only the figures per district and service (``queries``)."""
from flask import Blueprint

bp = Blueprint("ratings", __name__)


@bp.record_once
def _template_globals(state) -> None:
    """The marks and their labels, for the pages that show the resident's own rating (macros see globals only)."""
    from app.models import MARKS
    from app.ratings import service

    state.app.jinja_env.globals.update(RATING_MARKS=MARKS, RATING_MARK_LABELS=service.MARK_LABELS)


def blueprints() -> tuple:
    """The area's blueprints with their URL prefixes, views registered."""
    from app.ratings import cabinet  # noqa: F401  (importing the views registers them)

    return ((bp, "/cabinet/ratings"),)
