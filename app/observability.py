"""Observability: a request id on every request, an access line per request, Prometheus metrics, readiness.

Request id
    ``RequestLog`` (WSGI middleware, the outermost one) gives each request an id: the proxy's (or client's)
    ``X-Request-ID`` when it looks like one, else a new one. It is sent back in ``X-Request-ID``, added to
    every log record written during the request by ``RequestIdFilter`` (``%(request_id)s``, "-" outside a
    request) and shown on the 5xx pages, so a resident can quote it and an operator can find every line of it.

Access log
    One line per request on the ``reqemsal.access`` logger, written after the application answered, whatever
    it answered: method, path (no query string, and a ``<token>`` route argument masked: signed links are
    credentials), status, duration until the answer starts (a streamed body's transfer is not in it), request
    id and the signed-in user's id from the session cookie (never a query: the line is written when the
    database is down too).

Metrics
    ``/metrics`` (policy ``monitoring.read`` in ``app.authz``) serves Prometheus' text format from a registry of
    the application's own, not the process-wide default (tests build several applications in one process):
    requests by endpoint, method and status, latency by endpoint (the endpoint name, never the raw path, so
    the number of series stays bounded), and gauges computed at each scrape: the outbox by status, and
    whatever other modules add with ``register_gauge``.

    Several processes: each process counts its own requests. Scrape every gunicorn instance on its own
    address; an instance with several workers answers a scrape from whichever worker takes it, so either run
    one worker per scraped address or set ``PROMETHEUS_MULTIPROC_DIR`` to a directory of that instance's own
    (one per instance; ``gunicorn.conf.py`` empties it at start). Then the workers keep their counters in files
    there and every scrape adds up all of them. The directory gains a few small files for each worker
    process that ever ran (``max_requests`` recycles them), read at every scrape until the next start.

Readiness
    ``readiness()`` runs ``READINESS_CHECKS`` (database; Redis and the job queue when configured) at the same
    time, each given ``TIMEOUT`` seconds, in a few threads of the application's own: a dependency that hangs
    occupies one of those threads, never the request, and never more threads than the pool has.
"""
from __future__ import annotations

import logging
import os
import re
import secrets
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as CheckTimeout
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import redis
from flask import Flask, current_app, has_request_context, request, session
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from app.administration import operations as ops
from app.extensions import db
from app.models.outbox import OUTBOX_STATUSES

log = logging.getLogger("reqemsal.observability")
access_log = logging.getLogger("reqemsal.access")

HEADER = "X-Request-ID"
# An incoming id is kept only if it is short and plain: it goes into log lines and pages.
VALID_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
# The request's id and what its access line needs travel in the WSGI environ: the line is written by the
# middleware after the application's request context has ended.
ENV_ID = "reqemsal.request_id"
ENV_ENDPOINT = "reqemsal.endpoint"
ENV_PATH = "reqemsal.path"
ENV_USER = "reqemsal.user"
UNMATCHED = "unmatched"
# Any other method a client invents is counted as "other": a label value per invented name would be unbounded.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Seconds each readiness check may take.
TIMEOUT = 1.0


# --- Request id and access log ---------------------------------------------------------------


def _choose_id(incoming: str | None) -> str:
    """The incoming id when it is a sane one, else a new random one."""
    if incoming and VALID_ID.fullmatch(incoming):
        return incoming
    return secrets.token_hex(8)


def request_id() -> str:
    """The current request's id, or "-" outside a request."""
    if not has_request_context():
        return "-"
    environ = request.environ
    if ENV_ID not in environ:
        # A request context made without the middleware (a test's or a command's): it gets an id too.
        environ[ENV_ID] = _choose_id(environ.get("HTTP_X_REQUEST_ID"))
    return environ[ENV_ID]


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record that has none: the current request's id, or "-"."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id()
        return True


def install_log_filter() -> None:
    """Put ``RequestIdFilter`` on every handler of the root logger (once), so ``%(request_id)s`` always formats.

    On the handlers, not on loggers: a logger's filter sees only the records logged on that very logger, while
    a handler's sees every record that reaches it, from any library.
    """
    for handler in logging.getLogger().handlers:
        if not any(isinstance(existing, RequestIdFilter) for existing in handler.filters):
            handler.addFilter(RequestIdFilter())


def _loggable_path() -> str:
    """The request's path, with a ``<token>`` route argument masked (confirmation, reset, invitation links)."""
    path = request.path
    token = (request.view_args or {}).get("token")
    if isinstance(token, str) and token:
        path = path.replace(token, "<token>")
    return path


def _note_request(error: BaseException | None = None) -> None:
    """Leave what the access line and the metrics need in the environ (the line is written after the context)."""
    environ = request.environ
    environ[ENV_ENDPOINT] = request.url_rule.endpoint if request.url_rule is not None else UNMATCHED
    environ[ENV_PATH] = _loggable_path()
    # Flask-Login keeps "id:session version" in the cookie's session; the id is enough to follow a person.
    user = session.get("_user_id")
    environ[ENV_USER] = str(user).partition(":")[0] if user else "-"


