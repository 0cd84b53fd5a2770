"""Configuration classes, chosen by the ``APP_ENV`` environment variable.

Every setting can be overridden from the environment; the README lists them.
"""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))

# The value shipped for development; production refuses to start with it.
DEV_SECRET_KEY = "dev-only-secret-change-me"


def _bool(name: str, default: bool) -> bool:
    """Read a boolean environment variable ("1", "true", "yes" are true)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Settings shared by every environment."""

    APP_ENV = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'reqemsal.sqlite'}"
    )
    # A read replica of DATABASE_URL for the accountability pages, open data and supervisors' dashboards
    # (app/replica.py); empty: they read the primary. A replica that does not answer falls back to the primary.
    DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
    # The engine's options follow the database: see engine_options() below (create_app applies them).
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # PostgreSQL pool of each process: as many connections as it has request threads, a few more for peaks; a
    # request that waits longer than the timeout for one is refused with the busy page (503), never left hanging.
    DB_POOL_SIZE = int(os.environ.get("DB_POOL_SIZE", "5"))
    DB_MAX_OVERFLOW = int(os.environ.get("DB_MAX_OVERFLOW", "5"))
    DB_POOL_TIMEOUT = float(os.environ.get("DB_POOL_TIMEOUT", "10"))
    # A pooled connection is checked (one round trip) before each use, so that a restarted PostgreSQL's dead
    # connections are replaced instead of failing a request.
    DB_PRE_PING = True
    # SQLite: how long a request waits for another one's write to finish before it is refused (503).
    SQLITE_BUSY_TIMEOUT = float(os.environ.get("SQLITE_BUSY_TIMEOUT", "10"))
    SQLALCHEMY_RECORD_QUERIES = False

    # Languages: Azerbaijani is the default and the fallback for content.
    LANGUAGES = ("az", "ru", "en")
    BABEL_DEFAULT_LOCALE = "az"
    BABEL_DEFAULT_TIMEZONE = "Asia/Baku"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")

    # Sessions and cookies.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)

    WTF_CSRF_TIME_LIMIT = 3600 * 4

    # Accounts.
    PASSWORD_MIN_LENGTH = 10
    # Password hashing, Argon2id (app/accounts/passwords.py): memory in KiB, passes, lanes. The default is one of
    # OWASP's equally strong minimum configurations, the one measured to answer 20 sign-ins at once on 2 cores in
    # under a second (docs/security.md). A stored hash with other parameters is replaced at its next sign-in.
    ARGON2_MEMORY_KIB = int(os.environ.get("ARGON2_MEMORY_KIB", "19456"))
    ARGON2_TIME_COST = int(os.environ.get("ARGON2_TIME_COST", "2"))
    ARGON2_PARALLELISM = int(os.environ.get("ARGON2_PARALLELISM", "1"))
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_MINUTES = 15
    CONFIRM_TOKEN_MAX_AGE = 3600 * 48
    RESET_TOKEN_MAX_AGE = 3600
    # Staff invitations: the emailed link to choose a password works this long (and once).
    INVITE_TOKEN_MAX_AGE = int(os.environ.get("INVITE_TOKEN_MAX_AGE", str(3600 * 24 * 7)))
    # Two-factor sign-in: the key that encrypts TOTP secrets and keys recovery-code hashes (default SECRET_KEY).
    TOTP_ENCRYPTION_KEY = os.environ.get("TOTP_ENCRYPTION_KEY", "")

    # Rate limits (per client address) for sign-in, register and reset.
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL", "memory://")
    RATELIMIT_AUTH = os.environ.get("RATELIMIT_AUTH", "20 per 10 minutes")
    # Checking result documents by code: plenty for a person, far too few to guess a code.
    RATELIMIT_VERIFY = os.environ.get("RATELIMIT_VERIFY", "30 per minute")
    # Appeals filed through Open311, per API key: a call centre's pace, not a flood's.
    RATELIMIT_OPEN311 = os.environ.get("RATELIMIT_OPEN311", "60 per minute")
    # The front desk's kiosk prints tickets for a whole hall from one address (app/queue/public.py).
    RATELIMIT_KIOSK = os.environ.get("RATELIMIT_KIOSK", "120 per 10 minutes")
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True

    # Email: SMTP when MAIL_SERVER is set, otherwise written to the log. Messages are queued in the outbox
    # and delivered by the worker (see app/services/mail.py): MAIL_MAX_ATTEMPTS tries, waiting
    # MAIL_RETRY_BASE seconds after the first failure and twice as long after each next one.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "no-reply@reqemsal-icra.local")
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "10"))
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "6"))
    MAIL_RETRY_BASE = float(os.environ.get("MAIL_RETRY_BASE", "30"))
    # A worker's claim on a message older than this is taken back (the worker died mid-send).
    MAIL_CLAIM_LEASE = int(os.environ.get("MAIL_CLAIM_LEASE", "120"))
    # The sweeper (every MAIL_SWEEP_INTERVAL seconds) hands due messages to the queue again; a new message
    # is left to the job queued with it for MAIL_SWEEP_GRACE seconds first.
    MAIL_SWEEP_INTERVAL = float(os.environ.get("MAIL_SWEEP_INTERVAL", "15"))
    MAIL_SWEEP_GRACE = int(os.environ.get("MAIL_SWEEP_GRACE", "60"))
    MAIL_SWEEP_BATCH = int(os.environ.get("MAIL_SWEEP_BATCH", "500"))

    # The job queue (Celery on Redis): QUEUE_URL, else REDIS_URL. Empty: no worker, email is delivered in
    # the process right after the commit and the periodic jobs are flask commands (development, tests).
    QUEUE_URL = os.environ.get("QUEUE_URL", os.environ.get("REDIS_URL", ""))
    # Seconds to wait for Redis before a request goes on without it (the sweeper catches up).
    QUEUE_TIMEOUT = float(os.environ.get("QUEUE_TIMEOUT", "1"))
    # A task taken by a worker that vanished is handed out again after this many seconds.
    QUEUE_VISIBILITY = int(os.environ.get("QUEUE_VISIBILITY", "300"))
    # Every Redis key of this deployment starts with this (queue, locks, caches, rate limits).
    REDIS_PREFIX = os.environ.get("REDIS_PREFIX", "reqemsal")

    # The portal's public address: the only source of the links in emails and documents (never the request's
    # Host). Required in production.
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000")
    # Uploads: at most 5 files of 10 MB each, plus the form itself.
    MAX_CONTENT_LENGTH = 52 * 1024 * 1024
    ATTACHMENTS_DIR = os.environ.get("ATTACHMENTS_DIR", "")
    # Where stored files live (app/services/storage.py): "local" (ATTACHMENTS_DIR, default instance/attachments)
    # or "s3", an S3-compatible bucket shared by every app server: S3_BUCKET (required), keys under S3_PREFIX,
    # S3_ENDPOINT_URL for a service other than AWS, S3_REGION; credentials as boto3 finds them (AWS_* variables).
    STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "local")
    S3_BUCKET = os.environ.get("S3_BUCKET", "")
    S3_PREFIX = os.environ.get("S3_PREFIX", "")
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "")
    S3_REGION = os.environ.get("S3_REGION", "")

    # The host names the portal answers to (comma-separated); any other Host is refused with 400 before a view
    # runs. Empty: every host (development, tests). Production defaults to PUBLIC_URL's host plus the loopback
    # names its own proxy and health checks use.
    TRUSTED_HOSTS = [h.strip() for h in os.environ.get("TRUSTED_HOSTS", "").split(",") if h.strip()] or None

    # Public address used in links inside emails sent outside a request.
    SERVER_NAME = os.environ.get("SERVER_NAME") or None
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")

    # The shared cache (app/kit/cache.py): Redis when REDIS_URL is set (shared by every worker, the scheduler and
    # the commands), else in process (one process: development, tests). It holds visitors' whole pages
    # (app/kit/pagecache.py) and the news lists; an entry is served only while the tables it read are unchanged, and
    # for at most its timeout, which bounds what no write announces (a publication time reached, a poll closed).
    CACHE_URL = os.environ.get("CACHE_URL", os.environ.get("REDIS_URL", ""))
    CACHE_TIMEOUT = int(os.environ.get("CACHE_TIMEOUT", "300"))
    PAGE_CACHE = _bool("PAGE_CACHE", True)
    PAGE_CACHE_TIMEOUT = int(os.environ.get("PAGE_CACHE_TIMEOUT", "60"))
    NEWS_CACHE_TIMEOUT = int(os.environ.get("NEWS_CACHE_TIMEOUT", "300"))

    # /metrics and the readiness details ask for "Authorization: Bearer <METRICS_TOKEN>". Unset: only a request
    # from this machine through no proxy may read them, and in production nobody (see app/authz.py).
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

    # Seeding demo data is allowed outside production only.
    ALLOW_DEMO_SEED = True
    TEMPLATES_STRICT = False


