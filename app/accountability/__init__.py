"""Accountability: the public figures (``/accountability``), the open-data API (``/api/v1``) and the supervisors'
dashboards (``/office/supervision``)."""
from flask import Blueprint

bp = Blueprint("accountability", __name__)
office_bp = Blueprint("accountability_office", __name__)
api_bp = Blueprint("api", __name__)


def blueprints() -> tuple:
    """The area's blueprints with their URL prefixes (None: the routes spell full paths), views registered."""
    from app.accountability import api, office, public  # noqa: F401  (importing the views registers them)

    return ((bp, "/accountability"), (api_bp, "/api/v1"), (office_bp, "/office"))