class RequestLog:
    """WSGI middleware: the request id in and out, then the access line and the request metrics."""

    def __init__(self, wsgi_app, metrics: Metrics):
        self.wsgi_app = wsgi_app
        self.metrics = metrics

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        rid = environ[ENV_ID] = _choose_id(environ.get("HTTP_X_REQUEST_ID"))
        answered: list[int] = []

        def start(status: str, headers: list, exc_info=None):
            answered.append(int(status.split(" ", 1)[0]))
            headers = [(name, value) for name, value in headers if name.lower() != HEADER.lower()]
            headers.append((HEADER, rid))
            return start_response(status, headers, exc_info)

        try:
            return self.wsgi_app(environ, start)
        finally:
            # An error that escaped the application is answered 500 by the server.
            self._record(environ, rid, answered[-1] if answered else 500, time.perf_counter() - started)

    def _record(self, environ: dict, rid: str, status: int, seconds: float) -> None:
        try:
            method = environ.get("REQUEST_METHOD", "")
            endpoint = environ.get(ENV_ENDPOINT, UNMATCHED)
            self.metrics.observe(endpoint, method, status, seconds)
            path = environ.get(ENV_PATH) or environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
            # The id is the record's request_id, which the log format prints on every line.
            access_log.info("%s %s %s %.1fms user=%s", method, path, status, seconds * 1000,
                            environ.get(ENV_USER, "-"), extra={"request_id": rid})
        except Exception:  # noqa: BLE001 - the answer is already made; a logging failure must not undo it
            log.exception("the access line of request %s could not be written", rid)


# --- Metrics ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScrapeGauge:
    """A gauge computed at each scrape (see ``register_gauge``)."""

    name: str
    documentation: str
    fn: Callable[[], float | dict[str, float] | None]
    label: str | None = None


_GAUGES: dict[str, ScrapeGauge] = {}


def register_gauge(name: str, documentation: str, fn: Callable[[], float | dict[str, float] | None],
                   label: str | None = None) -> None:
    """Add a gauge computed at every scrape, in the application context of the scrape.

    ``fn()`` returns a number, or, when ``label`` names a label, a dict {label value: number}, or None when there
    is nothing to measure now (no queue configured): the gauge is left out of that scrape. Registering a name
    again replaces it. A gauge whose ``fn`` fails is left out of that scrape (and logged); the others stay.
    """
    _GAUGES[name] = ScrapeGauge(name, documentation, fn, label)


class ScrapeGauges:
    """A Prometheus collector that computes the registered gauges when it is scraped."""

    def describe(self) -> list:
        """Nothing: registering must not compute the gauges (that queries the database)."""
        return []

    def collect(self):
        """One metric family per registered gauge that could be computed now."""
        for gauge in list(_GAUGES.values()):
            try:
                value = gauge.fn()
                if value is None:
                    continue
                if isinstance(value, dict):
                    if gauge.label is None:
                        raise TypeError(f"{gauge.name} returned labelled values but has no label name")
                    family = GaugeMetricFamily(gauge.name, gauge.documentation, labels=[gauge.label])
                    for label_value, number in sorted(value.items()):
                        family.add_metric([str(label_value)], float(number))
                else:
                    family = GaugeMetricFamily(gauge.name, gauge.documentation, value=float(value))
            except Exception as exc:  # noqa: BLE001 - one gauge's failure (the database is down) spoils no other
                log.warning("gauge %s left out of this scrape: %s", gauge.name, _reason(exc))
                _rollback()
                continue
            yield family


def _reason(error: BaseException) -> str:
    """An error in one short line: its type and the first line of its message (no traceback, no SQL)."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0][:200]}" if lines else type(error).__name__


def _rollback() -> None:
    """Leave the request's session usable after a gauge's failed query."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is gone; the request's teardown discards it
        log.debug("rollback after a failed gauge failed", exc_info=True)


def outbox_backlog() -> dict[str, int]:
    """How many outbox messages are in each status (every known status listed, 0 included)."""
    counts = dict.fromkeys(OUTBOX_STATUSES, 0)
    counts.update(db.session.execute(text("SELECT status, count(*) FROM outbox GROUP BY status")).all())
    return counts


register_gauge("reqemsal_outbox_messages", "Email messages in the outbox, by status.", outbox_backlog, label="status")


