"""The read replica (``DATABASE_REPLICA_URL``): the accountability pages, open data and the supervisor's dashboard
read it while every write goes to the primary; a replica that does not answer leaves them on the primary; a write
through the read-only session is refused.

A second, separate database stands in for the replica (``<test database>_replica`` on PostgreSQL, a second file on
SQLite), migrated by the same Alembic migrations. It is given DIFFERENT data from the primary on purpose, so that
every figure on a page says which database it came from.
"""
from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import DBAPIError

from app import create_app
from app.accountability import stats
from app.extensions import db
from app.models import Appeal, AppealStat, AuditEntry, Category, District
from app.replica import WriteRefused, reading
from tests.conftest import Browserless
from tests.databases import sibling_database
from tests.factories import PASSWORD, create_appeal, create_reference_data, create_user

CLOSED_PORT = "postgresql+psycopg://postgres@127.0.0.1:1/x"
RENAMED = "Ganja (replica)"


# --- The two databases --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def replica_url(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second empty database beside the primary, dropped at the end of the module."""
    with sibling_database(app.config["SQLALCHEMY_DATABASE_URI"], "replica", tmp_path_factory.mktemp("replica")) as url:
        yield url


@pytest.fixture(scope="module")
def replica_side(replica_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app whose primary is the replica's database: it migrates it and writes what replication would bring."""
    side = create_app("testing", {"SQLALCHEMY_DATABASE_URI": replica_url,
                                  "ATTACHMENTS_DIR": str(tmp_path_factory.mktemp("replica-files"))})
    with side.app_context():
        upgrade()
    yield side
    with side.app_context():
        db.engine.dispose()


@pytest.fixture
def replica_db(replica_side: Flask) -> Iterator[Flask]:
    """The replica's database, emptied after the test (as conftest empties the primary)."""
    yield replica_side
    with replica_side.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                if table.name == "audit_entries" and conn.dialect.name == "postgresql":
                    conn.execute(text("TRUNCATE audit_entries"))  # its trigger refuses DELETE
                else:
                    conn.execute(table.delete())


def reader_app(app: Flask, replica: str) -> Flask:
    """The portal on the test suite's primary database with ``DATABASE_REPLICA_URL=replica``."""
    return create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                  "ATTACHMENTS_DIR": app.config["ATTACHMENTS_DIR"], "DATABASE_REPLICA_URL": replica})


def dispose(portal: Flask) -> None:
    """Close every pooled connection of ``portal`` (the primary's and the replica's)."""
    with portal.app_context():
        db.engine.dispose()
    if portal.extensions["replica"] is not None:
        portal.extensions["replica"].engine.dispose()


@pytest.fixture
def reader(app: Flask, replica_db: Flask, replica_url: str) -> Iterator[Flask]:
    """The portal reading its figures from the replica database."""
    portal = reader_app(app, replica_url)
    yield portal
    dispose(portal)


@pytest.fixture
def primary_world(app: Flask) -> dict[str, int]:
    """On the primary: the reference data, a resident, a supervisor, and one appeal in Masallı."""
    with app.app_context():
        districts = create_reference_data()
        citizen = create_user("citizen@example.az")
        create_user("supervisor@example.az", full_name="Nigar Rzayeva", roles=[("supervisor", None)])
        create_appeal(citizen, districts["MSL"])
        category = db.session.scalars(select(Category).order_by(Category.id)).first()
        return {"gnc": districts["GNC"].id, "category": category.id}


@pytest.fixture
def replica_world(replica_db: Flask) -> None:
    """On the replica only: Gəncə renamed in English and three appeals in Gəncə (none in Masallı)."""
    with replica_db.app_context():
        districts = create_reference_data()
        districts["GNC"].name_en = RENAMED
        db.session.commit()
        someone = create_user("someone@example.az")
        for _ in range(3):
            create_appeal(someone, districts["GNC"])


def count(portal: Flask, model, *where) -> int:
    """Rows of ``model`` in ``portal``'s primary database."""
    with portal.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def received(client, code: str) -> int:
    """The district's appeals received in the default period, as open data says."""
    return client.get(f"/api/v1/accountability/districts/{code}").get_json()["figures"]["received"]


# --- Reads from the replica, writes to the primary ----------------------------------------------------------


