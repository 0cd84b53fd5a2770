"""The resident's cabinet landing page."""
from __future__ import annotations

from flask import current_app, render_template, url_for
from flask_login import current_user

from app.authz import requires
from app.cabinet import bp
from app.cabinet import queries as cabinet_queries
from app.kit.forms import ActionForm

# The notification centre's page, when the area that provides it is installed.
NOTIFICATIONS_ENDPOINT = "notifications_cabinet.index"


def notifications_url() -> str | None:
    """The address of the notification centre, or None while no area registers it (the count is then shown alone)."""
    if NOTIFICATIONS_ENDPOINT in current_app.view_functions:
        return url_for(NOTIFICATIONS_ENDPOINT)
    return None


@bp.get("/")
@requires("cabinet.view")
def index():
    """The resident's overview: their open appeals, next booking, what waits for them, and what to do next."""
    overview = cabinet_queries.overview(current_user)
    return render_template("cabinet/index.html", resend_form=ActionForm(), overview=overview,
                           notifications_url=notifications_url())
