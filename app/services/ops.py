"""Operations: every scheduled command records its runs, and the operations page reads them.

    with command_run("appeals escalate") as run:
        count = appeals.escalate_overdue()
        run.summary = f"{count} escalated"

The run is committed as "running" before the body starts (so a hung command
shows), then "ok" with its summary, or "failed" with the error (the body's
own changes rolled back) before the error goes on.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import func, select

from app.extensions import db
from app.models import CommandRun, utcnow

#: The scheduled commands the operations page always lists (with "never run" until they have run).
SCHEDULED_COMMANDS: list[str] = ["appeals escalate", "appeals autoclose", "reception remind"]


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
