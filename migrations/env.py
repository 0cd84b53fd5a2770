"""Alembic environment: runs migrations against the Flask app's database.

SQLite cannot alter most constraints in place, so migrations run in batch mode
there; types are compared so that model and migration drift is caught.
"""
from __future__ import annotations

from alembic import context
from flask import current_app

from app.models.search_index import include_name

config = context.config
db = current_app.extensions["migrate"].db
target_metadata = db.metadata


def _options(dialect_name: str) -> dict:
    return {
        "target_metadata": target_metadata,
        "compare_type": True,
        "render_as_batch": dialect_name == "sqlite",
        # The SQLite full-text index (FTS5 tables) is the database's own, not a model.
        "include_name": include_name,
    }


def run_offline() -> None:
    """Emit SQL to stdout instead of running it (``flask db upgrade --sql``)."""
    url = db.engine.url
    context.configure(url=url, literal_binds=True, **_options(url.get_backend_name()))
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Run the migrations on a live connection."""
    with db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # The app's connections check foreign keys (app.extensions.enforce_foreign_keys); a batch migration
            # copies a table and drops the old one, which with the checks on would delete or empty every row
            # pointing at it. Only outside a transaction does SQLite take the setting, so before the first.
            connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
            connection.commit()  # ends SQLAlchemy's own transaction, or Alembic would run inside it and not commit
        try:
            context.configure(connection=connection, **_options(connection.dialect.name))
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if sqlite:
                _check_foreign_keys_again(connection)


def _check_foreign_keys_again(connection) -> None:
    """The migrations' SQLite connection back into the pool checking foreign keys, as the app's others do; one that
    cannot be set so is not reused. (Not dropped outright: an in-memory database lives only in its connection.)"""
    try:
        connection.rollback()
        connection.exec_driver_sql("PRAGMA foreign_keys = ON")
        connection.commit()
    except Exception:  # noqa: BLE001 - the migration's own error, if any, is the one to see
        connection.invalidate()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
