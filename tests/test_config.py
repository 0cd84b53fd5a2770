"""Configuration: production refuses to start without its secrets."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import create_app
from app.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def start(env: dict[str, str]) -> subprocess.CompletedProcess:
    """Import the WSGI module as gunicorn would, with this environment."""
    base = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL", "APP_ENV"}}
    return subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=ROOT, env={**base, **env},
        capture_output=True, text=True, timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"APP_ENV": "production", "DATABASE_URL": "postgresql+psycopg://x/y"}, "SECRET_KEY"),
        ({"APP_ENV": "production", "SECRET_KEY": "s" * 40}, "DATABASE_URL"),
        ({"APP_ENV": "production", "SECRET_KEY": "short", "DATABASE_URL": "postgresql+psycopg://x/y"}, "SECRET_KEY"),
    ],
)
def test_production_without_a_secret_stops_with_one_line(env, named):
    result = start(env)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0] and lines[0].startswith("Configuration error:"), result.stderr


def test_unknown_environment_is_refused():
    with pytest.raises(ConfigError):
        create_app("staging")


def test_production_sets_secure_cookies(tmp_path):
    app = create_app(
        "production",
        {"SECRET_KEY": "x" * 48, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite'}"},
    )
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax" and app.config["REMEMBER_COOKIE_SECURE"]
