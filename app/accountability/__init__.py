"""Public accountability: the national table of districts and each district's page."""
from flask import Blueprint

bp = Blueprint("accountability", __name__)

from app.accountability import routes  # noqa: E402,F401  (the views register on bp)
