"""Drafts: the resident's saved appeals and e-service applications (``/cabinet/drafts``), their reminder and expiry
(``flask drafts expire``), and their part of "your data" and of closing an account. The forms and the "check your
answers" pages are the appeals' and the e-services' own; the shared mechanics are in ``app/kit/drafts.py``."""
from flask import Blueprint

cabinet_bp = Blueprint("drafts_cabinet", __name__)


def blueprints() -> tuple:
    """The area's blueprints with their URL prefixes, views registered."""
    from app.drafts import cabinet  # noqa: F401  (importing the views registers them)

    return ((cabinet_bp, "/cabinet"),)
