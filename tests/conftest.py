"""Shared fixtures: one app per session on a schema built by the real migrations.

The database is SQLite in a temporary file, or PostgreSQL when
``TEST_DATABASE_URL`` points at one. Every test starts from empty tables.
"""
from __future__ import annotations

import functools
import gc
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask_babel import force_locale
from flask_migrate import upgrade
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import event, text

from app import create_app
from app.extensions import db, limiter
from app.kit import cache
from deploy.mailsink import MailSink

MEMORY_DISK = "/dev/shm"


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    """Temporary files (the SQLite database, stored files, the crash tests' servers' databases) go to memory when
    the machine has a memory disk and no ``--basetemp`` was given.

    A commit on SQLite waits for the disk (fsync); on a memory disk it does not, which halves the suite's time
    on SQLite (measured: 91 s → 47 s for tests/appeals, tests/polls and tests/news). Each run gets its own folder, so
    two suites side by side (CI's lanes) never share one. It runs before pytest's own tmp_path set-up reads the
    option."""
    # Python's cycle collector runs after every 700 new objects by default; a test run makes millions (rows loaded,
    # pages rendered) that are freed by their counts anyway, and the collections were 8 % of its processor time
    # (tests/appeals, polls and news: 2.5 of 31 s). Rarer young collections, and the application's long-lived
    # objects set aside once built (``app``), make that 1.1–1.5 s.
    gc.set_threshold(50_000, 20, 20)
    if config.option.basetemp is None and os.access(MEMORY_DISK, os.W_OK) and not hasattr(config, "workerinput"):
        config.option.basetemp = tempfile.mkdtemp(prefix="reqemsal-tests-", dir=MEMORY_DISK)
        config._memory_basetemp = config.option.basetemp


def pytest_collection_modifyitems(config, items):
    """On PostgreSQL, the tests marked ``database_independent`` (the catalogues, the documentation, the
    architecture's rules, the calendar, the settings' checks) are skipped: they read and write no database, so a run
    on PostgreSQL would only repeat the SQLite run's result (CI makes both runs, .ci/run)."""
    if not (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql"):
        return
    once = pytest.mark.skip(reason="reads no database: run once, in the SQLite run")
    for item in items:
        if item.get_closest_marker("database_independent"):
            item.add_marker(once)


def pytest_unconfigure(config):
    """The memory folder is given back at the end of the run (pytest keeps its usual folders; this one uses RAM)."""
    folder = getattr(config, "_memory_basetemp", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """The application under test, its schema migrated from empty."""
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    attachments = tmp_path_factory.mktemp("attachments")
    application = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "ATTACHMENTS_DIR": str(attachments)})
    _add_test_views(application)
    with application.app_context():
        if db.engine.dialect.name == "postgresql":
            # A throw-away database may hold a previous run's schema: start clean.
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
    # Every test starts from empty tables, the first one too: migrations insert reference rows (the dated index
    # weights), which the test that happened to run first would otherwise see and later ones would not.
    empty_tables(application)
    gc.collect()
    gc.freeze()
    return application


def _add_test_views(application) -> None:
    """Test-only views (registered before any request): a page that fails, to check the 500 page, and axe-core for
    the browser tests."""
    from flask import Response

    from app.authz import public
    from tests.browser import AXE_PATH, AXE_URL

    @application.get("/_test/crash")
    @public
    def crash():
        raise RuntimeError("boom: a deliberate failure")

    @application.get(AXE_URL)
    @public
    def axe_core():
        # From the pages' own origin, which their policy lets scripts come from: a page checked takes it from the
        # browser's cache after its test's first; sending its 650 KB through the DevTools protocol for every page
        # checked cost 44 ms of a check's 400 (tests/browser/test_accessibility.py, assert_accessible).
        return Response(AXE_PATH.read_bytes(), mimetype="text/javascript",
                        headers={"Cache-Control": "public, max-age=3600"})


@pytest.fixture(autouse=True)
def _empty_tables(app, request):
    """Leave every table empty and every rate limit reset after each test.

    A module marked ``shared_tables`` builds its data once (a module-scoped fixture that calls ``empty_tables`` at
    its end): its tests only read, so emptying after each of them would only make every test build it again."""
    yield
    if request.node.get_closest_marker("shared_tables"):
        limiter.reset()
        # The pages a test stored may have been built under its own settings or patches.
        cache.clear(app)
        return
    empty_tables(app)


def empty_tables(app) -> None:
    """Empty every table, reset the rate limits, clear the shared cache and the stored files."""
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                _empty_postgresql(conn)
            else:
                # Straight to the driver, one statement a table: through SQLAlchemy's execution (a compiled statement
                # looked up, a result built) the hundred deletes were 4 % of the SQLite run. The news index is not a
                # table the models describe; its rows would outlive their articles.
                cursor = conn.connection.driver_connection.cursor()
                for name in (*emptied_first_to_last(), "news_fts"):
                    cursor.execute(f'DELETE FROM "{name}"')
                cursor.close()
        limiter.reset()
        # Cached pages and values describe rows that are gone now (emptied outside the ORM: no generation moved).
        cache.clear(app)
    for stored in Path(app.config["ATTACHMENTS_DIR"]).iterdir():
        stored.unlink()


@functools.cache
def emptied_first_to_last() -> tuple[str, ...]:
    """The tables' names, those that point at others first (``MetaData.sorted_tables`` sorts them again at every
    call, 0.7 % of the SQLite run when each test asked)."""
    return tuple(table.name for table in reversed(db.metadata.sorted_tables))


