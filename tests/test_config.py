"""Configuration: production refuses to start without its secrets."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import create_app
from app.kit.errors import ConfigError
from tests.factories import PRODUCTION_SETTINGS

# Nothing here reads the suite's database: run once, in the SQLite run (tests/conftest.py).
pytestmark = pytest.mark.database_independent

ROOT = Path(__file__).resolve().parent.parent


def start(env: dict[str, str]) -> subprocess.CompletedProcess:
    """Import the WSGI module as gunicorn would, with this environment."""
    base = {k: v for k, v in os.environ.items()
            if k not in {"SECRET_KEY", "DATABASE_URL", "APP_ENV", "PUBLIC_URL", "QUEUE_URL", "REDIS_URL"}}
    return subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=ROOT, env={**base, **env},
        capture_output=True, text=True, timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DATABASE_URL": "postgresql+psycopg://x/y"}, "SECRET_KEY"),
        ({"SECRET_KEY": "s" * 40}, "DATABASE_URL"),
        ({"SECRET_KEY": "short", "DATABASE_URL": "postgresql+psycopg://x/y"}, "SECRET_KEY"),
        ({"SECRET_KEY": "s" * 40, "DATABASE_URL": "postgresql+psycopg://x/y", "PUBLIC_URL": ""}, "PUBLIC_URL"),
        ({"SECRET_KEY": "s" * 40, "DATABASE_URL": "postgresql+psycopg://x/y", "PUBLIC_URL": "portal.gov.az"}, "PUBLIC_URL"),
        ({"SECRET_KEY": "s" * 40, "DATABASE_URL": "postgresql+psycopg://x/y", "QUEUE_URL": "", "REDIS_URL": ""},
         "QUEUE_URL"),
        # Nothing listens on port 1: production refuses to start rather than fail on the first email.
        ({"SECRET_KEY": "s" * 40, "DATABASE_URL": "postgresql+psycopg://x/y", "QUEUE_URL": "redis://127.0.0.1:1/0"},
         "Redis at 127.0.0.1:1"),
    ],
)
def test_production_without_a_setting_stops_with_one_line(env, named):
    result = start({"APP_ENV": "production", "PUBLIC_URL": "https://portal.example.az",
                    "QUEUE_URL": "redis://127.0.0.1:6379/0", **env})
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0] and lines[0].startswith("Configuration error:"), result.stderr


def test_unknown_environment_is_refused():
    with pytest.raises(ConfigError):
        create_app("staging")


def test_production_sets_secure_cookies(tmp_path):
    app = create_app(
        "production",
        {**PRODUCTION_SETTINGS, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite'}"},
    )
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax" and app.config["REMEMBER_COOKIE_SECURE"]
