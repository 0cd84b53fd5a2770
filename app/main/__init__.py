"""Public pages: home, about, accessibility, privacy, health check."""
from flask import Blueprint

bp = Blueprint("main", __name__)


def blueprints() -> tuple:
    """The area's blueprints with their URL prefixes (None: the routes spell full paths), views registered."""
    from app.main import routes  # noqa: F401  (importing the views registers them)

    return ((bp, None),)
