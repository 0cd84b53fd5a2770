"""Proposals in the browser: every page passes axe in az, ru and en (forms with errors included), and one walk
from writing a proposal through supports and the threshold to the head's answer."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Category, Proposal
from app.moderation import service as moderation
from app.proposals import service as proposals
from tests.browser.test_accessibility import LANGS, assert_accessible, sign_in
from tests.factories import PNG, create_proposal, create_reference_data, create_user
from tests.snapshots import replayed


@pytest.fixture
def town(app):
    """Gəncə with a threshold of 2, its head, a moderator, residents; proposals open, reached, answered, hidden, a draft.
    Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("browser proposals: town", _build_town)


def _build_town():
    districts = create_reference_data()
    gnc = districts["GNC"]
    head = create_user("head@example.az", full_name="Elçin Hüseynov", roles=[("head", gnc)])
    moderator = create_user("moderator@example.az", roles=[("moderator", gnc)])
    author = create_user("author@example.az", full_name="Aygün Həsənova")
    first = create_user("first@example.az", full_name="Nurlan Sadıqov")
    second = create_user("second@example.az", full_name="Səbinə Quliyeva")
    category = db.session.scalars(select(Category).order_by(Category.position)).first()
    proposals.update_settings(head, gnc.id, 2, 90)

    def make(title: str, publish: bool = True, by=author) -> Proposal:
        return create_proposal(by, gnc, category, title, text="Mətn.\nİkinci sətir.", publish=publish)

    open_one = make("Parkda velosiped yolu")
    reached = make("Məktəb yanında piyada keçidi")
    answered = make("Bazar ətrafında səkilər")
    for proposal in (reached, answered):
        proposals.support(first, proposal.id)
        proposals.support(second, proposal.id)
    proposals.answer(head, answered.id, "partly_accepted", "Şimal tərəfdə genişləndiriləcək.")
    hidden = make("Reklam", by=second)
    moderation.hide(moderator, "proposal", hidden.id, "Kommersiya reklamı")
    draft = make("Qaralama", publish=False)
    return {"open": open_one.id, "reached": reached.id, "answered": answered.id, "hidden": hidden.id,
            "draft": draft.id, "gnc": gnc.id}


@pytest.mark.parametrize("lang", LANGS)
def test_every_proposal_page_has_no_axe_violation(page, lang, town):
    for path in ["/proposals/", "/proposals/?district=GNC&state=threshold_reached", f"/proposals/{town['open']}",
                 f"/proposals/{town['reached']}", f"/proposals/{town['answered']}", f"/proposals/{town['hidden']}",
                 "/accountability/GNC"]:
        page.goto(f"{path}{'&' if '?' in path else '?'}lang={lang}")
        assert_accessible(page, lang)

    sign_in(page, "author@example.az")
    for path in ["/cabinet/proposals", "/cabinet/proposals/supports", f"/cabinet/proposals/{town['draft']}/edit",
                 f"/proposals/{town['draft']}", "/proposals/new"]:
        page.goto(f"{path}?lang={lang}")
        assert_accessible(page, lang)
    with page.expect_navigation():
        page.click("#publish")  # nothing filled in: the errors beside the fields
    assert page.locator("#title-error").is_visible() and page.locator(".error-summary").is_visible()
    assert_accessible(page, lang)

    page.context.clear_cookies()
    sign_in(page, "first@example.az")
    page.goto(f"/proposals/{town['reached']}?lang={lang}")
    assert_accessible(page, lang)  # supported: the withdraw button and the report form
    page.click("details.report summary")
    with page.expect_navigation():
        page.click("#report-submit")  # no reason: the error beside the field
    assert page.locator("#report-reason-error").is_visible()
    assert_accessible(page, lang)
    page.goto(f"/cabinet/proposals/supports?lang={lang}")
    assert_accessible(page, lang)

    page.context.clear_cookies()
    sign_in(page, "head@example.az")
    for path in ["/office/proposals", f"/office/proposals/{town['reached']}", f"/office/proposals/{town['answered']}",
                 "/office/proposals/settings"]:
        page.goto(f"{path}?lang={lang}")
        assert_accessible(page, lang)
    page.goto(f"/office/proposals/{town['reached']}?lang={lang}")
    with page.expect_navigation():
        page.click("#answer-submit")
    assert page.locator("#answer-decision-error").is_visible()
    assert_accessible(page, lang)
    page.goto(f"/office/proposals/settings?lang={lang}")
    page.fill("#threshold", "0")
    with page.expect_navigation():
        page.click("#submit")
    assert page.locator("#threshold-error").is_visible()
    assert_accessible(page, lang)


def test_a_proposal_walks_from_writing_to_the_heads_answer(page, app, town, tmp_path):
    picture = tmp_path / "bench.png"
    picture.write_bytes(PNG)
    sign_in(page, "author@example.az")
    page.goto("/proposals/new?lang=en")
    page.select_option("#district_id", str(town["gnc"]))
    page.select_option("#category_id", index=1)
    page.fill("#title", "Avtobus dayanacaqlarına skamya")
    page.fill("#body", "Dayanacaqlarda skamya və örtük olsun.")
    page.set_input_files("#image", str(picture))
    page.click("#publish")
    assert "0 of 2 supports" in page.inner_text("#support")
    address = page.url

    for email in ("first@example.az", "second@example.az"):
        page.context.clear_cookies()
        sign_in(page, email)
        page.goto(address + "?lang=en")
        page.click("text=Support this proposal")
        assert "You support this proposal." in page.inner_text("#support")
    assert "2 of 2 supports" in page.inner_text("#support")
    assert "Threshold reached" in page.inner_text("main") and "Answer due by" in page.inner_text("main")

    page.context.clear_cookies()
    sign_in(page, "head@example.az")
    page.goto("/office/proposals?lang=en")
    page.click("text=Avtobus dayanacaqlarına skamya")
    page.check("#answer-decision-0")  # accepted
    page.fill("#answer-response", "Gələn ay 20 dayanacağa skamya qoyulacaq.")
    page.click("#answer-submit")
    page.click("text=Mark as in progress")
    page.goto(address + "?lang=en")
    main = page.inner_text("main")
    assert "Gələn ay 20 dayanacağa skamya qoyulacaq." in main and "Accepted" in main and "In progress" in main
    with app.app_context():
        made = db.session.scalar(select(Proposal).where(Proposal.title == "Avtobus dayanacaqlarına skamya"))
        assert made.supports_count == 2 and made.state == "in_progress" and made.answered_on_time
