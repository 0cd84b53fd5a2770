"""The audit trail viewer and the operations page through the web: who gets in (nobody else sees a row), filters,
CSV, resending a failed email; and that staff actions elsewhere land in the trail."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.administration import operations as ops
from app.extensions import db
from app.kit import audit
from app.models import AuditEntry, CommandRun, OutboxMessage, User, utcnow
from tests.conftest import Browserless
from tests.factories import PASSWORD, create_reference_data, create_user
from tests.snapshots import replayed
from tests.test_pages import check_page

LANGS = ["az", "ru", "en"]
PAGES = ["/admin/audit", "/admin/operations"]


@pytest.fixture
def people(app):
    """An administrator, a supervisor, Gəncə's official and head, a moderator, a resident; ids of Gəncə and Masallı.
    Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("administration audit views: people", _build_people)


def _build_people():
    districts = create_reference_data()
    create_user("admin@example.az", roles=[("admin", None)])
    create_user("supervisor@example.az", roles=[("supervisor", None)])
    create_user("official@example.az", roles=[("official", districts["GNC"])])
    create_user("head@example.az", roles=[("head", districts["GNC"])])
    create_user("moderator@example.az", roles=[("moderator", districts["GNC"])])
    create_user("resident@example.az")
    return {"gnc": districts["GNC"].id, "msl": districts["MSL"].id}


def entries(app, *specs) -> None:
    """Audit entries as (action, actor email, district id, object type, object id, days ago)."""
    with app.app_context():
        for action, email, district_id, object_type, object_id, days_ago in specs:
            actor = db.session.scalar(select(User).where(User.email == email)) if email else None
            entry = audit.record(action, actor=actor, district_id=district_id, object_type=object_type,
                                 object_id=object_id, summary=f"{action} {object_id}", after={"status": "answered"})
            entry.created_at = utcnow() - timedelta(days=days_ago)
        db.session.commit()


def action_ids(response) -> list[str]:
    """The entry numbers listed on a viewer page, in order."""
    import re

    return re.findall(r"<tr>\s*<td>(\d+)</td>", response.get_data(as_text=True))


@pytest.mark.parametrize("email", ["resident@example.az", "official@example.az", "head@example.az",
                                   "moderator@example.az"])
def test_others_get_403_and_no_row(app, people, web, client, email):
    entries(app, ("appeal.status", "official@example.az", people["gnc"], "appeal", 7, 0))
    web.login(email, PASSWORD)
    for path in [*PAGES, "/admin/audit.csv"]:
        response = client.get(path)
        assert response.status_code == 403, path
        assert "appeal.status" not in response.get_data(as_text=True)
    response = web.post("/admin/operations/outbox/1/resend", {}, form_url="/cabinet/")
    assert response.status_code == 403


def test_visitors_are_sent_to_sign_in(client, people):
    for path in [*PAGES, "/admin/audit.csv"]:
        response = client.get(path)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_the_supervisor_sees_the_trail_but_not_operations(app, people, web, client):
    entries(app, ("appeal.status", "official@example.az", people["gnc"], "appeal", 7, 0))
    web.login("supervisor@example.az", PASSWORD)
    page = client.get("/admin/audit?lang=en")
    assert page.status_code == 200 and "appeal.status" in page.get_data(as_text=True)
    assert 'href="/admin/audit"' in client.get("/office/").get_data(as_text=True)
    assert client.get("/admin/operations").status_code == 403


@pytest.mark.parametrize("lang", LANGS)
def test_pages_in_three_languages(app, people, web, client, lang):
    entries(app, ("appeal.status", "official@example.az", people["gnc"], "appeal", 7, 0),
            ("appeals.escalate", None, people["gnc"], "appeal", 8, 0))
    with app.app_context():
        db.session.add(OutboxMessage(recipient="x@example.az", subject="Mövzu", body="b", template="notification",
                                     locale="az", status="failed", error="Connection refused"))
        db.session.commit()
    web.login("admin@example.az", PASSWORD)
    for path in PAGES:
        response = client.get(f"{path}?lang={lang}")
        assert response.status_code == 200, path
        check_page(response.get_data(as_text=True), lang)
    bad = client.get(f"/admin/audit?from=yesterday&lang={lang}")
    assert bad.status_code == 400
    check_page(bad.get_data(as_text=True), lang)


