"""Routes of the public pages."""
from __future__ import annotations

from flask import jsonify, render_template, request
from flask_login import current_user
from sqlalchemy import text

from app.authz import public
from app.extensions import db
from app.i18n import current_lang
from app.main import bp
from app.services import news
from app.services.districts import active_districts


@bp.get("/")
@public
def index():
    """The home page: what the portal offers, the latest news of the chosen district, the district authorities.

    The district is the one chosen on the page (``?district=CODE``), else the signed-in resident's own,
    else none (the newest news of the whole country).
    """
    districts = active_districts()
    code = (request.args.get("district") or "").strip().upper()
    chosen = next((d for d in districts if d.code == code), None) if code else None
    if chosen is None and not code and current_user.is_authenticated and current_user.district_id:
        chosen = next((d for d in districts if d.id == current_user.district_id), None)
    return render_template("main/index.html", districts=districts, news_district=chosen,
                           latest_news=news.latest(current_lang(), chosen))


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
