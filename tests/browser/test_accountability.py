"""Accountability in the browser: axe on every page in az, ru and en; a supervisor drills down and downloads."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.appeals import service as appeals
from app.extensions import db
from app.models import Category, utcnow
from tests.browser.test_accessibility import LANGS, assert_accessible, sign_in
from tests.factories import create_appeal, create_reference_data, create_user
from tests.snapshots import replayed


@pytest.fixture
def figures(app):
    """Gəncə with answered, rated and overdue appeals; a supervisor. Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("browser accountability: figures", _build_figures)


def _build_figures():
    gnc = create_reference_data()["GNC"]
    category = db.session.scalars(select(Category).order_by(Category.position)).first()
    citizen = create_user("resident@example.az", full_name="Aygün Həsənova")
    official = create_user("official@example.az", full_name="Rəşad Əliyev", roles=[("official", gnc)])
    create_user("supervisor@example.az", full_name="Nigar Rzayeva", roles=[("supervisor", None)])
    start = utcnow() - timedelta(days=2)
    for i in range(6):
        appeal = create_appeal(citizen, gnc, category, now=start)
        appeals.transition(official, appeal.id, "registered", now=start)
        appeals.transition(official, appeal.id, "in_progress", now=start)
        appeals.transition(official, appeal.id, "answered", appeals.StepData(answer="Cavab"), now=start)
        if i < 3:
            appeals.transition(citizen, appeal.id, "closed", appeals.StepData(rating=5), now=start)
    late = create_appeal(citizen, gnc, category, now=utcnow() - timedelta(days=40))
    return {"late": late.number}


@pytest.mark.parametrize("lang", LANGS)
def test_every_accountability_page_has_no_axe_violation(page, lang, figures):
    for path in ["/accountability/", "/accountability/GNC", "/accountability/?from=2026-05-01&to=2026-01-01"]:
        page.goto(f"{path}{'&' if '?' in path else '?'}lang={lang}")
        assert_accessible(page, lang)
    sign_in(page, "supervisor@example.az")
    for path in ["/office/accountability", "/office/accountability/GNC", "/office/accountability/GNC/overdue",
                 "/office/accountability?format=pdf"]:
        page.goto(f"{path}{'&' if '?' in path else '?'}lang={lang}")
        assert_accessible(page, lang)


def test_a_supervisor_ranks_drills_down_and_downloads_the_same_table(page, figures):
    sign_in(page, "supervisor@example.az")
    page.goto("/office/?lang=en")
    page.click("text=Open the accountability dashboard")
    assert page.locator("caption").first.inner_text().startswith("Districts, ranked")
    ganja_received = page.locator("tr", has_text="Ganja").locator("td").nth(1).inner_text()
    with page.expect_download() as csv_download:
        page.click("a:text-is('CSV')")
    rows = list(csv.reader(io.StringIO(open(csv_download.value.path(), encoding="utf-8-sig").read())))
    assert next(r for r in rows if r[1] == "Ganja")[rows[0].index("Appeals received")] == ganja_received.split()[0] == "7"
    with page.expect_download() as xlsx_download:
        page.click("a:text-is('XLSX')")
    sheet = load_workbook(io.BytesIO(open(xlsx_download.value.path(), "rb").read())).active
    values = list(sheet.iter_rows(values_only=True))
    assert next(r for r in values if r[1] == "Ganja")[values[0].index("Appeals received")] == 7

    page.click("a:text-is('Ganja')")
    assert "Ganja" in page.locator("h1").inner_text()
    page.locator("tr", has_text="Utilities").locator("a").first.click()
    assert figures["late"] in page.locator("main").inner_text()
    assert "Aygün" not in page.locator("main").inner_text()
