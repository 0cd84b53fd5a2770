"""The portal's periodic work, in one place: what runs, how often, and what each run did.

The same functions serve the ``flask`` commands (run by hand or from any scheduler) and the job
queue's scheduler (``app.jobs``, Celery beat). Each is idempotent, so a run repeated or interrupted
does no harm, and each records its run for the operations page (``ops.command_run``).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from app.administration import operations as ops
from app.alerts import sending as alert_sending
from app.appeals import service as appeals
from app.drafts import service as drafts
from app.models import utcnow
from app.news import service as news
from app.news import subscriptions as news_subscriptions
from app.notifications import service as notifications
from app.proposals import service as proposals
from app.queue import service as queue
from app.reception import service as reception

Progress = Callable[[Iterable], Iterable]


def _counted(name: str, work: Callable[[], int], done: str) -> int:
    """Run ``work`` as the recorded run ``name``; its count is the run's summary ("3 escalated")."""
    with ops.command_run(name) as run:
        count = work()
        run.summary = f"{count} {done}"
    return count


def escalate_appeals() -> int:
    """Warn of appeals with one working day left, flag overdue ones and tell the assignee and the head; how many
    were escalated."""
    with ops.command_run("appeals escalate") as run:
        warned = appeals.warn_due_soon()
        count = appeals.escalate_overdue()
        run.summary = f"{count} escalated" + (f", {warned} warned of their deadline" if warned else "")
    return count


def autoclose_appeals() -> int:
    """Close answered appeals nobody disputed within 10 working days; how many were closed."""
    return _counted("appeals autoclose", appeals.autoclose, "closed")


def sweep_queue() -> int:
    """Mark the front desk's queue tickets nobody used as no-shows (docs/areas/queue.md); how many were marked."""
    return _counted("queue sweep", queue.sweep, "marked as no-show")


def remind_receptions() -> int:
    """Remind residents booked for the next working day (each booking once); how many were reminded."""
    return _counted("reception remind", reception.remind, "reminded")


def publish_due_news() -> int:
    """Publish the scheduled articles whose time has come; how many were published."""
    return _counted("news publish-due", lambda: len(news.publish_due()), "published")


def send_news_digests(progress: Progress = iter) -> news_subscriptions.DigestSummary:
    """Send this week's digest to each confirmed subscriber not yet sent one this week."""
    with ops.command_run("news digest") as run:
        summary = news_subscriptions.send_digests(progress=progress)
        run.summary = f"{summary.period}: {summary.sent} sent, {summary.nothing_new} nothing new, {summary.failed} failed"
    return summary


def expire_proposals(progress: Progress = iter) -> tuple[int, int]:
    """Close published proposals whose support period ended below the threshold: (closed, due)."""
    with ops.command_run("proposals expire") as run:
        now = utcnow()
        due = proposals.due_to_expire(now)
        closed = 0
        for proposal_id in progress(due):
            # One transaction each: an interruption keeps what was closed, and a rerun finishes the rest.
            closed += proposals.expire_one(proposal_id, now)
        run.summary = f"{closed} closed"
    return closed, len(due)


def send_alert_digests(progress: Progress = iter) -> alert_sending.DigestSummary:
    """Send each confirmed daily alert subscriber today's digest of their district's public appeals and answers."""
    with ops.command_run("alerts digest") as run:
        summary = alert_sending.send_digests(progress=progress)
        run.summary = f"{summary.period}: {summary.sent} sent, {summary.nothing_new} nothing new, {summary.failed} failed"
    return summary


def send_notification_digests(progress: Progress = iter) -> notifications.DigestSummary:
    """Send each person with notifications waiting for the daily email their digest (once a day)."""
    with ops.command_run("notifications digest") as run:
        summary = notifications.send_digests(progress=progress)
        run.summary = summary.line()
    return summary


def expire_drafts(progress: Progress = iter) -> tuple[int, int]:
    """Remind residents of drafts expiring within 3 days (each draft once), then expire the drafts past their
    date (answers erased, files deleted): (reminded, expired)."""
    with ops.command_run("drafts expire") as run:
        now = utcnow()
        reminded = drafts.remind(now)
        expired = 0
        for draft_id in progress(drafts.due_to_expire(now)):
            # One transaction each: an interruption keeps what was expired, and a rerun finishes the rest.
            expired += drafts.expire_one(draft_id, now)
        run.summary = f"{reminded} reminded, {expired} expired"
    return reminded, expired


@dataclass(frozen=True)
class Job:
    """A periodic job: its name (the ``flask`` command's words), when it runs, and the work."""

    name: str
    # Five cron fields (minute hour day-of-month month day-of-week) in Baku time, or "every N" seconds.
    when: str
    run: Callable[[], object]


JOBS: list[Job] = [
    Job("appeals escalate", "*/15 * * * *", escalate_appeals),
    Job("appeals autoclose", "30 1 * * *", autoclose_appeals),
    Job("reception remind", "0 16 * * *", remind_receptions),
    Job("queue sweep", "*/10 * * * *", sweep_queue),
    Job("news publish-due", "every 60", publish_due_news),
    Job("news digest", "0 8 * * 1", send_news_digests),
    Job("proposals expire", "0 2 * * *", expire_proposals),
    Job("notifications digest", "0 7 * * *", send_notification_digests),
    Job("alerts digest", "0 7 * * *", send_alert_digests),
    Job("drafts expire", "45 3 * * *", expire_drafts),
]


def job(name: str) -> Job:
    """The job called ``name``; ``KeyError`` for an unknown one."""
    for candidate in JOBS:
        if candidate.name == name:
            return candidate
    raise KeyError(name)
