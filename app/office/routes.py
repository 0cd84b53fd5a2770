"""Routes of the official cabinet."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, render_template
from flask_login import current_user

from app.authz import requires
from app.office import bp
from app.office import queries as office_queries
from app.reception.service import BOOKING_LABELS


@bp.get("/")
@requires("office.view")
def index():
    """The staff member's overview: the work waiting in each role they hold, district by district, and their roles."""
    roles = sorted(current_user.roles, key=lambda r: (r.role, r.district_id or 0))
    overview = office_queries.overview(
        current_user, invite_max_age=timedelta(seconds=current_app.config["INVITE_TOKEN_MAX_AGE"]))
    return render_template("office/index.html", roles=roles, overview=overview, booking_labels=BOOKING_LABELS,
                           due_soon_days=office_queries.DUE_SOON_DAYS)
