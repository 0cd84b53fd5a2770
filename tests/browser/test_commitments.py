"""Commitments in the browser: every page passes axe in az, ru and en, forms with errors included; feedback by clicking."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.commitments import service as commitments
from app.extensions import db
from app.kit.calendar import local_date
from app.models import CommitmentFeedback, utcnow
from tests.browser.test_accessibility import LANGS, assert_accessible, sign_in
from tests.commitments.test_views import finished_and_ongoing
from tests.factories import create_appeal, create_reference_data, create_user
from tests.snapshots import replayed


@pytest.fixture
def promises(app):
    """Gəncə's editor, a resident, a completed commitment with feedback and links, an ongoing one with milestones.
    Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("browser commitments: promises", _build_promises)


def _build_promises():
    gnc = create_reference_data()["GNC"]
    editor = create_user("editor@example.az", full_name="Səbinə İsmayılova", roles=[("editor", gnc)])
    resident = create_user("resident@example.az", full_name="Aygün Həsənova")
    neighbour = create_user("neighbour@example.az", full_name="Nurlan Sadıqov")
    today = local_date(utcnow())
    appeal = create_appeal(resident, gnc, subject="Yolda dərin çuxur var", public_ok=True)
    finished, ongoing = finished_and_ongoing(editor, neighbour, gnc.id, [appeal.number], title_ru="Ремонт улицы Низами")
    done = commitments.add_milestone(editor, ongoing.id, commitments.MilestoneInput(
        title_az="Boruların dəyişdirilməsi", due_on=today - timedelta(days=5)))
    commitments.complete_milestone(editor, done.id)
    commitments.add_milestone(editor, ongoing.id, commitments.MilestoneInput(
        title_az="Qazanxana", due_on=today + timedelta(days=60)))
    return {"finished": finished.id, "ongoing": ongoing.id}


@pytest.mark.parametrize("lang", LANGS)
def test_every_commitment_page_has_no_axe_violation(page, lang, promises):
    finished, ongoing = f"/commitments/item/{promises['finished']}", f"/commitments/item/{promises['ongoing']}"
    for path in ["/commitments/", "/commitments/GNC", "/commitments/GNC?status=completed", finished, ongoing]:
        page.goto(f"{path}{'&' if '?' in path else '?'}lang={lang}")
        assert_accessible(page, lang)

    sign_in(page, "resident@example.az")
    page.goto(f"{finished}?lang={lang}")
    assert page.locator("#feedback-delivered").is_visible()
    assert_accessible(page, lang)
    with page.expect_navigation():
        page.click("#feedback-submit")  # nothing chosen: the error beside the question
    assert page.locator("#feedback-delivered-error").is_visible() and page.locator(".error-summary").is_visible()
    assert_accessible(page, lang)

    page.context.clear_cookies()
    sign_in(page, "editor@example.az")
    work = f"/office/commitments/{promises['ongoing']}"
    for path in ["/office/commitments/", "/office/commitments/new", work, f"/office/commitments/{promises['finished']}",
                 f"{work}/edit"]:
        page.goto(f"{path}?lang={lang}")
        assert_accessible(page, lang)
    page.goto(f"/office/commitments/new?lang={lang}")
    page.fill("#planned_cost", "-5")
    with page.expect_navigation():
        page.click("#submit")
    assert page.locator("#title_az-error").is_visible() and page.locator("#planned_cost-error").is_visible()
    assert_accessible(page, lang)
    page.goto(f"{work}?lang={lang}")
    with page.expect_navigation():
        page.click("#milestone-submit")
    assert page.locator("#milestone-title_az-error").is_visible()
    assert_accessible(page, lang)
    page.goto(f"{work}?lang={lang}")
    page.fill("#link-number", "GNC-2026-999999")
    with page.expect_navigation():
        page.click("#link-submit")
    assert page.locator("#link-number-error").is_visible()
    assert_accessible(page, lang)


def test_a_resident_says_it_was_delivered_by_clicking(page, app, promises):
    sign_in(page, "resident@example.az")
    page.goto(f"/commitments/item/{promises['finished']}?lang=en")
    page.check("#feedback-delivered-0")
    page.fill("#feedback-comment", "Yol indi çox yaxşıdır.")
    with page.expect_navigation():
        page.click("#feedback-submit")
    assert page.locator(".flash").first.is_visible()
    assert "Yol indi çox yaxşıdır." in page.locator(".feedback-comments").inner_text()
    assert page.locator(".count-delivered .n").inner_text() == "1"
    assert "Aygün" not in page.locator("main").inner_text()
    with app.app_context():
        assert db.session.scalars(select(CommitmentFeedback.delivered).order_by(CommitmentFeedback.id)).all() == [False, True]
