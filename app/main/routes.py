"""Routes of the public pages."""
from __future__ import annotations

from flask import jsonify, render_template
from sqlalchemy import text

from app.authz import public
from app.extensions import db
from app.main import bp
from app.services.districts import active_districts


@bp.get("/")
@public
def index():
    """The home page: what the portal offers and the district authorities."""
    districts = active_districts()
    return render_template("main/index.html", districts=districts)


@bp.get("/about")
@public
def about():
    """What the portal is and the service standards it follows."""
    return render_template("main/about.html")


@bp.get("/accessibility")
@public
def accessibility():
    """The accessibility statement."""
    return render_template("main/accessibility.html")


@bp.get("/privacy")
@public
def privacy():
    """The privacy notice residents accept when they register."""
    return render_template("main/privacy.html")


@bp.get("/healthz")
@public
def healthz():
    """Liveness and database check for load balancers and monitoring."""
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        db.session.rollback()
        database = "unavailable"
    healthy = database == "ok"
    body = {"status": "ok" if healthy else "error", "database": database}
    return jsonify(body), 200 if healthy else 503
