"""The resident's cabinet landing page."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user

from app.appeals import queries as appeal_queries
from app.authz import requires
from app.cabinet import bp
from app.kit.forms import ActionForm


@bp.get("/")
@requires("cabinet.view")
def index():
    """The resident's overview: what they have filed and booked, and what to do next."""
    recent = appeal_queries.citizen_appeals(current_user, 1, per_page=5)
    return render_template("cabinet/index.html", resend_form=ActionForm(), recent=recent)
