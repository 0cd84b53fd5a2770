"""The staff cabinet's landing page (``/office/``) and the navigation that gathers each area's staff pages."""
from flask import Blueprint

bp = Blueprint("office", __name__)


def blueprints() -> tuple:
    """The area's blueprints with their URL prefixes (None: the routes spell full paths), views registered."""
    from app.office import routes  # noqa: F401  (importing the views registers them)

    return ((bp, "/office"),)
