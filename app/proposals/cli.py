"""``flask proposals expire`` and ``flask proposals clean-pictures``."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app import scheduled
from app.proposals import service as proposals

proposals_cli = AppGroup("proposals", help="Scheduled work on citizen proposals (run from cron).")


@proposals_cli.command("expire")
def proposals_expire() -> None:
    """Close published proposals whose support period ended below the threshold (idempotent, safe to interrupt)."""

    def progress(items):
        with click.progressbar(items, label="Proposals past their period", show_pos=True) as bar:
            yield from bar

    closed, due = scheduled.expire_proposals(progress)
    click.echo(f"Closed {closed} of {due} proposals whose support period ended below the threshold.")


@proposals_cli.command("clean-pictures")
def proposals_clean_pictures() -> None:
    """Re-encode proposal pictures stored before uploads were cleaned, without their location and camera
    (resumable: a rerun skips what is clean already)."""
    cleaned = 0
    with click.progressbar(proposals.pictures_to_clean(), label="Proposal pictures", show_pos=True) as bar:
        for proposal_id in bar:
            cleaned += proposals.clean_picture(proposal_id)
    click.echo(f"Cleaned {cleaned} proposal pictures of their metadata; the others were clean already.")


commands = (proposals_cli,)
