"""Benchmark: every public page and every cabinet's landing page beside a bare Flask "hello", under the same gunicorn.

Issue 20 asks how far the portal's pages are from what Flask itself can serve on this machine. This script:

1. prepares a demo database of its own (``instance/bench-pages/portal.sqlite``, or ``--database-url``): migrated
   and filled by ``flask seed-demo``, once (a SQLite file already seeded is reused; ``--reseed`` starts over);
2. serves a bare Flask app, whose "/" answers "hello", with gunicorn and ``gunicorn.conf.py`` (its workers and threads)
   and loads it with wrk (keep-alive, ``--connections`` at once, ``--duration`` seconds after a ``--warmup``);
3. serves the portal the same way, as production does as far as SQLite allows (``APP_ENV=production``, Redis for
   the caches, the rate limits and the queue, the access log; ``tests/servers.py`` sets it up as for the crash
   tests), and loads each public page a visitor reaches from the menu, then each cabinet's landing page signed
   in as each demo role (the session cookie, got by signing in, sent by wrk);
4. serves the bare Flask app again and loads it once more: the reference is the mean of both runs, so that a
   change in the machine's load during the run shows and weighs less;
5. prints a table (requests per second, the ratio to hello, the target: 0.5 for public pages, 0.25 for landing
   pages; and the server's CPU time per request, the steadier figure on a shared machine) and a summary line, and
   exits non-zero when a page misses its target (``--no-fail``: report only). One more row, with no target, is the
   floor under every landing page: the static "about" page signed in as the resident (the session, the account and
   the page's frame, with nothing of the cabinet's own).

Every measured response must be a 200: wrk counts errors, and the access log of the run is read for the status
of each request of the page (a redirect to the sign-in page would otherwise look fast). One server runs at a
time (the machine has 2 cores); the servers are always stopped, also on Ctrl-C, so the script is safe to
interrupt and to run again. wrk comes from Debian (``make bench-pages`` installs it when missing).

    .venv/bin/python scripts/bench_pages.py [--duration 5] [--connections 8] [--only news] [--no-fail]
    .venv/bin/python scripts/bench_pages.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/reqemsal_bench_pages
"""
from __future__ import annotations

import argparse
import http.client
import os
import re
import runpy
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import click
from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FOLDER = ROOT / "instance" / "bench-pages"
BIN = Path(sys.executable).parent
PUBLIC_TARGET, CABINET_TARGET = 0.5, 0.25

# What a visitor reaches from the menu: (label, address), or (label, (list page, pattern of its first link to one
# item)) for the pages of one item, found on the running portal as a visitor finds them.
PUBLIC_PAGES: list[tuple[str, str | tuple[str, str]]] = [
    ("home", "/"),
    ("about", "/about"),
    ("news list", "/news/"),
    ("an article", ("/news/", r"/news/article/\d+")),
    ("polls list", "/polls/"),
    ("a poll", ("/polls/", r"/polls/\d+")),
    ("consultations list", "/consultations/"),
    ("a consultation", ("/consultations/", r"/consultations/\d+")),
    ("proposals list", "/proposals/"),
    ("a proposal", ("/proposals/", r"/proposals/\d+")),
    ("commitments", "/commitments/"),
    ("accountability, national table", "/accountability/"),
    ("accountability, a district", "/accountability/GNC"),
    ("public appeals of a district", "/appeals/public/GNC"),
    ("e-services catalogue", "/services/"),
    ("reception", "/reception/"),
]
# One demo account per role (README, "Demo accounts"); the landing page is where signing in leads.
ROLES = [
    ("resident", "citizen@demo.az"),
    ("official", "official.gnc@demo.az"),
    ("head", "head.gnc@demo.az"),
    ("editor", "editor.gnc@demo.az"),
    ("moderator", "moderator.gnc@demo.az"),
    ("supervisor", "supervisor@demo.az"),
    ("administrator", "admin@demo.az"),
]
# The floor under every landing page: the smallest page a signed-in person gets (no cache serves them), as ROLES' first.
FLOOR = ("signed in, a static page (floor, no target)", "/about", "citizen@demo.az")
# Every request of the run names the same browser: "strong" session protection ties a session to its user agent.
USER_AGENT = "reqemsal-bench-pages"
# gunicorn's access line (gunicorn.conf.py): address "METHOD path protocol" status …
ACCESS_LINE = re.compile(rb'^\S+ "GET (\S+) HTTP/1\.[01]" (\d{3}) ', re.M)