def test_filters_narrow_the_list(app, people, web, client):
    gnc, msl = people["gnc"], people["msl"]
    entries(app,
            ("appeal.status", "official@example.az", gnc, "appeal", 1, 10),    # 1
            ("appeal.answer", "official@example.az", gnc, "appeal", 1, 5),     # 2
            ("appeal.status", "head@example.az", msl, "appeal", 2, 3),         # 3
            ("service.update", "admin@example.az", None, "service", 4, 1),     # 4
            ("appeals.escalate", None, gnc, "appeal", 1, 0))                   # 5
    web.login("admin@example.az", PASSWORD)
    assert action_ids(client.get("/admin/audit")) == ["6", "5", "4", "3", "2", "1"]  # 6: the sign-in
    assert action_ids(client.get("/admin/audit?actor=OFFICIAL@example.az")) == ["2", "1"]
    assert action_ids(client.get("/admin/audit?action=appeal.status")) == ["3", "1"]
    assert action_ids(client.get("/admin/audit?action=appeal")) == ["3", "2", "1"]
    assert action_ids(client.get(f"/admin/audit?district={msl}")) == ["3"]
    assert action_ids(client.get("/admin/audit?object_type=appeal&object_id=1")) == ["5", "2", "1"]
    today = utcnow().date()
    window = f"from={(today - timedelta(days=6)).isoformat()}&to={(today - timedelta(days=2)).isoformat()}"
    assert action_ids(client.get(f"/admin/audit?{window}")) == ["3", "2"]


@pytest.mark.parametrize("query, field, words", [
    ("from=21.03.2026", "from", "Enter a date"),
    ("from=2026-03-21&to=2026-03-01", "to", "cannot be before"),
    ("district=999999", "district", "listed districts"),
    ("district=abc", "district", "listed districts"),
    ("action=DROP%20TABLE", "action", "or its first part"),
    ("object_type=a;b", "object_type", "kind of object"),
])
def test_bad_filters_are_a_400_with_the_message_beside_the_field(app, people, web, client, query, field, words):
    entries(app, ("appeal.status", "official@example.az", people["gnc"], "appeal", 7, 0))
    web.login("admin@example.az", PASSWORD)
    response = client.get(f"/admin/audit?{query}&lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="f-{field}-error"' in html and words in html
    assert "<code>appeal.status</code>" not in html  # no list under a refused filter


def test_pagination_runs_a_constant_number_of_statements(app, people, web, client, count_queries):
    entries(app, *[("appeal.status", "official@example.az", people["gnc"], "appeal", i, 0) for i in range(120)])
    web.login("admin@example.az", PASSWORD)
    counts = []
    for page in (1, 2, 3):
        with count_queries() as q:
            response = client.get(f"/admin/audit?page={page}&action=appeal")
        assert response.status_code == 200
        counts.append(q.count)
    assert action_ids(client.get("/admin/audit?page=3"))[-1] == "1"
    assert len(set(counts)) == 1 and counts[0] <= 6, counts


def test_csv_export_has_the_filtered_rows_and_is_itself_audited(app, people, web, client):
    entries(app, ("appeal.status", "official@example.az", people["gnc"], "appeal", 7, 0),
            ("service.update", "admin@example.az", None, "service", 4, 0),
            ("appeal.answer", "official@example.az", people["gnc"], "appeal", "=cmd()", 0))
    web.login("supervisor@example.az", PASSWORD)
    response = client.get("/admin/audit.csv?action=appeal")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:5] == ["entry", "time_utc", "actor_email", "actor_id", "action"]
    assert [(r[0], r[4], r[7]) for r in rows[1:]] == [("3", "appeal.answer", "GNC"), ("1", "appeal.status", "GNC")]
    assert rows[1][6] == "'=cmd()"  # no formula for spreadsheets
    with app.app_context():
        export = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "audit.export")).one()
        assert export.actor_email == "supervisor@example.az" and '"action":"appeal"' in export.after
        assert audit.verify().ok


