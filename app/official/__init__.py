"""The official's (staff) cabinet."""
from flask import Blueprint

bp = Blueprint("official", __name__)

from app.official import accountability, appeals, moderation, receptions, routes, services  # noqa: E402,F401  (the views register on bp)
