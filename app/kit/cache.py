"""The shared cache: Redis in production (every worker, the scheduler and the commands see one), a bounded
in-process store in development and tests. It holds the visitors' pages (``app.kit.pagecache``) and the values
areas cache (the news lists, ``cached_value``).

Nothing is invalidated by name. Each table has a *generation* number, bumped after every commit that wrote to it
(``track_changes``: the ORM's flushes and its bulk statements). A cached thing is stored with the tables it read
(recorded from the SQL statements that ran while it was built, ``reading()``) and their generations at that
moment; it is served only while those generations are unchanged. So a page is never stale because someone forgot
to send a signal: whatever it read is what invalidates it. The timeout bounds what no write announces (time
passing: an article whose publication time came, a poll that closed at midnight).

Values are bytes or JSON, so both stores hold the same thing and nothing executable is ever read back from Redis.
A store that is down is a miss, never an error page.
"""
from __future__ import annotations

import json
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app.models.stats import WRITTEN_BY_TRIGGERS

# The table names a statement reads or writes: what follows FROM, JOIN, INTO, UPDATE (names SQLAlchemy quotes
# keep their quotes; aliases and subqueries are dropped by checking against the known tables).
TABLE_RE = re.compile(r'\b(?:FROM|JOIN|INTO|UPDATE)\s+"?([A-Za-z_][A-Za-z0-9_]*)"?', re.IGNORECASE)
# What is being recorded in this thread or task (nested: a cached value inside a page): per block, each table read
# and its generation when it was first read.
_reading: ContextVar[tuple[Recording, ...]] = ContextVar("cache_reading", default=())


# An entry is one line of JSON metadata ({"g": {table: "generation"}, …}: the numbers as text, compared as text in
# the script, whatever their size), a newline, then the body. The script returns it only while each of its tables'
# generation keys holds the number it was stored with.
CURRENT_ENTRY = """
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
local newline = string.find(raw, '\\n', 1, true)
if not newline then return false end
local meta = cjson.decode(string.sub(raw, 1, newline - 1))
for name, number in pairs(meta['g']) do
  local now = redis.call('GET', ARGV[1] .. name)
  if now ~= number then return false end
end
return raw
"""


def join_entry(meta: dict, body: bytes) -> bytes:
    """An entry's stored form: its metadata line, then its body."""
    stored = {**meta, "g": {name: str(number) for name, number in meta["g"].items()}}
    return json.dumps(stored, separators=(",", ":")).encode() + b"\n" + body


def split_entry(raw: bytes) -> tuple[dict, bytes]:
    """The metadata and body of a stored entry."""
    header, _, body = raw.partition(b"\n")
    meta = json.loads(header)
    meta["g"] = {name: int(number) for name, number in meta["g"].items()}
    return meta, body


class LocalStore:
    """A bounded in-process store with a timeout per entry (thread-safe): one process, development and tests."""

    def __init__(self, max_entries: int = 2000):
        self._data: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._generations: dict[str, int] = {}
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def get_many(self, keys: list[str]) -> list[bytes | None]:
        now = time.monotonic()
        found: list[bytes | None] = []
        with self._lock:
            for key in keys:
                entry = self._data.get(key)
                if entry is not None and entry[0] < now:
                    del self._data[key]
                    entry = None
                if entry is not None:
                    self._data.move_to_end(key)
                found.append(entry[1] if entry else None)
        return found

    def set(self, key: str, value: bytes, timeout: int) -> None:
        with self._lock:
            self._data[key] = (time.monotonic() + timeout, value)
            self._data.move_to_end(key)
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)

    def generations(self, names: Iterable[str]) -> list[int]:
        with self._lock:
            return [self._generations.get(name, 0) for name in names]

    def get_entry(self, key: str) -> tuple[dict, bytes] | None:
        """The entry under ``key`` (its metadata and body) while its tables are at its generations."""
        raw = self.get_many([key])[0]
        if raw is None:
            return None
        meta, body = split_entry(raw)
        generations = meta["g"]
        with self._lock:
            if any(self._generations.get(name, 0) != number for name, number in generations.items()):
                return None
        return meta, body

    def bump(self, names: Iterable[str]) -> None:
        with self._lock:
            for name in names:
                self._generations[name] = self._generations.get(name, 0) + 1

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            # Generations keep counting up: an entry made before the clear can never match again.
            for name in self._generations:
                self._generations[name] += 1


