"""Citizen proposals: one blueprint for the three places they live.

``/proposals/…`` (public list, a proposal's page, writing one, supporting), ``/cabinet/proposals…``
(the resident's proposals and supports) and ``/office/proposals…`` (the district's officials and head:
the answer, carrying out, the threshold). One blueprint keeps the area in one package; its routes spell
their full paths, so it is registered without a prefix.
"""
from flask import Blueprint

bp = Blueprint("proposals", __name__)


def blueprints() -> tuple:
    """The area's blueprints with their URL prefixes (None: the routes spell full paths), views registered."""
    from app.proposals import routes  # noqa: F401  (importing the views registers them)

    return ((bp, None),)
