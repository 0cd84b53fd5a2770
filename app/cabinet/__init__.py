"""The resident's cabinet landing page (``/cabinet/``) and the navigation that gathers each area's resident pages."""
from flask import Blueprint

bp = Blueprint("cabinet", __name__)


def blueprints() -> tuple:
    """The area's blueprints with their URL prefixes (None: the routes spell full paths), views registered."""
    from app.cabinet import routes  # noqa: F401  (importing the views registers them)

    return ((bp, "/cabinet"),)