class RedisStore:
    """The same interface over Redis, under the deployment's ``REDIS_PREFIX``.

    After a failure it stays out of the way for ``RESTING`` seconds (every read a miss, every write skipped):
    a Redis that hangs would otherwise cost each page its timeout once per table it reads.
    """

    RESTING = 5.0

    def __init__(self, url: str, prefix: str):
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._prefix = f"{prefix}:cache:"
        self._gen_prefix = f"{prefix}:cache-gen:"
        self._down_until = 0.0
        self._current_entry = self._redis.register_script(CURRENT_ENTRY)

    def _up(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self) -> None:
        self._down_until = time.monotonic() + self.RESTING

    def get_many(self, keys: list[str]) -> list[bytes | None]:
        if self._up():
            try:
                return list(self._redis.mget([self._prefix + key for key in keys]))
            except Exception:  # noqa: BLE001 - a cache that is down is a miss
                self._failed()
        return [None] * len(keys)

    def set(self, key: str, value: bytes, timeout: int) -> None:
        if not self._up():
            return
        try:
            self._redis.set(self._prefix + key, value, ex=timeout)
        except Exception:  # noqa: BLE001
            self._failed()

    def get_entry(self, key: str) -> tuple[dict, bytes] | None:
        """The entry under ``key`` while its tables are at its generations, in one round trip (a script reads the
        entry's metadata line and compares each generation inside Redis)."""
        if not self._up():
            return None
        try:
            raw = self._current_entry(keys=[self._prefix + key], args=[self._gen_prefix])
        except Exception:  # noqa: BLE001
            self._failed()
            return None
        return split_entry(raw) if raw else None

    def generations(self, names: Iterable[str]) -> list[int]:
        names = list(names)
        keys = [self._gen_prefix + name for name in names]
        if not self._up():
            return [-time.time_ns()] * len(names)
        try:
            values = self._redis.mget(keys)
            missing = [key for key, value in zip(keys, values, strict=True) if value is None]
            if missing:
                # A generation never seen (or evicted) starts from the clock (in milliseconds: exact in the Lua
                # script's numbers), not from 0: an entry stored under an earlier life of the counter does not match.
                start = time.time_ns() // 1_000_000
                with self._redis.pipeline() as pipe:
                    for key in missing:
                        pipe.set(key, start, nx=True)
                    pipe.execute()
                values = self._redis.mget(keys)
            return [int(value) for value in values]
        except Exception:  # noqa: BLE001
            self._failed()
            # Unknown generations: a value nothing was stored under, so nothing stale is served.
            return [-time.time_ns()] * len(names)

    def bump(self, names: Iterable[str]) -> None:
        try:
            with self._redis.pipeline(transaction=False) as pipe:
                for name in names:
                    pipe.incr(self._gen_prefix + name)
                pipe.execute()
        except Exception:  # noqa: BLE001
            # Redis down: the entries it holds cannot be served either (every read is a miss meanwhile), and
            # they expire within the timeout.
            pass

    def clear(self) -> None:
        try:
            keys = list(self._redis.scan_iter(match=self._gen_prefix + "*", count=500))
            self.bump(key.decode()[len(self._gen_prefix):] for key in keys)
        except Exception:  # noqa: BLE001
            pass


def init_app(app: Flask) -> None:
    """Choose the store from ``CACHE_URL`` (Redis when it names one, else in process)."""
    url = app.config.get("CACHE_URL") or ""
    app.extensions["cache"] = (RedisStore(url, app.config["REDIS_PREFIX"])
                               if url.startswith(("redis://", "rediss://", "unix://")) else LocalStore())


def store(app: Flask | None = None) -> LocalStore | RedisStore:
    """The application's store."""
    return (app or current_app).extensions["cache"]


def clear(app: Flask) -> None:
    """Retire every entry of ``app``'s store (tests start from nothing; after a restore)."""
    found = app.extensions.get("cache")
    if found is not None:
        found.clear()


