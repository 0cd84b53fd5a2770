"""``make load`` and ``make load-faults``: ~100 simulated users against a running stack (``make stack``).

    python -m deploy.load [--users 100] [--minutes 3] [--faults]

1. Creates the accounts the load signs in with (residents, two officials of Gəncə, a supervisor with a known
   two-factor key) in the stack's database; idempotent.
2. Runs locust headless (``deploy/locustfile.py``) through nginx and prints, per page, requests per second,
   p50/p95 and errors, then the errors by kind.
3. With ``--faults``, during the load: restarts PostgreSQL, kills one gunicorn instance, kills the worker, and
   stops Redis for 20 s (the stack starts the processes again; PostgreSQL and Redis are started by this script).
   Afterwards it waits for the outbox to drain and checks that every acknowledged appeal number exists exactly
   once, that every email was delivered exactly once (the SMTP server's receipts, by outbox id), and that every
   error answered was the portal's own 503 page or the proxy's unavailable page, never a bare error.

Exits non-zero when a check fails.
"""
from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from deploy.stack import BIN, ROOT, Settings, app_env, ensure_postgres, ensure_redis

PASSWORD = "Yuk-Sinagi-Parol-2026"
TOTP_SECRET = "LOADTESTLOADTESTLOADTESTLOADTEST"


def say(text: str) -> None:
    print(f"[load] {text}", flush=True)


def with_stack_env():
    """An app on the stack's database and settings, for the preparation and the checks."""
    os.environ.update(app_env(Settings()))
    from app import create_app

    return create_app("production")


def prepare(app, residents: int) -> dict[str, str]:
    """The load's accounts (created once; later runs find them): the environment locust reads them from."""
    from app.accounts import two_factor
    from app.administration import seed
    from app.extensions import db

    with app.app_context():
        resident_emails = [f"load.resident{i:03d}@example.az" for i in range(residents)]
        for number, email in enumerate(resident_emails, 1):
            seed.ensure_user(email, f"Sakin {number}", PASSWORD, [])
            print(f"\r[load] accounts {number}/{residents}", end="", flush=True)
        print()
        officials = ["load.official1@example.az", "load.official2@example.az"]
        for email in officials:
            seed.ensure_user(email, "Rəşad Əliyev", PASSWORD, [("official", "GNC")])
        supervisor, _created = seed.ensure_user("load.supervisor@example.az", "Leyla Məmmədova", PASSWORD,
                                                [("supervisor", None)])
        two_factor.set_secret(supervisor, TOTP_SECRET)
        db.session.commit()
    return {"LOAD_PASSWORD": PASSWORD, "LOAD_RESIDENTS": ",".join(resident_emails),
            "LOAD_OFFICIALS": ",".join(officials), "LOAD_SUPERVISOR": "load.supervisor@example.az",
            "LOAD_TOTP_SECRET": TOTP_SECRET}


# --- Faults -----------------------------------------------------------------------------------------------


def _pkill(pattern: str) -> int:
    found = subprocess.run(["pgrep", "-f", "--", pattern], capture_output=True, text=True).stdout.split()
    for pid in found:
        subprocess.run(["kill", "-9", pid])
    return len(found)


def faults(settings: Settings, start_after: float, log: list[str]) -> None:
    """The fault schedule, run in a thread beside the load."""
    version = sorted(os.listdir("/etc/postgresql"))[0]

    def note(text: str) -> None:
        log.append(f"{time.strftime('%H:%M:%S')} {text}")
        say(text)

    time.sleep(start_after)
    note("fault: restarting PostgreSQL")
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=False)
    note("PostgreSQL is back")
    time.sleep(start_after / 2)
    note(f"fault: killing app server 1 ({_pkill(f'--bind 127.0.0.1:{settings.first_app_port} wsgi:app')} processes)")
    time.sleep(start_after / 2)
    note(f"fault: killing the worker ({_pkill('app.worker worker')} processes)")
    time.sleep(start_after / 2)
    note("fault: stopping Redis for 20 s")
    subprocess.run(["redis-cli", "-h", "127.0.0.1", "shutdown", "nosave"], capture_output=True)
    time.sleep(20)
    ensure_redis()
    note("Redis is back")


# --- Checks after the run -------------------------------------------------------------------------------


def wait_for_outbox(app, seconds: float) -> dict[str, int]:
    """Wait until no message is queued or being sent (the worker and the sweeper drain it); the counts by status."""
    from app.administration import operations as ops
    from app.extensions import db

    deadline = time.monotonic() + seconds
    while True:
        with app.app_context():
            counts = ops.outbox_counts()
            db.session.remove()
        waiting = counts["queued"] + counts["sending"]
        print(f"\r[load] outbox: {waiting} waiting, {counts['sent']} sent, {counts['failed']} failed   ", end="",
              flush=True)
        if waiting == 0 or time.monotonic() > deadline:
            print()
            return counts
        time.sleep(1)


