"""The audit trail and the operations page in the browser: no axe violation in az, ru and en (with entries, a
refused filter, a failed email and a command's runs on them); filtering and resending by clicking."""
from __future__ import annotations

import pytest

from app.administration import operations as ops
from app.extensions import db
from app.kit import audit
from app.models import OutboxMessage
from tests.browser.test_accessibility import LANGS, assert_accessible, sign_in
from tests.factories import create_reference_data, create_user
from tests.snapshots import replayed


@pytest.fixture
def trail(app):
    """An administrator, a supervisor, entries by an official of Gəncə and the scheduler, a failed email, runs.
    Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("browser audit: trail", _build_trail)


def _build_trail():
    gnc = create_reference_data()["GNC"]
    create_user("admin@example.az", roles=[("admin", None)])
    create_user("supervisor@example.az", roles=[("supervisor", None)])
    official = create_user("official@example.az", roles=[("official", gnc)])
    audit.record("appeal.status", actor=official, district_id=gnc.id, object_type="appeal", object_id=1,
                 summary="GNC-2026-000001: registered (submitted → registered)",
                 before={"status": "submitted"}, after={"status": "registered"})
    audit.record("appeal.escalate", actor=None, district_id=gnc.id, object_type="appeal", object_id=1,
                 summary="GNC-2026-000001: escalated", after={"status": "registered"})
    db.session.add(OutboxMessage(recipient="resident@example.az", subject="Müraciətiniz qeydiyyata alındı",
                                 body="b", template="notification", locale="az", status="failed",
                                 error="ConnectionRefusedError: [Errno 111] Connection refused"))
    db.session.commit()
    with ops.command_run("appeals escalate") as run:
        run.summary = "1 escalated"
    with pytest.raises(RuntimeError), ops.command_run("appeals autoclose"):
        raise RuntimeError("database went away")


@pytest.mark.parametrize("lang", LANGS)
def test_audit_and_operations_pages_have_no_axe_violation(page, lang, trail):
    sign_in(page, "admin@example.az")
    page.goto(f"/admin/audit?lang={lang}")
    assert page.locator("table.audit-list tbody tr").count() >= 3  # the two entries and the sign-in
    assert_accessible(page, lang)
    page.goto(f"/admin/audit?lang={lang}&from=21.03.2026")
    assert page.locator(".error-summary").is_visible() and page.locator("#f-from-error").is_visible()
    assert_accessible(page, lang)
    page.goto(f"/admin/operations?lang={lang}")
    assert page.locator("text=database went away").is_visible()
    assert_accessible(page, lang)
    page.goto(f"/admin/?lang={lang}")
    assert_accessible(page, lang)


def test_filter_by_clicking_and_resend_a_failed_email(page, trail):
    sign_in(page, "admin@example.az")
    page.goto("/admin/audit?lang=en")
    page.fill("#f-actor", "official@example.az")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    rows = page.locator("table.audit-list tbody tr")
    assert rows.count() == 1 and "appeal.status" in rows.first.inner_text()

    page.goto("/admin/operations?lang=en")
    page.click("text=Send again")
    assert "was sent again" in page.locator(".flash").first.inner_text()
    assert page.locator("text=Connection refused").count() == 0


def test_the_supervisor_reaches_the_trail_from_the_cabinet(page, trail):
    sign_in(page, "supervisor@example.az")
    page.goto("/office/?lang=en")
    with page.expect_navigation():
        page.click("nav.sub-nav >> text=Audit trail")
    assert page.url.endswith("/admin/audit")
    assert page.locator("nav.sub-nav >> text=Operations").count() == 0
    assert_accessible(page, "en")
