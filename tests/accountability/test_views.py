"""Accountability through the web: public pages and open data equal the raw rows, the supervisor's drill-down
and exports, bad parameters answered with 400/404, and a fixed page cost."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.appeals import service as appeals
from app.extensions import db
from app.kit.calendar import local_date
from app.models import Appeal, AppealEvent, Category, District, User, utcnow
from tests.factories import PASSWORD, create_appeal, create_reference_data, create_user
from tests.snapshots import replayed
from tests.test_pages import check_page

LANGS = ["az", "ru", "en"]


@pytest.fixture
def world(app):
    """Gəncə: 8 appeals this month in one category (6 answered, 2 rated, 1 overdue); Masallı: 2 appeals."""
    with app.app_context():
        return replayed("accountability views: world", _build_world)


def _build_world() -> dict:
    """The world's rows, built the first time and replayed after (tests/snapshots.py)."""
    districts = create_reference_data()
    gnc, msl = districts["GNC"], districts["MSL"]
    categories = list(db.session.scalars(select(Category).order_by(Category.position)))
    citizen = create_user("citizen@example.az", full_name="Aygün Həsənova")
    official = create_user("official@example.az", roles=[("official", gnc)])
    create_user("supervisor@example.az", full_name="Nigar Rzayeva", roles=[("supervisor", None)])
    now = utcnow()
    start = now - timedelta(days=3)
    ids = [create_appeal(citizen, gnc, categories[0], now=start, applicant_phone="+994 50 765 43 21").id
           for _ in range(8)]
    for number, appeal_id in enumerate(ids[:6]):
        appeals.transition(official, appeal_id, "registered", now=start + timedelta(hours=1))
        appeals.transition(official, appeal_id, "in_progress", now=start + timedelta(hours=2))
        appeals.transition(official, appeal_id, "answered", appeals.StepData(answer="Cavab"),
                           now=start + timedelta(hours=3))
        if number < 2:
            appeals.transition(citizen, appeal_id, "closed", appeals.StepData(rating=4 + number),
                               now=start + timedelta(hours=4))
    # One appeal long overdue (filed 40 days ago, never answered) in another category.
    create_appeal(citizen, gnc, categories[1], now=now - timedelta(days=40))
    for _ in range(2):
        create_appeal(citizen, msl, categories[0], now=start)
    return {"gnc": gnc.id, "categories": [c.id for c in categories]}


def supervisor(web):
    assert web.login("supervisor@example.az", PASSWORD).status_code == 302


def test_open_data_equals_the_raw_rows(app, client, world):
    data = client.get("/api/v1/accountability/districts/GNC").get_json()
    with app.app_context():
        period_start = datetime.fromisoformat(data["period"]["from"]).date()
        events = db.session.execute(select(AppealEvent.action, AppealEvent.created_at, Appeal.rating)
                                    .join(Appeal).where(Appeal.district_id == world["gnc"])).all()
        inside = [(a, r) for a, when, r in events if local_date(when) >= period_start]
        overdue = db.session.scalars(select(Appeal).where(
            Appeal.district_id == world["gnc"], Appeal.status.in_(appeals.OPEN_STATUSES), Appeal.due_at < utcnow())).all()
    figures = data["figures"]
    assert figures["received"] == sum(a == "filed" for a, _r in inside) == 9
    assert figures["answered"] == sum(a == "answered" for a, _r in inside) == 6
    assert figures["on_time_pct"] == 100.0 and figures["median_days"] is not None
    assert figures["overdue_now"] == len(overdue) == 1
    # Two ratings: no mean (fewer than stats.MIN_RATINGS), but the share of rated answers is shown.
    assert figures["satisfaction"] is None and figures["response_rate_pct"] == pytest.approx(33.3)
    assert sum(m["received"] for m in data["months"]) == 9
    # The category with 1 appeal is suppressed, and so is the one with 8, which with the district's total of 9
    # would give it away (issue 15, item 6); none names a person.
    by_id = {c["category_id"]: c for c in data["categories"]}
    assert by_id[world["categories"][0]]["received"] is None
    assert by_id[world["categories"][1]]["received"] is None
    assert by_id[world["categories"][2]]["received"] == 0
    assert "Aygün" not in str(data) and "765 43 21" not in str(data)
    national = client.get("/api/v1/accountability/districts").get_json()
    row = next(d for d in national["districts"] if d["code"] == "GNC")
    assert row["received"] == 9 and row["rank"] is None  # fewer than 20 answers: not ranked
    assert national["total"]["received"] == 11


