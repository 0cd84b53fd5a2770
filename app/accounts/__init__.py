"""Accounts: register, confirm, sign in and out, password reset, two-factor, staff invitations (``/auth``); the
resident's profile, password, sessions and own data (``/cabinet``)."""
from flask import Blueprint

bp = Blueprint("auth", __name__)
cabinet_bp = Blueprint("accounts_cabinet", __name__)


def blueprints() -> tuple:
    """The area's blueprints with their URL prefixes (None: the routes spell full paths), views registered."""
    from app.accounts import mydata_views, profile, sessions_views, two_factor_views, views  # noqa: F401  (importing the views registers them)

    return ((bp, "/auth"), (cabinet_bp, "/cabinet"))
