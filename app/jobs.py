"""The job queue: Celery on Redis, its beat scheduler, and the portal's tasks.

Why Celery: its scheduler (beat) is part of it and mature (crontab schedules in the portal's time
zone), a task can be acknowledged only after it ran (``acks_late``) and is handed to another worker
when the one running it dies (``reject_on_worker_lost``), and it is the queue most operators already
know. RQ's own periodic scheduler is still marked beta.

The database stays the truth for email: the outbox row is committed with the change that caused it,
the queue only says "deliver row N now", and the sweeper hands every due row to the queue again, so a
queue that lost its messages (Redis restarted empty) loses no email. Periodic jobs are idempotent and
take a per-period lock in Redis, so two schedulers (one per host) run each job once per period.

Without ``QUEUE_URL`` (development, tests) there is no worker: email is delivered right after the
commit in the same process, and the periodic jobs are ``flask`` commands to run by hand.

Run the worker and the scheduler with the same settings as the app servers::

    celery -A app.worker worker --loglevel INFO
    celery -A app.worker beat --loglevel INFO --schedule instance/celerybeat-schedule
"""
from __future__ import annotations

import logging
import time

from celery import Celery, Task
from celery.schedules import crontab, schedule
from celery.signals import worker_process_init
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import OutboxMessage

log = logging.getLogger("reqemsal.jobs")

DELIVER = "reqemsal.deliver_email"
SWEEP = "reqemsal.sweep_outbox"
PERIODIC = "reqemsal.periodic"


def init_app(app: Flask) -> None:
    """Configure a Celery app for ``app`` (``app.extensions["celery"]``) with the tasks and the beat schedule."""
    from app import scheduled

    prefix = app.config["REDIS_PREFIX"]
    url = app.config["QUEUE_URL"]
    connect_timeout = app.config["QUEUE_TIMEOUT"]
    celery = Celery(app.import_name, task_cls=_task_class(app))
    celery.conf.update(
        broker_url=url or "memory://",
        # Every key of this deployment under its prefix: several portals (or a test run) can share one Redis.
        broker_transport_options={"global_keyprefix": f"{prefix}:", "visibility_timeout": app.config["QUEUE_VISIBILITY"],
                                  "socket_connect_timeout": connect_timeout, "socket_timeout": connect_timeout},
        broker_connection_timeout=connect_timeout,
        broker_connection_retry_on_startup=True,
        task_default_queue=prefix,
        task_ignore_result=True,
        # A task is acknowledged after it ran; if its worker dies, another worker gets it.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        timezone=app.config["BABEL_DEFAULT_TIMEZONE"],
        beat_schedule=_beat_schedule(app, scheduled.JOBS),
    )
    celery.task(name=DELIVER, ignore_result=True)(_deliver_email)
    celery.task(name=SWEEP, ignore_result=True)(_sweep_outbox)
    celery.task(name=PERIODIC, ignore_result=True)(_periodic)
    celery.flask_app = app
    app.extensions["celery"] = celery


def _task_class(app: Flask) -> type[Task]:
    class FlaskTask(Task):
        """Each task runs inside the Flask app's context (configuration, database session, its teardown)."""

        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    return FlaskTask


def _beat_schedule(app: Flask, jobs) -> dict:
    entries = {"outbox sweep": {"task": SWEEP, "schedule": schedule(app.config["MAIL_SWEEP_INTERVAL"])}}
    for job in jobs:
        entries[job.name] = {"task": PERIODIC, "schedule": _when(job.when), "args": (job.name,)}
    return entries


def _when(when: str):
    if when.startswith("every "):
        return schedule(float(when.split()[1]))
    minute, hour, day_of_month, month_of_year, day_of_week = when.split()
    return crontab(minute=minute, hour=hour, day_of_month=day_of_month, month_of_year=month_of_year,
                   day_of_week=day_of_week)


def period_seconds(when: str) -> int:
    """The shortest time between two runs of a schedule, for its once-per-period lock."""
    if when.startswith("every "):
        return max(1, int(float(when.split()[1])))
    minute = when.split()[0]
    return 60 * int(minute[2:]) if minute.startswith("*/") else 60


# --- Tasks -------------------------------------------------------------------------------------------


def _deliver_email(message_id: int) -> str:
    from app.kit import mail

    return mail.deliver(message_id)


def _sweep_outbox() -> int:
    from app.kit import mail

    due = mail.sweep()
    for message_id in due:
        send(DELIVER, message_id)
    return len(due)


