"""Flask extensions, created unbound here and bound in ``create_app``."""
from __future__ import annotations

import logging
import threading

from flask import Flask, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Named constraints so Alembic migrations are stable across SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
log = logging.getLogger("reqemsal.db")


def close_session(exc: BaseException | None = None) -> None:
    """End the request's (or command's) session, whatever happens, so that no later context can be handed it.

    Flask-SQLAlchemy keys each session by ``id()`` of its application context, and CPython gives a freed
    context's id to the next one, in any thread. ``scoped_session.remove()`` forgets the session only after
    closing it succeeded; when the rollback of a connection the database has already dropped raises, the
    half-closed session (and its connection) stayed registered for a later request to pick up, and the page
    already rendered became a bare 500. Here a failed close discards the session's connections instead of
    returning them to the pool, and the registry is always cleared.
    """
    try:
        db.session.remove()
    except Exception:  # noqa: BLE001 - the response is made; the broken connection must only never be reused
        log.warning("closing the database session failed; its connections are discarded", exc_info=True)
        try:
            db.session.registry().invalidate()
        except Exception:  # noqa: BLE001
            log.warning("discarding the session's connections failed", exc_info=True)
        finally:
            db.session.registry.clear()


class CrossThreadUse(RuntimeError):
    """A database connection was used by a thread other than the one that checked it out of the pool."""


def guard_threads(engine: Engine) -> None:
    """Refuse any use of a pooled SQLite connection from a thread other than the one that checked it out.

    SQLAlchemy pools SQLite file connections with Python's ``check_same_thread`` off, so that a connection can
    serve one request thread after another. A connection (or an object of a request's session) reached from a
    second thread while its own thread uses it would run SQLite's C code from two threads at once, which can end
    the whole process with a segmentation fault (issue 21). Each checkout records its thread; every statement,
    commit and rollback from another thread raises ``CrossThreadUse`` instead: an error in the log, not a crash.
    """

    @event.listens_for(engine, "checkout")
    def _claim(dbapi_connection, record, proxy) -> None:
        record.info["thread"] = threading.get_ident()

    @event.listens_for(engine, "checkin")
    def _release(dbapi_connection, record) -> None:
        record.info.pop("thread", None)

    def check(conn, *_args) -> None:
        owner = conn.info.get("thread")
        if owner is not None and owner != threading.get_ident():
            raise CrossThreadUse(f"a connection of thread {owner} was used by thread {threading.get_ident()}")

    for name in ("before_cursor_execute", "commit", "rollback"):
        event.listen(engine, name, check)


def enforce_foreign_keys(engine: Engine) -> None:
    """Have SQLite check every foreign key, as PostgreSQL does.

    SQLite checks them (and carries out their ``ON DELETE`` rules) only on a connection that asks, each time it
    opens; without it a row could point at one that is gone on the embedded database of ``make run`` and of a
    small authority, where PostgreSQL would refuse it. The migrations switch it off on their own connection
    (``migrations/env.py``): copying a table in batch mode drops the old one, which would carry out those rules.
    """

    @event.listens_for(engine, "connect")
    def _check_foreign_keys(dbapi_connection, record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()


def init_db(app: Flask) -> None:
    """Bind ``db`` to ``app`` with ``close_session`` as the teardown in place of Flask-SQLAlchemy's own; on SQLite,
    connections confined to the thread that checked them out and checking foreign keys."""
    db.init_app(app)
    app.teardown_appcontext_funcs.remove(db._teardown_session)
    app.teardown_appcontext(close_session)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            guard_threads(db.engine)
            enforce_foreign_keys(db.engine)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def client_address() -> str:
    """The client's address for rate limiting (the proxy sets X-Forwarded-For via ProxyFix)."""
    return get_remote_address() or request.remote_addr or "unknown"


limiter = Limiter(key_func=client_address, default_limits=[])
