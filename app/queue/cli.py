"""``flask queue sweep``: the front desk queue's no-show sweep, for cron or an operator."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app import scheduled

queue_cli = AppGroup("queue", help="Scheduled work on the front desk's queue (run from cron).")


@queue_cli.command("sweep")
def queue_sweep() -> None:
    """Mark the tickets nobody used as no-shows (idempotent)."""
    click.echo(f"Marked {scheduled.sweep_queue()} queue tickets as no-show.")


commands = (queue_cli,)
