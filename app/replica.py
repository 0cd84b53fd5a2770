"""The read replica: where the public accountability figures, open data and supervisors' dashboards are read.

``DATABASE_REPLICA_URL`` names a PostgreSQL streaming replica of ``DATABASE_URL`` (or, in tests, a second
database). When it is set, the views that only read figures run inside ``reading()``; when it is empty, or the
replica does not answer, they read from the primary as before. Nothing else ever touches the replica: every write,
every page of a signed-in person's own records, and every scheduled job stays on the primary.

Design, and why:

- **A second engine, not a Flask-SQLAlchemy bind.** Binds route by table, and these are the primary's tables too;
  here the same query must go to one database or the other depending on the page. So the replica has its own
  engine (the primary's options from ``config.engine_options``, pre-ping and the bounded pool, chosen for the
  replica's own address) and a session factory, made once per application by ``init_app``.
- **``reading()`` points ``db.session`` at the replica for a block.** The accountability pages read through a
  dozen use cases in six areas (stats, reports, reception, commitments, polls, proposals, consultations); each
  takes ``db.session`` like every other use case. Swapping the session of the current application context for the
  block keeps their signatures as they are and puts a whole page on one database, so its numbers come from one
  moment of one database, never half from each. The session is one per application context (kept in ``g``) and
  closed at its teardown, whatever happens, like ``app.extensions.close_session``.
- **Read-only, enforced twice.** Inside ``reading()`` the session refuses to flush and refuses INSERT, UPDATE and
  DELETE statements (``WriteRefused``), and it does so on the primary too when there is no replica, so that a
  write slipped into a read path fails in every test run, not first in production. The replica's connections are
  read-only in the database as well (PostgreSQL ``READ ONLY`` transactions, SQLite ``query_only``), which also
  stops a raw SQL write.
- **A replica outage never takes the public figures down.** Entering ``reading()`` checks a connection out (the
  pool's pre-ping tests it); if that fails the block reads from the primary, a warning is logged, and the
  replica is left alone for ``RETRY_AFTER`` seconds in this process, so that pages do not each wait for it.
  PostgreSQL connections to the replica give up after ``CONNECT_TIMEOUT`` seconds (an unreachable host would
  otherwise hold a page for minutes of TCP retries).
- **Who is signed in is read from the primary**, before the switch: a deactivated account or a raised session
  version takes effect at once, not after the replica's lag.

Replication lag: a replica replays the primary's changes a moment later (normally well under a second, seconds
under load). An appeal filed or answered in that moment is missing from the public figures, the open data and the
supervisor's dashboard until the replica has replayed it, and "overdue now" is counted from the replica's rows at
the time of the request. The figures are recomputed from the appeals' timelines as they replay, so the lag delays
them but never loses or doubles anything; the resident's own cabinet and the officials' inbox read the primary and
are always current.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, current_app, g, has_request_context
from flask_login import current_user
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from app.extensions import db, guard_threads
from config import engine_options

log = logging.getLogger("reqemsal.replica")

# The key in Session.info that makes a session refuse writes.
READ_ONLY = "read_only"
# After the replica failed to answer, this process reads from the primary for this many seconds before trying again.
RETRY_AFTER = 30.0
# Seconds a PostgreSQL connection to the replica may take to open.
CONNECT_TIMEOUT = 3
_G_SESSION = "_replica_session"

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., Any])


class WriteRefused(RuntimeError):
    """A write through a read-only session (the replica's, or the primary's inside ``reading()``)."""


class Replica:
    """The replica's engine and session factory, and until when it is left alone after a failure (one per app)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.sessions = sessionmaker(bind=engine, info={READ_ONLY: True})
        self.down_until = 0.0

    def resting(self) -> bool:
        """Whether the replica failed lately and is not to be tried yet."""
        return time.monotonic() < self.down_until

    def failed(self, error: BaseException) -> None:
        """Leave the replica alone for ``RETRY_AFTER`` seconds, and say so in the log."""
        self.down_until = time.monotonic() + RETRY_AFTER
        first_line = (str(error).strip().splitlines() or [""])[0]
        where = f"{self.engine.url.host or self.engine.url.database}:{self.engine.url.port or ''}".rstrip(":")
        log.warning("the read replica at %s does not answer (%s: %s); reading from the primary for %d s",
                    where, type(error).__name__, first_line, RETRY_AFTER)


