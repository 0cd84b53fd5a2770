"""Benchmark: 20 residents signing in at the same moment, through gunicorn with the production settings.

Builds a database of its own (never the development one) with 20 residents, serves the portal with gunicorn and
``gunicorn.conf.py`` (2 workers, gthread; ``APP_ENV=production``, as the crash tests serve it: ``tests/servers.py``)
on a free local port, then 20 clients sign in at once: each reads the sign-in form (its CSRF token and cookie), waits
until all 20 have, and posts it. Several rounds after one warm-up round; prints the median, 95th percentile and
maximum time of the POST, the time of one hash alone, and the CPU time the server spent per sign-in (which, unlike
the times under load, hardly depends on what else the machine runs). Each set of Argon2id parameters gets its
own server and its residents' hashes made with it: by default the configured parameters, then the old ones (the
library's defaults before issue 20: 64 MiB, 3 passes, 4 lanes). With the configured parameters one more round starts
from old hashes: the first sign-in after the change, which upgrades them.

    .venv/bin/python scripts/bench_signin.py                      # SQLite, instance/bench_signin.sqlite
    .venv/bin/python scripts/bench_signin.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/reqemsal_bench_signin
    .venv/bin/python scripts/bench_signin.py --parameters 19456,2,1 --parameters 47104,1,1

Exit status 1 when the first set's 95th percentile is 1 s or more. Safe to interrupt and run again: the server is
always stopped, and the residents' hashes are made again only where their parameters differ.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import signal
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import click
from sqlalchemy import event, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.accounts.passwords import hasher  # noqa: E402
from app.administration import seed  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import User  # noqa: E402
from config import Config  # noqa: E402
from scripts.benchkit import report  # noqa: E402
from tests.servers import serve  # noqa: E402

PASSWORD = "Bench-Giris-2026"
EMAIL = "bench.signin{}@bench.az"
CONFIGURED = (Config.ARGON2_MEMORY_KIB, Config.ARGON2_TIME_COST, Config.ARGON2_PARALLELISM)
# What every hash was made with before issue 20: argon2-cffi's PasswordHasher() defaults (RFC 9106, low memory).
OLD = (65536, 3, 4)
TARGET_MS = 1000.0
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def label(parameters: tuple[int, int, int]) -> str:
    """``19 MiB, t=2, p=1`` for (19456, 2, 1)."""
    memory, passes, lanes = parameters
    return f"{memory / 1024:g} MiB, t={passes}, p={lanes}"


def p95(times: list[float]) -> float:
    """The 95th percentile as ``benchkit.report`` prints it."""
    ordered = sorted(times)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def use_parameters(app, parameters: tuple[int, int, int]) -> dict[str, str]:
    """Make ``app`` hash with ``parameters``; the same settings as environment variables, for the server."""
    settings = dict(zip(("ARGON2_MEMORY_KIB", "ARGON2_TIME_COST", "ARGON2_PARALLELISM"), parameters, strict=True))
    app.config.update(settings)
    return {key: str(value) for key, value in settings.items()}


def ensure_residents(app, count: int) -> list[str]:
    """The benchmark's residents (created once, confirmed); their addresses."""
    with app.app_context():
        emails = [EMAIL.format(i) for i in range(count)]
        with click.progressbar(emails, label=f"Residents ({count})", file=sys.stderr) as bar:
            for email in bar:
                seed.ensure_user(email, "Bench Resident", PASSWORD, [])
    return emails


def hash_with(app, emails: list[str], parameters: tuple[int, int, int]) -> None:
    """Give every resident a hash made with ``parameters`` (only where it differs); unlock them all."""
    wanted = hasher(*parameters)
    with app.app_context():
        users = list(db.session.scalars(select(User).where(User.email.in_(emails))))
        stale = [user for user in users if wanted.check_needs_rehash(user.password_hash)]
        with click.progressbar(stale, label=f"Hashing with {label(parameters)}", file=sys.stderr) as bar:
            for user in bar:
                user.password_hash = wanted.hash(PASSWORD)
        for user in users:
            user.failed_logins, user.locked_until = 0, None
        db.session.commit()


def upgraded(app, emails: list[str], parameters: tuple[int, int, int]) -> int:
    """How many residents' hashes are now made with ``parameters``."""
    with app.app_context():
        stored = db.session.scalars(select(User.password_hash).where(User.email.in_(emails)))
        return sum(1 for value in stored if not hasher(*parameters).check_needs_rehash(value))


