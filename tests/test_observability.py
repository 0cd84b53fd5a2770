"""Observability: request ids, the access log, Prometheus metrics refused to the public, readiness (issue 14).

Everything runs against the real database of the test run; Redis failures are real closed or silent ports.
"""
from __future__ import annotations

import logging
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask import request
from flask_babel import force_locale, gettext
from markupsafe import escape

from app import authz, create_app
from app.extensions import db
from app.kit import errorpages
from app.models import OutboxMessage
from app.observability import RequestIdFilter
from tests.factories import PASSWORD, create_user

ROOT = Path(__file__).resolve().parent.parent
GENERATED_ID = re.compile(r"[0-9a-f]{16}")
# Nothing listens on port 1: a connection there is refused at once.
CLOSED_REDIS = "redis://127.0.0.1:1/0"
REFUSING_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"
REFERENCE = "Quote this reference if you contact support: %(id)s"
TOKEN = "scrape-me-0123456789abcdef"
OUTSIDER = {"REMOTE_ADDR": "203.0.113.7"}


@pytest.fixture
def no_token(app, monkeypatch):
    """No METRICS_TOKEN, whatever the environment says: the development rule (this machine, no proxy)."""
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "")


@pytest.fixture
def with_token(app, monkeypatch):
    """A METRICS_TOKEN is set: only a bearer of it may scrape."""
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)


def _access_lines(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "reqemsal.access"]


def _reference(app, lang: str, rid: str) -> str:
    """The reference sentence as a page in ``lang`` shows it."""
    with app.test_request_context(), force_locale(lang):
        return str(escape(gettext(REFERENCE, id=rid)))


# --- Request id ------------------------------------------------------------------------------------


def test_every_response_carries_a_new_request_id(client):
    first = client.get("/about").headers["X-Request-ID"]
    second = client.get("/no-such-page").headers["X-Request-ID"]
    assert GENERATED_ID.fullmatch(first) and GENERATED_ID.fullmatch(second)
    assert first != second


def test_a_sane_incoming_request_id_is_kept(client):
    response = client.get("/about", headers={"X-Request-ID": "nginx-7f3a.B_42"})
    assert response.headers["X-Request-ID"] == "nginx-7f3a.B_42"
    assert response.headers.getlist("X-Request-ID") == ["nginx-7f3a.B_42"]


@pytest.mark.parametrize("incoming", ["short", "x" * 65, "has spaces in it", "<script>alert(1)</script>", "id;rm -rf"])
def test_an_odd_incoming_request_id_is_replaced(client, incoming):
    answered = client.get("/about", headers={"X-Request-ID": incoming}).headers["X-Request-ID"]
    assert GENERATED_ID.fullmatch(answered)


def test_log_lines_written_during_a_request_carry_its_id(client, caplog):
    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.INFO):
        response = client.get("/_test/crash", headers={"X-Request-ID": "crash-test-0001"})
    assert response.status_code == 500
    crash = [record for record in caplog.records if record.name == "reqemsal.errors"]
    assert crash and all(record.request_id == "crash-test-0001" for record in crash)
    assert [record.request_id for record in _access_lines(caplog)] == ["crash-test-0001"]
    outside = logging.LogRecord("reqemsal.test", logging.INFO, __file__, 1, "outside a request", None, None)
    RequestIdFilter().filter(outside)
    assert outside.request_id == "-"


def test_the_app_log_format_prints_the_request_id(app, tmp_path):
    """A fresh process, as gunicorn's worker: create_app's own log handler prints each line with the id."""
    result = _run_app(app, tmp_path, ["/no-such-page?token=secret-value"])
    assert re.search(r" INFO reqemsal\.access \[subprocess-0001\]: GET /no-such-page 404 [\d.]+ms user=-",
                     result.stderr), result.stderr
    assert "secret-value" not in result.stderr


@pytest.mark.parametrize("lang", ["az", "ru", "en"])
def test_the_500_page_shows_the_reference_to_quote(app, client, lang):
    response = client.get(f"/_test/crash?lang={lang}", headers={"X-Request-ID": "crash-page-0001"})
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert 'class="error-reference"' in page
    assert _reference(app, lang, "crash-page-0001") in page


