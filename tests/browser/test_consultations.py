"""Consultations and moderation in the browser: every page passes axe in az, ru and en, forms with errors
included; a resident comments by clicking, a moderator hides the comment from the queue."""
from __future__ import annotations

import pytest

from app.consultations import service as consultations
from app.extensions import db
from app.models import Consultation, ConsultationAnswer, ConsultationComment, ConsultationResponse
from app.moderation import service as moderation
from tests.browser.test_accessibility import LANGS, assert_accessible, sign_in
from tests.consultation_helpers import make_consultation
from tests.factories import create_reference_data, create_user
from tests.snapshots import replayed


@pytest.fixture
def hall(app):
    """Gəncə's editor and moderator, residents, consultations in every state with comments, answers, a report.
    Built once, then put back (tests/snapshots.py)."""
    with app.app_context(), app.test_request_context():
        return replayed("browser consultations: hall", _build_hall)


def _build_hall() -> dict:
    gnc = create_reference_data()["GNC"]
    editor = create_user("editor@example.az", roles=[("editor", gnc)])
    mod = create_user("moderator@example.az", roles=[("moderator", gnc)])
    resident = create_user("resident@example.az", full_name="Aygün Həsənova")
    other = create_user("other@example.az", full_name="Rəşad Məmmədov")
    ids = {s: make_consultation(editor, gnc, s, title=f"Qayda {s}").id
           for s in ("draft", "upcoming", "open", "closed", "concluded")}
    c = db.session.get(Consultation, ids["open"])
    first = consultations.comment(other, c.id, c.sections[0].id, "Park 06:00-da açılsın.")
    consultations.comment(resident, c.id, None, "Razıyam.", parent_id=first.id)
    rude = consultations.comment(other, c.id, c.sections[1].id, "Kobud söz")
    consultations.report_comment(resident, first.id, "Reklam kimi")
    moderation.hide(mod, "comment", rude.id, "Təhqir")
    concluded = db.session.get(Consultation, ids["concluded"])
    q = concluded.questions[0]
    for i, person in enumerate((resident, other)):
        db.session.add(ConsultationResponse(consultation_id=concluded.id, citizen_id=person.id, answers=[
            ConsultationAnswer(question_id=q.id, option_id=q.options[i].id)]))
    db.session.commit()
    closed = db.session.get(Consultation, ids["closed"])
    return {**ids, "first": first.id, "other": other.id, "draft_section": db.session.get(
        Consultation, ids["draft"]).sections[0].id, "closed_section": closed.sections[0].id}


@pytest.mark.parametrize("lang", LANGS)
def test_public_consultation_pages_have_no_axe_violation(page, lang, hall):
    for path in ["/consultations/", "/consultations/?district=GNC&state=concluded",
                 *[f"/consultations/{hall[s]}" for s in ("upcoming", "open", "closed", "concluded")]]:
        page.goto(f"{path}{'&' if '?' in path else '?'}lang={lang}")
        assert_accessible(page, lang)
    page.goto(f"/consultations/{hall['concluded']}?lang={lang}")
    assert page.locator("svg.chart-hbars").count() == 1


@pytest.mark.parametrize("lang", LANGS)
def test_resident_pages_have_no_axe_violation(page, lang, hall):
    sign_in(page, "resident@example.az")
    open_ = f"/consultations/{hall['open']}?lang={lang}"
    page.goto(open_)
    assert_accessible(page, lang)
    # A comment left empty: the message beside the field and in the summary.
    page.locator("form.comment-form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert page.locator(".error-summary").is_visible()
    assert_accessible(page, lang)
    # The answers sent without a choice.
    page.goto(open_)
    page.locator("form[action$='/answers'] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".error-summary").is_visible()
    assert_accessible(page, lang)
    report = f"/consultations/comments/{hall['first']}/report?lang={lang}"
    page.goto(report)
    assert_accessible(page, lang)
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.wait_for_load_state()
    assert page.locator(".error-summary").is_visible()
    assert_accessible(page, lang)
    page.goto(f"/cabinet/comments?lang={lang}")
    assert_accessible(page, lang)


@pytest.mark.parametrize("lang", LANGS)
def test_moderator_pages_have_no_axe_violation(page, lang, hall):
    sign_in(page, "moderator@example.az")
    for path in ["/office/moderation", "/office/moderation/blocks", f"/office/moderation/block/{hall['other']}",
                 f"/consultations/{hall['open']}"]:
        page.goto(f"{path}?lang={lang}")
        assert_accessible(page, lang)
    page.goto(f"/office/moderation/block/{hall['other']}?lang={lang}")
    page.click("input[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".error-summary").is_visible()
    assert_accessible(page, lang)
    page.goto(f"/office/moderation?lang={lang}")
    page.locator("form.hide-form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert page.locator(".error-summary").is_visible()
    assert_accessible(page, lang)


@pytest.mark.parametrize("lang", LANGS)
def test_editor_pages_have_no_axe_violation(page, lang, hall):
    sign_in(page, "editor@example.az")
    pages = ["/office/consultations/", "/office/consultations/new", f"/office/consultations/{hall['draft']}",
             f"/office/consultations/{hall['draft']}/edit", f"/office/consultations/{hall['draft']}/sections/new",
             f"/office/consultations/sections/{hall['draft_section']}/edit",
             f"/office/consultations/{hall['draft']}/questions/new", f"/consultations/{hall['draft']}",
             f"/office/consultations/{hall['closed']}", f"/office/consultations/sections/{hall['closed_section']}/outcome",
             f"/office/consultations/{hall['closed']}/outcome", f"/office/consultations/{hall['concluded']}"]
    for path in pages:
        page.goto(f"{path}?lang={lang}")
        assert_accessible(page, lang)
    for path in ["/office/consultations/new", f"/office/consultations/{hall['closed']}/outcome",
                 f"/office/consultations/{hall['draft']}/questions/new"]:
        page.goto(f"{path}?lang={lang}")
        page.click("input[type=submit]")
        page.wait_for_load_state()
        assert page.locator(".error-summary").is_visible()
        assert_accessible(page, lang)


def test_comment_report_and_hide_by_clicking(page, app, hall):
    sign_in(page, "resident@example.az")
    page.goto(f"/consultations/{hall['open']}?lang=en")
    field = page.locator("textarea[name=body]").last
    field.fill("Velosiped yolu genişləndirilsin.")
    page.locator("form.comment-form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert page.get_by_text("Velosiped yolu genişləndirilsin.").is_visible()
    with app.app_context():
        assert db.session.query(ConsultationComment).filter_by(body="Velosiped yolu genişləndirilsin.").count() == 1
    page.goto("/cabinet/comments?lang=en")
    assert page.get_by_text("Velosiped yolu genişləndirilsin.").is_visible()
    page.click("text=Sign out")
    page.wait_for_load_state()
    sign_in(page, "moderator@example.az")
    page.goto("/office/moderation?lang=en")
    page.locator("form.hide-form input[name=reason]").first.fill("Reklam")
    page.locator("form.hide-form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert page.get_by_text("No open report").is_visible()
    page.goto(f"/consultations/{hall['open']}?lang=en")
    assert page.get_by_text("Hidden by the moderator: Reklam").is_visible()
