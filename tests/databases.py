"""A database of its own beside the suite's: the restore drill's target, the replica, the crash tests' servers."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextmanager
def sibling_database(suite_url: str, suffix: str, folder: Path) -> Iterator[str]:
    """The address of a new, empty database of the suite's kind, dropped afterwards.

    PostgreSQL: ``<suite database>_<suffix>`` on the same server (any leftover of an interrupted run is dropped
    first). SQLite: ``<folder>/<suffix>.sqlite``.
    """
    url = make_url(suite_url)
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{folder / f'{suffix}.sqlite'}"
        return
    name = f"{url.database}_{suffix}"[:63]
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
