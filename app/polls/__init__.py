"""Polls (e-participation): public list and poll pages, residents' cabinet pages, the moderators' office."""
from flask import Blueprint

bp = Blueprint("polls", __name__)

from app.polls import routes  # noqa: E402,F401  (the views register on bp)