def test_the_500_page_without_its_template_still_shows_the_reference(app, client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the template cannot be drawn")

    monkeypatch.setattr(errorpages, "render_template", broken)
    response = client.get("/_test/crash?lang=ru")
    page = response.get_data(as_text=True)
    assert response.status_code == 500 and 'class="error-code"' in page
    assert _reference(app, "ru", response.headers["X-Request-ID"]) in page


def test_the_busy_page_shows_the_reference_when_the_database_is_down():
    refusing = create_app("testing", {"SQLALCHEMY_DATABASE_URI": REFUSING_DATABASE, "DB_POOL_TIMEOUT": 1})
    response = refusing.test_client().get("/news/", headers={"X-Request-ID": "db-down-0001"})
    assert response.status_code == 503
    assert response.headers["X-Request-ID"] == "db-down-0001"
    assert _reference(refusing, "az", "db-down-0001") in response.get_data(as_text=True)


def test_a_json_error_carries_the_request_id(client):
    response = client.get("/_test/crash", headers={"Accept": "application/json", "X-Request-ID": "json-err-0001"})
    assert response.status_code == 500
    assert response.get_json()["request_id"] == "json-err-0001"


def test_pages_that_are_not_failures_show_no_reference(client):
    page = client.get("/no-such-page").get_data(as_text=True)
    assert "error-reference" not in page


# --- Access log ------------------------------------------------------------------------------------


def test_an_access_line_for_a_404_and_a_500(client, caplog):
    with caplog.at_level(logging.INFO, logger="reqemsal.access"):
        missing = client.get("/no-such-page?q=private", headers={"X-Request-ID": "access-404-01"})
        crashed = client.get("/_test/crash", headers={"X-Request-ID": "access-500-01"})
    assert (missing.status_code, crashed.status_code) == (404, 500)
    lines = {record.request_id: record.getMessage() for record in _access_lines(caplog)}
    assert re.fullmatch(r"GET /no-such-page 404 [\d.]+ms user=-", lines["access-404-01"])
    assert re.fullmatch(r"GET /_test/crash 500 [\d.]+ms user=-", lines["access-500-01"])


def test_the_access_line_names_the_signed_in_user_and_masks_link_tokens(app, client, web, caplog):
    with app.app_context():
        user_id = create_user().id
    web.login("resident@example.az", PASSWORD)
    with caplog.at_level(logging.INFO, logger="reqemsal.access"):
        client.get("/cabinet/")
        client.get("/auth/reset/a-signed-reset-token.XYZ")
    messages = [record.getMessage() for record in _access_lines(caplog)]
    assert any(re.fullmatch(rf"GET /cabinet/ 200 [\d.]+ms user={user_id}", line) for line in messages), messages
    assert any(line.startswith("GET /auth/reset/<token> ") for line in messages), messages
    assert not any("a-signed-reset-token" in line for line in messages)


def test_a_streamed_response_is_logged_and_counted_under_its_endpoint(app, client, web, caplog, no_token):
    """The audit export streams its rows with the request context kept open until the last one is sent."""
    with app.app_context():
        supervisor_id = create_user("super@example.az", roles=[("supervisor", None)]).id
    web.login("super@example.az", PASSWORD)
    with caplog.at_level(logging.INFO, logger="reqemsal.access"):
        response = client.get("/admin/audit.csv")
        response.get_data()
    assert response.status_code == 200 and response.mimetype == "text/csv"
    messages = [record.getMessage() for record in _access_lines(caplog)]
    assert any(re.fullmatch(rf"GET /admin/audit\.csv 200 [\d.]+ms user={supervisor_id}", line) for line in messages)
    assert 'endpoint="admin.audit_export",method="GET",status="200"' in client.get("/metrics").get_data(as_text=True)


# --- Metrics ---------------------------------------------------------------------------------------


def test_metrics_are_hidden_from_a_caller_elsewhere_without_a_token(client, no_token):
    response = client.get("/metrics", environ_base=OUTSIDER)
    assert response.status_code == 404
    assert "reqemsal_" not in response.get_data(as_text=True)


def test_metrics_are_hidden_from_a_local_caller_that_came_through_a_proxy(client, no_token):
    response = client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.4"})
    assert response.status_code == 404


def test_metrics_are_open_to_this_machine_in_development(client, no_token):
    assert client.get("/metrics").status_code == 200


def test_metrics_without_a_token_are_refused_to_everyone_in_production(app, client, no_token, monkeypatch):
    monkeypatch.setitem(app.config, "APP_ENV", "production")
    assert client.get("/metrics").status_code == 404


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer"])
def test_metrics_refuse_a_missing_or_wrong_token(client, with_token, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    # From this machine too: with a token set, only the token counts.
    assert client.get("/metrics", headers=headers).status_code == 404


def test_metrics_count_requests_per_endpoint_and_the_outbox(app, client, with_token):
    with app.app_context():
        # Rows written as a table insert: a new message committed through the session is delivered at once here
        # (no queue in tests), and the backlog is what this test reads.
        message = {"subject": "s", "body": "b", "template": "t", "locale": "az"}
        db.session.execute(OutboxMessage.__table__.insert(), [
            {**message, "recipient": "a@example.az", "status": "queued"},
            {**message, "recipient": "b@example.az", "status": "queued"},
            {**message, "recipient": "c@example.az", "status": "failed"},
        ])
        db.session.commit()
    client.get("/about")
    client.get("/no-such-page-7c1d")
    client.open("/about", method="BREW")
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, environ_base=OUTSIDER)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    text = response.get_data(as_text=True)
    about = re.search(r'^reqemsal_http_requests_total\{endpoint="main\.about",method="GET",status="200"\} (\S+)$',
                      text, re.M)
    assert about and float(about.group(1)) >= 1
    assert re.search(r'^reqemsal_http_request_duration_seconds_count\{endpoint="main\.about"\} ', text, re.M)
    # Labels are endpoint names, never raw paths or invented methods.
    assert 'endpoint="unmatched",method="GET",status="404"' in text
    assert 'method="other",status="405"' in text
    assert "no-such-page-7c1d" not in text and "BREW" not in text
    assert re.search(r'^reqemsal_outbox_messages\{status="queued"\} 2\.0$', text, re.M)
    assert re.search(r'^reqemsal_outbox_messages\{status="failed"\} 1\.0$', text, re.M)
    assert re.search(r'^reqemsal_outbox_messages\{status="sent"\} 0\.0$', text, re.M)


def test_registered_gauges_are_computed_at_each_scrape(client, no_token):
    from app import observability

    depth = iter(range(1, 100))
    observability.register_gauge("reqemsal_test_depth", "A test gauge.", lambda: next(depth))
    observability.register_gauge("reqemsal_test_by_queue", "A labelled test gauge.", lambda: {"mail": 3}, label="queue")
    observability.register_gauge("reqemsal_test_broken", "A gauge that fails.", lambda: 1 / 0)
    observability.register_gauge("reqemsal_test_idle", "A gauge with nothing to measure.", lambda: None)
    try:
        first = client.get("/metrics").get_data(as_text=True)
        second = client.get("/metrics").get_data(as_text=True)
    finally:
        for name in ("reqemsal_test_depth", "reqemsal_test_by_queue", "reqemsal_test_broken", "reqemsal_test_idle"):
            observability._GAUGES.pop(name)
    assert "reqemsal_test_depth 1.0" in first and "reqemsal_test_depth 2.0" in second
    assert 'reqemsal_test_by_queue{queue="mail"} 3.0' in first
    assert "reqemsal_test_broken" not in first and "reqemsal_test_idle" not in first
    assert "reqemsal_outbox_messages" in first


def test_the_workers_of_one_instance_add_up_in_multiprocess_mode(app, tmp_path):
    """Two worker processes sharing PROMETHEUS_MULTIPROC_DIR: a scrape answered by either counts both."""
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus")}
    _run_app(app, tmp_path, ["/about"], env)
    text = _run_app(app, tmp_path, ["/about", "/metrics"], env).stdout
    assert 'reqemsal_http_requests_total{endpoint="main.about",method="GET",status="200"} 2.0' in text, text
    assert 'reqemsal_outbox_messages{status="queued"}' in text


# --- Health and readiness ------------------------------------------------------------------------


def test_readiness_when_every_dependency_answers(client, no_token):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"ready": True, "checks": {"database": "ok"}}


