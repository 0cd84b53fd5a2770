"""When the database cannot answer, every visitor gets the portal's own busy page (503) in their language.

The error page used to load the signed-in user from the database, so a database that refused a connection
turned into a second failure and the server's bare "Internal Server Error" for anyone signed in (issue 21).
"""
from __future__ import annotations

import sqlite3
import threading

import pytest
from flask_babel import force_locale

from app import create_app
from app.extensions import db
from app.kit.errorpages import EXPLANATIONS, RETRY_AFTER, TITLES

# Nothing listens on port 1: the connection is refused at once.
REFUSING = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"


@pytest.fixture
def refusing_app():
    return create_app("testing", {"SQLALCHEMY_DATABASE_URI": REFUSING, "DB_POOL_TIMEOUT": 1,
                                  "WTF_CSRF_ENABLED": False})


def _sign_in(app, client, lang: str = "az") -> None:
    """A session cookie naming user 1, as after signing in (Flask-Login's strong protection checks ``_id``)."""
    from app.extensions import login_manager

    client.environ_base["HTTP_USER_AGENT"] = "db-unavailable-test"
    with app.test_request_context(headers={"User-Agent": "db-unavailable-test"}, environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        identifier = login_manager._session_identifier_generator()
    with client.session_transaction() as session:
        session.update({"_user_id": "1:0", "_fresh": True, "_id": identifier, "lang": lang})


def _busy_page(response, lang: str = "az") -> str:
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page[:500]
    assert response.headers["Retry-After"] == str(RETRY_AFTER)
    assert response.headers["Cache-Control"] == "no-store"
    assert 'class="error-code"' in page
    with force_locale(lang):
        assert str(TITLES[503]) in page
        assert str(EXPLANATIONS[503]).split(";")[0] in page
    return page


def test_anonymous_visitor_gets_the_busy_page(refusing_app):
    with refusing_app.test_request_context():
        page = _busy_page(refusing_app.test_client().get("/news/"))
    assert 'lang="az"' in page


def test_busy_page_speaks_the_visitors_language(refusing_app):
    client = refusing_app.test_client()
    with refusing_app.test_request_context():
        _busy_page(client.get("/?lang=ru"), "ru")
        _busy_page(client.get("/polls/"), "ru")  # the choice is kept in the session, not the database


@pytest.mark.parametrize("path", ["/cabinet/", "/office/", "/", "/news/search?q=su"])
def test_signed_in_visitor_gets_the_busy_page_not_a_bare_500(refusing_app, path):
    client = refusing_app.test_client()
    _sign_in(refusing_app, client, "en")
    with refusing_app.test_request_context():
        _busy_page(client.get(path), "en")


def test_a_form_sent_while_the_database_refuses_gets_the_busy_page(refusing_app):
    client = refusing_app.test_client()
    _sign_in(refusing_app, client)
    with refusing_app.test_request_context():
        _busy_page(client.post("/auth/login", data={"email": "a@b.az", "password": "x" * 12}))


def test_readiness_says_unavailable_while_liveness_stays_up(refusing_app):
    client = refusing_app.test_client()
    response = client.get("/readyz")
    assert response.status_code == 503 and response.get_json()["ready"] is False
    # Alive all the same: nothing gains from restarting an app server because its database is down.
    assert client.get("/healthz").status_code == 200


def _is_sqlite(app) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "sqlite"


def test_a_locked_sqlite_database_gets_the_busy_page_and_recovers(app, tmp_path):
    """Another writer holds the SQLite file longer than a request waits: the request is refused, then served."""
    if not _is_sqlite(app):
        pytest.skip("SQLite's file lock")
    locked_app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                        "SQLITE_BUSY_TIMEOUT": 0.2, "ATTACHMENTS_DIR": str(tmp_path)})
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    holder = sqlite3.connect(path, timeout=5)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with locked_app.test_request_context():
            _busy_page(locked_app.test_client().get("/news/"))
    finally:
        holder.rollback()
        holder.close()
    assert locked_app.test_client().get("/news/").status_code == 200


def test_a_sqlite_connection_is_refused_to_any_other_thread(app):
    """A connection checked out by one thread and used from another raises, instead of entering SQLite's C code
    from two threads at once (which can end the process)."""
    from sqlalchemy import text

    from app.extensions import CrossThreadUse

    if not _is_sqlite(app):
        pytest.skip("SQLite only")
    errors: list[BaseException] = []
    with app.app_context(), db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))

        def use() -> None:
            try:
                conn.execute(text("SELECT 1"))
            except BaseException as error:  # noqa: BLE001 - collected and asserted below
                errors.append(error)

        thread = threading.Thread(target=use)
        thread.start()
        thread.join(10)
        assert conn.execute(text("SELECT 2")).scalar() == 2  # its own thread goes on using it
    assert len(errors) == 1 and isinstance(errors[0], CrossThreadUse)


def test_a_connection_dropped_after_the_page_is_made_leaves_the_page_and_no_session(app, client):
    """The rollback that ends a request fails (the database dropped the connection): the page already made is
    sent as it is, and the request's session is forgotten, so no later request can be handed it."""
    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    failures = []

    def drop(conn) -> None:
        if not failures:
            failures.append(conn)
            raise OperationalError("ROLLBACK", {}, Exception("server closed the connection unexpectedly"))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "rollback", drop)
    try:
        response = client.get("/news/")
    finally:
        event.remove(engine, "rollback", drop)
    assert failures, "the request's rollback never ran"
    assert response.status_code == 200
    assert db.session.registry.registry == {}
