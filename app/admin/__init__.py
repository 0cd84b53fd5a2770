"""Administration: the screens where administrators manage the portal's reference data (the e-service
catalogue; districts, departments, appeal categories and the working-day calendar in ``reference``), staff
accounts and roles, the audit trail (supervisors too) and the operations page."""
from flask import Blueprint

bp = Blueprint("admin", __name__)

from app.admin import audit, reference, routes, staff  # noqa: E402,F401  (the views register on bp)
