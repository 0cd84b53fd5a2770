"""The job queue for real: Celery on the machine's Redis, a worker process, the SMTP server, the outbox."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from sqlalchemy import select, update

from app import create_app, jobs, scheduled
from app.extensions import db
from app.kit import mail
from app.models import CommandRun, OutboxMessage, utcnow
from tests.factories import create_user

ROOT = Path(__file__).resolve().parent.parent
REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture
def prefix():
    """A Redis key prefix of this test's own; its keys are deleted afterwards."""
    name = f"reqemsal-test-{uuid.uuid4().hex[:8]}"
    yield name
    client = redis.Redis.from_url(REDIS)
    for key in client.scan_iter(f"{name}:*"):
        client.delete(key)
    client.close()


def _app(app, prefix: str, queue_url: str, sink=None):
    """An app on the session's database whose email goes through the queue at ``queue_url``."""
    settings = {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "QUEUE_URL": queue_url,
                "REDIS_PREFIX": prefix, "ATTACHMENTS_DIR": app.config["ATTACHMENTS_DIR"]}
    if sink is not None:
        settings.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port, MAIL_USE_TLS=False)
    return create_app("testing", settings)




class Worker:
    """A real Celery worker process on the session's database, delivering to ``sink``."""

    def __init__(self, app, prefix: str, sink, log: Path):
        env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "TEST_DATABASE_URL"}}
        env.update(APP_ENV="development", DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], QUEUE_URL=REDIS,
                   REDIS_PREFIX=prefix, MAIL_SERVER="127.0.0.1", MAIL_PORT=str(sink.port), MAIL_USE_TLS="0",
                   PUBLIC_URL="https://portal.example.az", ATTACHMENTS_DIR=app.config["ATTACHMENTS_DIR"])
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "app.worker", "worker", "--pool", "solo", "--loglevel", "INFO",
             "--without-mingle", "--without-gossip"],
            cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _wait(predicate, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    return predicate()


def test_email_waits_in_redis_and_the_worker_delivers_it_once(app, prefix, sink, tmp_path):
    queued = _app(app, prefix, REDIS, sink)
    with queued.app_context():
        user = create_user(locale="ru")
        entry = mail.queue_email(user.email, "reset", "ru", user=user, link="https://portal.example.az/r", minutes=60)
        db.session.commit()
        message_id = entry.id
        # Committed and handed to the queue; nothing sent by the request itself.
        assert jobs.queue_depth() == 1
        assert db.session.get(OutboxMessage, message_id).status == "queued"
        # A periodic job goes through the same queue.
        jobs.send(jobs.PERIODIC, "news publish-due")
    worker = Worker(app, prefix, sink, tmp_path / "worker.log")
    try:
        [received] = sink.wait_for(1, timeout=60)
        with queued.app_context():
            run = _wait(lambda: db.session.scalar(select(CommandRun).where(CommandRun.outcome == "ok")))
            assert run is not None and run.name == "news publish-due", (tmp_path / "worker.log").read_text()
            db.session.remove()
            assert _wait(lambda: db.session.get(OutboxMessage, message_id).status == "sent" or db.session.remove())
    finally:
        worker.stop()
    assert received["X-Outbox-Id"] == str(message_id) and sink.receipts() == [f"{message_id}.eml"]


def test_with_redis_down_the_change_is_saved_and_its_email_goes_when_redis_returns(app, prefix, sink, tmp_path):
    down = _app(app, prefix, "redis://127.0.0.1:1/0", sink)
    with down.app_context():
        user = create_user()
        started = time.monotonic()
        entry = mail.queue_email(user.email, "reset", "az", user=user, link="https://portal.example.az/r", minutes=60)
        db.session.commit()  # the broker does not answer: the commit stands, the message waits in the outbox
        waited = time.monotonic() - started
        lost_id = entry.id
        assert db.session.get(OutboxMessage, lost_id).status == "queued"
        db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    # Bounded by QUEUE_TIMEOUT (1 s) per attempt to reach the broker, not by a hang.
    assert waited < 10
    up = _app(app, prefix, REDIS, sink)
    with up.app_context():
        assert jobs._sweep_outbox() == 1 and jobs.queue_depth() == 1
    worker = Worker(app, prefix, sink, tmp_path / "worker.log")
    try:
        sink.wait_for(1, timeout=60)
    finally:
        worker.stop()
    assert sink.receipts() == [f"{lost_id}.eml"], (tmp_path / "worker.log").read_text()


def test_a_periodic_job_runs_once_per_period_however_many_schedulers_send_it(app, prefix):
    with _app(app, prefix, REDIS).app_context():
        assert jobs._periodic("news publish-due") == "0"
        assert jobs._periodic("news publish-due") == "skipped"
        assert db.session.scalar(select(db.func.count()).select_from(CommandRun)) == 1
        # Another job has its own period.
        assert jobs.claim_period("appeals escalate", 900) and not jobs.claim_period("appeals escalate", 900)


def test_every_scheduled_job_is_in_the_beat_schedule(app):
    schedule = app.extensions["celery"].conf.beat_schedule
    assert set(schedule) == {"outbox sweep"} | {job.name for job in scheduled.JOBS}
    assert schedule["appeals escalate"]["schedule"].minute == set(range(0, 60, 15))
    assert jobs.period_seconds("*/15 * * * *") == 900 and jobs.period_seconds("every 60") == 60
    assert jobs.period_seconds("0 16 * * *") == 60
