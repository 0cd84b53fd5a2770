"""``flask notifications digest``: the daily email of the notifications people chose to receive that way."""
from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from app import scheduled

notifications_cli = AppGroup("notifications", help="The notification centre's scheduled work (run from cron).")


@notifications_cli.command("digest")
@with_appcontext
def digest() -> None:
    """Send each person with notifications waiting for the daily email one digest (once a day; safe to rerun)."""

    def progress(items):
        items = list(items)
        with click.progressbar(items, label="People with a digest", show_pos=True) as bar:
            yield from bar

    summary = scheduled.send_notification_digests(progress)
    for error in summary.errors:
        click.echo(f"failed: {error}", err=True)
    click.echo(summary.line())


commands = (notifications_cli,)
