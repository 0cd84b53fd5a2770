"""Moderation of residents' contributions: the queue, reports and blocks (``/office/moderation``)."""
from flask import Blueprint

office_bp = Blueprint("moderation_office", __name__)


def blueprints() -> tuple:
    """The area's blueprints with their URL prefixes (None: the routes spell full paths), views registered."""
    from app.moderation import office  # noqa: F401  (importing the views registers them)

    return ((office_bp, "/office"),)
