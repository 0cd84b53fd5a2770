"""The Open311 keys: the administrators' pages (only theirs, every form with its CSRF token, a key shown once),
rotating and revoking, and the operator's ``flask open311`` commands."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from app.extensions import db
from app.models import ApiKey, AuditEntry
from tests.factories import PASSWORD, create_user
from tests.open311.conftest import filing

PAGE = "/admin/open311/keys"
KEY_RE = re.compile(r"o311_[0-9a-f]{8}_[A-Za-z0-9_-]{43}")


def files_with(client, key: str) -> int:
    return client.post("/open311/v2/requests.json", data={**filing(), "api_key": key}).status_code


def test_only_administrators_reach_the_keys(app, client, web, world):
    assert client.get(PAGE).status_code == 302  # to sign in
    with app.app_context():
        create_user("supervisor@example.az", roles=[("supervisor", None)])
    web.login("official@example.az", PASSWORD)
    assert client.get(PAGE).status_code == 403
    assert web.post(f"{PAGE}/{world.key_id}/revoke", {}, form_url="/office/").status_code == 403
    web.post("/auth/logout", {}, form_url="/office/")
    web.login("supervisor@example.az", PASSWORD)
    assert client.get(PAGE).status_code == 403
    with app.app_context():
        assert db.session.get(ApiKey, world.key_id).revoked_at is None


def test_the_page_lists_keys_by_prefix_with_a_csrf_token_in_every_form(client, web, world):
    web.login("admin@example.az", PASSWORD)
    page = client.get(PAGE)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and world.key_prefix in html and "Gəncə call centre" in html
    assert world.key not in html and not KEY_RE.search(html)
    forms = re.findall(r"<form[^>]*method=\"post\" action=\"/admin/open311/.*?</form>", html, re.S)
    assert len(forms) == 5  # rotate and revoke for each of the two keys, and issuing
    assert all('name="csrf_token"' in form for form in forms)


def test_a_key_is_shown_once_when_issued_and_then_files(app, client, web, world):
    web.login("admin@example.az", PASSWORD)
    answer = web.post(PAGE, {"name": "Mobil tətbiq", "district_id": str(world.gnc)})
    assert answer.status_code == 200 and "no-store" in answer.headers["Cache-Control"]
    key = KEY_RE.search(answer.get_data(as_text=True)).group(0)
    assert key not in client.get(PAGE).get_data(as_text=True)
    assert files_with(client, key) == 201
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "open311.key_issue")
                                  .order_by(AuditEntry.id.desc()))
        assert entry.actor_email == "admin@example.az" and "Mobil tətbiq" in entry.summary and key not in entry.summary


def test_a_key_without_a_name_or_district_is_refused_beside_its_field(app, client, web, world):
    web.login("admin@example.az", PASSWORD)
    client.get(f"{PAGE}?lang=en")
    answer = web.post(PAGE, {"name": "", "district_id": ""})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "Name the client the key is for" in html and "Choose a district from the list." in html
    assert "error-summary" in html and not KEY_RE.search(html)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ApiKey)) == 2


def test_rotating_shows_the_new_key_once_and_the_old_one_files_nothing(app, client, web, world):
    web.login("admin@example.az", PASSWORD)
    answer = web.post(f"{PAGE}/{world.key_id}/rotate", {}, form_url=PAGE)
    assert answer.status_code == 200
    new = KEY_RE.search(answer.get_data(as_text=True)).group(0)
    assert new != world.key
    assert files_with(client, world.key) == 403 and files_with(client, new) == 201
    with app.app_context():
        rotated = db.session.scalar(select(ApiKey).where(ApiKey.rotated_from_id == world.key_id))
        assert rotated.name == "Gəncə call centre" and rotated.district_id == world.gnc
        assert db.session.get(ApiKey, world.key_id).revoked_at is not None
    # A revoked key is not rotated again.
    again = web.post(f"{PAGE}/{world.key_id}/rotate?lang=en", {}, form_url=PAGE)
    assert again.status_code == 422 and "revoked" in again.get_data(as_text=True)


def test_revoking_stops_the_key_and_says_so(app, client, web, world):
    web.login("admin@example.az", PASSWORD)
    answer = web.post(f"{PAGE}/{world.msl_key_id}/revoke", {}, form_url=PAGE)
    assert answer.status_code == 302 and answer.headers["Location"].endswith(PAGE)
    assert "Revoked on" in client.get(f"{PAGE}?lang=en").get_data(as_text=True)
    assert files_with(client, world.msl_key) == 403
    assert web.post(f"{PAGE}/{world.msl_key_id}/revoke", {}, form_url=PAGE).status_code == 422
    assert web.post(f"{PAGE}/999/revoke", {}, form_url=PAGE).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "open311.key_revoke")) == 1


def test_the_operator_issues_lists_and_revokes_keys_from_the_command_line(app, client, runner, world):
    issued = runner.invoke(args=["open311", "issue-key", "--district", "msl", "--name", "Zəng mərkəzi"])
    assert issued.exit_code == 0, issued.output
    key = KEY_RE.search(issued.output).group(0)
    assert files_with(client, key) == 201
    with app.app_context():
        row = db.session.scalar(select(ApiKey).where(ApiKey.name == "Zəng mərkəzi"))
        key_id, prefix = row.id, row.prefix
        assert row.created_by_id is None and row.district.code == "MSL"
    listed = runner.invoke(args=["open311", "keys"])
    assert prefix in listed.output and key not in listed.output and "in use" in listed.output
    revoked = runner.invoke(args=["open311", "revoke-key", "--id", str(key_id)])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    assert files_with(client, key) == 403
    assert runner.invoke(args=["open311", "revoke-key", "--id", str(key_id)]).exit_code != 0
    assert runner.invoke(args=["open311", "revoke-key", "--id", "999"]).exit_code != 0
    unknown = runner.invoke(args=["open311", "issue-key", "--district", "XYZ", "--name", "Test"])
    assert unknown.exit_code != 0 and not KEY_RE.search(unknown.output)
    with app.app_context():
        actions = [e.action for e in db.session.scalars(select(AuditEntry).where(AuditEntry.actor_id.is_(None))
                                                        .where(AuditEntry.action.like("open311.key_%"))
                                                        .order_by(AuditEntry.id))]
        assert actions == ["open311.key_issue", "open311.key_revoke"]