def test_public_figures_come_from_the_replica_while_filing_and_rebuilding_write_the_primary(
        app, reader, primary_world, replica_world, replica_db):
    client = reader.test_client()
    # Open data: the replica's three appeals in Gəncə and nothing of the primary's one in Masallı.
    assert received(client, "GNC") == 3 and received(client, "MSL") == 0
    national = client.get("/api/v1/accountability/districts?lang=en").get_json()
    assert national["total"]["received"] == 3
    assert next(d for d in national["districts"] if d["code"] == "GNC")["name"] == RENAMED
    # The same portal without a replica reads the primary.
    plain = app.test_client()
    assert received(plain, "GNC") == 0 and received(plain, "MSL") == 1
    # The pages too.
    for path in ("/accountability/?lang=en", "/accountability/GNC?lang=en"):
        page = client.get(path)
        assert page.status_code == 200 and RENAMED in page.get_data(as_text=True)
    assert "Ganja" in plain.get("/accountability/?lang=en").get_data(as_text=True)
    assert RENAMED not in plain.get("/accountability/?lang=en").get_data(as_text=True)

    # A resident files an appeal to Gəncə through the portal that reads the replica: it is stored on the primary.
    web = Browserless(client)
    assert web.login("citizen@example.az", PASSWORD).status_code == 302
    filed = web.post("/appeals/new", {
        "district_id": str(primary_world["gnc"]), "category_id": str(primary_world["category"]), "kind": "complaint",
        "subject": "Küçədə su yoxdur", "text": "Üç gündür ki, küçəmizdə su yoxdur.", "applicant_name": "Aygün Həsənova",
        "applicant_address": "Gəncə ş., Nizami küç. 5", "submission_token": "replica-1"})
    assert filed.status_code == 302 and "/cabinet/appeals/" in filed.headers["Location"]
    assert count(app, Appeal, Appeal.district_id == primary_world["gnc"]) == 1
    assert count(replica_db, Appeal) == 3
    assert received(plain, "GNC") == 1  # the primary's rollups took it in the same transaction
    assert received(client, "GNC") == 3  # the replica has not seen it (here: never; in life: for its lag)

    # Rebuilding the rollups in the replica-reading portal rewrites the primary's rows, not the replica's.
    with replica_db.app_context():
        replica_rows = db.session.execute(select(AppealStat.district_id, AppealStat.received)).all()
    with reader.app_context():
        assert stats.rebuild() > 0
    assert count(app, AppealStat, AppealStat.district_id == primary_world["gnc"], AppealStat.grain == "month") == 1
    with replica_db.app_context():
        assert db.session.execute(select(AppealStat.district_id, AppealStat.received)).all() == replica_rows
    assert received(plain, "GNC") == 1 and received(client, "GNC") == 3


def test_the_supervisors_dashboard_reads_the_replica_and_records_exports_on_the_primary(
        app, reader, primary_world, replica_world, replica_db):
    client = reader.test_client()
    web = Browserless(client)
    # The supervisor exists on the primary only: who is signed in is never read from the replica.
    assert web.login("supervisor@example.az", PASSWORD).status_code == 302
    client.get("/?lang=en")
    ranking = client.get("/office/accountability")
    assert ranking.status_code == 200 and RENAMED in ranking.get_data(as_text=True)
    assert client.get("/office/accountability/GNC").status_code == 200
    assert client.get("/office/accountability/GNC/overdue").status_code == 200
    exported = client.get("/office/accountability?format=csv&sort=name&dir=asc")
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    header, body = rows[0], {row[1]: row for row in rows[1:]}
    assert body[RENAMED][header.index("Appeals received")] == "3"
    assert body["Masally"][header.index("Appeals received")] == "0"
    # Who exported what is audited on the primary (the replica's session would have refused it).
    export = AuditEntry.action == "accountability.export"
    assert count(app, AuditEntry, export) == 1 and count(replica_db, AuditEntry, export) == 0


# --- A replica that does not answer ------------------------------------------------------------------------


def test_a_replica_that_does_not_answer_leaves_the_pages_on_the_primary(app, primary_world, caplog):
    portal = reader_app(app, CLOSED_PORT)
    try:
        client = portal.test_client()
        with caplog.at_level(logging.WARNING, logger="reqemsal.replica"):
            for path in ("/accountability/", "/accountability/GNC", "/api/v1/accountability/districts",
                         "/api/v1/accountability/districts/GNC"):
                assert client.get(path).status_code == 200, path
            assert received(client, "MSL") == 1 and received(client, "GNC") == 0  # the primary's figures
            web = Browserless(client)
            assert web.login("supervisor@example.az", PASSWORD).status_code == 302
            assert client.get("/office/accountability").status_code == 200
            assert client.get("/office/accountability?format=csv").status_code == 200
        # Said once, then the replica is left alone for a while instead of being knocked on by every page.
        warnings = [r for r in caplog.records if r.name == "reqemsal.replica"]
        assert len(warnings) == 1 and "does not answer" in warnings[0].getMessage()
    finally:
        dispose(portal)


# --- Writes through the read-only session ------------------------------------------------------------------


def test_a_write_through_the_replica_session_is_refused(reader, primary_world, replica_world, replica_db):
    with replica_db.app_context():
        before = (db.session.scalar(select(func.count()).select_from(AppealStat)),
                  db.session.scalar(select(func.count()).select_from(Category)))
    with reader.test_request_context(), reading() as session:
        assert session.get_bind().url.render_as_string(hide_password=False) == reader.config["DATABASE_REPLICA_URL"]
        assert db.session() is session
        assert db.session.scalar(select(District.name_en).where(District.code == "GNC")) == RENAMED
        session.add(Category(code="new", name_az="Yeni", name_ru="Новая", name_en="New"))
        with pytest.raises(WriteRefused):
            session.flush()
        session.rollback()
        with pytest.raises(WriteRefused):
            session.execute(delete(AppealStat))
        with pytest.raises(WriteRefused):
            stats.rebuild()  # the rollup maintenance, by mistake inside a read block
        session.rollback()
        # Even SQL that the session cannot classify is refused by the replica's database itself.
        with pytest.raises(DBAPIError):
            session.execute(text("DELETE FROM appeal_stats"))
        session.rollback()
    with replica_db.app_context():
        after = (db.session.scalar(select(func.count()).select_from(AppealStat)),
                 db.session.scalar(select(func.count()).select_from(Category)))
    assert after == before


def test_without_a_replica_the_read_block_is_just_as_read_only_and_the_session_writes_after_it(app, primary_world):
    with app.test_request_context():
        assert app.extensions["replica"] is None
        with reading() as session:
            assert session is db.session()  # the primary's own session, marked read-only for the block
            with pytest.raises(WriteRefused):
                stats.rebuild()
            db.session.rollback()
        assert stats.rebuild() > 0  # after the block the same session writes again
    assert count(app, AppealStat) > 0
