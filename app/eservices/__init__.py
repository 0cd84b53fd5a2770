"""E-services: the public catalogue, a page per service, applying online."""
from flask import Blueprint

bp = Blueprint("eservices", __name__)

from app.eservices import routes  # noqa: E402,F401  (the views register on bp)
