"""Commitments: each district's public list and pages, residents' feedback, and the editors' pages under /manage."""
from flask import Blueprint

bp = Blueprint("commitments", __name__)

from app.commitments import routes  # noqa: E402,F401  (the views register on bp)
