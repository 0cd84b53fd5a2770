"""Accounts: register, confirm email, sign in and out, password reset, two-factor sign-in, staff invitations."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from app.auth import routes, two_factor  # noqa: E402,F401
