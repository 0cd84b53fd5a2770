"""gunicorn's configuration for production: ``gunicorn --config gunicorn.conf.py wsgi:app``.

Every value can be set from the environment (the README lists them). Threads (gthread) let a worker answer
other requests while one waits on the database or the disk; each worker process builds its own application
and its own database pool after the fork (no ``preload_app``), so no connection is ever shared between processes.
"""
from __future__ import annotations

import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Two workers per core (the reference host has 2), two threads each. A worker keeps the kept-alive connections it
# accepted (nginx's pool, a browser's) and its Python runs on one core at a time; with one worker per core, the
# connections often fell unevenly and one core idled while the other's worker queued requests: measured with
# `make bench-pages`, the same page's cache hits at 633, 1,343 and 676 requests/s in three runs with 2 workers × 4
# threads, and 1,068, 1,174 and 1,212 with 4 × 2, alternating. The threads still bound the database connections a
# worker uses at once (DB_POOL_SIZE caps them).
workers = _int("WEB_CONCURRENCY", 4)
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 2)
# Connections waiting beyond the threads queue here (then in the kernel's backlog) instead of being refused.
worker_connections = _int("GUNICORN_WORKER_CONNECTIONS", 200)
backlog = _int("GUNICORN_BACKLOG", 512)
preload_app = False

# A request that runs longer than this is stuck: the worker is replaced (its other requests are answered 502 by
# the proxy, and the supervisor logs it). Graceful: a restart (HUP) lets requests in flight finish first.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then, so a slow leak in any library cannot grow without bound. Rarely: a new worker builds
# the application again (about 3 s of processor on the 2-core machine), and a page from the visitors' cache costs
# about 1 ms, so recycling every 5,000 requests (a few seconds apart under load) made that boot a third of the
# work, closed the worker's kept-alive connections and held its queued requests for seconds (docs/benchmarks.md,
# "Public pages beside a bare Flask").
max_requests = _int("GUNICORN_MAX_REQUESTS", 100_000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 10_000)

# One access line per request on standard output; errors on standard error. The path without its query string
# (signed links and search terms stay out of the log), and the request id the app answered with (X-Request-ID),
# which its own log lines and the 5xx page carry too.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s" %({x-request-id}o)s'
# Headers from the proxy are trusted only from these addresses (the app's ProxyFix decides what it reads).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server) -> None:
    """Empty this instance's PROMETHEUS_MULTIPROC_DIR of a previous run's counters (see app/observability.py).

    Only the metric files (``*.db``) are removed, whatever directory the setting names.
    """
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        if name.endswith(".db"):
            os.remove(os.path.join(directory, name))
