"""Real server processes for the crash tests: a seeded database of their own, then the portal served by the
threaded development server (``make run``'s) or by gunicorn with the production configuration (``gunicorn.conf.py``).

The database is SQLite in a temporary folder, or a PostgreSQL database of its own beside ``TEST_DATABASE_URL``'s
(created here and dropped afterwards), so the suite's own tables are never touched.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.databases import sibling_database

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SECRET = "crash-test-secret-0123456789abcdef0123456789"


def free_port() -> int:
    """A local TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def seeded_database(tmp: Path, name: str) -> Iterator[str]:
    """A migrated database with the demo seed, for servers to use; its address."""
    suite = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp / 'suite.sqlite'}"
    with sibling_database(suite, name, tmp) as address:
        env = server_env(tmp, address, "development")
        for command in (["db", "upgrade"], ["seed-demo"]):
            subprocess.run([str(BIN / "flask"), *command], cwd=ROOT, env=env, check=True, capture_output=True,
                           timeout=300)
        yield address


def server_env(tmp: Path, database_url: str, app_env: str, **extra: str) -> dict[str, str]:
    """The environment of a server or command: its database, instance folder and secrets; Redis for production."""
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "TEST_DATABASE_URL"}}
    env.update(APP_ENV=app_env, DATABASE_URL=database_url, INSTANCE_PATH=str(tmp / "instance"), FLASK_APP="wsgi",
               SECRET_KEY=SECRET, PUBLIC_URL="http://127.0.0.1", PYTHONFAULTHANDLER="1", PROXY_COUNT="0",
               SESSION_COOKIE_SECURE="0", ATTACHMENTS_DIR=str(tmp / "attachments"))
    if app_env == "production":
        # The machine's Redis for the job queue, under a prefix of this run's own (nothing else shares it).
        env.update(QUEUE_URL="redis://127.0.0.1:6379/0", REDIS_PREFIX=f"reqemsal-crash-{os.getpid()}")
    env.update(extra)
    return env


class Server:
    """A running server process: its address, whether it is alive, and what it printed."""

    def __init__(self, command: list[str], env: dict[str, str], port: int, log: Path) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.log = log
        self._out = log.open("wb")
        # Its own process group, so that stopping it stops gunicorn's workers too.
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self._out, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"the server stopped at start:\n{self.output()}")
            try:
                with urllib.request.urlopen(f"{self.base}/readyz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"the server did not answer /readyz in {seconds} s:\n{self.output()}")

    def output(self, tail: int = 8000) -> str:
        """The server's last lines, preceded by every error it logged (a traceback may be far from the end)."""
        self._out.flush()
        text = self.log.read_bytes().decode("utf-8", "replace")
        errors = [block for block in re.split(r"\n(?=\S)", text) if " ERROR " in block or "Traceback" in block]
        head = ("errors logged:\n" + "\n".join(errors[:5])[:12000] + "\n--- last lines:\n") if errors else ""
        # gunicorn's own lines (a worker booted, exited, timed out, a socket error) last, where a report that keeps
        # only the end of a failure still shows them: a worker lost mid-answer leaves no application log line.
        server_lines = [line for line in text.splitlines() if re.match(r"\[[^]]+\] \[\d+\] \[[A-Z]+\] ", line)]
        tail_lines = "\n--- the server's own lines:\n" + "\n".join(server_lines[-30:]) if server_lines else ""
        return head + text[-tail:] + tail_lines

    def stop(self) -> None:
        if self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self._out.close()


@contextmanager
def serve(kind: str, tmp: Path, database_url: str, **extra_env: str) -> Iterator[Server]:
    """Serve the portal: ``dev`` is ``flask run`` (threaded, as ``make run``), ``prod`` is gunicorn with
    ``gunicorn.conf.py`` and ``APP_ENV=production``."""
    port = free_port()
    if kind == "dev":
        command = [str(BIN / "flask"), "run", "--host", "127.0.0.1", "--port", str(port), "--with-threads"]
        env = server_env(tmp, database_url, "development", **extra_env)
    else:
        command = [str(BIN / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}",
                   "wsgi:app"]
        env = server_env(tmp, database_url, "production", **extra_env)
    server = Server(command, env, port, tmp / f"{kind}-{port}.log")
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@contextmanager
def database_refusals(database_url: str, hold: float = 6.0, pause: float = 4.0) -> Iterator[list[float]]:
    """While the block runs, the database refuses now and then: for ``hold`` seconds in every ``hold + pause``.

    SQLite: another process holds the file's exclusive lock (longer than a request waits for it). PostgreSQL:
    the database stops accepting connections and every open one is ended (what a restart does to the app).
    Yields the list of moments the refusals began; the database is accepting again when the block ends.
    """
    stop = threading.Event()
    began: list[float] = []
    url = make_url(database_url)
    admin = None if url.get_backend_name() == "sqlite" else \
        create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def refuse(on: bool) -> None:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{url.database}" ALLOW_CONNECTIONS {"false" if on else "true"}'))
            if on:
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :db"),
                             {"db": url.database})

    def cycle() -> None:
        while not stop.wait(pause):
            began.append(time.monotonic())
            if admin is None:
                holder = sqlite3.connect(url.database, timeout=30)
                holder.execute("BEGIN EXCLUSIVE")
                stop.wait(hold)
                holder.rollback()
                holder.close()
            else:
                refuse(True)
                try:
                    stop.wait(hold)
                finally:
                    refuse(False)

    thread = threading.Thread(target=cycle, daemon=True)
    thread.start()
    try:
        yield began
    finally:
        stop.set()
        thread.join(60)
        if admin is not None:
            refuse(False)
            admin.dispose()
