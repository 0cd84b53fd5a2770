"""Benchmark: the official's inbox with 100,000 appeals in one district.

Seeds a separate database (never the development one) with N appeals in Gəncə,
spread over three years in every status, then requests the inbox as an official
of that district through the whole Flask stack (routing, authorization, SQL,
templates) and prints the server time per request and the SQL statements run.

    .venv/bin/python scripts/bench_inbox.py                      # SQLite, instance/bench.sqlite
    .venv/bin/python scripts/bench_inbox.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/reqemsal_bench

Seeding commits every chunk, so an interrupted run resumes where it stopped.
"""
from __future__ import annotations

import argparse
import functools
import os
import random
import re
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import click
from sqlalchemy import func, insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.administration import seed  # noqa: E402
from app.extensions import db  # noqa: E402
from app.kit.calendar import BAKU, add_working_days, end_of_day  # noqa: E402
from app.models import Appeal, AppealSequence, Category, District, User  # noqa: E402,F401
from scripts.benchkit import measure, report  # noqa: E402

DISTRICT = "GNC"
PASSWORD = "Bench-Inbox-2026"
CHUNK = 5_000
# Share of appeals per status: most of three years' appeals are long closed.
STATUS_MIX = [("closed", 62), ("answered", 9), ("not_considered", 3), ("forwarded", 2), ("in_progress", 12),
              ("registered", 6), ("submitted", 4), ("info_requested", 1), ("reopened", 1)]
OPEN = {"submitted", "registered", "in_progress", "info_requested", "reopened"}
SUBJECTS = ["Küçədə su yoxdur", "Yolda dərin çuxur var", "Binanın damı axır", "Parkda işıq yoxdur",
            "Zibil vaxtında daşınmır", "Qaz təzyiqi aşağıdır", "Məktəbin həyəti təmir edilsin",
            "Avtobus marşrutu dəyişdirilsin", "Ağaclar qanunsuz kəsilir", "Səkilər bərpa olunsun"]

SCENARIOS = [
    ("open, by due date (default)", "/office/appeals"),
    ("all statuses, newest first", "/office/appeals?status=all&sort=newest"),
    ("overdue", "/office/appeals?overdue=1"),
    ("due within 3 working days", "/office/appeals?due_within=3"),
    ("my appeals", "/office/appeals?assignee=me&status=all"),
    ("search by words", "/office/appeals?status=all&q=su+yoxdur"),
    ("search by number", "/office/appeals?status=all&q=GNC-2025-012345"),
    ("page 1,000 of all", "/office/appeals?status=all&page=1000"),
]


@functools.cache
def _due(day: date, days: int) -> datetime:
    return end_of_day(add_working_days(day, days)).astimezone(UTC)


def _people() -> tuple[User, list[User], list[User]]:
    """The benchmark's official (who signs in), the district's officials, the residents."""
    official, _ = seed.ensure_user("bench.official@bench.az", "Bench Official", PASSWORD, [("official", DISTRICT)])
    colleagues = [official] + [
        seed.ensure_user(f"bench.official{i}@bench.az", f"Bench Official {i}", PASSWORD, [("official", DISTRICT)])[0]
        for i in range(1, 5)
    ]
    residents = [seed.ensure_user(f"bench.resident{i}@bench.az", f"Bench Resident {i}", PASSWORD, [])[0]
                 for i in range(20)]
    return official, colleagues, residents


def _plan(count: int, now: datetime) -> list[tuple[datetime, str]]:
    """Filing time and status of each appeal, oldest first (deterministic)."""
    rng = random.Random(100_000)
    statuses = [s for s, weight in STATUS_MIX for _ in range(weight)]
    plan = []
    for _ in range(count):
        status = rng.choice(statuses)
        # Open appeals are recent (some overdue); finished ones anywhere in three years.
        age = rng.uniform(0, 40) if status in OPEN else rng.uniform(30, 3 * 365)
        plan.append((now - timedelta(days=age, minutes=rng.randint(0, 600)), status))
    plan.sort()
    return plan