# --- what was read -------------------------------------------------------------------------------------------------

def tables_in(statement: str) -> set[str]:
    """The known tables a SQL statement names."""
    from app.extensions import db

    known = db.metadata.tables
    return {name for name in TABLE_RE.findall(statement) if name in known}


class Recording:
    """The tables a block read, each with its generation *before* its first statement ran.

    Before, not after: a write committed between the read and the storing then leaves the entry with an old
    generation, so it is never served (one extra miss), where a generation read afterwards would hide the write
    until the timeout.
    """

    def __init__(self, backend: LocalStore | RedisStore):
        self.backend = backend
        self.generations: dict[str, int] = {}

    def add(self, names: set[str]) -> None:
        new = sorted(names - self.generations.keys())
        if new:
            self.generations.update(zip(new, self.backend.generations(new), strict=True))

    def merge(self, generations: dict[str, int]) -> None:
        for name, number in generations.items():
            self.generations.setdefault(name, number)


@contextmanager
def reading(backend: LocalStore | RedisStore | None = None) -> Iterator[Recording]:
    """Record the tables every statement reads until the block ends (enclosing blocks record them too)."""
    found = Recording(backend or store())
    token = _reading.set((*_reading.get(), found))
    try:
        yield found
    finally:
        _reading.reset(token)


def _record_statement(conn, cursor, statement, parameters, context, executemany) -> None:
    active = _reading.get()
    if active:
        tables = tables_in(statement)
        if tables:
            for found in active:
                found.add(tables)


def depends_on(generations: dict[str, int]) -> None:
    """Tell the blocks being recorded that what they build depends on these tables at these generations (a value
    served from the cache ran no statement, but its tables count for the page that shows it)."""
    for found in _reading.get():
        found.merge(generations)


# --- what was written ----------------------------------------------------------------------------------------------

def _written_by_flush(session: Session, flush_context) -> None:
    changed = session.info.setdefault("cache_changed", set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(type(obj), "__table__", None)
        if table is not None:
            changed.add(table.name)
    # Rows of secondary tables (many-to-many) change with their owners' collections; the owner's dirty state
    # says so, and its relationships name them.
    for obj in session.dirty:
        mapper = getattr(type(obj), "__mapper__", None)
        for rel in mapper.relationships if mapper is not None else ():
            if rel.secondary is not None and rel.key in obj.__dict__:
                changed.add(rel.secondary.name)


def _written_by_statement(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        name = getattr(table, "name", None)
        if name:
            state.session.info.setdefault("cache_changed", set()).add(name)


def _after_commit(session: Session) -> None:
    changed = session.info.pop("cache_changed", None)
    if changed:
        # What the database's triggers wrote beside them: the session never saw those statements.
        for name in list(changed):
            changed.update(WRITTEN_BY_TRIGGERS.get(name, ()))
        try:
            found = current_app.extensions.get("cache")
        except RuntimeError:  # a session used outside any application (a script's own engine)
            return
        if found is not None:
            found.bump(sorted(changed))


def _after_rollback(session: Session) -> None:
    session.info.pop("cache_changed", None)


def track_changes() -> None:
    """Listen, once per process, to every session's writes and every engine's statements."""
    if event.contains(Session, "after_commit", _after_commit):
        return
    event.listen(Session, "after_flush", _written_by_flush)
    event.listen(Session, "do_orm_execute", _written_by_statement)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_rollback", _after_rollback)
    event.listen(Engine, "before_cursor_execute", _record_statement)


# --- cached values -------------------------------------------------------------------------------------------------

def cached_value(key: str, build: Callable[[], Any], timeout: int | None = None) -> Any:
    """The JSON value cached under ``key`` while the tables it read are unchanged, else ``build()``'s, stored."""
    backend = store()
    found = backend.get_entry(f"value:{key}")
    if found is not None:
        meta, body = found
        depends_on(meta["g"])
        return json.loads(body)
    with reading(backend) as recorded:
        value = build()
    backend.set(f"value:{key}", join_entry({"g": recorded.generations}, json.dumps(value).encode()),
                timeout or current_app.config["CACHE_TIMEOUT"])
    return value
