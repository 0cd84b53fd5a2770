"""The reference-data pages through the web: only administrators get in, changes made through the pages,
bad input refused beside its field with 422 and nothing stored, every page in az, ru and en."""
from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import CalendarException, Category, Department, District
from tests.appeals.test_views import field_error as raw_field_error
from tests.factories import PASSWORD, create_reference_data, create_user
from tests.snapshots import replayed
from tests.test_pages import check_page

LANGS = ["az", "ru", "en"]


@pytest.fixture
def people(app):
    """Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("administration reference views: people", _build_people)


def _build_people():
    districts = create_reference_data()
    create_user("admin@example.az", roles=[("admin", None)])
    create_user("supervisor@example.az", roles=[("supervisor", None)])
    create_user("official@example.az", roles=[("official", districts["GNC"]), ("head", districts["GNC"])])
    create_user("resident@example.az")
    department = db.session.scalar(select(Department).where(Department.district_id == districts["GNC"].id))
    roads = db.session.scalar(select(Category).where(Category.code == "roads"))
    return {"gnc": districts["GNC"].id, "department": department.id, "roads": roads.id}


def pages(people) -> list[str]:
    return ["/admin/districts", "/admin/districts/new", f"/admin/districts/{people['gnc']}",
            f"/admin/districts/{people['gnc']}/departments", f"/admin/departments/{people['department']}",
            "/admin/categories", "/admin/categories/new", f"/admin/categories/{people['roads']}", "/admin/calendar"]


def field_error(html: str, field: str) -> str:
    """The error beside ``field``, HTML entities decoded."""
    return unescape(raw_field_error(html, field))


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("lang", LANGS)
def test_every_reference_page_renders_for_an_administrator(web, client, people, lang):
    web.login("admin@example.az", PASSWORD)
    for path in pages(people):
        response = client.get(f"{path}?lang={lang}")
        assert response.status_code == 200, path
        check_page(response.get_data(as_text=True), lang)
    html = client.get(f"/admin/?lang={lang}").get_data(as_text=True)
    assert "/admin/districts" in html and "/admin/categories" in html and "/admin/calendar" in html


@pytest.mark.parametrize("email", ["supervisor@example.az", "official@example.az", "resident@example.az", None])
def test_nobody_else_opens_an_administration_page(web, client, people, email):
    if email:
        web.login(email, PASSWORD)
    for path in pages(people):
        response = client.get(path)
        assert response.status_code in (403, 404) if email else response.status_code == 302, path
    assert client.post("/admin/calendar", data={"day": "2026-12-16", "kind": "rest_day"}).status_code in (
        (400, 403) if email else (302, 400))


def test_an_unknown_row_is_a_404(web, client, people):
    web.login("admin@example.az", PASSWORD)
    for path in ["/admin/districts/999999", "/admin/districts/999999/departments", "/admin/departments/999999",
                 "/admin/categories/999999"]:
        assert client.get(path).status_code == 404, path


def test_a_district_is_added_renamed_and_deactivated_through_the_pages(app, web, client, people):
    web.login("admin@example.az", PASSWORD)
    response = web.post("/admin/districts/new", {"code": "xtz", "name_az": "Xətai", "name_ru": "Хатаи",
                                                 "name_en": "Khatai", "active": "y"})
    assert response.status_code == 302
    with app.app_context():
        district = db.session.scalar(select(District).where(District.code == "XTZ"))
        assert district.active and district.name_ru == "Хатаи"
        district_id = district.id
    response = web.post(f"/admin/districts/{district_id}", {"name_az": "Xətai rayonu", "name_ru": "",
                                                            "name_en": ""})
    assert response.status_code == 302
    with app.app_context():
        district = db.session.get(District, district_id)
        assert (district.name_az, district.code, district.active) == ("Xətai rayonu", "XTZ", False)


def test_a_duplicate_district_code_is_refused_beside_the_code(app, web, client, people):
    web.login("admin@example.az", PASSWORD)
    before = count(app, District)
    response = web.post("/admin/districts/new?lang=en", {"code": "GNC", "name_az": "Gəncə 2", "active": "y"},
                        form_url="/admin/districts/new")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "code") == "The code GNC is already used by another district."
    assert "error-summary" in html and count(app, District) == before


def test_a_department_with_an_empty_name_is_refused_beside_the_name(app, web, client, people):
    web.login("admin@example.az", PASSWORD)
    before = count(app, Department)
    url = f"/admin/districts/{people['gnc']}/departments"
    response = web.post(f"{url}?lang=en", {"name_az": "", "name_en": "Parks", "kind": "parks", "active": "y"},
                        form_url=url)
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "name_az") == "Write the department's name in Azerbaijani."
    assert count(app, Department) == before
    response = web.post(url, {"name_az": "Parklar şöbəsi", "kind": "parks", "active": "y"})
    assert response.status_code == 302 and count(app, Department) == before + 1


def test_a_category_without_an_azerbaijani_name_is_refused_beside_the_name(app, web, client, people):
    web.login("admin@example.az", PASSWORD)
    before = count(app, Category)
    response = web.post("/admin/categories/new?lang=en", {"code": "parks", "name_az": "", "name_en": "Parks",
                                                          "position": "5", "active": "y"},
                        form_url="/admin/categories/new")
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "name_az") == "Write the category's name in Azerbaijani."
    assert count(app, Category) == before
    response = web.post("/admin/categories/new", {"code": "parks", "name_az": "Parklar", "position": "x",
                                                  "default_department_kind": "housing", "active": "y"})
    assert response.status_code == 422 and field_error(response.get_data(as_text=True), "position")
    response = web.post("/admin/categories/new", {"code": "parks", "name_az": "Parklar", "position": "5",
                                                  "default_department_kind": "housing", "active": "y"})
    assert response.status_code == 302
    with app.app_context():
        parks = db.session.scalar(select(Category).where(Category.code == "parks"))
        assert parks.default_department_kind == "housing" and parks.position == 5


def test_a_category_is_deactivated_through_its_page_and_leaves_the_filing_form(app, web, client, people):
    web.login("admin@example.az", PASSWORD)
    page = client.get(f"/admin/categories/{people['roads']}").get_data(as_text=True)
    assert '<option selected value="construction">' in page
    response = web.post(f"/admin/categories/{people['roads']}", {"name_az": "Yollar və nəqliyyat", "position": "1",
                                                                 "default_department_kind": "construction"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Category, people["roads"]).active is False
    web.post("/auth/logout", {}, form_url="/cabinet/")
    web.login("resident@example.az", PASSWORD)
    assert "Yollar və nəqliyyat" not in client.get("/appeals/new?lang=az").get_data(as_text=True)


@pytest.mark.parametrize(("day", "kind", "message"), [
    ("2026-12-13", "rest_day", "13 December 2026 is a Saturday or Sunday; it is a rest day already."),
    ("2026-12-31", "rest_day", "31 December 2026 is a public holiday; it is a rest day already."),
    ("2026-12-16", "working_day", "16 December 2026 is not a Saturday; only a Saturday can be declared a working day."),
    ("16.12.2026", "rest_day", "Enter the date as YYYY-MM-DD, for example 2026-12-31."),
])
def test_a_calendar_exception_on_a_wrong_date_is_refused_beside_the_date(app, web, client, people, day, kind, message):
    web.login("admin@example.az", PASSWORD)
    response = web.post("/admin/calendar?lang=en", {"day": day, "kind": kind, "decision": "Qərar № 7"},
                        form_url="/admin/calendar")
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "day") == message
    assert count(app, CalendarException) == 0


def test_a_calendar_exception_is_declared_and_removed_through_the_page(app, web, client, people):
    web.login("admin@example.az", PASSWORD)
    response = web.post("/admin/calendar", {"day": "2026-12-16", "kind": "rest_day", "decision": "Qərar № 8"})
    assert response.status_code == 302
    html = client.get("/admin/calendar?lang=en").get_data(as_text=True)
    assert "Qərar № 8" in html and "Extra rest day" in html
    with app.app_context():
        exception_id = db.session.scalar(select(CalendarException.id))
    # A second declaration of the same date is refused beside the date.
    again = web.post("/admin/calendar?lang=en", {"day": "2026-12-16", "kind": "rest_day", "decision": "Qərar"},
                     form_url="/admin/calendar")
    assert again.status_code == 422 and "already declared" in field_error(again.get_data(as_text=True), "day")
    assert client.post(f"/admin/calendar/{exception_id}/withdraw").status_code == 400  # no CSRF token
    assert web.post(f"/admin/calendar/{exception_id}/withdraw", {}, form_url="/admin/calendar").status_code == 302
    assert count(app, CalendarException) == 0
    assert web.post(f"/admin/calendar/{exception_id}/withdraw", {}, form_url="/admin/calendar").status_code == 404


def test_the_official_finds_the_categorys_department_chosen_when_registering(app, web, client, people):
    from app.models import User
    from tests.factories import create_appeal

    with app.app_context():
        resident = db.session.scalar(select(User).where(User.email == "resident@example.az"))
        appeal = create_appeal(resident, db.session.get(District, people["gnc"]),
                               category=db.session.get(Category, people["roads"]))
        department = appeal.department
        assert department.kind == "construction"
        appeal_id, department_id = appeal.id, department.id
    web.login("official@example.az", PASSWORD)
    html = client.get(f"/office/appeals/{appeal_id}").get_data(as_text=True)
    assert f'<option selected value="{department_id}">' in html