def create_replica_engine(app: Flask, url: str) -> Engine:
    """An engine on ``url`` with the primary's options for that kind of database, whose connections cannot write."""
    options = engine_options({**app.config, "SQLALCHEMY_DATABASE_URI": url})
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        if "connect_timeout" not in parsed.query:  # the address's own value wins
            options["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT, **options.get("connect_args", {})}
        options["execution_options"] = {"postgresql_readonly": True}
    engine = create_engine(url, **options)
    if backend == "sqlite":
        guard_threads(engine)
        event.listen(engine, "connect", _sqlite_query_only)
    return engine


def _sqlite_query_only(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only = ON")
    cursor.close()


def init_app(app: Flask) -> None:
    """Create the replica's engine when ``DATABASE_REPLICA_URL`` is set (it connects on first use, never at start)."""
    url = app.config.get("DATABASE_REPLICA_URL") or ""
    app.extensions["replica"] = Replica(create_replica_engine(app, url)) if url else None
    app.teardown_appcontext(_close_session)


def replica_session() -> Session | None:
    """This application context's read-only session on the replica, if there is one that answers now; else None."""
    replica: Replica | None = current_app.extensions.get("replica")
    if replica is None or replica.resting():
        return None
    session = g.get(_G_SESSION)
    if session is None:
        session = replica.sessions()
        setattr(g, _G_SESSION, session)
    try:
        # Checks a connection out (the pool pings it) and keeps it for the block; free when already done.
        session.connection()
    except (DBAPIError, PoolTimeout) as error:
        replica.failed(error)
        _close_session()
        return None
    return session


@contextmanager
def reading() -> Iterator[Session]:
    """Within the block, ``db.session`` is a read-only session: the replica's when it answers, else the primary's.

    Yields the session in use. Writing through it raises ``WriteRefused``. Use it around reads only: a view that
    also writes (an export's audit entry) writes after the block, on the primary.
    """
    if has_request_context():
        # The signed-in user comes from the primary (see the module's docstring); a visitor costs no query.
        current_user._get_current_object()
    session = replica_session()
    if session is None:
        with _read_only(db.session()) as primary:
            yield primary
        return
    registry = db.session.registry
    saved = registry() if registry.has() else None
    registry.set(session)
    try:
        yield session
    finally:
        if saved is None:
            registry.clear()
        else:
            registry.set(saved)


def from_replica(view: ViewFunc) -> ViewFunc:
    """View decorator: the whole view (its queries and the page or JSON it renders) runs inside ``reading()``."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with reading():
            return view(*args, **kwargs)

    return cast(ViewFunc, wrapped)


@contextmanager
def _read_only(session: Session) -> Iterator[Session]:
    before = session.info.get(READ_ONLY)
    session.info[READ_ONLY] = True
    try:
        yield session
    finally:
        if before is None:
            session.info.pop(READ_ONLY, None)
        else:
            session.info[READ_ONLY] = before


def _close_session(_exc: BaseException | None = None) -> None:
    """End this context's replica session; if closing fails (a dropped connection), discard its connections."""
    session: Session | None = g.pop(_G_SESSION, None)
    if session is None:
        return
    try:
        session.close()
    except Exception:  # noqa: BLE001 - the page is made; the broken connection must only never be reused
        log.warning("closing the replica session failed; its connections are discarded", exc_info=True)
        try:
            session.invalidate()
        except Exception:  # noqa: BLE001
            log.warning("discarding the replica session's connections failed", exc_info=True)


# --- The guard: every session marked read-only refuses writes ------------------------------------------------


@event.listens_for(Session, "before_flush")
def _refuse_flush(session: Session, _flush_context: Any, _instances: Any) -> None:
    if session.info.get(READ_ONLY):
        changed = [type(obj).__name__ for obj in (*session.new, *session.dirty, *session.deleted)]
        raise WriteRefused(f"a read-only session was asked to write ({', '.join(sorted(set(changed)))}); "
                           "writes go to the primary, outside replica.reading()")


@event.listens_for(Session, "do_orm_execute")
def _refuse_write_statements(state: ORMExecuteState) -> None:
    if state.session.info.get(READ_ONLY) and (state.is_insert or state.is_update or state.is_delete):
        raise WriteRefused("a read-only session was asked to run an INSERT, UPDATE or DELETE; "
                           "writes go to the primary, outside replica.reading()")
