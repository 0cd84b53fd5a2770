"""Benchmark: the accountability pages with 1,000,000 appeals across 20 districts.

Seeds a separate database with N appeals over three years in every status
(bulk inserts, resumable, with a progress bar), computes the rollups from the
appeal rows with the same ``stats.contribution`` the application uses, then
requests the national table, a district page and the open-data JSON through
the whole Flask stack and prints the server time of each and the SQL
statements it ran.

    .venv/bin/python scripts/bench_accountability.py
    .venv/bin/python scripts/bench_accountability.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/reqemsal_bench_acc
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import click
from sqlalchemy import func, insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.accountability import stats  # noqa: E402
from app.administration import seed  # noqa: E402
from app.extensions import db  # noqa: E402
from app.kit.calendar import add_working_days, end_of_day, local_date  # noqa: E402
from app.models import Appeal, Category, District  # noqa: E402
from scripts.benchkit import measure, report  # noqa: E402

CHUNK = 10_000
PASSWORD = "Bench-Accountability-2026"
STATUS_MIX = [("closed", 60), ("answered", 8), ("not_considered", 4), ("forwarded", 3), ("in_progress", 14),
              ("registered", 6), ("submitted", 3), ("info_requested", 1), ("reopened", 1)]
OPEN = {"submitted", "registered", "in_progress", "info_requested", "reopened"}

PAGES = [
    ("national table (last 12 months)", "/accountability/"),
    ("national table, one category", "/accountability/?category=1"),
    ("district page (last 12 months)", "/accountability/GNC"),
    ("district page, mid-month period", "/accountability/GNC?from=2025-03-17&to=2026-02-11"),
    ("open data: all districts (JSON)", "/api/v1/accountability/districts"),
    ("open data: one district (JSON)", "/api/v1/accountability/districts/GNC"),
]


@cache
def _due(day) -> datetime:
    return end_of_day(add_working_days(day, 15)).astimezone(UTC)


def _row(i: int, now: datetime, ctx: dict) -> dict:
    """One appeal, deterministic in ``i``: when it was filed, where, and how far it got."""
    rng = random.Random(i)
    status = rng.choices([s for s, _w in STATUS_MIX], weights=[w for _s, w in STATUS_MIX])[0]
    age = rng.uniform(0, 45) if status in OPEN else rng.uniform(20, 3 * 365)
    filed = now - timedelta(days=age, minutes=rng.randint(0, 600))
    due = _due(local_date(filed))
    district = ctx["districts"][i % len(ctx["districts"])]
    row = dict(
        number=f"{district[1]}-B{i:09d}"[:20], kind=rng.choice(["application", "proposal", "complaint"]), source="web",
        district_id=district[0], category_id=rng.choice(ctx["categories"]), citizen_id=ctx["citizen"],
        subject="Bench", text="Bench", applicant_name="Bench", applicant_address="Bench",
        submission_token=f"bench-acc-{i}", status=status, created_at=filed, registered_at=filed,
        due_at=due, initial_due_at=due, updated_at=filed,
    )
    if status in ("answered", "closed"):
        # Most answers come in time; some districts are slower than others.
        slow = 1 + (district[0] % 5) * 0.15
        row["answered_at"] = filed + timedelta(days=rng.uniform(1, 24) * slow)
    if status == "closed":
        row["closed_at"] = row["answered_at"] + timedelta(days=14)
        if rng.random() < 0.6:
            row["rating"] = rng.choices([1, 2, 3, 4, 5], weights=[1, 1, 2, 4, 5])[0]
            row["rated_at"] = row["answered_at"] + timedelta(days=rng.uniform(0, 9))
    if status == "forwarded":
        row["forwarded_to"], row["closed_at"] = "Nazirlik", filed + timedelta(days=2)
    if status == "not_considered":
        row["not_considered_ground"], row["closed_at"] = "repeated", filed + timedelta(days=3)
    return row


def seed_appeals(count: int) -> int:
    """Add the missing benchmark appeals in chunks (each committed: an interrupted run resumes)."""
    citizen, _ = seed.ensure_user("bench.citizen@bench.az", "Bench Citizen", PASSWORD, [])
    have = db.session.scalar(select(func.count()).select_from(Appeal).where(Appeal.submission_token.like("bench-acc-%")))
    if have >= count:
        return 0
    ctx = {"districts": [(d.id, d.code) for d in db.session.scalars(select(District).order_by(District.id))],
           "categories": list(db.session.scalars(select(Category.id))), "citizen": citizen.id}
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)  # fixed, so that a resumed run continues the same data
    with click.progressbar(range(have, count, CHUNK), label=f"Seeding {count - have:,} appeals", show_pos=True,
                           item_show_func=lambda s: f"{s:,}" if s is not None else "") as chunks:
        for start in chunks:
            db.session.execute(insert(Appeal), [_row(i, now, ctx) for i in range(start, min(start + CHUNK, count))])
            db.session.commit()
    return count - have


def rollups_from_appeals() -> int:
    """The rollups of the seeded appeals: the steps each appeal row implies, through ``stats.contribution``."""
    totals: dict = defaultdict(lambda: defaultdict(int))
    total = db.session.scalar(select(func.count()).select_from(Appeal))
    rows = db.session.execute(
        select(Appeal.district_id, Appeal.category_id, Appeal.status, Appeal.created_at, Appeal.registered_at,
               Appeal.due_at, Appeal.answered_at, Appeal.rating, Appeal.rated_at, Appeal.closed_at)
        .execution_options(yield_per=20_000))
    with click.progressbar(rows, length=total, label="Rollups from appeals  ") as bar:
        for r in bar:
            steps = [("filed", r.created_at), ("registered", r.registered_at)]
            if r.answered_at:
                steps.append(("answered", r.answered_at))
            if r.rated_at:
                steps.append(("rated", r.rated_at))
            if r.status in ("forwarded", "not_considered"):
                steps.append((r.status, r.closed_at))
            for action, when in steps:
                delta = stats.contribution(action, when, r.registered_at, r.due_at, r.rating)
                for key in stats._keys(r.district_id, r.category_id, local_date(when)):
                    for name, value in delta.items():
                        totals[key][name] += value
    return stats.write_rows(totals)



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=f"sqlite:///{ROOT / 'instance' / 'bench_accountability.sqlite'}")
    parser.add_argument("--appeals", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    (ROOT / "instance").mkdir(exist_ok=True)
    # The pages' own work is measured: the visitors' page cache (app/kit/pagecache.py) would answer every request
    # but the first from memory.
    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": args.database_url, "MAIL_SERVER": "",
                                     "PAGE_CACHE": False})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(directory=str(ROOT / "migrations"))
        seed.seed_reference_data()
        started = time.perf_counter()
        added = seed_appeals(args.appeals)
        rows = rollups_from_appeals() if added or not db.session.scalar(select(func.count()).select_from(stats.AppealStat)) else None
        seeded_in = time.perf_counter() - started
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE" if db.engine.dialect.name == "sqlite" else "VACUUM ANALYZE"))
        total = db.session.scalar(select(func.count()).select_from(Appeal))
        backend = db.engine.dialect.name
    print(f"\n{backend}: {total:,} appeals; seeding and rollups took {seeded_in:.0f} s this run"
          f"{f' ({rows:,} rollup rows)' if rows else ''}; {args.runs} requests per page after 2 warm-ups\n")
    client = app.test_client()
    with click.progressbar(PAGES, label="Measuring", file=sys.stderr) as pages:
        results = [(label, *measure(client, url, args.runs)) for label, url in pages]
    medians = report(results)
    print(f"\nSummary: {backend}, {total:,} appeals, slowest median {max(medians):.1f} ms (target: under 50 ms; "
          f"load average {os.getloadavg()[0]:.1f}).")


if __name__ == "__main__":
    main()
