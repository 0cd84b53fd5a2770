"""Issue 15, item 6: small cells cannot be worked out, in any view of the accountability figures.

One day, Ganja's appeals of three categories are few (1, 2 and 3) and hidden on its page; before the fix the
national list filtered by one of those categories showed it, and Ganja's total minus its shown categories gave
the rest away. A mean over a single rating showed that resident's rating. Every page, open-data answer and
export now takes its numbers from ``stats.grid``: the same cells hidden everywhere, with complements, and no
mean rating under ``stats.MIN_RATINGS`` ratings.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, time, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.accountability import stats
from app.appeals import service as appeals
from app.extensions import db
from app.kit.calendar import BAKU, local_date
from app.models import Category, utcnow
from tests.factories import PASSWORD, create_appeal, create_reference_data, create_user
from tests.snapshots import replayed

# Appeals of one day per district and category position: Ganja's first three are small.
DAY_COUNTS = {"GNC": [1, 2, 3, 10], "MSL": [6, 7, 5, 6]}


@pytest.fixture
def day(app):
    """Two days ago in Baku: the appeals of ``DAY_COUNTS``, and Şəki's single answered appeal rated 2."""
    with app.app_context():
        return replayed("small cells: day", _build_day)


def _build_day() -> dict:
    """The day's rows, built the first time and replayed after (tests/snapshots.py)."""
    districts = create_reference_data()
    categories = list(db.session.scalars(select(Category).order_by(Category.position, Category.id)))
    citizen = create_user("citizen@example.az")
    official = create_user("official@example.az", roles=[("official", districts["SKI"])])
    create_user("supervisor@example.az", full_name="Nigar Rzayeva", roles=[("supervisor", None)])
    when = datetime.combine(local_date(utcnow()) - timedelta(days=2), time(9), tzinfo=BAKU)
    for code, counts in DAY_COUNTS.items():
        for category, count in zip(categories, counts, strict=False):
            for _ in range(count):
                create_appeal(citizen, districts[code], category, now=when)
    rated = create_appeal(citizen, districts["SKI"], categories[0], now=when).id
    appeals.transition(official, rated, "registered", now=when + timedelta(hours=1))
    appeals.transition(official, rated, "in_progress", now=when + timedelta(hours=2))
    appeals.transition(official, rated, "answered", appeals.StepData(answer="Cavab"), now=when + timedelta(hours=3))
    appeals.transition(citizen, rated, "closed", appeals.StepData(rating=2), now=when + timedelta(hours=4))
    first = when.date().isoformat()
    return {"query": f"from={first}&to={first}", "categories": [c.id for c in categories[:4]]}


def _national(client, query: str, category: int | None = None) -> dict:
    suffix = f"&category={category}" if category else ""
    return client.get(f"/api/v1/accountability/districts?{query}{suffix}").get_json()


def _row(data: dict, code: str) -> dict:
    return next(d for d in data["districts"] if d["code"] == code)


def test_item6_the_national_list_filtered_by_a_category_hides_what_the_district_page_hides(client, day):
    query, first = day["query"], day["categories"][0]
    district = client.get(f"/api/v1/accountability/districts/GNC?{query}").get_json()
    assert {c["category_id"]: c["received"] for c in district["categories"]}[first] is None
    # The attack: the national list filtered by that category.
    assert _row(_national(client, query, first), "GNC")["received"] is None
    page = client.get(f"/accountability/?{query}&category={first}&lang=en").get_data(as_text=True)
    ganja = re.search(r"Ganja</a></th>\s*<td>(.*?)</td>", page)
    assert ganja and "—" in ganja.group(1)


def test_item6_no_hidden_cell_can_be_worked_out_from_the_totals_in_open_data(client, day):
    """Every line of the published table (a district's categories with its total, a category's districts with
    its total) has no hidden cell or at least two, no cell shows 1–4, and each cell is the same in every view."""
    query = day["query"]
    codes = [d["code"] for d in _national(client, query)["districts"]]
    by_district = {code: client.get(f"/api/v1/accountability/districts/{code}?{query}").get_json() for code in codes}
    category_ids = [c["category_id"] for c in by_district["GNC"]["categories"]]
    by_category = {c: _national(client, query, c) for c in category_ids}
    for field in ("received", "answered", "overdue_now"):
        for code, data in by_district.items():
            cells = [c[field] for c in data["categories"]]
            assert not any(v is not None and 0 < v < stats.SMALL for v in cells), (field, code)
            if data["figures"][field] is not None:
                assert sum(v is None for v in cells) != 1, (field, code)
        for category, data in by_category.items():
            cells = {d["code"]: d[field] for d in data["districts"]}
            if data["total"][field] is not None:
                assert sum(v is None for v in cells.values()) != 1, (field, category)
            for code, value in cells.items():
                in_district = next(c for c in by_district[code]["categories"] if c["category_id"] == category)
                assert in_district[field] == value, (field, code, category)
    # Ganja's total is shown; its three small categories stay hidden, so 16 − 10 tells only their sum.
    assert by_district["GNC"]["figures"]["received"] == 16
    assert [c["received"] for c in by_district["GNC"]["categories"][:4]] == [None, None, None, 10]


