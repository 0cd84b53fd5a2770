"""Issue 15, item 9: the audit trail says what happened.

A sign-in is recorded when it completes (after the second factor, never after the password alone); every
refused second factor is recorded, a replayed code as such; a resident's data download and account closing name
the user (not Flask-Login's proxy) and the viewer shows "resident #id"; summaries and changes show status words in
the reader's language, while the stored entries keep their codes and the chain stays intact.
"""
from __future__ import annotations

import time

import pyotp
import pytest
from sqlalchemy import select

from app.extensions import db
from app.kit import audit
from app.models import AuditEntry, User
from tests.conftest import Browserless
from tests.factories import PASSWORD, TOTP_SECRET, create_reference_data, create_user
from tests.snapshots import replayed


def _trail(app) -> list[AuditEntry]:
    with app.app_context():
        rows = list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        db.session.expunge_all()
        return rows


def _actions(app, prefix: str = "auth.") -> list[str]:
    return [entry.action for entry in _trail(app) if entry.action.startswith(prefix)]


@pytest.fixture
def admin(app):
    """Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("administration audit honesty: admin", _build_admin)


def _build_admin():
    create_reference_data()
    return create_user("admin@example.az", roles=[("admin", None)]).id


def test_item9_a_password_without_its_second_factor_is_not_a_sign_in(app, admin):
    web = Browserless(app.test_client())
    response = web.post("/auth/login", {"email": "admin@example.az", "password": PASSWORD})
    assert response.headers["Location"].endswith("/auth/two-factor")
    assert _actions(app) == []  # half signed in: nothing to record yet
    with app.app_context():
        assert db.session.get(User, admin).last_login_at is None
    assert web.post("/auth/two-factor", {"code": "000000"}).status_code == 422
    assert _actions(app) == ["auth.two_factor_failed"]
    assert web.second_factor().status_code == 302
    assert _actions(app)[-1] == "auth.sign_in"
    assert _actions(app).count("auth.sign_in") == 1
    with app.app_context():
        assert db.session.get(User, admin).last_login_at is not None


def test_item9_a_replayed_code_is_recorded_as_refused_not_as_a_second_sign_in(app, admin):
    first = Browserless(app.test_client())
    first.post("/auth/login", {"email": "admin@example.az", "password": PASSWORD})
    code = pyotp.TOTP(TOTP_SECRET).now()
    response = first.post("/auth/two-factor", {"code": code})
    if response.status_code == 422:  # the step turned between two lines: use the next one
        code = pyotp.TOTP(TOTP_SECRET).at(time.time() + 30)
        response = first.post("/auth/two-factor", {"code": code})
    assert response.status_code == 302
    before = _actions(app)
    # Someone who saw the password and the code tries them again at once.
    second = Browserless(app.test_client())
    second.post("/auth/login", {"email": "admin@example.az", "password": PASSWORD})
    assert second.post("/auth/two-factor", {"code": code}).status_code == 422
    after = _actions(app)[len(before):]
    assert after == ["auth.two_factor_failed"]
    refused = _trail(app)[-1]
    assert "replayed" in refused.summary and refused.actor_id is None and refused.object_id == str(admin)
    assert _actions(app).count("auth.sign_in") == 1


def test_item9_each_wrong_code_is_recorded_not_only_the_lockout(app, admin):
    web = Browserless(app.test_client())
    web.post("/auth/login", {"email": "admin@example.az", "password": PASSWORD})
    for _ in range(4):
        assert web.post("/auth/two-factor", {"code": "123456"}).status_code == 422
    assert _actions(app) == ["auth.two_factor_failed"] * 4
    assert all(entry.ip == "127.0.0.1" and entry.object_type == "user" for entry in _trail(app))


def test_item9_a_residents_download_and_closing_name_the_user_and_show_as_resident(app, admin, client):
    with app.app_context():
        resident = create_user("resident@example.az").id
    web = Browserless(client)
    web.login("resident@example.az", PASSWORD)
    download = web.post("/cabinet/data/download", {"download-submit": "1"}, form_url="/cabinet/data")
    assert download.status_code == 200
    assert web.post("/cabinet/data/close", {"close-password": PASSWORD}, form_url="/cabinet/data").status_code == 302
    rows = [entry for entry in _trail(app) if entry.action.startswith("account.")]
    assert [(e.action, e.object_type, e.object_id, e.actor_id, e.actor_email) for e in rows] == [
        ("account.export", "user", str(resident), resident, None),
        ("account.close", "user", str(resident), resident, None)]
    officer = Browserless(app.test_client())
    assert officer.login("admin@example.az", PASSWORD).status_code == 302
    page = officer.client.get("/admin/audit?action=account&lang=en").get_data(as_text=True)
    assert page.count(f"resident #{resident}") == 2 and "not signed in" not in page and "local_proxy" not in page
    # The person's page lists the actions by or about them (found now that they name the user).
    person = officer.client.get(f"/admin/users/{resident}?lang=en").get_data(as_text=True)
    assert person.count(f"resident #{resident}") == 2 and "The system" not in person


def test_item9_audit_shows_refused_sign_ins_as_not_signed_in_and_commands_as_such(app, admin):
    Browserless(app.test_client()).login("admin@example.az", "wrong-password-1")
    with app.app_context():
        audit.record("appeal.escalate", actor=None, object_type="appeal", object_id=1, summary="escalated")
        db.session.commit()
    officer = Browserless(app.test_client())
    officer.login("admin@example.az", PASSWORD)
    page = officer.client.get("/admin/audit?lang=en").get_data(as_text=True)
    assert "not signed in" in page and "scheduled command" in page


@pytest.mark.parametrize("lang, words", [
    ("en", ("In review → Documents requested", "Submitted → Registered", "GNC-2026-000001: Registered")),
    ("az", (None, None, None)),
])
def test_item9_summaries_and_changes_show_words_not_codes(app, admin, lang, words):
    with app.test_request_context():
        audit.record("application.status", actor=None, object_type="service_application", object_id=5,
                     summary="GNC-2026-S00005: in_review → documents_requested",
                     before={"status": "in_review"}, after={"status": "documents_requested"})
        audit.record("appeal.status", actor=None, object_type="appeal", object_id=1,
                     summary="GNC-2026-000001: registered (submitted → registered)",
                     before={"status": "submitted"}, after={"status": "registered", "step": "registered"})
        audit.record("proposal.answer", actor=None, object_type="proposal", object_id=2, summary="partly_accepted",
                     after={"decision": "partly_accepted"})
        audit.record("note.free", actor=None, object_type="appeal", object_id=3, summary="a → b: what someone typed_in")
        db.session.commit()
    stored = {entry.action: entry.summary for entry in _trail(app)}
    officer = Browserless(app.test_client())
    officer.login("admin@example.az", PASSWORD)
    page = officer.client.get(f"/admin/audit?lang={lang}").get_data(as_text=True)
    for code in ("in_review", "documents_requested", "partly_accepted", "submitted → registered"):
        assert code not in page, code
    for text in words:
        if text:
            assert text in page, text
    if lang == "en":
        assert "Partly accepted" in page
    assert "what someone typed_in" in page  # people's words are left alone
    # What is stored is what was recorded, codes and all; the chain is intact.
    assert {entry.action: entry.summary for entry in _trail(app) if entry.action in stored} == stored
    assert stored["application.status"] == "GNC-2026-S00005: in_review → documents_requested"
    with app.app_context():
        assert audit.verify().ok


def test_item9_the_csv_keeps_the_recorded_codes(app, admin):
    with app.test_request_context():
        audit.record("application.status", actor=None, object_type="service_application", object_id=5,
                     summary="GNC-2026-S00005: in_review → documents_requested")
        db.session.commit()
    officer = Browserless(app.test_client())
    officer.login("admin@example.az", PASSWORD)
    assert "in_review → documents_requested" in officer.client.get("/admin/audit.csv").get_data(as_text=True)
