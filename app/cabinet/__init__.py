"""The citizen's personal cabinet: overview, profile, password."""
from flask import Blueprint

bp = Blueprint("cabinet", __name__)

from app.cabinet import appeals, participation, receptions, routes, services  # noqa: E402,F401  (the views register on bp)
