"""``flask backup create`` and ``flask backup restore``: the database and every stored file (app/administration/backups.py).

Allowed in production: that is where they are needed. Run them with the portal's own environment, so that they
read and write the same database and storage as the app servers.
"""
from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import current_app
from flask.cli import AppGroup

from app.administration import backups
from app.kit.storage import StorageError

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

backup_cli = AppGroup("backup", help="Back up the database and the stored files, and restore a backup.")

LABELS = {"database": "Database", "files": "Files   ", "checking": "Checking"}


class ProgressBars:
    """Draws a click progress bar for each step the service reports (database, files, checking)."""

    def __init__(self) -> None:
        self._stack = ExitStack()
        self._step: str | None = None
        self._bar: ProgressBar[int] | None = None

    def __call__(self, step: str, done: int, total: int) -> None:
        if step != self._step or self._bar is None:
            self.close()
            self._step = step
            self._bar = self._stack.enter_context(
                click.progressbar(length=total, label=LABELS.get(step, step), show_pos=True))
        self._bar.update(done - self._bar.pos)

    def close(self) -> None:
        """Finish the bar being drawn, if any."""
        self._stack.close()
        self._bar = None


@backup_cli.command("create")
@click.option("--to", "destination", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write the backup under (default: instance/backups).")
def create(destination: Path | None) -> None:
    """Back up the database and every stored file into a new folder named by the UTC time."""
    bars = ProgressBars()
    try:
        summary = backups.backup(destination or Path(current_app.instance_path) / "backups", progress=bars)
    except (backups.BackupError, StorageError) as error:
        raise click.ClickException(str(error)) from error
    finally:
        bars.close()
    click.echo(summary.line())


@backup_cli.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds appeals.")
def restore(source: Path, force: bool) -> None:
    """Restore the backup in SOURCE (one folder made by `flask backup create`) into the configured database
    and storage, after checking every file against its checksum."""
    bars = ProgressBars()
    try:
        summary = backups.restore(source, force=force, progress=bars)
    except (backups.BackupError, StorageError) as error:
        raise click.ClickException(str(error)) from error
    finally:
        bars.close()
    click.echo(summary.line())