def hello_app() -> Flask:
    """The bare Flask app measured beside the portal: "/" answers "hello"; "/readyz" lets the start-up wait for it.

    Served as ``scripts.bench_pages:hello_app()``; the portal's modules are imported inside the functions below,
    so that its workers import Flask alone.
    """
    app = Flask("hello")
    app.add_url_rule("/", "hello", lambda: "hello")
    app.add_url_rule("/readyz", "readyz", lambda: "ok")
    return app


@dataclass
class Page:
    """One measured address and what the load gave."""

    label: str
    path: str
    kind: str  # "hello", "public", "cabinet" or "floor"
    cookie: str = ""
    rate: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    cpu_ms: float = 0.0  # the server's CPU time per request (its workers', the database's too on SQLite)
    problems: list[str] = field(default_factory=list)

    @property
    def target(self) -> float | None:
        return {"public": PUBLIC_TARGET, "cabinet": CABINET_TARGET}.get(self.kind)


@dataclass
class Load:
    """wrk's figures of one run."""

    rate: float
    p50_ms: float
    p99_ms: float
    errors: list[str]


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def wrk(url: str, seconds: int, connections: int, threads: int, cookie: str = "") -> Load:
    """Load ``url`` for ``seconds`` with ``connections`` kept-alive connections; wrk's figures."""
    # A generous timeout: a slow page is measured as slow rather than counted as failed requests.
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "30s", "--latency",
               "-H", f"User-Agent: {USER_AGENT}"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    errors = []
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors.append(f"{match.group(1)} error responses")
    if match := re.search(r"Socket errors: (.+)", out):
        errors.append(f"socket errors ({match.group(1).strip()})")
    return Load(rate, p50, p99, errors)


def status_of(base: str, path: str, cookie: str = "") -> int:
    """The status of one GET of ``path``, redirects not followed."""
    where = urlsplit(base)
    conn = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
    try:
        conn.request("GET", path, headers={"User-Agent": USER_AGENT, **({"Cookie": cookie} if cookie else {})})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def logged_statuses(log: Path, offset: int, path: str) -> Counter[str]:
    """The statuses the access log shows for ``path`` after ``offset``, with their counts."""
    time.sleep(0.3)  # the workers' last lines of the run
    with log.open("rb") as fh:
        fh.seek(offset)
        text = fh.read()
    return Counter(status.decode() for logged, status in ACCESS_LINE.findall(text) if logged.decode() == path)


