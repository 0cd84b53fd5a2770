"""Administration: the screens where administrators manage the portal's reference data (for now the e-service
catalogue), the audit trail (supervisors too) and the operations page."""
from flask import Blueprint

bp = Blueprint("admin", __name__)

from app.admin import audit, routes  # noqa: E402,F401  (the views register on bp)
