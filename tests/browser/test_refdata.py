"""Reference data and "Your data" in the browser: every page has no axe violation in az, ru and en, errors included;
a rest day is declared and a download made by clicking."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import CalendarException, Category, Department
from tests.browser.test_accessibility import LANGS, assert_accessible, sign_in
from tests.factories import create_reference_data, create_user
from tests.snapshots import replayed


@pytest.fixture
def reference_world(app):
    """Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("browser refdata: reference_world", _build_reference_world)


def _build_reference_world():
    gnc = create_reference_data()["GNC"]
    create_user("admin@example.az", full_name="Tural Kərimov", roles=[("admin", None)])
    create_user("resident@example.az", full_name="Aygün Həsənova")
    department = db.session.scalar(select(Department).where(Department.district_id == gnc.id))
    category = db.session.scalar(select(Category).where(Category.code == "roads"))
    return {"gnc": gnc.id, "department": department.id, "category": category.id}


@pytest.mark.parametrize("lang", LANGS)
def test_every_reference_page_has_no_axe_violation(page, lang, reference_world):
    w = reference_world
    sign_in(page, "admin@example.az")
    for path in ["/admin/", "/admin/districts", "/admin/districts/new", f"/admin/districts/{w['gnc']}",
                 f"/admin/districts/{w['gnc']}/departments", f"/admin/departments/{w['department']}",
                 "/admin/categories", "/admin/categories/new", f"/admin/categories/{w['category']}", "/admin/calendar"]:
        page.goto(f"{path}?lang={lang}")
        assert_accessible(page, lang)

    # A duplicate district code.
    page.goto(f"/admin/districts/new?lang={lang}")
    page.fill("#code", "GNC")
    page.fill("#name_az", "Gəncə")
    with page.expect_navigation():
        page.click("#submit")
    assert page.locator(".error-summary").is_visible() and page.locator("#code-error").is_visible()
    assert_accessible(page, lang)

    # A department without a name.
    page.goto(f"/admin/districts/{w['gnc']}/departments?lang={lang}")
    page.fill("#kind", "parks")
    with page.expect_navigation():
        page.click("#submit")
    assert page.locator("#name_az-error").is_visible()
    assert_accessible(page, lang)

    # A category without its Azerbaijani name.
    page.goto(f"/admin/categories/new?lang={lang}")
    page.fill("#code", "parks")
    page.fill("#name_en", "Parks")
    with page.expect_navigation():
        page.click("#submit")
    assert page.locator("#name_az-error").is_visible()
    assert_accessible(page, lang)

    # A rest day on a Sunday.
    page.goto(f"/admin/calendar?lang={lang}")
    page.fill("#day", "2026-12-13")
    page.select_option("#kind", "rest_day")
    page.fill("#decision", "Qərar № 9")
    with page.expect_navigation():
        page.click("#submit")
    assert page.locator("#day-error").is_visible()
    assert_accessible(page, lang)


def test_an_administrator_declares_a_rest_day_by_clicking(page, app, reference_world):
    sign_in(page, "admin@example.az")
    page.goto("/admin/calendar?lang=en")
    page.fill("#day", "2026-12-16")
    page.select_option("#kind", "rest_day")
    page.fill("#decision", "Cabinet of Ministers decision No. 500")
    page.click("#submit")
    assert "16 December 2026 is declared" in page.locator(".flashes").inner_text()
    assert_accessible(page, "en")
    with app.app_context():
        assert db.session.scalar(select(CalendarException.kind)) == "rest_day"


@pytest.mark.parametrize("lang", LANGS)
def test_your_data_page_has_no_axe_violation(page, lang, reference_world):
    sign_in(page, "resident@example.az")
    page.goto(f"/cabinet/data?lang={lang}")
    assert_accessible(page, lang)
    page.fill("#close-password", "not-my-password")
    with page.expect_navigation():
        page.click("#close-submit")
    assert page.locator(".error-summary").is_visible() and page.locator("#close-password-error").is_visible()
    assert_accessible(page, lang)
    with page.expect_download() as download:
        page.click("#download-submit")
    assert download.value.suggested_filename.endswith(".zip")
