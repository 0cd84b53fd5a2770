"""The audit trail: every staff action appended to a hash chain, and its verification.

``record(...)`` adds one entry to the current session's transaction, so it is
committed (or rolled back) with the action it describes. When that transaction
commits, its entries are numbered under a lock on the chain head
(``audit_chain``, one row): each gets the next position as its id, the previous
entry's hash, and its own hash, SHA-256 over a canonical serialisation of its
fields and that previous hash. Concurrent transactions therefore queue for the
head row and the chain stays one line. The head is locked at the very end of
the transaction, after everything else was flushed, so it is the last lock any
transaction takes (no deadlock with the rows of the action) and is held only
for the commit itself. ``verify()`` walks the chain and names the first entry that was
changed, removed or inserted out of order.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import AuditChainHead, AuditEntry, utcnow

ACTION_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_-]*)+$")
GENESIS = ""  # the "previous hash" of the first entry
PENDING = "audit_pending"  # the session's entries waiting for the commit
SUMMARY_MAX = 500
VALUE_MAX = 120  # a before/after value longer than this is shortened: a summary, not a copy


# The address of the client being served, named by the web layer before each request (app/web.py); None in a command
# or a job. A context variable, not Flask's ``request``: use cases and this module stay free of the web.
_client: ContextVar[str | None] = ContextVar("audit_client", default=None)


def bind_client(address: str | None) -> None:
    """Name the client's address that entries recorded from now on in this context carry (the web layer calls it)."""
    _client.set(address[:45] if address else None)


def record(action: str, *, actor, obj=None, object_type: str | None = None,
           object_id: int | str | None = None, district_id: int | None = None,
           summary: str = "", before: dict | None = None, after: dict | None = None,
           address: str | None = None) -> AuditEntry:
    """Add one entry for ``action`` to the current session (it joins the caller's transaction).

    ``actor`` is the user who acted (None: a scheduled command or an operator's command acted). ``address`` is
    the client's address; by default, the one the web layer bound for the request being served (``bind_client``).
    ``obj``, a model instance, fills in
    ``object_type`` (its table's singular name), ``object_id`` and
    ``district_id`` where they are not given. ``before``/``after`` are short
    dictionaries of the fields that changed.
    """
    if not ACTION_RE.match(action):
        raise ValueError(f"audit action {action!r} is not dotted lower case, e.g. 'appeal.status'")
    # A view may pass Flask-Login's ``current_user``, a proxy: the entry names the user it stands for.
    actor, obj = _unproxied(actor), _unproxied(obj)
    if obj is not None:
        if getattr(obj, "id", None) is None and obj in db.session:
            db.session.flush()  # a new object: its id is the one thing the entry must name
        object_type = object_type or object_type_of(obj)
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
        district_id = district_id if district_id is not None else _district_of(obj)
    entry = AuditEntry(
        created_at=utcnow(),
        actor_id=getattr(actor, "id", None),
        actor_email=_staff_email(actor),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id)[:64],
        district_id=district_id,
        summary=" ".join(str(summary).split())[:SUMMARY_MAX],
        before=canonical(before),
        after=canonical(after),
        ip=address[:45] if address else _client.get(),
        prev_hash="",
        hash="",
    )
    # Pending until the commit numbers it (an autoflush before then must not write it without its place).
    db.session().info.setdefault(PENDING, []).append(entry)
    return entry


def _unproxied(value: Any) -> Any:
    """The object behind a Werkzeug ``LocalProxy`` (such as ``current_user``), or ``value`` itself."""
    getter = getattr(value, "_get_current_object", None)
    return getter() if callable(getter) else value


