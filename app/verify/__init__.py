"""Public verification of e-service result documents by their verification code."""
from flask import Blueprint

bp = Blueprint("verify", __name__)

from app.verify import routes  # noqa: E402,F401  (the views register on bp)
