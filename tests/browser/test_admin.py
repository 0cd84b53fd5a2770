"""The administration area in the browser: every page has no axe violation in az, ru and en, errors included;
a form is defined by clicking, without JavaScript doing any of the work."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.eservices import catalogue as catalogue_admin
from app.extensions import db
from app.models import ServiceForm
from tests.browser.test_accessibility import LANGS, assert_accessible, sign_in
from tests.factories import create_reference_data, create_user
from tests.snapshots import replayed


@pytest.fixture
def catalogue(app):
    """An administrator and a service of Gəncə whose form has one version.
    Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("browser admin: catalogue", _build_catalogue)


def _build_catalogue():
    gnc = create_reference_data()["GNC"]
    admin = create_user("admin@example.az", full_name="Tural Kərimov", roles=[("admin", None)])
    service = catalogue_admin.create_service(admin, catalogue_admin.ServiceInput(
        code="residence-certificate", title_az="Yaşayış yeri haqqında arayış", title_en="Certificate of residence",
        summary_az="Yaşayış yerini təsdiq edən arayış.", eligibility_az="Rayonun sakinləri.",
        documents_az="Şəxsiyyət vəsiqəsi", legal_basis_az="Nazirlər Kabinetinin qərarı.", fee=Decimal("1.50"),
        processing_days=3, life_situation="certificates", district_ids=[gnc.id]))
    catalogue_admin.save_form(admin, service.id, [
        {"key": "full_name", "type": "text", "required": True, "label_az": "Soyad, ad", "label_en": "Full name"},
        {"key": "purpose", "type": "select", "label_az": "Məqsəd", "options": [
            {"value": "work", "label_az": "İş üçün", "label_en": "For work"}]},
    ])
    return service.id


@pytest.mark.parametrize("lang", LANGS)
def test_every_admin_page_has_no_axe_violation(page, lang, catalogue):
    sign_in(page, "admin@example.az")
    for path in ["/admin/", "/admin/services", "/admin/services/new", f"/admin/services/{catalogue}",
                 f"/admin/services/{catalogue}/form"]:
        page.goto(f"{path}?lang={lang}")
        assert_accessible(page, lang)

    # The service page sent empty: errors beside the fields and a summary.
    page.goto(f"/admin/services/new?lang={lang}")
    page.uncheck("#online")
    page.uncheck("#front_desk")
    page.fill("#fee", "")
    with page.expect_navigation():
        page.click("#submit")
    assert page.locator(".error-summary").is_visible() and page.locator("#code-error").is_visible()
    assert page.locator("#online-error").is_visible()
    assert_accessible(page, lang)

    # The form editor with a duplicate key and an empty label.
    page.goto(f"/admin/services/{catalogue}/form?lang={lang}")
    page.click("#add")
    page.fill("#fields-2-key", "full_name")
    with page.expect_navigation():
        page.click("#save")
    assert page.locator(".error-summary").is_visible()
    assert page.locator("#fields-2-key-error").is_visible() and page.locator("#fields-2-label_az-error").is_visible()
    assert_accessible(page, lang)


def test_an_administrator_adds_a_field_removes_one_and_saves_a_version_by_clicking(page, app, catalogue):
    sign_in(page, "admin@example.az")
    page.goto(f"/admin/services/{catalogue}/form?lang=en")
    assert page.locator("fieldset.field-row").count() == 2
    with page.expect_navigation():
        page.click("#add")
    assert page.locator("fieldset.field-row").count() == 3
    page.fill("#fields-2-key", "birth_date")
    page.select_option("#fields-2-type", "date")
    page.fill("#fields-2-label_az", "Doğum tarixi")
    page.check("#fields-2-required")
    page.check("#fields-1-remove")
    page.click("#save")
    assert "Version 2 of the form is saved" in page.locator(".flashes").inner_text()
    assert page.locator("fieldset.field-row").count() == 2
    assert page.input_value("#fields-1-key") == "birth_date"
    with app.app_context():
        latest = db.session.scalar(select(ServiceForm).where(ServiceForm.service_id == catalogue)
                                   .order_by(ServiceForm.version.desc()))
        assert latest.version == 2
        assert [(f["key"], f["type"], f["required"]) for f in latest.fields] == [
            ("full_name", "text", True), ("birth_date", "date", True)]
