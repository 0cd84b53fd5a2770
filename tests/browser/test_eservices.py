"""E-services in the browser: axe on every page in az, ru and en, and the whole loop by clicking:
apply → request documents → resubmit → approve → issue → download → verify."""
from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.extensions import db
from app.models import ServiceApplication
from tests.browser.test_accessibility import LANGS, assert_accessible, sign_in
from tests.factories import PDF, create_reference_data, create_service, create_user


@pytest.fixture
def desk(app, tmp_path):
    with app.app_context():
        gnc = create_reference_data()["GNC"]
        create_service([gnc])
        resident = create_user("resident@example.az", full_name="Aygün Həsənova")
        resident.district_id = gnc.id
        db.session.commit()
        create_user("official@example.az", full_name="Rəşad Əliyev", roles=[("official", gnc)])
    passport = tmp_path / "passport.pdf"
    passport.write_bytes(PDF)
    return {"passport": str(passport)}


def fill_application(page, desk) -> None:
    page.select_option("#f-purpose", "school")
    page.fill("#f-members", "4")
    page.fill("#f-birth_date", "2015-05-20")
    page.set_input_files("#f-passport", desk["passport"])
    page.check("#f-truth")


@pytest.mark.parametrize("lang", LANGS)
def test_every_eservice_page_has_no_axe_violation(page, lang, desk):
    for path in ["/services/", "/services/residence-certificate", "/services/?q=zzzz"]:
        page.goto(f"{path}{'&' if '?' in path else '?'}lang={lang}")
        assert_accessible(page, lang)
    sign_in(page, "resident@example.az")
    page.goto(f"/services/residence-certificate/apply?lang={lang}")
    assert_accessible(page, lang)
    with page.expect_navigation():
        page.click("#proceed")  # nothing filled in: errors beside the fields
    assert page.locator(".error-summary").is_visible() and page.locator("#f-members-error").is_visible()
    assert_accessible(page, lang)
    fill_application(page, desk)
    with page.expect_navigation():
        page.click("#proceed")
    assert_accessible(page, lang)  # the answers to check
    with page.expect_navigation():
        page.click("#send")
    assert_accessible(page, lang)
    page.goto(f"/cabinet/services?lang={lang}")
    assert_accessible(page, lang)
    page.context.clear_cookies()
    sign_in(page, "official@example.az")
    page.goto(f"/office/services?lang={lang}")
    assert_accessible(page, lang)
    with page.expect_navigation():
        page.click("table.list a[href^='/office/services/']")
    assert_accessible(page, lang)
    page.goto(f"/office/services/front-desk/residence-certificate?lang={lang}")
    assert_accessible(page, lang)


def test_apply_request_resubmit_approve_issue_download_and_verify(page, app, desk):
    sign_in(page, "resident@example.az")
    page.goto("/services/?lang=az")
    page.click("text=Yaşayış yeri haqqında arayış")
    page.click("a[href$='/apply']")
    fill_application(page, desk)
    with page.expect_navigation():
        page.click("#proceed")
    with page.expect_navigation():
        page.click("#send")
    number = re.search(r"SRV-\d{4}-\d{6}", page.locator(".flash").first.inner_text()).group(0)

    page.context.clear_cookies()
    sign_in(page, "official@example.az")
    page.goto("/office/services?lang=en")
    page.click(f"text={number}")
    page.click("#review-submit")
    page.fill("#request-note", "Doğum haqqında şəhadətnamənin surəti")
    page.click("#request-submit")

    page.context.clear_cookies()
    sign_in(page, "resident@example.az")
    page.goto("/cabinet/services?lang=en")
    page.click(f"text={number}")
    assert "Doğum haqqında şəhadətnamənin surəti" in page.locator("main").inner_text()
    page.set_input_files("#resubmit-documents", desk["passport"])
    page.click("#resubmit-submit")

    page.context.clear_cookies()
    sign_in(page, "official@example.az")
    page.goto("/office/services?lang=en")
    page.click(f"text={number}")
    page.click("#review-submit")
    page.click("#approve-submit")
    page.click("#issue-submit")

    page.context.clear_cookies()
    sign_in(page, "resident@example.az")
    page.goto("/cabinet/services?lang=az")
    page.click(f"text={number}")
    with page.expect_download() as download:
        page.click("a[href$='result.pdf']")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(open(download.value.path(), "rb").read())).pages)
    assert "Aygün Həsənova" in text and "Gəncə" in text and number in text
    with app.app_context():
        code = db.session.scalar(select(ServiceApplication.verification_code).where(ServiceApplication.number == number))
    page.goto("/verify/?lang=en")
    page.fill("#code", code)
    page.click("main form button[type=submit]")
    body = page.locator("main").inner_text()
    assert number in body and "A. H." in body and "Aygün" not in body