def _periodic(name: str) -> str:
    from app import scheduled

    job = scheduled.job(name)
    if not claim_period(name, period_seconds(job.when)):
        log.info("%s already ran in this period (another scheduler sent it too)", name)
        return "skipped"
    return str(job.run())


def claim_period(name: str, seconds: int) -> bool:
    """Whether this is the first run of ``name`` in the current period of ``seconds`` (a Redis SET NX).

    Without Redis, or when it does not answer, the job runs: every job is idempotent, a lost lock costs
    at most a repeated run, a refused one a missed run.
    """
    client = redis_client()
    if client is None:
        return True
    slot = int(time.time() // seconds)
    try:
        return bool(client.set(f"{current_app.config['REDIS_PREFIX']}:once:{name}:{slot}", "1", nx=True,
                               ex=seconds * 2))
    except Exception as exc:  # noqa: BLE001 - see above: run rather than skip
        log.warning("period lock for %s unavailable: %s", name, exc)
        return True


def redis_client():
    """A Redis client for the queue's Redis (short timeouts), or None without a queue."""
    url = current_app.config["QUEUE_URL"]
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return None
    import redis

    timeout = current_app.config["QUEUE_TIMEOUT"]
    return redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)


# --- Sending work to the queue ------------------------------------------------------------------------------


def send(task: str, *args) -> bool:
    """Hand ``task`` to the queue; without a queue, run it here and now. False when the queue is unreachable.

    A message that cannot be handed over is not lost: its outbox row stays ``queued`` and the sweeper
    sends it when the queue answers again. So an unreachable Redis never fails the request that queued it.
    """
    celery: Celery = current_app.extensions["celery"]
    if not current_app.config["QUEUE_URL"]:
        celery.tasks[task].run(*args)
        return True
    try:
        celery.send_task(task, args=args, retry=False)
    except Exception as exc:  # noqa: BLE001 - the broker is down: the sweeper catches up later
        log.warning("queue unreachable, %s%r left for the sweeper: %s", task, args, exc)
        return False
    return True


def queue_depth() -> int | None:
    """How many tasks wait in the queue (None without a queue or when Redis does not answer)."""
    client = redis_client()
    if client is None:
        return None
    prefix = current_app.config["REDIS_PREFIX"]
    try:
        return int(client.llen(f"{prefix}:{prefix}"))
    except Exception:  # noqa: BLE001 - a metric, not an error page
        return None


# --- The outbox's rows reach the queue after their commit -----------------------------------------------


@event.listens_for(Session, "after_flush")
def _collect_outbox(session: Session, _flush_context) -> None:
    new = [obj.id for obj in session.new if isinstance(obj, OutboxMessage)]
    if new:
        session.info.setdefault("outbox_dispatch", set()).update(new)


@event.listens_for(Session, "after_commit")
def _committed_outbox(session: Session) -> None:
    ids = session.info.pop("outbox_dispatch", None)
    if ids:
        session.info.setdefault("outbox_committed", set()).update(ids)


@event.listens_for(Session, "after_transaction_end")
def _dispatch_outbox(session: Session, transaction) -> None:
    # Only once the whole transaction has ended: its connection is back in the pool by then. Delivering in the
    # process (no queue) takes a connection of its own; asked for while the committing session still held its
    # own, twenty simultaneous commits could hold the whole pool and each wait for a second connection forever.
    if transaction.parent is not None:
        return
    ids = session.info.pop("outbox_committed", None)
    for message_id in sorted(ids or ()):
        send(DELIVER, message_id)


@event.listens_for(Session, "after_rollback")
def _forget_outbox(session: Session) -> None:
    session.info.pop("outbox_dispatch", None)


@worker_process_init.connect
def _fresh_connections(**_kwargs) -> None:
    """A forked worker process must not share the parent's database connections (close them, do not reuse)."""
    from app.worker import flask_app

    with flask_app.app_context():
        db.engine.dispose(close=False)


def _register_gauges() -> None:
    """The queue's figures on /metrics: tasks waiting in Redis, scheduled runs that failed in the last day."""
    from datetime import timedelta

    from sqlalchemy import func, select

    from app.models import CommandRun, utcnow
    from app.observability import register_gauge

    register_gauge("reqemsal_queue_tasks", "Tasks waiting in the job queue (Redis).", queue_depth)
    register_gauge("reqemsal_failed_jobs", "Scheduled job runs that failed in the last 24 hours.",
                   lambda: db.session.scalar(select(func.count()).select_from(CommandRun).where(
                       CommandRun.outcome == "failed", CommandRun.started_at > utcnow() - timedelta(days=1))))


_register_gauges()