def server_cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) gunicorn's master ``pid`` and its workers have used so far, the workers that
    ended (recycled after ``max_requests``) included."""
    def times(stat: str) -> list[int]:
        # After the command's closing parenthesis: state, ppid, …; utime, stime, cutime, cstime are fields 14–17.
        return [int(value) for value in stat.rsplit(")", 1)[1].split()[11:15]]

    total = sum(times(Path(f"/proc/{pid}/stat").read_text()))
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # ended meanwhile
        if stat.rsplit(")", 1)[1].split()[1] == str(pid):
            total += sum(times(stat)[:2])
    return total / os.sysconf("SC_CLK_TCK")


def measure(server, page: Page, args: argparse.Namespace) -> None:
    """Check that ``page`` answers 200, warm it up, load it and keep the figures (or the problems) in ``page``."""
    status = status_of(server.base, page.path, page.cookie)
    if status != 200:
        page.problems.append(f"answered {status} before the load")
        return
    url = server.base + page.path
    if args.warmup:
        wrk(url, args.warmup, args.connections, args.threads, page.cookie)
    offset, cpu = server.log.stat().st_size, server_cpu_seconds(server.process.pid)
    load = wrk(url, args.duration, args.connections, args.threads, page.cookie)
    cpu = server_cpu_seconds(server.process.pid) - cpu
    page.rate, page.p50_ms, page.p99_ms = load.rate, load.p50_ms, load.p99_ms
    page.problems += load.errors
    statuses = logged_statuses(server.log, offset, page.path)
    if statuses:
        page.cpu_ms = cpu * 1000 / sum(statuses.values())
    else:
        page.problems.append("no request completed")
    page.problems += [f"{count} answered {status}" for status, count in sorted(statuses.items()) if status != "200"]


# --- The database and the servers --------------------------------------------------------------------------------


def prepare_database(database_url: str, reseed: bool) -> None:
    """Migrate the benchmark's database and seed the demo into it (a SQLite file seeded before is reused)."""
    from tests.servers import server_env

    marker = FOLDER / "seeded"
    is_sqlite = database_url.startswith("sqlite")
    database_file = Path(database_url.removeprefix("sqlite:///")) if is_sqlite else None
    if reseed or (is_sqlite and not database_file.exists()):
        marker.unlink(missing_ok=True)
        if database_file is not None:
            database_file.unlink(missing_ok=True)
    env = server_env(FOLDER, database_url, "development")
    click.echo("Migrating the benchmark's database …", err=True)
    migrated = subprocess.run([str(BIN / "flask"), "db", "upgrade"], cwd=ROOT, env=env, capture_output=True, text=True)
    if migrated.returncode != 0:
        raise SystemExit(f"flask db upgrade failed:\n{migrated.stdout[-4000:]}{migrated.stderr[-4000:]}")
    # A PostgreSQL database may have been dropped and created again since: seeding again is cheap (idempotent).
    if is_sqlite and marker.exists() and marker.read_text() == database_url:
        click.echo("Demo data: seeded before, reused (--reseed starts over).", err=True)
        return
    click.echo("Seeding the demo (flask seed-demo, about half a minute) …", err=True)
    # Its output is mostly the demo's emails written to the log: only its summary line is shown.
    seeded = subprocess.run([str(BIN / "flask"), "seed-demo"], cwd=ROOT, env=env, capture_output=True, text=True)
    if seeded.returncode != 0:
        raise SystemExit(f"flask seed-demo failed:\n{seeded.stdout[-4000:]}{seeded.stderr[-4000:]}")
    click.echo(seeded.stdout.strip().splitlines()[-1], err=True)
    marker.write_text(database_url)


def server_environment(database_url: str, redis_url: str, prefix: str) -> dict[str, str]:
    """The production environment of both servers (the bare app ignores it): ``tests/servers.py``'s, with Redis for
    every cache setting the configuration has, this run's own key prefix and metrics folder."""
    from config import Config
    from tests.servers import server_env

    caches = {name: redis_url for name in ("CACHE_URL", "PAGE_CACHE_URL") if hasattr(Config, name)}
    return server_env(FOLDER, database_url, "production", REDIS_URL=redis_url, QUEUE_URL=redis_url,
                      REDIS_PREFIX=prefix, PROMETHEUS_MULTIPROC_DIR=str(FOLDER / "metrics"), **caches)