def _staff_email(actor: Any) -> str | None:
    """The actor's email when they hold a staff role, else None.

    The trail is append-only and hash-chained, so nothing written into it can be erased later. Staff are named
    by email (the reviewer reads who acted); a resident acting on their own things (publishing a proposal,
    proposing a poll topic...) is named by ``actor_id`` only, so closing their account leaves no address here.
    """
    if actor is None:
        return None
    staff = getattr(actor, "is_staff", None)
    if staff is None:  # not a User (e.g. a stand-in naming someone by id): no role, no email
        return None
    return getattr(actor, "email", None) if staff else None


def snapshot(obj: Any, fields: tuple[str, ...] | list[str]) -> dict:
    """The values of ``fields`` of ``obj`` for a before/after summary (long texts shortened)."""
    values = {}
    for name in fields:
        value = getattr(obj, name, None)
        if isinstance(value, str) and len(value) > VALUE_MAX:
            value = value[:VALUE_MAX - 1] + "…"
        values[name] = value
    return values


def diff(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields that changed between two snapshots: (before, after)."""
    changed = [key for key in after if canonical({"v": before.get(key)}) != canonical({"v": after.get(key)})]
    return {key: before.get(key) for key in changed}, {key: after.get(key) for key in changed}


def object_type_of(obj: Any) -> str:
    """A short name for ``obj``'s kind: its class name in snake case ("ServiceApplication" → "service_application")."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(obj).__name__).lower()


def _district_of(obj: Any) -> int | None:
    if type(obj).__name__ == "District":
        return obj.id
    return getattr(obj, "district_id", None)


def canonical(value: dict | None) -> str | None:
    """``value`` as canonical JSON (sorted keys, no spaces; dates and other values as text), or None."""
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _timestamp(value: datetime) -> str:
    if value.tzinfo is None:  # SQLite hands back naive UTC when read outside the ORM type
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def entry_hash(entry: Any) -> str:
    """SHA-256 (hex) over the entry's fields and the previous entry's hash, in a fixed canonical form."""
    fields = [
        entry.id, _timestamp(entry.created_at), entry.actor_id, entry.actor_email, entry.action,
        entry.object_type, entry.object_id, entry.district_id, entry.summary, entry.before, entry.after,
        entry.ip, entry.prev_hash,
    ]
    payload = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# --- Chaining: number new entries when the session flushes --------------------

HEAD = AuditChainHead.__table__
ENTRIES = AuditEntry.__table__


def _lock_head(conn) -> tuple[int, str]:
    """Lock the chain head for this transaction and return (last id, last hash).

    A no-op UPDATE takes the row lock on PostgreSQL (others wait until this
    transaction ends) and the write lock on SQLite; the head is read after it,
    so it is always the latest committed one.
    """
    lock = update(HEAD).where(HEAD.c.id == 1).values(last_id=HEAD.c.last_id)
    if conn.execute(lock).rowcount == 0:
        # The first entry ever (or an emptied table): start from whatever the table holds.
        last = conn.execute(select(ENTRIES.c.id, ENTRIES.c.hash).order_by(ENTRIES.c.id.desc()).limit(1)).first()
        values = {"id": 1, "last_id": last.id if last else 0, "last_hash": last.hash if last else GENESIS}
        conn.execute(_insert_if_absent(conn, values))
        conn.execute(lock)
    row = conn.execute(select(HEAD.c.last_id, HEAD.c.last_hash).where(HEAD.c.id == 1)).one()
    return row.last_id, row.last_hash


def _insert_if_absent(conn, values: dict):
    dialect = conn.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(HEAD).values(**values).on_conflict_do_nothing()
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(HEAD).values(**values).on_conflict_do_nothing()
    return insert(HEAD).values(**values)


@event.listens_for(Session, "before_commit")
def _chain_pending_entries(session: Session) -> None:
    """Give each entry recorded in this transaction its position, previous hash and hash, under the head's lock."""
    if session.in_nested_transaction():
        return  # a savepoint: the entries wait for the outer commit
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    session.flush()  # the action's own rows first: the head is the last lock this transaction takes
    conn = session.connection()
    last_id, last_hash = _lock_head(conn)
    for entry in pending:
        last_id += 1
        entry.id = last_id
        entry.prev_hash = last_hash
        entry.hash = entry_hash(entry)
        last_hash = entry.hash
    session.add_all(pending)
    conn.execute(update(HEAD).where(HEAD.c.id == 1).values(last_id=last_id, last_hash=last_hash))


@event.listens_for(Session, "after_transaction_end")
def _forget_pending_entries(session: Session, transaction) -> None:
    """A transaction that ended without committing them (rolled back, closed) drops its entries."""
    if transaction.parent is None:
        session.info.pop(PENDING, None)


# --- Verification -------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """The first place where the chain is broken."""

    kind: str  # "changed", "removed", "out_of_order", "inserted"
    entry_id: int | None
    message: str


@dataclass(frozen=True)
class Verification:
    """The outcome of walking the chain."""

    checked: int
    last_id: int
    last_hash: str
    problem: Problem | None

    @property
    def ok(self) -> bool:
        """Whether the whole chain is intact."""
        return self.problem is None


def verify(step: Callable[[int], Any] | None = None, batch: int = 2000) -> Verification:
    """Walk the chain in order and report the first entry that was changed, removed or inserted out of order.

    ``step(n)`` is called after each batch of ``n`` entries (a progress bar).
    Reads in batches by id, so memory stays flat whatever the length.
    """
    expected, prev_hash, checked, after_id = 1, GENESIS, 0, 0
    columns = [ENTRIES.c[name] for name in (
        "id", "created_at", "actor_id", "actor_email", "action", "object_type", "object_id", "district_id",
        "summary", "before", "after", "ip", "prev_hash", "hash")]
    while True:
        rows = db.session.execute(
            select(*columns).where(ENTRIES.c.id > after_id).order_by(ENTRIES.c.id).limit(batch)
        ).all()
        if not rows:
            break
        for row in rows:
            problem = _check(row, expected, prev_hash)
            if problem:
                return Verification(checked, expected - 1, prev_hash, problem)
            checked += 1
            expected, prev_hash = row.id + 1, row.hash
        after_id = rows[-1].id
        if step:
            step(len(rows))
    last_id = expected - 1
    head = db.session.execute(select(HEAD.c.last_id, HEAD.c.last_hash).where(HEAD.c.id == 1)).first()
    problem = _check_head(head, last_id, prev_hash)
    return Verification(checked, last_id, prev_hash, problem)


def _check(row: Any, expected: int, prev_hash: str) -> Problem | None:
    if row.id > expected:
        gap = f"#{expected}" if row.id == expected + 1 else f"#{expected}–#{row.id - 1}"
        return Problem("removed", expected,
                       f"entry {gap} is missing (removed): the chain goes from #{expected - 1} to #{row.id}")
    if entry_hash(row) != row.hash:
        return Problem("changed", row.id, f"entry #{row.id} was changed after it was recorded (its hash does not match)")
    if row.prev_hash != prev_hash:
        return Problem("out_of_order", row.id,
                       f"entry #{row.id} does not follow entry #{row.id - 1} (inserted out of order)")
    return None


def _check_head(head: Any, last_id: int, last_hash: str) -> Problem | None:
    if head is None:
        if last_id:
            return Problem("removed", None, "the chain head (audit_chain) is missing")
        return None
    if head.last_id > last_id:
        gap = f"#{last_id + 1}" if head.last_id == last_id + 1 else f"#{last_id + 1}–#{head.last_id}"
        return Problem("removed", last_id + 1, f"entry {gap} is missing (removed from the end of the chain)")
    if head.last_id < last_id:
        return Problem("inserted", head.last_id + 1,
                       f"entry #{head.last_id + 1} was inserted out of order (after the chain's recorded end)")
    if head.last_hash != last_hash:
        return Problem("changed", last_id, f"entry #{last_id} was replaced (the chain head remembers another hash)")
    return None
