"""Polls (e-participation): public list and poll pages, residents' cabinet pages, the moderators' office."""
from flask import Blueprint

bp = Blueprint("polls", __name__)


def blueprints() -> tuple:
    """The area's blueprints with their URL prefixes (None: the routes spell full paths), views registered."""
    from app.polls import routes  # noqa: F401  (importing the views registers them)

    return ((bp, None),)
