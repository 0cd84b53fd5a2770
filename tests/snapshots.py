"""What a slow seeding wrote, put back instead of seeding again.

The demo portal's records take about 3 s to seed on SQLite (the appeals, the e-services' result PDFs, the news
pictures in every width); the landing-page tests need them a dozen times per run, and a few modules build the
same small world before each of their tests. ``replayed(name, build)`` runs
``build`` the first time, keeps every row and stored file the database holds after it, and the next time the
database holds exactly what it held before that first run (the same rows, compared value by value) writes the kept
rows back instead, one INSERT per table. A database that differs in anything runs ``build`` again (and keeps that
run): a replay is never a guess.

What a seeding writes depends on the clock (deadlines in working days, "today's" reception, a poll opening an hour
ago): a kept run is replayed only on the same day in Baku and within minutes of when it was made.
"""
from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import text

from app.extensions import db
from app.kit import cache
from app.kit.calendar import local_date
from app.models import utcnow
from tests.conftest import may_switch_off_checks

T = TypeVar("T")
MAX_AGE_SECONDS = 600
# SQLite's news index is a virtual table the models do not describe (app/models/search_index.py); the appeals'
# index follows its table by triggers, so replaying the appeals rebuilds it.
SQLITE_EXTRA_TABLES = ("news_fts",)


@dataclass
class _Kept:
    made: float
    day: date
    before: dict
    after: dict
    files: dict[str, bytes]
    value: Any


_KEPT: dict[tuple[str, str], _Kept] = {}


def replayed(name: str, build: Callable[[], T]) -> T:
    """Run ``build``, or put back what its last run left when the database is as that run found it; what ``build``
    returned either way (plain values such as ids, which a replay keeps: the rows come back with the same ids)."""
    key = (str(db.engine.url), name)
    before = _content()
    kept = _KEPT.get(key)
    if (kept and kept.before == before and kept.day == local_date(utcnow())
            and time.monotonic() - kept.made < MAX_AGE_SECONDS):
        _write_back(kept, before)
        # A copy each time: a test that changes what it was given must not change it for the next one.
        return copy.deepcopy(kept.value)
    files_before = set(_files())
    day = local_date(utcnow())
    value = build()
    db.session.commit()
    folder = _folder()
    _KEPT[key] = _Kept(made=time.monotonic(), day=day, before=before, after=_content(), value=copy.deepcopy(value),
                       files={name: (folder / name).read_bytes() for name in _files() if name not in files_before})
    return value


def _folder() -> Path:
    return Path(current_app.config["ATTACHMENTS_DIR"])


def _files() -> list[str]:
    return sorted(p.name for p in _folder().iterdir() if p.is_file())


def _extra_tables() -> tuple[str, ...]:
    return SQLITE_EXTRA_TABLES if db.engine.dialect.name == "sqlite" else ()


def _content() -> dict:
    """Every row of every table, in primary-key order (the tables the models describe, and SQLite's news index)."""
    content = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(table.select().order_by(*table.primary_key.columns)).mappings().all()
        content[table.name] = [dict(row) for row in rows]
    for name in _extra_tables():
        rows = db.session.execute(text(f"SELECT rowid AS rowid_, * FROM {name} ORDER BY rowid")).mappings().all()
        content[name] = [dict(row) for row in rows]
    return content


def _write_back(kept: _Kept, before: dict) -> None:
    """The rows the kept run added or changed, in the order the foreign keys need; then its files."""
    db.session.remove()
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql" and may_switch_off_checks(conn):
            # The rows are a copy of rows that satisfied every constraint; checking them again is only cost.
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for table in reversed(db.metadata.sorted_tables):
            if kept.after[table.name] != before[table.name] and before[table.name]:
                conn.execute(table.delete())
        for table in db.metadata.sorted_tables:
            rows = kept.after[table.name]
            if rows != before[table.name] and rows:
                conn.execute(table.insert(), rows)
        for name in _extra_tables():
            if kept.after[name] != before[name]:
                conn.execute(text(f"DELETE FROM {name}"))
                _insert_raw(conn, name, kept.after[name])
    folder = _folder()
    for name, data in kept.files.items():
        (folder / name).write_bytes(data)
    # Written beside the session, so no table's generation moved: what was cached may describe the old rows.
    cache.clear(current_app)


def _insert_raw(conn, name: str, rows: list[dict]) -> None:
    if not rows:
        return
    columns = [column for column in rows[0] if column != "rowid_"]
    conn.execute(text(f"INSERT INTO {name} (rowid, {', '.join(columns)}) "
                      f"VALUES (:rowid_, {', '.join(':' + c for c in columns)})"), rows)