def start(target: str, env: dict[str, str], name: str):
    """Serve ``target`` with gunicorn and ``gunicorn.conf.py``; the running server (``tests.servers.Server``)."""
    from tests.servers import Server, free_port

    port = free_port()
    (FOLDER / "logs").mkdir(parents=True, exist_ok=True)
    server = Server([str(BIN / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py"), "--bind",
                     f"127.0.0.1:{port}", target], env, port, FOLDER / "logs" / f"{name}.log")
    try:
        server.wait_ready()
    except BaseException:
        server.stop()
        raise
    return server


def discover(base: str, spec: str | tuple[str, str]) -> str:
    """The address of a page: as given, or the first link of a list page that matches the pattern."""
    if isinstance(spec, str):
        return spec
    list_page, pattern = spec
    request = urllib.request.Request(base + list_page, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=30) as response:
        page = response.read().decode()
    match = re.search(rf'href="({pattern})"', page)
    if match is None:
        raise SystemExit(f"No link like {pattern} on {list_page}: is the demo seeded?")
    return match.group(1)


def sign_in(base: str, email: str) -> tuple[str, str]:
    """Sign in as a demo account (its second factor too); where it landed and the cookies to send from there."""
    import pyotp

    from app.accounts.two_factor import DEMO_TOTP_SECRET
    from app.administration.seed import DEMO_PASSWORD
    from deploy.smoke import Visitor

    visitor = Visitor(base)
    visitor.opener.addheaders = [("User-Agent", USER_AGENT)]
    _status, _page, url = visitor.post("/auth/login", {"email": email, "password": DEMO_PASSWORD})
    if urlsplit(url).path == "/auth/two-factor":
        totp = pyotp.TOTP(DEMO_TOTP_SECRET)
        status, _page, url = visitor.post("/auth/two-factor", {"code": totp.now()})
        if status == 422:  # a code already used (a run moments ago) is refused once: the next one is accepted too
            status, _page, url = visitor.post("/auth/two-factor", {"code": totp.at(time.time() + 30)})
    landing = urlsplit(url).path
    if landing.startswith("/auth/"):
        raise SystemExit(f"Signing in as {email} did not succeed (ended on {landing}).")
    # Following the redirect loaded the landing page once: the cookies hold the session and its CSRF token, as a
    # browser's do from then on.
    jar = next(h.cookiejar for h in visitor.opener.handlers if isinstance(h, urllib.request.HTTPCookieProcessor))
    return landing, "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def forget_keys(redis_url: str, prefix: str) -> int:
    """Delete this run's keys from Redis (caches, rate limits, queued jobs); how many there were."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"*{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
        return len(keys)
    finally:
        client.close()


# --- The run -----------------------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    """Measure, print the table and the summary; the exit code."""
    import redis

    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (make bench-pages installs it).")
    try:
        redis.Redis.from_url(args.redis_url, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        raise SystemExit(f"Redis at {args.redis_url} does not answer ({error}): production mode needs it.") from None
    FOLDER.mkdir(parents=True, exist_ok=True)
    prepare_database(args.database_url, args.reseed)
    prefix = f"reqemsal-bench-pages-{os.getpid()}"
    env = server_environment(args.database_url, args.redis_url, prefix)
    only = re.compile(args.only, re.I) if args.only else None
    public = [(label, spec) for label, spec in PUBLIC_PAGES if not only or only.search(label)]
    roles = [(label, email) for label, email in ROLES if not only or only.search(f"cabinet {label}")]
    floors = [FLOOR] if not only or only.search(FLOOR[0]) else []
    hellos = [Page("bare Flask hello (before)", "/", "hello"), Page("bare Flask hello (after)", "/", "hello")]
    pages: list[Page] = []
    load_before, started = os.getloadavg()[0], datetime.now()
    steps = ["hello", *[f"public {label}" for label, _spec in public], *[f"cabinet {label}" for label, _e in roles],
             *[label for label, _path, _email in floors], "hello again"]
    servers = []
    try:
        with click.progressbar(length=len(steps), label="Measuring", file=sys.stderr, show_pos=True,
                               item_show_func=lambda step: step) as bar:
            bar.update(0, steps[0])
            servers.append(start("scripts.bench_pages:hello_app()", env, "hello-before"))
            measure(servers[-1], hellos[0], args)
            servers.pop().stop()
            servers.append(start("wsgi:app", env, "portal"))
            portal = servers[-1]
            for label, spec in public:
                bar.update(1, f"public {label}")
                page = Page(label, discover(portal.base, spec), "public")
                pages.append(page)
                measure(portal, page, args)
            for label, email in roles:
                bar.update(1, f"cabinet {label}")
                landing, cookie = sign_in(portal.base, email)
                page = Page(f"cabinet: {label}", landing, "cabinet", cookie=cookie)
                pages.append(page)
                measure(portal, page, args)
            for label, path, email in floors:
                bar.update(1, label)
                _landing, cookie = sign_in(portal.base, email)
                page = Page(label, path, "floor", cookie=cookie)
                pages.append(page)
                measure(portal, page, args)
            servers.pop().stop()
            bar.update(1, "hello again")
            servers.append(start("scripts.bench_pages:hello_app()", env, "hello-after"))
            measure(servers[-1], hellos[1], args)
            servers.pop().stop()
            bar.update(1, "done")
    finally:
        for server in servers:
            server.stop()
        forget_keys(args.redis_url, prefix)
    return report(hellos, pages, args, load_before, started)


def _count(items: list, noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def _ratio(value: float) -> str:
    """Two decimals, three below 0.1 (so that a page at 0.004 does not read 0.00)."""
    return f"{value:.2f}" if value >= 0.1 or not value else f"{value:.3f}"


def report(hellos: list[Page], pages: list[Page], args: argparse.Namespace, load_before: float,
           started: datetime) -> int:
    """Print the machine, the table and the summary line; 1 when a page missed its target (0 with --no-fail)."""
    gunicorn = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    database = "SQLite" if args.database_url.startswith("sqlite") else "PostgreSQL"
    broken_hello = [h for h in hellos if h.problems or not h.rate]
    if broken_hello:
        raise SystemExit("The bare Flask app did not serve cleanly: "
                         + "; ".join(f"{h.label}: {', '.join(h.problems)}" for h in broken_hello))
    reference = statistics.fmean(h.rate for h in hellos)
    print()
    print(f"{started:%Y-%m-%d %H:%M}, {os.cpu_count()} cores, load average {load_before:.1f} before and "
          f"{os.getloadavg()[0]:.1f} after; gunicorn {gunicorn['workers']} workers × {gunicorn['threads']} threads "
          f"({gunicorn['worker_class']}), {database}, Redis; wrk {args.connections} connections, "
          f"{args.duration} s per page after {args.warmup} s of warm-up.")
    hello_cpu = statistics.fmean(h.cpu_ms for h in hellos)
    print(f"Bare Flask hello: {hellos[0].rate:,.0f} requests/s before, {hellos[1].rate:,.0f} after "
          f"(reference {reference:,.0f}); server CPU {hellos[0].cpu_ms:.2f} and {hellos[1].cpu_ms:.2f} ms per request.")
    print()
    # The CPU columns are the steadier figures on a shared machine: time other processes take from the server
    # lowers its requests per second, much less the CPU time each request costs it.
    print("| page | address | requests/s | p50 / p99 ms | ratio to hello | target | result | server CPU ms "
          "per request | CPU ratio to hello |")
    print("|---|---|---:|---:|---:|---:|---|---:|---:|")
    missed = 0
    for page in pages:
        ratio = page.rate / reference
        problems = f" ({'; '.join(page.problems)})" if page.problems else ""
        if page.target is None:  # the floor: measured, not judged (but it must have answered 200)
            passed, result = not page.problems, "reference" if not page.problems else f"FAIL{problems}"
        else:
            passed = not page.problems and ratio >= page.target
            result = "pass" if passed else f"FAIL{problems}"
        missed += not passed
        cpu_ratio = hello_cpu / page.cpu_ms if page.cpu_ms else 0.0
        target = "—" if page.target is None else f"{page.target:.2f}"
        print(f"| {page.label} | `{page.path}` | {page.rate:,.0f} | {page.p50_ms:.1f} / {page.p99_ms:.1f} | "
              f"{_ratio(ratio)} | {target} | {result} | {page.cpu_ms:.2f} | {_ratio(cpu_ratio)} |")
    public = [p for p in pages if p.kind == "public"]
    cabinets = [p for p in pages if p.kind == "cabinet"]
    judged = [p for p in pages if p.target is not None]
    print()
    met = sum(not p.problems and p.rate / reference >= p.target for p in judged)
    print(f"bench-pages: {met} of {len(judged)} pages meet their target ({_count(public, 'public page')} "
          f"at ≥ {PUBLIC_TARGET} of bare Flask, {_count(cabinets, 'cabinet landing page')} at ≥ {CABINET_TARGET}); "
          f"bare Flask {reference:,.0f} requests/s; {'all pass' if not missed else f'{missed} miss'}.")
    return 1 if missed and args.fail else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=f"sqlite:///{FOLDER / 'portal.sqlite'}")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--duration", type=int, default=5, help="seconds of load per page (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of load before each page's (default 1)")
    parser.add_argument("--connections", type=int, default=8, help="connections kept open at once (default 8)")
    parser.add_argument("--threads", type=int, default=1, help="wrk's threads (default 1: the server needs the cores)")
    parser.add_argument("--only", help="only the pages whose label matches this regular expression (e.g. news)")
    parser.add_argument("--reseed", action="store_true", help="seed the demo database again from empty")
    parser.add_argument("--no-fail", dest="fail", action="store_false",
                        help="report only: exit 0 even when a page misses its target")
    try:
        return run(parser.parse_args())
    except KeyboardInterrupt:
        # The servers were stopped on the way out (run's finally); a seeding cut short is done again next time.
        click.echo("\nInterrupted: servers stopped, nothing kept but the demo database.", err=True)
        return 130


if __name__ == "__main__":
    sys.exit(main())
