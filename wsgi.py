"""WSGI entry point for gunicorn (``gunicorn wsgi:app``) and the ``flask`` CLI."""
from app import create_app
from app.kit.errors import ConfigError

try:
    app = create_app()
except ConfigError as exc:
    # One clear line instead of a traceback: the operator must fix the setting.
    raise SystemExit(f"Configuration error: {exc}") from None
