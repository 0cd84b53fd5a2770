"""``flask appeals escalate`` and ``flask appeals autoclose``: the appeals' scheduled work, for cron or an operator."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app import scheduled

appeals_cli = AppGroup("appeals", help="Scheduled work on appeals (run from cron).")


@appeals_cli.command("escalate")
def appeals_escalate() -> None:
    """Flag overdue appeals and tell the assignee and the head (idempotent)."""
    click.echo(f"Escalated {scheduled.escalate_appeals()} overdue appeals.")


@appeals_cli.command("autoclose")
def appeals_autoclose() -> None:
    """Close answered appeals not disputed within 10 working days of the answer."""
    click.echo(f"Closed {scheduled.autoclose_appeals()} answered appeals.")


commands = (appeals_cli,)