class Metrics:
    """The request counter and latency histogram of one application, in a registry of its own."""

    def __init__(self, multiprocess_dir: str | None):
        self.multiprocess_dir = multiprocess_dir
        self.registry = CollectorRegistry()
        self.requests = Counter("reqemsal_http_requests", "Requests answered, by endpoint, method and status.",
                                ["endpoint", "method", "status"], registry=self.registry)
        self.latency = Histogram("reqemsal_http_request_duration_seconds", "Time to answer a request, by endpoint.",
                                 ["endpoint"], registry=self.registry)
        self.registry.register(ScrapeGauges())

    def observe(self, endpoint: str, method: str, status: int, seconds: float) -> None:
        """Count one answered request and its duration."""
        method = method if method in METHODS else "other"
        self.requests.labels(endpoint, method, str(status)).inc()
        self.latency.labels(endpoint).observe(seconds)

    def exposition(self) -> bytes:
        """Every metric in Prometheus' text format: this process's, or every worker's in multiprocess mode."""
        if not self.multiprocess_dir:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=self.multiprocess_dir)
        registry.register(ScrapeGauges())
        return generate_latest(registry)


def metrics_page() -> tuple[bytes, int, dict[str, str]]:
    """The ``/metrics`` response: the application's metrics in Prometheus' text format."""
    body = current_app.extensions["observability"].metrics.exposition()
    return body, 200, {"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"}


# --- Readiness -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadinessCheck:
    """A dependency ``/readyz`` asks: ``target()`` (in the app context) is its address, or None when it is not
    configured (skipped); ``probe(address)`` (in a check thread) raises unless it answers."""

    name: str
    target: Callable[[], str | None]
    probe: Callable[[str], None]


@lru_cache(maxsize=8)
def _probe_engine(url: str) -> Engine:
    """An engine for the readiness check only: no pool (the application's may be busy serving requests) and
    short timeouts (PostgreSQL's client allows no connect timeout under 2 s)."""
    connect_args = {
        "postgresql": {"connect_timeout": 2, "options": f"-c statement_timeout={int(TIMEOUT * 1000)}"},
        "sqlite": {"timeout": TIMEOUT},
    }.get(make_url(url).get_backend_name(), {})
    return create_engine(url, poolclass=NullPool, connect_args=connect_args)


def _probe_database(url: str) -> None:
    with _probe_engine(url).connect() as conn:
        conn.execute(text("SELECT 1"))


def _ping_redis(url: str) -> None:
    client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)
    try:
        client.ping()
    finally:
        client.close()


def _database_target() -> str:
    return current_app.config["SQLALCHEMY_DATABASE_URI"]


def _redis_target() -> str | None:
    return ops.redis_url()


def _queue_target() -> str | None:
    # The job queue runs on Redis: reaching its broker is what a worker and the app servers need.
    return current_app.config.get("QUEUE_URL") or current_app.config.get("CELERY_BROKER_URL") or None


READINESS_CHECKS: list[ReadinessCheck] = [
    ReadinessCheck("database", _database_target, _probe_database),
    ReadinessCheck("redis", _redis_target, _ping_redis),
    ReadinessCheck("queue", _queue_target, _ping_redis),
]




def readiness() -> tuple[bool, dict[str, str]]:
    """Run every configured check at once; (all answered, {name: "ok" or "failed: reason"}). Never raises."""
    executor = current_app.extensions["observability"].executor
    results: dict[str, str] = {}
    pending = {}
    for check in READINESS_CHECKS:
        try:
            target = check.target()
            if target:
                pending[check.name] = executor.submit(check.probe, target)
        except Exception as exc:  # noqa: BLE001 - a check that cannot even start has failed
            results[check.name] = f"failed: {_reason(exc)}"
    deadline = time.monotonic() + TIMEOUT
    for name, future in pending.items():
        try:
            future.result(timeout=max(0.0, deadline - time.monotonic()))
            results[name] = "ok"
        except CheckTimeout:
            results[name] = f"failed: no answer within {TIMEOUT:g} s"
        except Exception as exc:  # noqa: BLE001 - whatever the dependency answered, it is not ready
            results[name] = f"failed: {_reason(exc)}"
    checks = {check.name: results[check.name] for check in READINESS_CHECKS if check.name in results}
    return all(result == "ok" for result in checks.values()), checks


# --- Wiring ---------------------------------------------------------------------------------------


@dataclass
class Observability:
    """Per application: its metrics and the threads that run the readiness checks."""

    metrics: Metrics
    executor: ThreadPoolExecutor


def init_app(app: Flask) -> None:
    """Wrap the application in ``RequestLog`` (call it after every other middleware, so it is the outermost),
    note each request's endpoint, path and user for it, and give the log handlers the request-id filter."""
    install_log_filter()
    multiprocess_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
    if multiprocess_dir:
        # The workers write their counters there from their first request.
        Path(multiprocess_dir).mkdir(parents=True, exist_ok=True)
    metrics = Metrics(multiprocess_dir)
    # One thread per check and one spare, so that a hung dependency leaves the others their threads.
    executor = ThreadPoolExecutor(max_workers=len(READINESS_CHECKS) + 1, thread_name_prefix="readiness")
    app.extensions["observability"] = Observability(metrics, executor)
    # The end of the request context: after every other hook (a sign-in or sign-out has happened), before the
    # middleware writes the line, also for a streamed response (its body pushes the context again later).
    app.teardown_request(_note_request)
    app.wsgi_app = RequestLog(app.wsgi_app, metrics)
