"""``make stack``: the production topology on one machine, in the foreground, until Ctrl-C.

What it starts (every process's output is prefixed with its name here and kept in instance/stack/logs/):

- nginx (Debian's) on 127.0.0.1:STACK_PORT (8080) → two gunicorn instances (127.0.0.1:8101, 8102), each with
  ``APP_ENV=production``, ``gunicorn.conf.py`` and its own workers;
- a Celery worker and Celery beat (the job queue's scheduler) on Redis;
- the machine's PostgreSQL (started if it is down) with the database ``reqemsal_stack``, created if missing,
  migrated and loaded with the reference data (``flask seed-reference``);
- the machine's Redis (started if it is down), for rate limits, caches and the queue, keys under ``reqemsal-stack:``;
- an S3-compatible object store (moto's standalone server, in memory) holding every uploaded file;
- an SMTP server keeping each email as an ``.eml`` file in instance/stack/mail/.

A process that dies is started again after a second, as systemd would (``Restart=always``): the portal recovers
by itself. ``make stack-down`` (or SIGTERM to the pid in instance/stack/stack.pid) stops everything it started.
"""
from __future__ import annotations

import argparse
import getpass
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@dataclass
class Settings:
    """Where everything listens; each value can be set from the environment."""

    port: int = int(os.environ.get("STACK_PORT", "8080"))
    instances: int = int(os.environ.get("STACK_APP_SERVERS", "2"))
    first_app_port: int = int(os.environ.get("STACK_APP_PORT", "8101"))
    smtp_port: int = int(os.environ.get("STACK_SMTP_PORT", "8025"))
    s3_port: int = int(os.environ.get("STACK_S3_PORT", "8900"))
    database: str = os.environ.get("STACK_DATABASE", "reqemsal_stack")
    pg: str = os.environ.get("STACK_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
    redis: str = os.environ.get("STACK_REDIS", "redis://127.0.0.1:6379/0")
    state: Path = Path(os.environ.get("STACK_DIR", ROOT / "instance" / "stack"))

    @property
    def database_url(self) -> str:
        return f"{self.pg}/{self.database}"

    @property
    def public_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def say(text: str) -> None:
    """A line of the stack's own."""
    print(f"[stack] {text}", flush=True)


def app_env(settings: Settings) -> dict[str, str]:
    """The environment every portal process (app servers, worker, scheduler, commands) runs with."""
    secret_file, metrics_file = settings.state / "secret_key", settings.state / "metrics_token"
    for path in (secret_file, metrics_file):
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "FLASK_RUN"))}
    env.update(
        APP_ENV="production", FLASK_APP="wsgi", SECRET_KEY=secret_file.read_text().strip(),
        METRICS_TOKEN=metrics_file.read_text().strip(),
        DATABASE_URL=settings.database_url, PUBLIC_URL=settings.public_url,
        REDIS_URL=settings.redis, QUEUE_URL=settings.redis, REDIS_PREFIX="reqemsal-stack",
        MAIL_SERVER="127.0.0.1", MAIL_PORT=str(settings.smtp_port), MAIL_USE_TLS="0",
        MAIL_DEFAULT_SENDER="no-reply@icra.example.az",
        STORAGE_BACKEND="s3", S3_BUCKET="reqemsal-stack", S3_ENDPOINT_URL=f"http://127.0.0.1:{settings.s3_port}",
        S3_REGION="us-east-1", AWS_ACCESS_KEY_ID="stack", AWS_SECRET_ACCESS_KEY="stack",
        # Plain HTTP on this machine; behind TLS in a real deployment (docs/operations.md, Production).
        SESSION_COOKIE_SECURE="0", PREFERRED_URL_SCHEME="http", PROXY_COUNT="1",
        INSTANCE_PATH=str(settings.state / "instance"), PYTHONUNBUFFERED="1",
    )
    return env


# --- The machine's services ---------------------------------------------------------------------------


def ensure_postgres() -> None:
    """Start the machine's PostgreSQL cluster if it does not answer."""
    if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"]).returncode == 0:
        return
    version = sorted(os.listdir("/etc/postgresql"))[0]
    say(f"starting PostgreSQL {version}")
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=True)
    _until(lambda: subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"]).returncode == 0, 30,
           "PostgreSQL")