def check(app, settings: Settings, acknowledged: Path, since_id: int) -> list[str]:
    """What went wrong: appeals missing or duplicated, emails lost or doubled."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Appeal, OutboxMessage

    problems = []
    numbers = [line.strip() for line in acknowledged.read_text().splitlines() if line.strip()] \
        if acknowledged.exists() else []
    with app.app_context():
        stored = Counter(db.session.scalars(select(Appeal.number).where(Appeal.number.in_(numbers))))
        sent = list(db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.id > since_id,
                                                                      OutboxMessage.status == "sent")))
        unsent = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.id > since_id, OutboxMessage.status != "sent"))
    missing = [n for n in numbers if stored[n] == 0]
    doubled = [n for n, count in stored.items() if count > 1]
    receipts = Counter(line.split("\t", 1)[0] for line in
                       (settings.state / "mail" / "received.log").read_text().splitlines()) \
        if (settings.state / "mail" / "received.log").exists() else Counter()
    lost = [i for i in sent if receipts[f"{i}.eml"] == 0]
    twice = [i for i in sent if receipts[f"{i}.eml"] > 1]
    say(f"appeals acknowledged: {len(numbers)}; missing: {len(missing)}; stored twice: {len(doubled)}")
    say(f"emails queued during the run: {len(sent) + unsent}; delivered: {len(sent) - len(lost)}; "
        f"lost: {len(lost) + unsent}; delivered twice: {len(twice)}")
    if missing or doubled:
        problems.append(f"appeals missing {missing[:5]} or doubled {doubled[:5]}")
    if lost or unsent:
        problems.append(f"{len(lost) + unsent} emails not delivered")
    if twice:
        problems.append(f"{len(twice)} emails delivered twice (same Message-ID): {twice[:5]}")
    return problems


def report(prefix: Path) -> list[str]:
    """Print locust's figures per page and the errors by kind; the kinds of error that must never happen."""
    with open(f"{prefix}_stats.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    print(f"\n{'page':58} {'req':>6} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'errors':>6}")
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "ALL"
        print(f"{(row['Type'] + ' ' + name)[:58]:58} {row['Request Count']:>6} {float(row['Requests/s']):6.1f} "
              f"{row['50%']:>7} {row['95%']:>7} {row['Failure Count']:>6}")
    bad = []
    failures = Path(f"{prefix}_failures.csv")
    if failures.exists():
        with open(failures, newline="") as fh:
            kinds = Counter()
            for row in csv.DictReader(fh):
                kinds[row["Error"]] += int(row["Occurrences"])
        for kind, count in kinds.most_common():
            print(f"  error: {kind}: {count}")
            if "bare" in kind or "unexpected" in kind:
                bad.append(f"{count} × {kind}")
    return bad


def main() -> int:
    """Prepare, load (with faults), check."""
    parser = argparse.ArgumentParser(description="Load (and faults) against a running stack.")
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--minutes", type=float, default=3)
    parser.add_argument("--faults", action="store_true")
    args = parser.parse_args()
    settings = Settings()
    ensure_postgres()
    ensure_redis()
    app = with_stack_env()
    env = {**os.environ, **prepare(app, residents=max(10, args.users // 2))}
    out = settings.state / "load"
    out.mkdir(parents=True, exist_ok=True)
    acknowledged = out / "acknowledged.txt"
    acknowledged.unlink(missing_ok=True)
    env["LOAD_ACKNOWLEDGED"] = str(acknowledged)
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import OutboxMessage

    with app.app_context():
        since_id = db.session.scalar(select(func.max(OutboxMessage.id))) or 0
        db.session.remove()
    fault_log: list[str] = []
    seconds = int(args.minutes * 60)
    if args.faults:
        threading.Thread(target=faults, args=(settings, seconds / 6, fault_log), daemon=True).start()
    say(f"{args.users} users for {seconds} s against {settings.public_url}{' with faults' if args.faults else ''}")
    started = time.monotonic()
    subprocess.run([str(BIN / "locust"), "-f", str(ROOT / "deploy" / "locustfile.py"), "--headless",
                    "-u", str(args.users), "-r", str(max(1, args.users // 10)), "-t", f"{seconds}s",
                    "--host", settings.public_url, "--csv", str(out / "run"), "--only-summary", "--loglevel", "WARNING"],
                   cwd=ROOT, env=env, check=False)
    bad = report(out / "run")
    say(f"load ran {time.monotonic() - started:.0f} s; waiting for the outbox to drain")
    wait_for_outbox(app, 300)
    problems = check(app, settings, acknowledged, since_id) + [f"errors that must never happen: {b}" for b in bad]
    for line in fault_log:
        say(f"fault log: {line}")
    for problem in problems:
        say(f"FAILED: {problem}")
    say("all checks passed" if not problems else f"{len(problems)} checks failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
