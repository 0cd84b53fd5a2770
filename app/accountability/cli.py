"""``flask stats rebuild``: the accountability figures recomputed from the appeals' timelines."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.accountability import stats
from app.extensions import db
from app.models import AppealEvent

stats_cli = AppGroup("stats", help="Accountability figures.")


@stats_cli.command("rebuild")
def stats_rebuild() -> None:
    """Recompute every accountability rollup from the appeals' timelines, and the open appeals per deadline (safe to
    interrupt and rerun)."""
    total = db.session.scalar(select(func.count()).select_from(AppealEvent))
    with click.progressbar(length=total, label="Timeline steps", show_pos=True) as bar:
        def progress(rows):
            for row in rows:
                bar.update(1)
                yield row
        rows = stats.rebuild(progress=progress)
    deadlines = stats.rebuild_open_deadlines()
    db.session.commit()
    click.echo(f"Rebuilt {rows} rollup rows from {total} timeline steps, and {deadlines} rows of open appeals "
               "per deadline.")


commands = (stats_cli,)
