"""Appeals: filing (residents) and the public list per district."""
from flask import Blueprint

bp = Blueprint("appeals", __name__)

from app.appeals import routes  # noqa: E402,F401