class DevelopmentConfig(Config):
    """Local development: SQLite in instance/, emails to the log."""

    APP_ENV = "development"
    TEMPLATES_STRICT = True


class TestingConfig(Config):
    """The test suite: its own database, no CSRF bypass, fast hashing."""

    APP_ENV = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret"
    # The cheapest Argon2id hashing (1 MiB, one pass): thousands of test sign-ins must not cost seconds each.
    ARGON2_MEMORY_KIB = 1024
    ARGON2_TIME_COST = 1
    ARGON2_PARALLELISM = 1
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    RATELIMIT_STORAGE_URI = "memory://"
    CACHE_URL = ""
    QUEUE_URL = ""
    DATABASE_REPLICA_URL = ""
    MAIL_SERVER = ""
    PUBLIC_URL = "https://portal.example.az"
    TEMPLATES_STRICT = True
    # The suite's database is never restarted under it; the check was one round trip in every ten on PostgreSQL.
    # The servers of the crash tests (tests/test_crash.py), whose database does go away, run with the check on.
    DB_PRE_PING = False
    SERVER_NAME = None


class ProductionConfig(Config):
    """Production: PostgreSQL, Redis and secure cookies; no defaults for secrets."""

    APP_ENV = "production"
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "")
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "https")
    ALLOW_DEMO_SEED = False

    PUBLIC_URL = os.environ.get("PUBLIC_URL", "")
    REQUIRED = ("SECRET_KEY", "DATABASE_URL", "PUBLIC_URL", "QUEUE_URL")


def engine_options(config: dict) -> dict:
    """SQLAlchemy engine options for the configured database.

    SQLite files keep SQLAlchemy's pool (connections move between request threads, one thread at a time) with
    a busy timeout; ``app.extensions.guard_threads`` makes sure a pooled connection is only ever used by the
    thread that checked it out. In-memory SQLite keeps Flask-SQLAlchemy's single shared connection (tests).
    Other databases get a bounded pool, checked before use (a restarted server's dead connections are replaced).
    A request that waits longer than ``DB_POOL_TIMEOUT`` for a connection gets the busy page (503).
    """
    uri = config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        if uri in {"sqlite://", "sqlite:///:memory:"} or "mode=memory" in uri:
            return {}
        return {"pool_timeout": config["DB_POOL_TIMEOUT"], "connect_args": {"timeout": config["SQLITE_BUSY_TIMEOUT"]}}
    return {"pool_pre_ping": config["DB_PRE_PING"], "pool_size": config["DB_POOL_SIZE"],
            "max_overflow": config["DB_MAX_OVERFLOW"], "pool_timeout": config["DB_POOL_TIMEOUT"]}


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
