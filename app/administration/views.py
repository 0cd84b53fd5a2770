"""The administration area's landing page (policy ``admin.access``)."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user

from app.administration import bp
from app.authz import requires
from app.eservices import catalogue as catalogue_admin


@bp.get("/")
@requires("admin.access")
def index():
    """What administrators manage here, with the number of services in the catalogue."""
    return render_template("administration/index.html", services=len(catalogue_admin.service_list(current_user)))