def statements_of_one_sign_in(app, email: str) -> int:
    """The SQL statements of one sign-in (the POST), through the Flask stack in this process."""
    client = app.test_client()
    token = TOKEN.search(client.get("/auth/login").get_data(as_text=True)).group(1)
    statements = 0

    def counter(*_args, **_kwargs) -> None:
        nonlocal statements
        statements += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    try:
        response = client.post("/auth/login", data={"csrf_token": token, "email": email, "password": PASSWORD})
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    assert response.status_code == 302, f"{email} could not sign in in process ({response.status_code})"
    return statements


def server_cpu_seconds(master: int) -> float | None:
    """CPU time (user + system) used so far by gunicorn's master process and its workers; None without /proc.

    Unlike the answers' times, which grow with whatever else the machine runs, this is the work itself."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    try:
        entries = [entry for entry in os.listdir("/proc") if entry.isdigit()]
    except OSError:
        return None
    for entry in entries:
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a process that ended meanwhile
        if int(entry) == master or int(fields[1]) == master:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def one_hash_ms(parameters: tuple[int, int, int], runs: int) -> float:
    """Median time of one hash with ``parameters``, in this process, in milliseconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        hasher(*parameters).hash(PASSWORD)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


class _Stay(urllib.request.HTTPRedirectHandler):
    """Do not follow the redirect after signing in: the POST's own answer is what is timed."""

    def redirect_request(self, *_args, **_kwargs):
        return None


def _post_answer(opener, url: str, fields: dict[str, str]) -> tuple[int, str]:
    """Status and Location of a form POST (a redirect is an answer here, not an error)."""
    request = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(), method="POST")
    try:
        with opener.open(request, timeout=120) as response:
            return response.status, response.headers.get("Location", "")
    except urllib.error.HTTPError as answer:
        return answer.code, answer.headers.get("Location", "")


def sign_in_at_once(base: str, emails: list[str]) -> list[float]:
    """Every resident signs in at the same moment; the time of each POST in milliseconds.

    Each client first reads the form (a session cookie and its CSRF token), then waits at the barrier, so that the
    20 POSTs leave together; a client that cannot sign in fails the round.
    """
    barrier = threading.Barrier(len(emails))
    times: list[float] = []
    failures: list[str] = []

    def client(email: str) -> None:
        try:
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                 _Stay())
            with opener.open(f"{base}/auth/login", timeout=60) as page:
                token = TOKEN.search(page.read().decode()).group(1)
            barrier.wait(timeout=120)
            started = time.perf_counter()
            status, location = _post_answer(opener, f"{base}/auth/login",
                                            {"csrf_token": token, "email": email, "password": PASSWORD})
            elapsed = (time.perf_counter() - started) * 1000
            if status != 302 or "/auth/login" in location:
                failures.append(f"{email}: {status} {location}")
            times.append(elapsed)
        except Exception as error:  # noqa: BLE001 - reported with the round's other failures
            barrier.abort()
            failures.append(f"{email}: {error!r}")

    # Daemon threads: an interrupted run does not wait for them (the server is stopped by serve()).
    threads = [threading.Thread(target=client, args=(email,), daemon=True) for email in emails]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError("sign-in failed: " + "; ".join(failures[:5]))
    return times


def measure(app, database_url: str, emails: list[str], parameters: tuple[int, int, int], rounds: int,
            runs_alone: int, upgrade_from: tuple[int, int, int] | None) -> tuple[list[tuple[str, list[float], int]],
                                                                             tuple[float, float | None]]:
    """Serve the portal hashing with ``parameters`` and time ``rounds`` rounds of simultaneous sign-ins (after a
    warm-up round); with ``upgrade_from``, one more round that starts from hashes made with those parameters.
    Returns the rounds' times per label with the statements of a sign-in, and (one hash alone, the server's CPU per
    sign-in) in milliseconds."""
    env = use_parameters(app, parameters)
    hash_with(app, emails, parameters)
    alone = one_hash_ms(parameters, runs_alone)
    statements = statements_of_one_sign_in(app, emails[0])
    # Every sign-in comes from this machine's one address: the per-address limit would refuse the run, not measure it.
    env.update(RATELIMIT_AUTH="1000000 per minute", REDIS_PREFIX=f"reqemsal-bench-signin-{os.getpid()}")
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-signin-") as tmp, \
            serve("prod", Path(tmp), database_url, **env) as server:
        sign_in_at_once(server.base, emails)
        times: list[float] = []
        cpu_before = server_cpu_seconds(server.process.pid)
        with click.progressbar(range(rounds), label=f"{len(emails)} at once, {label(parameters)}",
                               file=sys.stderr) as bar:
            for _ in bar:
                times.extend(sign_in_at_once(server.base, emails))
        cpu_after = server_cpu_seconds(server.process.pid)
        # Per sign-in: the form's GET and the POST, in the workers (the database server's own work not included).
        cpu = None if cpu_before is None or cpu_after is None else (cpu_after - cpu_before) * 1000 / len(times)
        results.append((label(parameters), times, statements))
        if upgrade_from is not None:
            hash_with(app, emails, upgrade_from)
            times = sign_in_at_once(server.base, emails)
            done = upgraded(app, emails, parameters)
            if done != len(emails):
                raise RuntimeError(f"only {done} of {len(emails)} hashes were upgraded at sign-in")
            results.append((f"first sign-in, {label(upgrade_from)} upgraded", times, statements))
    return results, (alone, cpu)


