"""``flask alerts digest``: the daily digest of the area alerts (scheduled every morning; safe to run by hand)."""
from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from app import scheduled

alerts_cli = AppGroup("alerts", help="Area alerts: the daily digest of new public appeals and answers.")


@alerts_cli.command("digest")
@with_appcontext
def digest() -> None:
    """Send today's digest to each confirmed daily subscriber (once per day per subscription; safe to rerun)."""

    def progress(items):
        with click.progressbar(items, label="Digests", show_pos=True) as bar:
            yield from bar

    summary = scheduled.send_alert_digests(progress)
    for error in summary.errors:
        click.echo(f"failed: {error}", err=True)
    click.echo(summary.line())


commands = (alerts_cli,)
