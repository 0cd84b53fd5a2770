"""The Production commands of docs/operations.md, as written there, turn an empty database into a portal where a
resident files.

The commands are read from that page's code block (so the document and the test cannot drift apart), run as
processes with a production environment on a new database of the suite's kind, and then a new resident
registers, confirms and files an appeal through a production app on that database.
"""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select

from app.extensions import db
from app.models import Appeal, OutboxMessage, User
from tests.conftest import Browserless, another_app
from tests.databases import sibling_database

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "Güclü-Parol-2026"
# What an operator types at the prompts of the interactive commands.
ANSWERS = {
    "create-admin": f"admin@icra.example.az\nAnar Səfərov\n{PASSWORD}\n{PASSWORD}\n",
    "create-staff": f"head.gnc@icra.example.az\nRauf Məmmədov\n{PASSWORD}\n{PASSWORD}\n",
}


def readme_commands() -> list[list[str]]:
    """The ``flask`` commands of the Production block in docs/operations.md, in order (the servers' lines are not
    commands)."""
    text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    block = re.search(r"^## Production\n.*?```sh\n(.*?)```", text, re.S | re.M).group(1)
    commands = []
    for line in block.splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith(".venv/bin/flask "):
            commands.append(shlex.split(line)[1:])
    return commands


@pytest.fixture
def prefix():
    name = f"reqemsal-test-{uuid.uuid4().hex[:8]}"
    yield name
    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    for key in client.scan_iter(f"{name}:*"):
        client.delete(key)
    client.close()


def test_the_readme_production_commands_make_an_empty_database_a_working_portal(app, tmp_path, prefix):
    commands = readme_commands()
    assert [c[0] for c in commands] == ["translate", "db", "seed-reference", "create-admin", "create-staff"], commands
    with sibling_database(app.config["SQLALCHEMY_DATABASE_URI"], "production", tmp_path) as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "FLASK_"))}
        env.update(APP_ENV="production", FLASK_APP="wsgi", SECRET_KEY="s" * 48, DATABASE_URL=url,
                   REDIS_URL="redis://127.0.0.1:6379/0", REDIS_PREFIX=prefix, PUBLIC_URL="https://icra.example.az",
                   ATTACHMENTS_DIR=str(tmp_path / "files"), INSTANCE_PATH=str(tmp_path / "instance"))
        for command in commands:
            if command[0] == "translate":
                # Every make target compiles the catalogues already; compiling again here would rewrite the .mo
                # files under a suite running beside this one (CI runs two).
                continue
            done = subprocess.run([str(BIN / "flask"), *command], cwd=ROOT, env=env, capture_output=True, text=True,
                                  input=ANSWERS.get(command[0], ""), timeout=300)
            assert done.returncode == 0, (command, done.stdout, done.stderr)

        with another_app("production", {
            "SECRET_KEY": "s" * 48, "SQLALCHEMY_DATABASE_URI": url, "QUEUE_URL": "redis://127.0.0.1:6379/0",
            "REDIS_PREFIX": prefix, "PUBLIC_URL": "https://icra.example.az", "ATTACHMENTS_DIR": str(tmp_path / "files"),
            "RATELIMIT_STORAGE_URI": "memory://", "CACHE_URL": "",
            # The test client speaks plain HTTP to the app (in production TLS ends at the proxy).
            "SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False, "PREFERRED_URL_SCHEME": "http"}) as portal:
            client = portal.test_client()
            web = Browserless(client)
            assert client.get("/").status_code == 200
            assert web.post("/auth/register", {"full_name": "Aygün Həsənova", "email": "aygun@example.az",
                                               "password": PASSWORD, "password_again": PASSWORD,
                                               "consent": "y"}).status_code == 302
            with portal.app_context():
                message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.template == "confirm"))
                # Queued for the worker (none runs here), with its link on PUBLIC_URL.
                assert message.status == "queued" and "https://icra.example.az/auth/confirm/" in message.body
                token = re.search(r"/auth/confirm/(\S+)", message.body).group(1)
            assert client.get(f"/auth/confirm/{token}").status_code in (200, 302)
            # Registering signs nobody in (issue 15, item 7): the resident signs in after confirming.
            assert web.login("aygun@example.az", PASSWORD).status_code == 302
            form = client.get("/appeals/new?lang=en").get_data(as_text=True)
            district = re.search(r'<option value="(\d+)"[^>]*>Ganja</option>', form).group(1)
            category = re.search(r'name="category_id".*?<option value="(\d+)"', form, re.S).group(1)
            filed = web.post("/appeals/new", {
                "district_id": district, "category_id": category, "kind": "complaint", "subject": "Küçədə su yoxdur",
                "text": "Üç gündür ki, küçəmizdə su yoxdur.", "applicant_name": "Aygün Həsənova",
                "applicant_address": "Gəncə ş., Nizami küç. 5", "applicant_phone": "+994 50 123 45 67"},
                form_url="/appeals/new", follow_redirects=True)
            assert filed.status_code == 200 and re.search(r"GNC-\d{4}-\d{6}", filed.get_data(as_text=True))
            with portal.app_context():
                assert db.session.scalar(select(func.count()).select_from(Appeal)) == 1
                staff = {u.email: sorted(u.role_names) for u in db.session.scalars(select(User))}
                assert staff["admin@icra.example.az"] == ["admin"] and staff["head.gnc@icra.example.az"] == ["head"]
                db.session.remove()
                db.engine.dispose()
