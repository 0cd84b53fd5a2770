"""Commitments: each district's public list and pages and residents' feedback (``/commitments``); the editors' pages
(``/office/commitments``; the old ``/commitments/manage`` addresses redirect there)."""
from flask import Blueprint

from app.kit.moved import moved

bp = Blueprint("commitments", __name__)
office_bp = Blueprint("commitments_office", __name__)
moved(bp, "/manage", "/office/commitments", "moved_to_office")


def blueprints() -> tuple:
    """The area's blueprints with their URL prefixes, views registered."""
    from app.commitments import office, routes  # noqa: F401  (importing the views registers them)

    return ((bp, "/commitments"), (office_bp, "/office/commitments"))