def _empty_postgresql(conn) -> None:
    """Every table emptied in one round trip (the statements on empty tables cost little; the trips do).

    The foreign keys' checks and the triggers are off for this transaction only (``session_replication_role =
    replica``, a superuser's setting, which the tests' ``postgres`` is): every table is emptied, so no check could
    fail, and checking each deleted row against the tables that point at it was most of a test's teardown (28 ms
    for the demo accounts and reference data, 1.6 ms without). It also lets the audit trail's rows go by DELETE,
    which its append-only trigger refuses otherwise (TRUNCATE, the other way, costs more than all the deletes)."""
    names = list(emptied_first_to_last())
    if may_switch_off_checks(conn):
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
    else:
        names.remove("audit_entries")
        if conn.exec_driver_sql("SELECT 1 FROM audit_entries LIMIT 1").first():
            conn.exec_driver_sql("TRUNCATE audit_entries")
    conn.exec_driver_sql("; ".join(f'DELETE FROM "{name}"' for name in names))


_SUPERUSER: dict[str, bool] = {}


def may_switch_off_checks(conn) -> bool:
    """Whether the tests' PostgreSQL role may switch the foreign keys' checks and the triggers off for a
    transaction (``session_replication_role``, a superuser's setting; asked once per database)."""
    key = str(conn.engine.url)
    if key not in _SUPERUSER:
        _SUPERUSER[key] = bool(conn.exec_driver_sql("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                               .scalar())
    return _SUPERUSER[key]


@contextmanager
def another_app(config_name: str, overrides: dict) -> Iterator:
    """Another application in this process (production settings, a Redis that does not answer, …).

    Flask-Limiter keeps the storage of the application initialised last on its one extension object: the suite's
    is put back afterwards, or every later test would count its rate limits in the other app's storage.
    """
    saved = limiter._storage, limiter._limiter
    try:
        yield create_app(config_name, overrides)
    finally:
        limiter._storage, limiter._limiter = saved


@pytest.fixture
def client(app):
    """A test client (cookies kept between its requests)."""
    return app.test_client()


@pytest.fixture
def ctx(app):
    """An application and request context for calling services directly.

    Services speak the user's language; these tests read their messages in English.
    """
    with app.test_request_context(), force_locale("en"):
        yield
        db.session.remove()


@pytest.fixture
def sink(app, tmp_path):
    """A real SMTP server (aiosmtpd) that the app delivers its email to during this test."""
    server = MailSink(tmp_path / "mail").start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_USE_TLS=False)
    yield server
    app.config.update(MAIL_SERVER="", MAIL_PORT=587, MAIL_USE_TLS=True)
    server.stop()


@pytest.fixture
def runner(app):
    """A CLI runner for the ``flask`` commands."""
    return app.test_cli_runner()


class QueryCounter:
    """Counts the SQL statements the engine runs while active."""

    def __init__(self, engine):
        self.engine = engine
        self.statements: list[str] = []

    def _record(self, conn, cursor, statement, *args):
        self.statements.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """``with count_queries() as q: ...; q.count`` counts SQL statements."""
    with app.app_context():
        engine = db.engine
    return lambda: QueryCounter(engine)


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token in a rendered page."""
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


class Browserless:
    """Form helpers for the test client: post a form with the CSRF token its page would carry."""

    def __init__(self, client):
        self.client = client

    def post(self, url: str, data: dict, form_url: str | None = None, **kwargs):
        """Post ``data`` to ``url`` with the CSRF token this session's pages carry (made for the session first, as
        Flask-WTF makes it, when no page has yet: a new client, or after signing in or out, which forget it).
        ``form_url`` given, the token is read from that page, which is always fetched."""
        if form_url:
            token = csrf_from(self.client.get(form_url).get_data(as_text=True))
        else:
            token = self._token_of_session()
        # Forms with a prefix ("answer-...") carry their token as "answer-csrf_token".
        prefixes = {key.split("-", 1)[0] for key in data if "-" in key}
        tokens = {"csrf_token": token, **{f"{prefix}-csrf_token": token for prefix in prefixes}}
        return self.client.post(url, data={**tokens, **data}, **kwargs)

    def _token_of_session(self) -> str:
        """The token a form of this session would carry, made from the session's secret as Flask-WTF makes it (a
        page drawn only to read its token was half of what posting a form cost the tests, and the first post of
        every new client or sign-in drew one); a session without a secret gets one first, as the first form page
        it was shown would have given it (``flask_wtf.csrf.generate_csrf``)."""
        with self.client.session_transaction() as session:
            secret = session.get("csrf_token")
            if secret is None:
                secret = session["csrf_token"] = hashlib.sha1(os.urandom(64)).hexdigest()
        app = self.client.application
        key = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
        return URLSafeTimedSerializer(key, salt="wtf-csrf-token").dumps(secret)

    def login(self, email: str, password: str, totp_secret: str | None = None, **kwargs):
        """Sign in; when the portal asks for a second factor, answer with a code of ``totp_secret``
        (by default the factories' ``TOTP_SECRET``)."""
        response = self.post("/auth/login", {"email": email, "password": password}, **kwargs)
        if response.status_code == 302 and response.headers["Location"].endswith("/auth/two-factor"):
            response = self.second_factor(totp_secret)
        return response

    def second_factor(self, totp_secret: str | None = None):
        """Answer the second step with the current code (or the next one, if the current was just used)."""
        import time

        import pyotp

        from tests.factories import TOTP_SECRET

        totp = pyotp.TOTP(totp_secret or TOTP_SECRET)
        response = self.post("/auth/two-factor", {"code": totp.now()})
        if response.status_code == 422:
            response = self.post("/auth/two-factor", {"code": totp.at(time.time() + 30)})
        return response


@pytest.fixture
def web(client):
    """Form helpers bound to ``client``."""
    return Browserless(client)
