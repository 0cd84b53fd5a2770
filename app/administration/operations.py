"""Operations: every scheduled command records its runs, and the operations page reads them.

    with command_run("appeals escalate") as run:
        count = appeals.escalate_overdue()
        run.summary = f"{count} escalated"

The run is committed as "running" before the body starts (so a hung command
shows), then "ok" with its summary, or "failed" with the error (the body's
own changes rolled back) before the error goes on.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, text

from app import authz
from app.extensions import db
from app.kit import audit, mail, notify
from app.kit.errors import Invalid, NotFound
from app.models import CommandRun, OutboxMessage, utcnow
from app.models.outbox import OUTBOX_STATUSES

#: The scheduled commands the operations page always lists (with "never run" until they have run).
SCHEDULED_COMMANDS: list[str] = ["appeals escalate", "appeals autoclose", "reception remind", "queue sweep",
                                  "news publish-due", "news digest", "proposals expire", "notifications digest",
                                  "alerts digest", "drafts expire"]


@contextmanager
def command_run(name: str) -> Iterator[CommandRun]:
    """Record one run of the command ``name``: start, end, outcome, summary and error."""
    run = CommandRun(name=name, started_at=utcnow(), outcome="running", summary="")
    db.session.add(run)
    db.session.commit()
    run_id = run.id
    try:
        yield run
    except BaseException as exc:  # an interrupted run (Ctrl-C) is a failed one too
        db.session.rollback()
        failed = db.session.get(CommandRun, run_id)
        failed.outcome = "failed"
        failed.finished_at = utcnow()
        failed.error = f"{type(exc).__name__}: {exc}"[:4000]
        db.session.commit()
        raise
    finished = db.session.get(CommandRun, run_id)
    finished.summary = (finished.summary or "")[:500]
    finished.outcome = "ok"
    finished.finished_at = utcnow()
    db.session.commit()


def last_runs() -> list[tuple[str, CommandRun | None]]:
    """Each scheduled command (the known ones and any other that ran) with its latest run, or None."""
    latest = select(func.max(CommandRun.id)).group_by(CommandRun.name)
    runs = {run.name: run for run in db.session.scalars(select(CommandRun).where(CommandRun.id.in_(latest)))}
    names = list(SCHEDULED_COMMANDS) + sorted(set(runs) - set(SCHEDULED_COMMANDS))
    return [(name, runs.get(name)) for name in names]


# --- The operations page ----------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """Whether a service the portal depends on answers: ok True/False, or None when it is not configured."""

    ok: bool | None
    detail: str


def check_database() -> Check:
    """Ask the database for one row; never raises."""
    started = time.perf_counter()
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "unreachable", shown with its reason
        db.session.rollback()
        return Check(False, f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}")
    return Check(True, f"{db.engine.dialect.name}, {1000 * (time.perf_counter() - started):.0f} ms")


def redis_url() -> str | None:
    """The Redis address the portal is configured with (rate limits), or None when it keeps them in memory."""
    url = current_app.config.get("REDIS_URL") or current_app.config.get("RATELIMIT_STORAGE_URI") or ""
    return url if url.startswith(("redis://", "rediss://", "unix://")) else None


def _without_secrets(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}{parts.path}"


def check_redis(timeout: float = 1.0) -> Check:
    """Ping Redis with a short timeout; never raises, never shows a password."""
    url = redis_url()
    if url is None:
        return Check(None, "memory://")
    started = time.perf_counter()
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:  # noqa: BLE001 - any failure means "unreachable", shown with its reason
        return Check(False, f"{_without_secrets(url)}: {type(exc).__name__}: {str(exc)[:300]}")
    return Check(True, f"{_without_secrets(url)}, {1000 * (time.perf_counter() - started):.0f} ms")


def check_queue() -> Check:
    """Whether the job queue's Redis answers, and how many tasks wait in it; never raises."""
    from app import jobs

    if jobs.redis_client() is None:
        return Check(None, "")
    depth = jobs.queue_depth()
    if depth is None:
        return Check(False, _without_secrets(current_app.config["QUEUE_URL"]))
    return Check(True, _("%(num)d tasks waiting", num=depth))


def outbox_counts() -> dict[str, int]:
    """How many outbox messages are in each state (every state listed, 0 when none)."""
    counts = dict.fromkeys(OUTBOX_STATUSES, 0)
    counts.update(db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    return counts


def failed_messages(limit: int = 50) -> tuple[int, list[OutboxMessage]]:
    """How many outbox messages failed, and the latest ``limit`` of them."""
    total = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "failed"))
    latest = db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == "failed")
                                .order_by(OutboxMessage.id.desc()).limit(limit))
    return total, list(latest)


def resend(actor, message_id: int) -> OutboxMessage:
    """An administrator sends a failed message again: it is queued for a fresh series of attempts, audited."""
    authz.require(actor, "operations.manage")
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound("message")
    if message.status != "failed":
        raise Invalid({None: _("This message is not failed; it was already sent.")})
    before = {"status": message.status, "error": (message.error or "")[:120]}
    mail.requeue(message)
    audit.record("outbox.resend", actor=actor, obj=message, summary=f"to {message.recipient}: {message.subject}",
                 before=before, after={"status": message.status})
    notify.commit()
    # Without a worker it was delivered right after the commit, in another session: read the outcome.
    db.session.refresh(message)
    return message
