"""Administration (``/admin``): staff accounts and roles, reference data (districts, departments, appeal categories,
the working-day calendar, the service index's weights), the audit trail (supervisors too) and the operations page; the operator's commands
(backups, seeding)."""
from flask import Blueprint

bp = Blueprint("admin", __name__)


def blueprints() -> tuple:
    """The area's blueprints with their URL prefixes (None: the routes spell full paths), views registered."""
    from app.administration import audit_views, reference, staff, views, weights  # noqa: F401  (importing the views registers them)

    return ((bp, "/admin"),)