def test_item6_a_mean_over_one_rating_is_shown_nowhere(web, client, day):
    query = day["query"]
    assert _row(_national(client, query), "SKI")["satisfaction"] is None
    district = client.get(f"/api/v1/accountability/districts/SKI?{query}").get_json()
    assert district["figures"]["satisfaction"] is None  # the answered count (1) is its workload: shown
    assert all(c["satisfaction"] is None for c in district["categories"])
    page = client.get(f"/accountability/SKI?{query}&lang=en").get_data(as_text=True)
    assert re.search(r"Satisfaction \(1–5\)</dt><dd><span class=\"muted\">—", page)

    assert web.login("supervisor@example.az", PASSWORD).status_code == 302
    client.get("/?lang=en")
    rows = list(csv.reader(io.StringIO(client.get(f"/office/accountability?{query}&format=csv")
                                       .get_data(as_text=True).lstrip("\ufeff"))))
    header, body = rows[0], {r[1]: r for r in rows[1:]}
    assert body["Shaki"][header.index("Satisfaction (1–5)")] == ""
    sheet = load_workbook(io.BytesIO(client.get(f"/office/accountability/SKI?{query}&format=xlsx").data)).active
    values = list(sheet.iter_rows(values_only=True))
    column = values[0].index("Satisfaction (1–5)")
    assert all(row[column] in (None, "") for row in values[1:])


def test_item6_the_supervisors_exports_hide_the_same_cells(web, client, day):
    query, first = day["query"], day["categories"][0]
    assert web.login("supervisor@example.az", PASSWORD).status_code == 302
    client.get("/?lang=en")
    rows = list(csv.reader(io.StringIO(client.get(f"/office/accountability?{query}&category={first}&format=csv")
                                       .get_data(as_text=True).lstrip("\ufeff"))))
    header, body = rows[0], {r[1]: r for r in rows[1:]}
    assert body["Ganja"][header.index("Appeals received")] == ""
    sheet = load_workbook(io.BytesIO(client.get(f"/office/accountability/GNC?{query}&format=xlsx").data)).active
    values = list(sheet.iter_rows(values_only=True))
    received = [row[values[0].index("Appeals received")] for row in values[1:5]]
    assert received[:3] == [None, None, None] and received[3] == 10
    page = client.get(f"/office/accountability?{query}&category={first}").get_data(as_text=True)
    ganja = re.search(r"Ganja</a></th>\s*<td>(.*?)</td>", page)
    assert ganja and "—" in ganja.group(1)


def test_item6_hidden_cells_complement_every_line():
    """The rule itself: a line with one hidden entry gets a second one, along rows, columns and totals."""
    cells = {("G", 1): 8, ("G", 2): 1, ("M", 1): 2}
    values = dict(cells)
    for (row, column), value in cells.items():
        for key in ((row, stats.TOTAL), (stats.TOTAL, column), (stats.TOTAL, stats.TOTAL)):
            values[key] = values.get(key, 0) + value
    hidden = stats.hidden_cells(values, ["G", "M", "X"], [1, 2, 3], stats.SMALL)
    assert {("G", 2), ("M", 1)} <= hidden and ("G", 1) in hidden  # 9 − 8 would give the 1 away
    assert ("G", stats.TOTAL) not in hidden  # the district's workload is still shown
    assert ("M", stats.TOTAL) in hidden  # its 2 appeals are all of one category (when totals may be hidden)
    rows = [[("G", c) for c in (1, 2, 3)] + [("G", None)], [("M", c) for c in (1, 2, 3)] + [("M", None)]]
    columns = [[(r, c) for r in ("G", "M", "X")] + [(None, c)] for c in (1, 2, 3)]
    for line in rows + columns:
        assert sum(key in hidden for key in line) != 1, line
    # When the districts' totals are published anyway (the trends show them), Masallı's total stays and a zero
    # beside its one category is hidden instead, so that its 2 appeals cannot be placed.
    fixed = [("G", None), ("M", None), ("X", None), (None, None)]
    hidden = stats.hidden_cells(values, ["G", "M", "X"], [1, 2, 3], stats.SMALL, fixed=fixed)
    assert not hidden & set(fixed) and ("M", 1) in hidden
    assert sum(key in hidden for key in rows[1]) >= 2
    for line in rows + columns:
        assert sum(key in hidden for key in line) != 1, line
