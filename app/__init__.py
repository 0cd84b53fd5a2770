"""Rəqəmsal İcra: the application factory.

One package per area (``AREAS`` below); each holds its blueprints and says in ``blueprints()`` which URL prefix
each one owns. The staff pages of every area are under ``/office/<area>``, the resident's under ``/cabinet``:

- ``main``            ``/`` home, about, accessibility, privacy, /healthz, /readyz, /metrics
- ``accounts``        ``/auth`` (register, sign in, reset, two-factor, invitations); ``/cabinet`` profile, password,
  sessions, "your data"
- ``cabinet``         ``/cabinet/`` the resident's landing page
- ``notifications``   ``/cabinet/notifications`` the notification centre (everyone signed in) and the choices per kind
- ``office``          ``/office/`` the staff's landing page
- ``appeals``         ``/appeals`` filing and the public lists; ``/cabinet/appeals``; ``/office/appeals``
- ``reception``       ``/reception``; ``/cabinet/receptions``; ``/office/reception``
- ``eservices``       ``/services``; ``/cabinet/services``; ``/office/services``; ``/verify``; ``/admin/services``
- ``polls``           ``/polls``; ``/cabinet/polls``, ``/cabinet/poll-topics``; ``/office/polls``
- ``proposals``       ``/proposals``; ``/cabinet/proposals``; ``/office/proposals``
- ``consultations``   ``/consultations``; ``/cabinet/comments``; ``/office/consultations``
- ``commitments``     ``/commitments``; ``/office/commitments``
- ``moderation``      ``/office/moderation``
- ``news``            ``/news`` (with the feeds, search and subscriptions), ``/sitemap.xml``; ``/office/news``
- ``alerts``          ``/alerts`` subscribing to a district's public appeals and answers, their Atom feed;
  ``/cabinet/alerts``
- ``accountability``  ``/accountability``; ``/api/v1``; ``/office/accountability``
- ``administration``  ``/admin`` users and roles, reference data, the audit trail, operations
- ``drafts``          ``/cabinet/drafts`` the resident's saved appeals and applications (the forms are the areas' own)
- ``open311``         ``/open311/v2`` the Open311 GeoReport v2 interface (services, public appeals, filing with a key);
  ``/admin/open311/keys``

docs/architecture.md has the whole picture and the rules that tests/test_architecture.py enforces.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from jinja2 import StrictUndefined
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from app.extensions import babel, csrf, db, init_db, limiter, login_manager, migrate
from app.kit.errors import ConfigError
from app.kit.middleware import DropNul
from config import CONFIGS, DEV_SECRET_KEY, INSTANCE_DIR, ProductionConfig, engine_options

ROOT = Path(__file__).resolve().parent.parent


def _check_production(app: Flask) -> None:
    """Refuse to start production without its settings, or with a Redis that does not answer (one clear line each)."""
    for name in ProductionConfig.REQUIRED:
        if not app.config.get({"DATABASE_URL": "SQLALCHEMY_DATABASE_URI"}.get(name, name)):
            raise ConfigError(f"{name} is not set; production cannot start without it.")
    if app.config["SECRET_KEY"] == DEV_SECRET_KEY or len(app.config["SECRET_KEY"]) < 32:
        raise ConfigError("SECRET_KEY is the development default or shorter than 32 characters.")
    public = urlsplit(app.config["PUBLIC_URL"])
    if public.scheme not in ("http", "https") or not public.hostname:
        raise ConfigError(f"PUBLIC_URL={app.config['PUBLIC_URL']!r} is not an http(s) address like https://icra.gov.az.")
    if not app.config["QUEUE_URL"].startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("QUEUE_URL (or REDIS_URL) is not a redis:// address; production needs Redis for its job queue.")
    _check_redis(app.config["QUEUE_URL"])


def _check_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
    except Exception as exc:  # noqa: BLE001 - any failure: say which address and why, in one line
        where = urlsplit(url)
        raise ConfigError(f"Redis at {where.hostname}:{where.port or 6379} does not answer ({type(exc).__name__}); "
                          "production cannot start without it.") from None
    finally:
        client.close()


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    """Build the application for ``config_name`` (default: ``APP_ENV``, else development)."""
    config_name = config_name or os.environ.get("APP_ENV", "development")
    if config_name not in CONFIGS:
        raise ConfigError(f"APP_ENV={config_name!r} is not one of {', '.join(CONFIGS)}.")
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(INSTANCE_DIR),
    )
    app.config.from_object(CONFIGS[config_name])
    if overrides:
        app.config.update(overrides)
    # Rate limits share the deployment's Redis key prefix with the queue, the locks and the caches.
    app.config.setdefault("RATELIMIT_KEY_PREFIX", app.config["REDIS_PREFIX"])
    # Chosen for the database finally configured (an override may name another); explicit options win.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**engine_options(app.config), **app.config["SQLALCHEMY_ENGINE_OPTIONS"]}
    if config_name == "production":
        _check_production(app)
        if not app.config["TRUSTED_HOSTS"]:
            app.config["TRUSTED_HOSTS"] = [urlsplit(app.config["PUBLIC_URL"]).hostname, "localhost", "127.0.0.1"]
        if not app.config["CACHE_URL"]:
            # Pages kept in each worker's own memory would outlive a change another worker committed: without a
            # shared cache, visitors' pages are rendered every time.
            app.config["PAGE_CACHE"] = False
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    if app.config["TEMPLATES_STRICT"]:
        app.jinja_env.undefined = StrictUndefined
    from app.kit.pagecache import Front

    # Innermost: a visitor's cached page answered before Flask builds a request (inside the proxy fix, so the scheme
    # is the client's, and inside the request log, so the hit is logged and counted).
    app.wsgi_app = Front(app, app.wsgi_app)
    proxies = int(os.environ.get("PROXY_COUNT", "1" if config_name == "production" else "0"))
    if proxies:
        # X-Forwarded-Host is never trusted: the host comes from the proxy's Host header, checked against
        # TRUSTED_HOSTS, and no link is built from it anyway (PUBLIC_URL is their only source).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0)
    app.wsgi_app = DropNul(app.wsgi_app)
    # request_id: the request's id on every line ("-" outside a request), from app.observability's filter.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s")
    from app import observability

    # After the other middleware, so that the request id, the access line and the metrics cover all of it.
    observability.init_app(app)

    _init_extensions(app)
    # Ids in addresses fit the 32-bit id columns; a longer number is no page (404), not a database error.
    app.url_map.converters["int"] = IdConverter
    _register_blueprints(app)

    from app import cli, jobs, web
    from app.kit import errorpages, pagecache

    jobs.init_app(app)
    web.init_app(app)
    # After the language hook (a ?lang= choice is stored in the session first), before the view.
    pagecache.init_app(app)
    errorpages.init_app(app)
    cli.init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    from app import models  # noqa: F401  (registers every table with the metadata)
    from app.kit.i18n import select_locale

    init_db(app)
    from app import replica
    replica.init_app(app)  # DATABASE_REPLICA_URL: where the accountability and open-data reads go (app/replica.py)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Asia/Baku")
    limiter.init_app(app)
    login_manager.init_app(app)
    from app.kit import assets, cache, storage, templating
    storage.init_app(app)
    assets.init_app(app)
    templating.init_app(app)
    cache.init_app(app)
    cache.track_changes()


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: a non-negative whole number that fits a 32-bit id column."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


# The areas, each a package whose ``blueprints`` pairs every blueprint with its URL prefix (None: full paths).
AREAS = ("main", "accounts", "cabinet", "notifications", "office", "appeals", "reception", "eservices", "polls",
         "proposals", "consultations", "commitments", "moderation", "news", "accountability", "administration",
         "alerts", "open311", "queue", "ratings", "drafts")


def _register_blueprints(app: Flask) -> None:
    from importlib import import_module

    for area in AREAS:
        for blueprint, prefix in import_module(f"app.{area}").blueprints():
            app.register_blueprint(blueprint, url_prefix=prefix)
