"""``flask reception remind``: the reception's scheduled reminders, for cron or an operator."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app import scheduled

reception_cli = AppGroup("reception", help="Scheduled work on reception bookings (run from cron).")


@reception_cli.command("remind")
def reception_remind() -> None:
    """Remind residents booked for the next working day (each booking once; idempotent)."""
    click.echo(f"Reminded {scheduled.remind_receptions()} booked residents.")


commands = (reception_cli,)
