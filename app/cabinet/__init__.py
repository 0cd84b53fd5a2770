"""The citizen's personal cabinet: overview, profile, password, their appeals, bookings, applications and own data."""
from flask import Blueprint

bp = Blueprint("cabinet", __name__)

from app.cabinet import appeals, mydata, participation, receptions, routes, services, sessions  # noqa: E402,F401  (the views register on bp)
