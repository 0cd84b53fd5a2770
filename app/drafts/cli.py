"""``flask drafts expire``: the daily reminder and expiry of drafts."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app import scheduled

drafts_cli = AppGroup("drafts", help="Scheduled work on the residents' drafts (run from cron).")


@drafts_cli.command("expire")
def drafts_expire() -> None:
    """Remind residents 3 days before a draft expires, then expire drafts 30 days after their last save
    (idempotent, safe to interrupt)."""

    def progress(items):
        with click.progressbar(items, label="Drafts past their date", show_pos=True) as bar:
            yield from bar

    reminded, expired = scheduled.expire_drafts(progress)
    click.echo(f"Reminded {reminded} residents of drafts expiring soon; expired {expired} drafts.")


commands = (drafts_cli,)
