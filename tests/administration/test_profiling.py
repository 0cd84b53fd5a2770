"""``flask profile-page``: the figures of one page as a visitor and signed in, and its clear refusals."""
from __future__ import annotations

import re

from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import UserSession
from tests.factories import PASSWORD, PRODUCTION_SETTINGS, create_reference_data, create_user

GROUP_LABELS = ("templates (Jinja)", "SQL (SQLAlchemy, the driver)", "gettext and url_for",
                "the portal's own code (app/)", "the rest (Flask, Werkzeug, Python)", "the test client (not in production)")


def statements_of(client, count_queries, path: str) -> int:
    """The SQL statements of one request of ``path`` after a warm-up, counted beside the command."""
    client.get(path)
    with count_queries() as counted:
        assert client.get(path).status_code == 200
    return counted.count


def test_it_prints_the_time_the_statements_and_the_groups_of_the_home_page(app, client, runner, count_queries):
    with app.app_context():
        create_reference_data()
    expected = statements_of(client, count_queries, "/")
    result = runner.invoke(args=["profile-page", "/", "--repeat", "3"])
    assert result.exit_code == 0, result.output
    assert "GET / as a visitor, az: 3 requests after two warm-ups" in result.output
    assert re.search(r"Time per request: mean \d+\.\d ms, median \d+\.\d ms\.", result.output)
    assert f"SQL statements per request: {expected}." in result.output
    shares = {label: float(re.search(rf"  {re.escape(label)} +[\d.]+ ms +([\d.]+)%", result.output).group(1))
              for label in GROUP_LABELS}
    # The groups split the whole profile between them.
    assert 99.5 <= sum(shares.values()) <= 100.5, shares
    assert "heaviest functions by cumulative time" in result.output


def test_signed_in_it_measures_the_accounts_page_and_ends_the_session_it_opened(app, web, client, runner,
                                                                                count_queries):
    with app.app_context():
        create_reference_data()
        resident = create_user("resident@example.az")
        resident_id = resident.id
    result = runner.invoke(args=["profile-page", "/cabinet/", "--as", "Resident@example.az", "--lang", "ru",
                                 "--repeat", "2"])
    assert result.exit_code == 0, result.output
    assert "GET /cabinet/ as Resident@example.az, ru: 2 requests" in result.output
    # The same statements as the cabinet of the resident signed in with the password.
    web.login("resident@example.az", PASSWORD)
    with app.app_context():
        opened_by_the_command = db.session.scalar(select(UserSession).where(UserSession.user_id == resident_id,
                                                                             UserSession.user_agent == "flask profile-page"))
        assert opened_by_the_command.ended_at is not None and opened_by_the_command.ended_reason == "sign_out"
    assert f"SQL statements per request: {statements_of(client, count_queries, '/cabinet/')}." in result.output


def test_it_refuses_an_unknown_email_clearly(app, runner):
    result = runner.invoke(args=["profile-page", "/", "--as", "nobody@example.az"])
    assert result.exit_code != 0
    assert "No account with the email nobody@example.az." in result.output
    assert "Time per request" not in result.output


def test_it_refuses_a_page_that_does_not_answer_200_and_says_why(app, runner):
    result = runner.invoke(args=["profile-page", "/cabinet/"])
    assert result.exit_code != 0
    assert "GET /cabinet/ answered 302 to /auth/login" in result.output and "sign in with --as EMAIL" in result.output
    missing = runner.invoke(args=["profile-page", "/no-such-page"])
    assert missing.exit_code != 0 and "answered 404" in missing.output


def test_signing_in_as_someone_is_refused_in_production(app):
    with app.app_context():
        create_reference_data()
        create_user("resident@example.az")
    prod = create_app("production", {**PRODUCTION_SETTINGS, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    result = prod.test_cli_runner().invoke(args=["profile-page", "/cabinet/", "--as", "resident@example.az"])
    assert result.exit_code != 0 and "--as is refused in production" in result.output
    with app.app_context():
        assert db.session.scalar(select(UserSession)) is None
