"""Benchmark: the news pages and search with 50,000 articles.

Seeds a separate database (never the development one) with scripts/seed_news.py, then requests the
public article lists, an article page, a feed and searches through the whole Flask stack (routing,
templates, the newsroom's cache, SQL) and prints the server time per request and the SQL statements
of one request (after the warm-ups, so a cached page shows 0 or 1).

    .venv/bin/python scripts/bench_news.py                      # SQLite, instance/bench_news.sqlite
    .venv/bin/python scripts/bench_news.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/reqemsal_bench_news
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import click
from sqlalchemy import func, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Article  # noqa: E402
from scripts.benchkit import measure, report  # noqa: E402
from scripts.seed_news import seed_articles  # noqa: E402


def scenarios(article_id: int) -> list[tuple[str, str]]:
    """What is measured: (label, address)."""
    return [
        ("national list, page 1", "/news/?lang=az"),
        ("district list (GNC), page 1", "/news/GNC?lang=az"),
        ("national list, page 100", "/news/?lang=az&page=100"),
        ("article page", f"/news/article/{article_id}?lang=az"),
        ("article page (ru)", f"/news/article/{article_id}?lang=ru"),
        ("district feed (Atom)", "/news/GNC/feed/az.atom"),
        ("search: common word", "/news/search?lang=az&q=təmir"),
        ("search: two words", "/news/search?lang=az&q=su+xətti"),
        ("search: rare word", "/news/search?lang=az&q=planetari"),
        ("search: ru, inflected", "/news/search?lang=ru&q=водоснабжения"),
        ("search: en, in a district", "/news/search?lang=en&q=water+supply&district=GNC"),
    ]


def cpu_median(client, url: str, runs: int) -> float:
    """The median CPU time (ms) of this process per request: the server's own work on SQLite, whatever else the
    machine is busy with (on PostgreSQL the database's share is spent in its own process and is not counted)."""
    times = []
    for _ in range(runs):
        started = time.process_time()
        assert client.get(url).status_code == 200, url
        times.append((time.process_time() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=f"sqlite:///{ROOT / 'instance' / 'bench_news.sqlite'}")
    parser.add_argument("--articles", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    (ROOT / "instance").mkdir(exist_ok=True)

    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": args.database_url, "MAIL_SERVER": ""})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(directory=str(ROOT / "migrations"))
        added = seed_articles(args.articles)
        # Fresh statistics, as autovacuum (PostgreSQL) or a nightly ANALYZE (SQLite) keeps them in production.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE" if db.engine.dialect.name == "sqlite" else "VACUUM ANALYZE"))
        total = db.session.scalar(select(func.count()).select_from(Article).where(Article.public()))
        # A recent article of Gəncə with all three languages.
        article_id = db.session.scalar(
            select(Article.id).where(Article.public(), Article.district_id.isnot(None))
            .order_by(Article.published_at.desc()).offset(3).limit(1))
        backend = db.engine.dialect.name

    print(f"\n{backend}: {total:,} published articles; {args.runs} requests per page after 2 warm-ups\n")
    client = app.test_client()
    with click.progressbar(scenarios(article_id), label="Measuring", file=sys.stderr) as items:
        results = [(label, *measure(client, url, args.runs)) for label, url in items]
    medians = report(results, width=30)
    print(f"\nCPU time of the server process, median ms (load average {os.getloadavg()[0]:.1f}):")
    for label, url in scenarios(article_id):
        print(f"{label:30} {cpu_median(client, url, args.runs):10.1f}")
    print(f"\nSummary: {backend}, {total:,} published articles, slowest median {max(medians):.1f} ms "
          f"({added:,} articles seeded this run).")


if __name__ == "__main__":
    main()
