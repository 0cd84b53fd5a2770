"""Administration: the screens where administrators manage the portal's reference data: the e-service catalogue
(``routes``), districts, departments, appeal categories and the working-day calendar (``reference``)."""
from flask import Blueprint

bp = Blueprint("admin", __name__)

from app.admin import reference, routes  # noqa: E402,F401  (the views register on bp)
