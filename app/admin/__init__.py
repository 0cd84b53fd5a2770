"""Administration: the screens where administrators manage the portal's reference data (the e-service catalogue, staff accounts)."""
from flask import Blueprint

bp = Blueprint("admin", __name__)

from app.admin import routes, staff  # noqa: E402,F401  (the views register on bp)
