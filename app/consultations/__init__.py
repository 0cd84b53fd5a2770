"""Consultations on draft decisions: the public list and pages, comments, replies, answers and reports, and the
editors' pages under /manage."""
from flask import Blueprint

bp = Blueprint("consultations", __name__)

from app.consultations import manage, routes  # noqa: E402,F401  (the views register on bp)