@pytest.mark.parametrize(("query", "field"), [
    ("from=2026-05-01&to=2026-04-01", "to"),
    ("from=2019-01-01&to=2026-01-01", "from"),
    ("from=yesterday", "from"),
    ("category=999999", "category"),
    ("category=abc", "category"),
])
def test_bad_parameters_get_400_with_the_field_at_fault(client, world, query, field):
    for path in ("/api/v1/accountability/districts", "/api/v1/accountability/districts/GNC"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400 and response.get_json()["error"]["field"] == field
    page = client.get(f"/accountability/?{query}&lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and f'id="{field}-error"' in html and 'class="error-summary"' in html
    check_page(html, "en")


def test_unknown_districts_are_404(client, world):
    assert client.get("/accountability/ZZZ").status_code == 404
    assert client.get("/api/v1/accountability/districts/ZZZ").status_code == 404
    assert client.get("/api/v1/accountability/districts/ZZZ").get_json()["error"]["field"] == "code"


@pytest.mark.parametrize("lang", LANGS)
def test_public_pages_show_the_figures_with_charts_and_tables(client, world, lang):
    national = client.get(f"/accountability/?lang={lang}").get_data(as_text=True)
    check_page(national, lang)
    assert {"az": "Gəncə", "ru": "Гянджа", "en": "Ganja"}[lang] in national
    assert national.count('<svg class="chart"') == 2 and "<table" in national
    assert "25 × " in national  # the service index formula is on the page
    district = client.get(f"/accountability/GNC?lang={lang}").get_data(as_text=True)
    check_page(district, lang)
    assert district.count('role="img"') == 2 and "Aygün" not in district
    sorted_page = client.get(f"/accountability/?sort=received&dir=desc&lang={lang}").get_data(as_text=True)
    assert sorted_page.index({"az": "Gəncə", "ru": "Гянджа", "en": "Ganja"}[lang]) < sorted_page.index(
        {"az": "Masallı", "ru": "Масаллы", "en": "Masally"}[lang])


def test_the_supervisor_drills_down_and_exports_the_same_numbers(app, web, client, world):
    supervisor(web)
    client.get("/?lang=en")
    ranking = client.get("/office/accountability")
    assert ranking.status_code == 200 and "Ganja" in ranking.get_data(as_text=True)
    exported = client.get("/office/accountability?format=csv&sort=name&dir=asc")
    assert exported.mimetype == "text/csv" and "attachment" in exported.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    header, body = rows[0], {r[1]: r for r in rows[1:]}
    assert header[1] == "District" and body["Ganja"][header.index("Appeals received")] == "9"
    assert body["Ganja"][header.index("Overdue now")] == "1"
    workbook = load_workbook(io.BytesIO(client.get("/office/accountability?format=xlsx").data))
    sheet_rows = list(workbook.active.iter_rows(values_only=True))
    ganja = next(r for r in sheet_rows if r[1] == "Ganja")
    assert ganja[sheet_rows[0].index("Appeals received")] == 9 and ganja[sheet_rows[0].index("Answered")] == 6

    district = client.get("/office/accountability/GNC").get_data(as_text=True)
    assert "Utilities" in district or "Roads" in district
    category = world["categories"][1]
    overdue = client.get(f"/office/accountability/GNC/overdue?category={category}")
    html = overdue.get_data(as_text=True)
    with app.app_context():
        late = db.session.scalar(select(Appeal).where(Appeal.district_id == world["gnc"], Appeal.category_id == category))
    assert late.number in html and "Aygün" not in html and "765 43 21" not in html
    sheet = load_workbook(io.BytesIO(client.get(f"/office/accountability/GNC/overdue?category={category}&format=xlsx").data))
    assert [r[0] for r in sheet.active.iter_rows(min_row=2, values_only=True)] == [late.number]
    assert client.get("/office/accountability?format=pdf").status_code == 400
    assert client.get("/office/accountability/ZZZ").status_code == 404
    assert client.get("/office/accountability/GNC/overdue?to=2020-01-01").status_code == 400


def test_only_supervisors_see_the_dashboard(app, web, client, world):
    assert client.get("/office/accountability").status_code == 302
    web.login("citizen@example.az", PASSWORD)
    assert client.get("/office/accountability").status_code == 403
    web.post("/auth/logout", {}, form_url="/cabinet/")
    web.login("official@example.az", PASSWORD)
    assert client.get("/office/accountability/GNC/overdue").status_code == 403
    assert client.get("/office/accountability?format=csv").status_code == 403


@pytest.mark.parametrize("lang", LANGS)
def test_supervisor_pages_keep_the_portals_promises(web, client, world, lang):
    supervisor(web)
    for path in ["/office/accountability", "/office/accountability/GNC", "/office/accountability/GNC/overdue",
                 "/office/accountability?from=2026-05-01&to=2026-01-01"]:
        response = client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}")
        assert response.status_code in (200, 400), path
        check_page(response.get_data(as_text=True), lang)


def test_page_cost_does_not_grow_with_the_number_of_appeals(app, client, world, count_queries):
    def statements(path: str) -> int:
        with count_queries() as q:
            assert client.get(path).status_code == 200
        return q.count

    paths = ["/accountability/", "/accountability/GNC", "/api/v1/accountability/districts"]
    before = {path: statements(path) for path in paths}
    with app.app_context():
        citizen = db.session.scalar(select(User).where(User.email == "citizen@example.az"))
        for district in db.session.scalars(select(District).limit(5)):
            for _ in range(6):
                create_appeal(citizen, district)
    assert {path: statements(path) for path in paths} == before
