"""Open311 GeoReport v2 (``/open311/v2``): machine clients list the services (the appeal categories), read the public
appeals with their status and file appeals with an API key; the administrators' keys (``/admin/open311/keys``).
docs/areas/open311.md is the page for client authors."""
from flask import Blueprint

api_bp = Blueprint("open311", __name__)
admin_bp = Blueprint("open311_admin", __name__)


def blueprints() -> tuple:
    """The area's blueprints with their URL prefixes, views registered."""
    from app.open311 import admin, api  # noqa: F401  (importing the views registers them)

    return ((api_bp, "/open311/v2"), (admin_bp, "/admin/open311"))
