"""Appeals in the browser: every page passes axe in az, ru and en, and the whole loop works by clicking."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.appeals import service as appeals
from app.extensions import db
from app.models import Appeal, Category, District, User
from tests.browser.test_accessibility import LANGS, assert_accessible, sign_in
from tests.factories import PDF, Upload, create_appeal, create_reference_data, create_user
from tests.snapshots import replayed


@pytest.fixture
def office(app):
    """Gəncə with a resident, an official and its head; one answered public appeal with a file, one new.
    Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("browser appeals: office", _build_office)


def _build_office():
    districts = create_reference_data()
    gnc = districts["GNC"]
    resident = create_user("resident@example.az", full_name="Aygün Həsənova")
    official = create_user("official@example.az", full_name="Rəşad Əliyev", roles=[("official", gnc)])
    create_user("head@example.az", full_name="Elçin Hüseynov", roles=[("head", gnc)])
    answered = create_appeal(resident, gnc, public_ok=True, attachments=[Upload("letter.pdf", PDF)]).id
    appeals.transition(official, answered, "registered")
    appeals.assign(official, answered, official.id)
    appeals.post_message(official, answered, "Zəhmət olmasa, ünvanı dəqiqləşdirin.", [])
    appeals.transition(official, answered, "answered", appeals.StepData(answer="Su təchizatı bərpa olunub."))
    fresh = create_appeal(resident, gnc, subject="Parkda işıq yoxdur").id
    return {"answered": answered, "fresh": fresh}


@pytest.mark.parametrize("lang", LANGS)
def test_every_appeals_page_has_no_axe_violation(page, lang, office):
    for path in ["/appeals/public", "/appeals/public/GNC"]:
        page.goto(f"{path}?lang={lang}")
        assert_accessible(page, lang)

    sign_in(page, "resident@example.az")
    for path in ["/appeals/new", "/cabinet/appeals", f"/cabinet/appeals/{office['answered']}",
                 f"/cabinet/appeals/{office['fresh']}"]:
        page.goto(f"{path}?lang={lang}")
        assert_accessible(page, lang)
    # The filing form sent empty: errors beside the fields and a summary at the top.
    page.goto(f"/appeals/new?lang={lang}")
    page.fill("#applicant_name", "")
    with page.expect_navigation():
        page.click("#proceed")
    assert page.locator(".error-summary").is_visible() and page.locator("#subject-error").is_visible()
    assert_accessible(page, lang)

    page.context.clear_cookies()
    sign_in(page, "head@example.az")
    for path in ["/office/appeals", "/office/appeals?status=all", "/office/appeals/escalations",
                 f"/office/appeals/{office['fresh']}", f"/office/appeals/{office['answered']}"]:
        page.goto(f"{path}{'&' if '?' in path else '?'}lang={lang}")
        assert_accessible(page, lang)


def test_file_register_answer_rate_by_clicking(page, app, office):
    with app.app_context():
        ganja = db.session.scalar(select(District.id).where(District.code == "GNC"))
        roads = db.session.scalar(select(Category.id).where(Category.code == "roads"))

    # The resident files an appeal in Russian.
    sign_in(page, "resident@example.az")
    page.goto("/appeals/new?lang=ru")
    page.select_option("#district_id", str(ganja))
    page.select_option("#category_id", str(roads))
    page.check("input[name=kind][value=proposal]")
    page.fill("#subject", "Яма на дороге у школы")
    page.fill("#text", "Перед школой №5 на дороге глубокая яма. Прошу отремонтировать.")
    page.fill("#applicant_address", "Гянджа, ул. Низами, 5")
    # "Check your answers": every answer on one page, then send.
    with page.expect_navigation():
        page.click("#proceed")
    assert "Яма на дороге у школы" in page.locator("main").inner_text()
    assert_accessible(page, "ru")
    with page.expect_navigation():
        page.click("#send")
    notice = page.locator(".flash").first.inner_text()
    number = re.search(r"GNC-\d{4}-\d{6}", notice).group(0)
    assert page.locator("h1").inner_text().startswith(number) or number in page.content()
    with app.app_context():
        appeal = db.session.scalar(select(Appeal).where(Appeal.number == number))
        appeal_id, due = appeal.id, appeal.due_at
        assert (appeal.status, appeal.kind, appeal.locale) == ("submitted", "proposal", "ru")
    assert due is not None

    # The district's official finds it in the inbox, registers it, takes it into work and answers.
    page.context.clear_cookies()
    sign_in(page, "official@example.az")
    page.goto("/office/appeals?lang=en")
    page.click(f"text={number}")
    with page.expect_navigation():
        page.click("#register-submit")
    assert page.locator(".flash").first.is_visible()
    page.click("#start-submit")
    page.fill("#answer-answer", "Yol təmir olunacaq; işlər gələn həftə başlayır.")
    page.click("#answer-submit")
    with app.app_context():
        assert db.session.get(Appeal, appeal_id).status == "answered"

    # The resident reads the answer and rates it.
    page.context.clear_cookies()
    sign_in(page, "resident@example.az")
    page.goto(f"/cabinet/appeals/{appeal_id}?lang=en")
    assert "Yol təmir olunacaq" in page.locator("main").inner_text()
    page.check("input[name=rate-rating][value='5']")
    page.fill("#rate-comment", "Təşəkkür edirəm.")
    page.click("#rate-submit")
    assert page.locator(".flash").first.inner_text() == "Thank you for rating the answer."
    with app.app_context():
        rated = db.session.get(Appeal, appeal_id)
        assert (rated.status, rated.rating) == ("closed", 5)
        assert db.session.get(User, rated.citizen_id).email == "resident@example.az"