def ensure_redis() -> None:
    """Start the machine's Redis if it does not answer (as the machine's own start command does)."""
    if subprocess.run(["redis-cli", "-h", "127.0.0.1", "ping"], capture_output=True).returncode == 0:
        return
    say("starting Redis")
    Path("/var/lib/redis").mkdir(parents=True, exist_ok=True)
    subprocess.run(["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379",
                    "--save", "", "--appendonly", "no", "--dir", "/var/lib/redis"], check=True)
    _until(lambda: subprocess.run(["redis-cli", "ping"], capture_output=True).returncode == 0, 15, "Redis")


def ensure_database(settings: Settings, env: dict[str, str]) -> None:
    """Create the stack's database if it is missing, migrate it and load the reference data."""
    exists = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc",
                             f"SELECT 1 FROM pg_database WHERE datname = '{settings.database}'"],
                            capture_output=True, text=True, check=True).stdout.strip()
    if not exists:
        say(f"creating database {settings.database}")
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f'CREATE DATABASE "{settings.database}"'],
                       check=True)
    for step in (["db", "upgrade"], ["seed-reference"]):
        say("flask " + " ".join(step))
        subprocess.run([str(BIN / "flask"), *step], cwd=ROOT, env=env, check=True)


def _until(check, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise SystemExit(f"[stack] {what} did not come up within {seconds:.0f} s")


# --- The processes ----------------------------------------------------------------------------------------


@dataclass
class Child:
    """One supervised process: started again after a second whenever it ends, until the stack stops."""

    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen | None = None
    restarts: int = 0
    started_at: float = 0.0
    _pump: threading.Thread | None = field(default=None, repr=False)

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        self.started_at = time.monotonic()
        self._pump = threading.Thread(target=self._copy_output, args=(self.process,), daemon=True)
        self._pump.start()

    def _copy_output(self, process: subprocess.Popen) -> None:
        with self.log.open("ab") as log:
            for line in process.stdout:
                log.write(line)
                log.flush()
                sys.stdout.write(f"[{self.name}] {line.decode(errors='replace')}")
                sys.stdout.flush()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """Ask the process to stop (its own children are its business: gunicorn and Celery end theirs gracefully)."""
        if self.alive():
            try:
                os.kill(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        """Kill the process and anything it started (its process group), for what did not stop in time."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, AttributeError):
            pass


def nginx_config(settings: Settings) -> Path:
    """Write instance/stack/nginx.conf from deploy/nginx.conf.template."""
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (settings.state / "nginx" / sub).mkdir(parents=True, exist_ok=True)
    upstreams = "\n".join(f"        server 127.0.0.1:{settings.first_app_port + i} max_fails=1 fail_timeout=3s;"
                          for i in range(settings.instances))
    # As root, nginx's workers would otherwise run as "nobody" and could not write the temp folders here.
    user_line = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""
    text = (ROOT / "deploy" / "nginx.conf.template").read_text()
    # @name@ markers: nginx's own $variables stay as they are.
    for name, value in {"user_line": user_line, "state": settings.state, "port": settings.port,
                        "upstreams": upstreams, "root": ROOT}.items():
        text = text.replace(f"@{name}@", str(value))
    path = settings.state / "nginx.conf"
    path.write_text(text)
    return path


def children(settings: Settings, env: dict[str, str]) -> list[Child]:
    """Every process of the stack, in the order they start."""
    logs = settings.state / "logs"
    python = str(BIN / "python")
    result = [
        Child("smtp", [python, "-m", "deploy.mailsink", "--port", str(settings.smtp_port), "--directory",
                       str(settings.state / "mail")], env, logs / "smtp.log"),
        Child("s3", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(settings.s3_port)], env, logs / "s3.log"),
    ]
    # The app servers stand for hosts of their own but share this machine: each gets its share of the workers
    # gunicorn.conf.py gives one host (4), unless WEB_CONCURRENCY says otherwise.
    workers = env.get("WEB_CONCURRENCY") or str(max(1, 4 // settings.instances))
    for i in range(settings.instances):
        port = settings.first_app_port + i
        metrics = settings.state / f"metrics-{port}"
        result.append(Child(f"app{i + 1}", [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "--bind",
                                            f"127.0.0.1:{port}", "wsgi:app"],
                            {**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics), "WEB_CONCURRENCY": workers},
                            logs / f"app{i + 1}.log"))
    result += [
        Child("worker", [str(BIN / "celery"), "-A", "app.worker", "worker", "--loglevel", "INFO", "--concurrency", "2",
                         "--hostname", f"worker@{os.uname().nodename}"], env, logs / "worker.log"),
        Child("beat", [str(BIN / "celery"), "-A", "app.worker", "beat", "--loglevel", "INFO", "--schedule",
                       str(settings.state / "celerybeat-schedule")], env, logs / "beat.log"),
        Child("nginx", ["nginx", "-c", str(nginx_config(settings)), "-g", "daemon off;"], env, logs / "nginx.log"),
    ]
    return result


def create_bucket(settings: Settings, env: dict[str, str]) -> None:
    """The object store starts empty (moto keeps it in memory): create the bucket the app servers write to."""
    import boto3

    client = boto3.client("s3", endpoint_url=env["S3_ENDPOINT_URL"], region_name=env["S3_REGION"],
                          aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
    _until(lambda: _answers(env["S3_ENDPOINT_URL"]), 30, "the object store")
    existing = {bucket["Name"] for bucket in client.list_buckets().get("Buckets", [])}
    if env["S3_BUCKET"] not in existing:
        client.create_bucket(Bucket=env["S3_BUCKET"])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def ready(settings: Settings) -> bool:
    """Whether the portal answers its readiness check through nginx."""
    try:
        with urllib.request.urlopen(f"{settings.public_url}/readyz", timeout=3) as response:
            return response.status == 200
    except OSError:
        return False


class Stack:
    """Start, supervise and stop the processes."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.stopping = threading.Event()
        self.children: list[Child] = []

    def run(self) -> int:
        settings = self.settings
        if shutil.which("nginx") is None:
            raise SystemExit("[stack] nginx is not installed: apt-get install nginx (make stack does it)")
        (settings.state / "logs").mkdir(parents=True, exist_ok=True)
        (settings.state / "stack.pid").write_text(str(os.getpid()))
        signal.signal(signal.SIGTERM, lambda *_: self.stopping.set())
        signal.signal(signal.SIGINT, lambda *_: self.stopping.set())
        try:
            ensure_postgres()
            ensure_redis()
            env = app_env(settings)
            ensure_database(settings, env)
            self.children = children(settings, env)
            for child in self.children:
                child.start()
                if child.name == "s3":
                    create_bucket(settings, env)
            _until(lambda: ready(settings) or self.stopping.is_set(), 90, "the portal")
            if not self.stopping.is_set():
                say(f"the portal is at {settings.public_url} — {settings.instances} app servers behind nginx, "
                    f"a worker, the scheduler; email in {settings.state / 'mail'}. Ctrl-C stops everything.")
            self._supervise()
        finally:
            self._stop_all()
            (settings.state / "stack.pid").unlink(missing_ok=True)
        return 0

    def _supervise(self) -> None:
        while not self.stopping.wait(0.5):
            for child in self.children:
                if not child.alive() and time.monotonic() - child.started_at > 1:
                    code = child.process.returncode if child.process else None
                    child.restarts += 1
                    say(f"{child.name} ended (exit {code}); starting it again (restart {child.restarts})")
                    child.start()

    def _stop_all(self) -> None:
        say("stopping")
        for child in reversed(self.children):
            child.stop()
        deadline = time.monotonic() + 20
        for child in self.children:
            while child.alive() and time.monotonic() < deadline:
                time.sleep(0.1)
            child.kill()
        say("stopped")


def down(settings: Settings) -> int:
    """Stop a running stack (``make stack-down``)."""
    pid_file = settings.state / "stack.pid"
    if not pid_file.exists():
        say("no stack is running")
        return 0
    pid = int(pid_file.read_text())
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pid_file.unlink(missing_ok=True)
        return 0
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            say("stopped")
            return 0
        time.sleep(0.2)
    say(f"the stack (pid {pid}) did not stop within 40 s")
    return 1


def main() -> int:
    """``python -m deploy.stack [up|down]``."""
    parser = argparse.ArgumentParser(description="The production stack on one machine.")
    parser.add_argument("action", choices=["up", "down"], nargs="?", default="up")
    args = parser.parse_args()
    settings = Settings()
    return Stack(settings).run() if args.action == "up" else down(settings)


if __name__ == "__main__":
    sys.exit(main())
