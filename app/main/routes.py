"""Routes of the public pages."""
from __future__ import annotations

from flask import current_app, jsonify, render_template, request
from flask_login import current_user

from app import observability
from app.authz import monitoring, monitoring_allowed, public
from app.extensions import limiter
from app.kit.i18n import current_lang
from app.kit.pagecache import cached_page
from app.kit.reference import active_districts
from app.main import bp, openapi
from app.main.queries import home_figures
from app.news import service as news


@bp.get("/")
@cached_page("district")
@public
def index():
    """The home page: what the portal offers (with live figures), the latest news of the chosen district, the
    district authorities.

    The district is the one chosen on the page (``?district=CODE``), else the signed-in resident's own,
    else none (the newest news of the whole country).
    """
    districts = active_districts()
    code = (request.args.get("district") or "").strip().upper()
    chosen = next((d for d in districts if d.code == code), None) if code else None
    if chosen is None and not code and current_user.is_authenticated and current_user.district_id:
        chosen = next((d for d in districts if d.id == current_user.district_id), None)
    return render_template("main/index.html", districts=districts, news_district=chosen,
                           latest_news=news.latest(current_lang(), chosen), figures=home_figures())


@bp.get("/about")
@cached_page()
@public
def about():
    """What the portal is and the service standards it follows."""
    return render_template("main/about.html")


@bp.get("/accessibility")
@cached_page()
@public
def accessibility():
    """The accessibility statement."""
    return render_template("main/accessibility.html")


@bp.get("/privacy")
@cached_page()
@public
def privacy():
    """The privacy notice residents accept when they register."""
    return render_template("main/privacy.html")


@bp.get("/developers")
@cached_page()
@public
def developers():
    """For people who build on the portal's APIs: the OpenAPI description, the open data, Open311 and keys."""
    paths = openapi.description(current_app)["paths"]
    return render_template("main/developers.html", open311=any(path.startswith("/open311/") for path in paths))


@bp.get("/api/openapi.json")
@public
def openapi_description():
    """The OpenAPI 3.1 description of every machine endpoint (``app/main/openapi.py``)."""
    response = jsonify(openapi.description(current_app))
    # The same for everyone and changed only by a new release: a client or a proxy may keep it for an hour.
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


@bp.get("/healthz")
@public
@limiter.exempt
def healthz():
    """Liveness: the process answers. No dependency is asked: an orchestrator that restarts app servers whose
    database is down would only add restarts to the outage (``/readyz`` says whether they can serve)."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
@public
@limiter.exempt
def readyz():
    """Readiness for the proxy and an orchestrator: 200 when every configured dependency (database, Redis, job
    queue) answers within a second, else 503. Which check failed is told to the operators' machines only."""
    ready, checks = observability.readiness()
    body: dict = {"ready": ready}
    if monitoring_allowed():
        body["checks"] = checks
    return jsonify(body), 200 if ready else 503


@bp.get("/metrics")
@monitoring
@limiter.exempt
def metrics():
    """Prometheus metrics: requests and latency per endpoint, the outbox and other registered gauges."""
    return observability.metrics_page()
