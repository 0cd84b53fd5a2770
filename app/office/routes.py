"""Routes of the official cabinet."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user

from app.authz import requires
from app.office import bp


@bp.get("/")
@requires("office.view")
def index():
    """The staff member's overview: their roles, the districts they serve, their work."""
    roles = sorted(current_user.roles, key=lambda r: (r.role, r.district_id or 0))
    return render_template("office/index.html", roles=roles)
