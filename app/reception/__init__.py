"""Personal reception with the head of the authority: public schedule and booking."""
from flask import Blueprint

bp = Blueprint("reception", __name__)

from app.reception import routes  # noqa: E402,F401  (the views register on bp)
