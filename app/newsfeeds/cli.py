"""``flask news digest`` and ``flask news reindex``, added to the newsroom's ``flask news`` group."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from app.services import news_search, scheduled


@click.command("digest")
@with_appcontext
def digest() -> None:
    """Send this week's digest to each confirmed subscriber (once per week per subscription; safe to rerun)."""

    def progress(items):
        with click.progressbar(items, label="Digests", show_pos=True) as bar:
            yield from bar

    summary = scheduled.send_news_digests(progress)
    for error in summary.errors:
        click.echo(f"failed: {error}", err=True)
    click.echo(summary.line())


@click.command("reindex")
@with_appcontext
def reindex() -> None:
    """Rebuild the news search index from every published article (SQLite; PostgreSQL keeps its own)."""
    total = news_search.published_text_count()
    with click.progressbar(length=total, label="Article texts", show_pos=True) as bar:
        indexed = news_search.reindex_all(progress=bar.update)
    if indexed or total == 0:
        click.echo(f"Indexed {indexed} texts of published articles.")
    else:
        click.echo("PostgreSQL maintains the search index itself: nothing to rebuild.")


COMMANDS = [digest, reindex]


def attach(app: Flask) -> None:
    """Add the commands to the ``flask news`` group (created here when the newsroom has not made it)."""
    group = app.cli.commands.get("news")
    if group is None:
        group = AppGroup("news", help="The news: scheduled work, digests and the search index.")
        app.cli.add_command(group)
    for command in COMMANDS:
        group.add_command(command)