def test_operations_shows_database_redis_outbox_and_runs(app, people, web, client):
    with app.app_context():
        db.session.add(OutboxMessage(recipient="x@example.az", subject="Cavab hazırdır", body="b", template="notification",
                                     locale="az", status="failed", error="SMTPServerDisconnected: gone"))
        db.session.add(OutboxMessage(recipient="y@example.az", subject="Sent fine", body="b", template="notification",
                                     locale="az", status="sent"))
        db.session.commit()
        with ops.command_run("appeals escalate") as run:
            run.summary = "2 escalated"
    web.login("admin@example.az", PASSWORD)
    html = client.get("/admin/operations?lang=en").get_data(as_text=True)
    assert "Reachable" in html and "Not configured" in html  # the database answers; tests keep rate limits in memory
    assert "SMTPServerDisconnected: gone" in html and "Cavab hazırdır" in html and "Sent fine" not in html
    assert "2 escalated" in html and "flask reception remind" in html and "Never run" in html


def test_an_unreachable_redis_is_shown_not_a_crash(app, people, web, client):
    web.login("admin@example.az", PASSWORD)
    app.config["REDIS_URL"] = "redis://:secret-word@127.0.0.1:1/0"
    try:
        response = client.get("/admin/operations?lang=en")
    finally:
        app.config.pop("REDIS_URL")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Unreachable" in html and "127.0.0.1:1" in html
    assert "secret-word" not in html


def test_resending_a_failed_email(app, people, web, client):
    with app.app_context():
        message = OutboxMessage(recipient="x@example.az", subject="Cavab", body="b", template="notification",
                                locale="az", status="failed", error="Connection refused")
        db.session.add(message)
        db.session.commit()
        message_id = message.id
    web.login("admin@example.az", PASSWORD)
    client.get("/admin/operations?lang=en")  # the messages below are read in English
    response = web.post(f"/admin/operations/outbox/{message_id}/resend", {}, form_url="/admin/operations",
                        follow_redirects=True)
    assert response.status_code == 200 and "sent again" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(OutboxMessage, message_id).status == "logged"  # no MAIL_SERVER in tests
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "outbox.resend")).one()
        assert entry.object_id == str(message_id) and '"status":"failed"' in entry.before
    again = web.post(f"/admin/operations/outbox/{message_id}/resend", {}, form_url="/admin/operations",
                     follow_redirects=True)
    assert "not failed" in again.get_data(as_text=True)
    assert web.post("/admin/operations/outbox/999999/resend", {}, form_url="/admin/operations").status_code == 404
    no_token = client.post(f"/admin/operations/outbox/{message_id}/resend")
    assert no_token.status_code == 400


# --- Staff actions elsewhere land in the trail ------------------------------------------------------------


def test_staff_sign_ins_and_refused_sign_ins_are_recorded_residents_are_not(app, people, web, client):
    web.login("official@example.az", "wrong-password-1")
    web.login("official@example.az", PASSWORD)
    Browserless(app.test_client()).login("resident@example.az", PASSWORD)
    with app.app_context():
        rows = db.session.execute(select(AuditEntry.action, AuditEntry.actor_email, AuditEntry.object_id,
                                         AuditEntry.ip).order_by(AuditEntry.id)).all()
        official = db.session.scalar(select(User.id).where(User.email == "official@example.az"))
    assert [(r.action, r.actor_email, r.object_id) for r in rows] == [
        ("auth.sign_in_failed", None, str(official)), ("auth.sign_in", "official@example.az", str(official))]
    assert rows[0].ip == "127.0.0.1"


def test_the_scheduler_records_its_runs_for_the_operations_page(app, people, runner):
    assert runner.invoke(args=["appeals", "escalate"]).exit_code == 0
    with app.app_context():
        run = db.session.scalars(select(CommandRun)).one()
        assert (run.name, run.outcome) == ("appeals escalate", "ok")
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0