def _row(i: int, filed: datetime, status: str, number: str, ctx: dict) -> dict:
    rng = random.Random(i)
    due = _due(filed.astimezone(BAKU).date(), 15)
    row = dict(
        number=number, kind=rng.choice(["application", "proposal", "complaint"]), source="web",
        district_id=ctx["district"], category_id=rng.choice(ctx["categories"]),
        citizen_id=rng.choice(ctx["residents"]),
        assignee_id=None if status in ("submitted", "registered") else rng.choice(ctx["officials"]),
        subject=rng.choice(SUBJECTS), text="Müraciətin mətni. " * rng.randint(3, 30),
        applicant_name="Bench Resident", applicant_address="Gəncə ş.", public_ok=rng.random() < 0.3,
        locale=rng.choice(["az", "az", "az", "ru", "en"]), submission_token=f"bench-{i}", status=status,
        created_at=filed, registered_at=filed, due_at=due, initial_due_at=due, updated_at=filed,
    )
    if status in ("answered", "closed"):
        row.update(answered_at=filed + timedelta(days=rng.uniform(1, 20)), answer="Cavab verildi.")
    if status == "closed":
        row.update(closed_at=row["answered_at"] + timedelta(days=14), rating=rng.randint(1, 5))
    if status == "forwarded":
        row.update(forwarded_to="Nazirlik", closed_at=filed + timedelta(days=2))
    if status == "not_considered":
        row.update(not_considered_ground="repeated", closed_at=filed + timedelta(days=3))
    return row


def seed_appeals(count: int) -> int:
    """Add the missing benchmark appeals; return how many were added."""
    district = db.session.scalar(select(District).where(District.code == DISTRICT))
    official, colleagues, residents = _people()
    have = db.session.scalar(select(func.count()).select_from(Appeal).where(Appeal.submission_token.like("bench-%")))
    if have >= count:
        return 0
    ctx = {"district": district.id, "officials": [u.id for u in colleagues], "residents": [u.id for u in residents],
           "categories": list(db.session.scalars(select(Category.id)))}
    now = datetime.now(UTC)
    if have:
        # Resuming: plan from the first run's clock, so the numbers continue without a gap or a clash.
        first = db.session.scalar(select(Appeal.created_at).where(Appeal.submission_token == "bench-0"))
        now = first + (now - _plan(count, now)[0][0])
    plan = _plan(count, now)
    numbers, per_year = [], {}
    for filed, _status in plan:
        year = filed.astimezone(BAKU).year
        per_year[year] = per_year.get(year, 0) + 1
        numbers.append(f"{DISTRICT}-{year}-{per_year[year]:06d}")
    with click.progressbar(range(have, count, CHUNK), label=f"Seeding {count - have:,} appeals",
                           show_pos=True, item_show_func=lambda s: f"{s:,}" if s is not None else "") as chunks:
        for start in chunks:
            stop = min(start + CHUNK, count)
            rows = [_row(i, *plan[i], numbers[i], ctx) for i in range(start, stop)]
            db.session.execute(insert(Appeal), rows)
            db.session.commit()
    # Keep the real numbering consistent with what was inserted.
    for year, last in per_year.items():
        sequence = db.session.get(AppealSequence, (district.id, year)) or AppealSequence(district_id=district.id, year=year)
        sequence.last = max(sequence.last or 0, last)
        db.session.add(sequence)
    db.session.commit()
    return count - have


def signed_in_client(app):
    """A test client signed in as the benchmark's official, through the real sign-in form."""
    client = app.test_client()
    form = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    response = client.post("/auth/login", data={"csrf_token": token, "email": "bench.official@bench.az",
                                                "password": PASSWORD})
    assert response.status_code == 302, "the benchmark official could not sign in"
    return client



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=f"sqlite:///{ROOT / 'instance' / 'bench.sqlite'}")
    parser.add_argument("--appeals", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    (ROOT / "instance").mkdir(exist_ok=True)

    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": args.database_url, "MAIL_SERVER": ""})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(directory=str(ROOT / "migrations"))
        seed.seed_reference_data()
        added = seed_appeals(args.appeals)
        db.session.commit()
        # Fresh statistics, as autovacuum (PostgreSQL) or a nightly ANALYZE (SQLite) keeps them in production;
        # VACUUM also lets PostgreSQL answer the per-status counts from the index alone.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE" if db.engine.dialect.name == "sqlite" else "VACUUM ANALYZE appeals"))
        district = db.session.scalar(select(District).where(District.code == DISTRICT))
        total = db.session.scalar(select(func.count()).select_from(Appeal).where(Appeal.district_id == district.id))
        backend = db.engine.dialect.name

    print(f"\n{backend}: {total:,} appeals in {DISTRICT}; {args.runs} requests per view after 2 warm-ups\n")
    with click.progressbar(SCENARIOS, label="Measuring", file=sys.stderr) as scenarios:
        client = signed_in_client(app)
        results = [(label, *measure(client, url, args.runs)) for label, url in scenarios]
    medians = report(results, width=34)
    print(f"\nSummary: {backend}, {total:,} appeals, slowest median {max(medians):.1f} ms (target: under 50 ms), "
          f"default view {medians[0]:.1f} ms ({added:,} appeals seeded this run; load average "
          f"{os.getloadavg()[0]:.1f}).")


if __name__ == "__main__":
    main()
