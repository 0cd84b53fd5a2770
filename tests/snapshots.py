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

``build`` may return the objects it made (in dicts, lists and tuples): each is kept as its class and primary key, and
a replay gives the test the same rows loaded again in the session, as the first run's objects would be after its
commit. Nothing but the database and the stored files is put back, so a ``build`` that sends email or fills a cache
outside the database must not be replayed.
"""
from __future__ import annotations

import copy
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import inspect, select, text, tuple_
from sqlalchemy.orm.state import InstanceState

from app.extensions import db
from app.kit import cache
from app.kit.calendar import local_date
from app.models import utcnow
from app.models.stats import WRITTEN_BY_TRIGGERS
from tests.conftest import may_switch_off_checks

T = TypeVar("T")
MAX_AGE_SECONDS = 600
# SQLite's news index is a virtual table the models do not describe (app/models/search_index.py); the appeals'
# index follows its table by triggers, so replaying the appeals rebuilds it.
SQLITE_EXTRA_TABLES = ("news_fts",)
# Tables the database's own triggers keep from another table's rows (migration 0032): writing the appeals back
# writes them again, so they are copied only where the triggers are off for the replay (PostgreSQL's replica role).
KEPT_BY_TRIGGERS = frozenset(name for names in WRITTEN_BY_TRIGGERS.values() for name in names)


@dataclass(frozen=True)
class _Row:
    """An object a build returned, kept as its class and primary key."""

    model: type
    key: tuple


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
    returned either way: plain values such as ids (the rows come back with the same ids), and the objects it made,
    loaded again."""
    key = (str(db.engine.url), name)
    before = _content()
    kept = _KEPT.get(key)
    if (kept and kept.before == before and kept.day == local_date(utcnow())
            and time.monotonic() - kept.made < MAX_AGE_SECONDS):
        _write_back(kept, before)
        return _given(kept.value)
    files_before = set(_files())
    day = local_date(utcnow())
    value = build()
    db.session.commit()
    folder = _folder()
    _KEPT[key] = _Kept(made=time.monotonic(), day=day, before=before, after=_content(), value=_kept(value),
                       files={name: (folder / name).read_bytes() for name in _files() if name not in files_before})
    return value


def _kept(value: Any) -> Any:
    """``value`` to keep: its objects as ``_Row``s, the rest a copy."""
    if isinstance(value, dict):
        return {key: _kept(item) for key, item in value.items()}
    if type(value) in (list, tuple):
        return type(value)(_kept(item) for item in value)
    state = inspect(value, raiseerr=False)
    if isinstance(state, InstanceState):
        return _Row(type(value), state.identity)
    return copy.deepcopy(value)


def _given(value: Any) -> Any:
    """A kept value for a test: its objects loaded in the session, the rest a copy (a test that changes what it was
    given must not change it for the next one)."""
    loaded = _load_rows(value)  # held until the value is rebuilt: the session's identity map keeps weak references
    given = _rebuilt(value)
    del loaded
    return given


def _load_rows(value: Any) -> list:
    """The kept objects loaded in one statement per class (a world of forty appeals was forty statements), so
    that ``_rebuilt`` finds each in the session; the objects loaded."""
    keys: dict[type, list[tuple]] = {}
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, _Row):
            keys.setdefault(item.model, []).append(item.key)
        elif isinstance(item, dict):
            pending.extend(item.values())
        elif type(item) in (list, tuple):
            pending.extend(item)
    loaded = []
    for model, found in keys.items():
        columns = inspect(model).primary_key
        if len(columns) == 1:
            loaded += db.session.scalars(select(model).where(columns[0].in_([key[0] for key in found]))).all()
        else:
            loaded += db.session.scalars(select(model).where(tuple_(*columns).in_(found))).all()
    return loaded


def _rebuilt(value: Any) -> Any:
    if isinstance(value, _Row):
        return db.session.get(value.model, value.key)
    if isinstance(value, dict):
        return {key: _rebuilt(item) for key, item in value.items()}
    if type(value) in (list, tuple):
        return type(value)(_rebuilt(item) for item in value)
    return copy.deepcopy(value)


def _folder() -> Path:
    return Path(current_app.config["ATTACHMENTS_DIR"])


def _files() -> list[str]:
    return sorted(p.name for p in _folder().iterdir() if p.is_file())


@functools.cache
def _tables() -> tuple:
    """The tables the models describe, those pointed at first (``MetaData.sorted_tables`` sorts them at every call)."""
    return tuple(db.metadata.sorted_tables)


def _extra_tables() -> tuple[str, ...]:
    return SQLITE_EXTRA_TABLES if db.engine.dialect.name == "sqlite" else ()


def _content() -> dict:
    """Every row of every table, in primary-key order (the tables the models describe, and SQLite's news index).

    Most builds start from empty tables (every test leaves them so): one statement says so, instead of one per table."""
    names = [table.name for table in _tables()] + list(_extra_tables())
    if not db.session.execute(text("SELECT " + " + ".join(f'CASE WHEN EXISTS (SELECT 1 FROM "{name}") THEN 1 ELSE 0 END'
                                               for name in names))).scalar():
        return {name: [] for name in names}
    content = {}
    for table in _tables():
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
        triggers_off = conn.dialect.name == "postgresql" and may_switch_off_checks(conn)
        if triggers_off:
            # The rows are a copy of rows that satisfied every constraint; checking them again is only cost.
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        tables = [table for table in _tables()
                  if triggers_off or table.name not in KEPT_BY_TRIGGERS]
        for table in reversed(tables):
            if kept.after[table.name] != before[table.name] and before[table.name]:
                conn.execute(table.delete())
        for table in tables:
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