def _interrupted(*_args) -> None:
    """SIGTERM ends the run as Ctrl-C does: through the ``finally`` that stops the server."""
    raise KeyboardInterrupt


def parameters_type(value: str) -> tuple[int, int, int]:
    """``m,t,p`` on the command line: memory in KiB, passes, lanes."""
    memory, passes, lanes = (int(part) for part in value.split(","))
    return memory, passes, lanes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=f"sqlite:///{ROOT / 'instance' / 'bench_signin.sqlite'}")
    parser.add_argument("--residents", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs-alone", type=int, default=10, help="hashes timed alone in this process, per set")
    parser.add_argument("--parameters", type=parameters_type, action="append",
                        help="m,t,p (memory KiB, passes, lanes); repeatable; default: the configured, then 65536,3,4")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _interrupted)
    sets = args.parameters or [CONFIGURED, OLD]
    (ROOT / "instance").mkdir(exist_ok=True)

    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": args.database_url, "MAIL_SERVER": "",
                                     "RATELIMIT_ENABLED": False})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(directory=str(ROOT / "migrations"))
        seed.seed_reference_data()
        backend = db.engine.dialect.name
    emails = ensure_residents(app, args.residents)
    cores = os.cpu_count() or 1
    load_before = os.getloadavg()[0]
    print(f"\n{backend}: {len(emails)} residents sign in at once, {args.rounds} rounds after a warm-up, gunicorn "
          f"{os.environ.get('WEB_CONCURRENCY', '4')} workers x {os.environ.get('GUNICORN_THREADS', '2')} threads, "
          f"{cores} cores, load average {load_before:.1f}\n")
    results, alone = [], {}
    try:
        for index, parameters in enumerate(sets):
            upgrade_from = OLD if index == 0 and parameters != OLD else None
            measured, alone[parameters] = measure(app, args.database_url, emails, parameters, args.rounds,
                                                  args.runs_alone, upgrade_from)
            results.extend(measured)
    except KeyboardInterrupt:
        print("\nInterrupted; the server was stopped. Run again to start over.", file=sys.stderr)
        return 130
    print("time of the sign-in POST (ms)")
    report(results, width=42)
    print(f"\nwork (one hash: median of {args.runs_alone} alone in this process; the server: its CPU over the rounds)")
    for parameters, (hash_ms, cpu_ms) in alone.items():
        work = "n/a (no /proc)" if cpu_ms is None else (
            f"{cpu_ms:5.1f} ms, so {len(emails)} need at least {len(emails) * cpu_ms / cores / 1000:.2f} s of {cores} cores")
        print(f"{label(parameters):22} one hash {hash_ms:6.1f} ms; the server per sign-in (form + POST) {work}")
    judged = results[0]
    worst = p95(judged[1])
    verdict = "met" if worst < TARGET_MS else "NOT met"
    others = "; ".join(f"{name}: p95 {p95(times) / 1000:.2f} s" for name, times, _ in results[1:])
    print(f"\nSummary: {backend}, {len(emails)} sign-ins at once x {args.rounds} rounds; {judged[0]}: median "
          f"{statistics.median(judged[1]) / 1000:.2f} s, p95 {worst / 1000:.2f} s (target < 1 s: {verdict}); {others}; "
          f"load average {load_before:.1f} at the start (the run itself raises it).")
    return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