def test_readiness_names_redis_when_it_refuses_and_answers_fast(app, client, no_token, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", CLOSED_REDIS)
    started = time.monotonic()
    response = client.get("/readyz")
    assert time.monotonic() - started < 2.5
    assert response.status_code == 503
    body = response.get_json()
    assert body["ready"] is False
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("failed: ")


def test_readiness_gives_a_silent_queue_one_second(app, client, no_token, monkeypatch):
    """A broker that accepts the connection and never answers: 503 after the timeout, not a hung request."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        monkeypatch.setitem(app.config, "QUEUE_URL", f"redis://127.0.0.1:{silent.getsockname()[1]}/0")
        started = time.monotonic()
        response = client.get("/readyz")
        elapsed = time.monotonic() - started
    assert response.status_code == 503 and elapsed < 2.5
    assert response.get_json()["checks"]["queue"].startswith("failed: ")


def test_readiness_names_the_database_when_it_refuses():
    refusing = create_app("testing", {"SQLALCHEMY_DATABASE_URI": REFUSING_DATABASE, "METRICS_TOKEN": ""})
    started = time.monotonic()
    response = refusing.test_client().get("/readyz")
    assert time.monotonic() - started < 3.5
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"].startswith("failed: OperationalError")


def test_readiness_pings_a_live_redis(app, client, no_token, monkeypatch):
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 6379)) != 0:
            pytest.skip("no Redis on 127.0.0.1:6379")
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:6379/0")
    response = client.get("/readyz")
    assert response.get_json()["checks"]["redis"] == "ok"


def test_readiness_tells_the_public_only_yes_or_no(app, client, no_token, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", CLOSED_REDIS)
    response = client.get("/readyz", environ_base=OUTSIDER)
    assert response.status_code == 503
    assert response.get_json() == {"ready": False}
    presented = client.get("/readyz", environ_base=OUTSIDER, headers={"Authorization": f"Bearer {TOKEN}"})
    assert "checks" not in presented.get_json()  # no token is configured: a presented one opens nothing


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_and_readiness_set_no_cookie(app, path):
    response = app.test_client().get(path)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_health_and_readiness_stay_open_during_two_factor_setup(app, client, web):
    with app.app_context():
        create_user("super@example.az", roles=[("supervisor", None)], two_factor=False)
    web.login("super@example.az", PASSWORD)
    assert client.get("/about").headers["Location"].endswith("/auth/two-factor/setup")
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200


def test_the_monitoring_policy_reads_the_request(app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "")
    with app.test_request_context(environ_base={"REMOTE_ADDR": "::1"}):
        assert authz.monitoring_allowed()
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"Forwarded": "for=1.2.3.4"}):
        assert not authz.monitoring_allowed()
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    with app.test_request_context(environ_base=OUTSIDER, headers={"Authorization": f"bearer {TOKEN}"}):
        assert authz.can(None, "monitoring.read", request)


# --- Helpers ---------------------------------------------------------------------------------------


def _run_app(app, tmp_path, paths: list[str], extra_env: dict | None = None) -> subprocess.CompletedProcess:
    """Build the app in a new Python process on the test database and GET ``paths`` with a known request id."""
    script = (
        "import sys\n"
        "from app import create_app\n"
        "app = create_app('testing', {'SQLALCHEMY_DATABASE_URI': sys.argv[1], 'ATTACHMENTS_DIR': sys.argv[2]})\n"
        "client = app.test_client()\n"
        "for path in sys.argv[3:]:\n"
        "    response = client.get(path, headers={'X-Request-ID': 'subprocess-0001'})\n"
        "    print(path, response.status_code)\n"
        "    print(response.get_data(as_text=True))\n"
    )
    env = {key: value for key, value in os.environ.items() if key not in {"METRICS_TOKEN", "PROMETHEUS_MULTIPROC_DIR"}}
    env.update(extra_env or {})
    result = subprocess.run([sys.executable, "-c", script, app.config["SQLALCHEMY_DATABASE_URI"], str(tmp_path),
                             *paths], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result
