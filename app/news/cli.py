"""``flask news publish-due``, ``flask news digest`` and ``flask news reindex``: the news' scheduled work and its
search index."""
from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from app import scheduled
from app.news import search as news_search

news_cli = AppGroup("news", help="The news: scheduled work, digests and the search index.")


@news_cli.command("publish-due")
def news_publish_due() -> None:
    """Publish the scheduled articles whose time has come (idempotent; safe every minute)."""
    click.echo(f"Published {scheduled.publish_due_news()} scheduled articles.")


@news_cli.command("digest")
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


@news_cli.command("reindex")
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


commands = (news_cli,)
