"""Consultations on draft decisions: the public list and pages, comments, replies, answers and reports
(``/consultations``); the resident's comments (``/cabinet/comments``); the editors' pages (``/office/consultations``;
the old ``/consultations/manage`` addresses redirect there)."""
from flask import Blueprint

from app.kit.moved import moved

bp = Blueprint("consultations", __name__)
cabinet_bp = Blueprint("consultations_cabinet", __name__)
office_bp = Blueprint("consultations_office", __name__)
moved(bp, "/manage", "/office/consultations", "moved_to_office")


def blueprints() -> tuple:
    """The area's blueprints with their URL prefixes, views registered."""
    from app.consultations import cabinet, office, routes  # noqa: F401  (importing the views registers them)

    return ((bp, "/consultations"), (cabinet_bp, "/cabinet"), (office_bp, "/office/consultations"))
