"""The administration area through the web: who gets in, a service and its form made through the pages,
errors beside the fields they concern, every page in az, ru and en."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.eservices import catalogue as catalogue_admin
from app.extensions import db
from app.models import Service, ServiceForm, User
from tests.appeals.test_views import field_error
from tests.factories import PASSWORD, create_reference_data, create_user
from tests.snapshots import replayed
from tests.test_pages import check_page

LANGS = ["az", "ru", "en"]


@pytest.fixture
def people(app):
    """An administrator, a supervisor, Gəncə's official and head, a resident; the ids of Gəncə and Masallı.
    Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("eservices catalogue views: people", _build_people)


def _build_people():
    districts = create_reference_data()
    create_user("admin@example.az", full_name="Tural Kərimov", roles=[("admin", None)])
    create_user("supervisor@example.az", roles=[("supervisor", None)])
    create_user("official@example.az", roles=[("official", districts["GNC"])])
    create_user("head@example.az", roles=[("head", districts["GNC"])])
    create_user("resident@example.az")
    return {"gnc": districts["GNC"].id, "msl": districts["MSL"].id}


def service_data(people, **changes) -> dict:
    """What an administrator types into the service page: a good service offered in Gəncə and Masallı."""
    data = {
        "code": "residence-certificate",
        "title_az": "Yaşayış yeri haqqında arayış", "title_ru": "", "title_en": "Certificate of residence",
        "summary_az": "Yaşayış yerini təsdiq edən arayış.", "eligibility_az": "Rayonda qeydiyyatda olan sakinlər.",
        "documents_az": "Şəxsiyyət vəsiqəsi", "legal_basis_az": "Nazirlər Kabinetinin qərarı.",
        "fee": "1,50", "processing_days": "3", "life_situation": "certificates",
        "online": "y", "front_desk": "y", "active": "y",
        "district_ids": [str(people["gnc"]), str(people["msl"])],
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def row(index: int, key: str, label_az: str, kind: str = "text", **attributes) -> dict:
    """One row of the form editor, posted as the page names it."""
    values = {"key": key, "type": kind, "label_az": label_az, **attributes}
    return {f"fields-{index}-{name}": value for name, value in values.items()}


def a_service(app, people) -> int:
    """A service made through the use case (its pages are tested below)."""
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == "admin@example.az"))
        data = catalogue_admin.ServiceInput(
            code="land-plot", title_az="Torpaq sahəsi haqqında arayış", summary_az="Arayış.", eligibility_az="Sakinlər.",
            documents_az="Vəsiqə", legal_basis_az="Qərar.", fee=0, processing_days=10, life_situation="land",
            district_ids=[people["gnc"]])
        return catalogue_admin.create_service(admin, data).id


def versions(app, service_id: int) -> list[ServiceForm]:
    with app.app_context():
        found = db.session.scalars(select(ServiceForm).where(ServiceForm.service_id == service_id)
                                   .order_by(ServiceForm.version)).all()
        db.session.expunge_all()
        return list(found)


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def checked(html: str, name: str, value) -> bool:
    """Whether the checkbox ``name`` with ``value`` is ticked on the page."""
    tags = re.findall(rf'<input[^>]*name="{name}"[^>]*value="{value}"[^>]*>', html)
    assert tags, f"no checkbox {name}={value}"
    return " checked" in tags[0]


def rows_on(html: str) -> int:
    """How many field rows the editor shows."""
    return len(re.findall(r'<fieldset class="field-row"', html))


# --- Who gets in -----------------------------------------------------------------------------------------


def test_only_administrators_reach_the_administration(app, web, client, people):
    service_id = a_service(app, people)
    pages = ["/admin/", "/admin/services", "/admin/services/new", f"/admin/services/{service_id}",
             f"/admin/services/{service_id}/form"]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"], path
    for email in ["resident@example.az", "official@example.az", "head@example.az", "supervisor@example.az"]:
        web.login(email, PASSWORD)
        for path in pages:
            assert client.get(path).status_code == 403, (email, path)
        token_page = "/cabinet/"
        assert web.post(f"/admin/services/{service_id}/form", row(0, "name", "Ad") | {"save": "1"},
                        form_url=token_page).status_code == 403
        assert web.post("/admin/services/new", service_data(people), form_url=token_page).status_code == 403
        office = client.get("/office/").get_data(as_text=True)
        # The catalogue is the administrators'; supervisors see only the audit trail's link.
        assert "/admin/services" not in office and 'href="/admin/"' not in office
        assert ("/admin/audit" in office) == (email == "supervisor@example.az")
        web.post("/auth/logout", {}, form_url=token_page)
    assert count(app, ServiceForm) == 0 and count(app, Service) == 1
    web.login("admin@example.az", PASSWORD)
    for path in pages:
        assert client.get(path).status_code == 200, path
    office = client.get("/office/?lang=en").get_data(as_text=True)
    assert 'href="/admin/"' in office and "Open the administration" in office
    assert client.get("/admin/services/999999").status_code == 404
    assert client.get("/admin/services/999999/form").status_code == 404


# --- A service and its form through the pages ----------------------------------------------------------------


def test_an_administrator_adds_a_service_then_its_form_then_a_second_version(app, web, client, people):
    web.login("admin@example.az", PASSWORD)
    client.get("/?lang=en")
    created = web.post("/admin/services/new", service_data(people))
    assert created.status_code == 302
    with app.app_context():
        service = db.session.scalar(select(Service).where(Service.code == "residence-certificate"))
        service_id, fee, offered = service.id, service.fee, sorted(d.id for d in service.districts)
        assert service.title_ru == "" and service.text("title", "ru") == "Yaşayış yeri haqqında arayış"
    assert created.headers["Location"].endswith(f"/admin/services/{service_id}/form")
    assert str(fee) == "1.50" and offered == sorted([people["gnc"], people["msl"]])
    editor = f"/admin/services/{service_id}/form"
    page = client.get(editor).get_data(as_text=True)
    assert "no application form yet" in page and rows_on(page) == 1

    # "Add a field" brings one more row back, keeping what was typed; nothing is saved.
    added = web.post(editor, row(0, "full_name", "Soyad, ad") | {"add": "1"})
    html = added.get_data(as_text=True)
    assert added.status_code == 200 and rows_on(html) == 2 and 'value="full_name"' in html
    assert versions(app, service_id) == []

    first = web.post(editor, {
        "based_on": "0",
        **row(0, "full_name", "Soyad, ad", label_en="Full name", required="y"),
        **row(1, "purpose", "Məqsəd", "select", options="work | İş üçün | Для работы | For work\nschool | Məktəb üçün"),
        **row(2, "", ""),  # an added row left empty is skipped
        "save": "1",
    })
    assert first.status_code == 302 and first.headers["Location"].endswith(editor)
    saved = versions(app, service_id)
    assert [v.version for v in saved] == [1]
    assert [f["key"] for f in saved[0].fields] == ["full_name", "purpose"]
    assert saved[0].fields[0]["required"] is True and saved[0].fields[1]["required"] is False
    assert saved[0].fields[1]["options"][1] == {"value": "school", "label_az": "Məktəb üçün", "label_ru": "",
                                                "label_en": ""}

    # The editor shows version 1, as saved, with the options one per line.
    page = client.get(editor).get_data(as_text=True)
    assert "Version 1 is current" in page and rows_on(page) == 2 and "Tural Kərimov" in page
    assert "work | İş üçün | Для работы | For work\nschool | Məktəb üçün</textarea>" in page

    # The same rows again: nothing new.
    same = web.post(editor, {"based_on": "1", **row(0, "full_name", "Soyad, ad", label_en="Full name", required="y"),
                             **row(1, "purpose", "Məqsəd", "select",
                                   options="work | İş üçün | Для работы | For work\nschool | Məktəb üçün"),
                             "save": "1"})
    assert same.status_code == 302 and "Nothing changed" in client.get(editor).get_data(as_text=True)
    assert len(versions(app, service_id)) == 1

    # Remove the choice, add a date: version 2; version 1 stays as it was.
    second = web.post(editor, {"based_on": "1", **row(0, "full_name", "Soyad, ad", label_en="Full name", required="y"),
                               **row(1, "purpose", "Məqsəd", "select", options="work | İş üçün", remove="y"),
                               **row(2, "birth_date", "Doğum tarixi", "date"), "save": "1"})
    assert second.status_code == 302
    saved = versions(app, service_id)
    assert [v.version for v in saved] == [1, 2]
    assert [f["key"] for f in saved[0].fields] == ["full_name", "purpose"]
    assert [f["key"] for f in saved[1].fields] == ["full_name", "birth_date"]
    page = client.get(editor).get_data(as_text=True)
    assert "Version 2 is current" in page and "Version 2 of the form is saved" in page
    listing = client.get("/admin/services").get_data(as_text=True)
    assert "residence-certificate" in listing and "Version 2" in listing and "Certificate of residence" in listing


def test_an_administrator_changes_a_service(app, web, client, people):
    service_id = a_service(app, people)
    web.login("admin@example.az", PASSWORD)
    client.get("/?lang=en")
    page = client.get(f"/admin/services/{service_id}").get_data(as_text=True)
    assert 'value="land-plot"' in page
    assert checked(page, "district_ids", people["gnc"]) and not checked(page, "district_ids", people["msl"])
    assert checked(page, "active", "y") and checked(page, "online", "y")
    changed = web.post(f"/admin/services/{service_id}", service_data(
        people, code="land-plot", active=None, online=None, district_ids=[str(people["msl"])]))
    assert changed.status_code == 302
    with app.app_context():
        service = db.session.get(Service, service_id)
        assert not service.active and not service.online and service.front_desk
        assert [d.id for d in service.districts] == [people["msl"]]
        assert service.title_en == "Certificate of residence"


# --- Errors beside their fields ------------------------------------------------------------------------------


def test_bad_service_input_comes_back_beside_its_field_and_saves_nothing(app, web, client, people):
    web.login("admin@example.az", PASSWORD)
    client.get("/?lang=en")
    bad = web.post("/admin/services/new", service_data(
        people, code="Residence Certificate", title_az="", fee="-2", processing_days="120", life_situation="",
        online=None, front_desk=None, district_ids=["999999"]))
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'class="error-summary"' in html
    assert "small Latin letters" in field_error(html, "code")
    assert "title in Azerbaijani" in field_error(html, "title_az")
    assert "negative" in field_error(html, "fee")
    assert "from 1 to 90" in field_error(html, "processing_days")
    assert "life situation" in field_error(html, "life_situation")
    assert "or both" in field_error(html, "online")
    assert "from the list" in field_error(html, "district_ids")
    assert 'href="#district_ids"' in html and 'href="#code"' in html
    assert count(app, Service) == 0
    service_id = a_service(app, people)
    taken = web.post(f"/admin/services/{service_id}", service_data(people, code="land-plot"))
    assert taken.status_code == 302
    web.post("/admin/services/new", service_data(people))
    again = web.post("/admin/services/new", service_data(people, title_az="Başqa"))
    assert again.status_code == 422 and "already used" in field_error(again.get_data(as_text=True), "code")
    assert count(app, Service) == 2


def test_a_bad_form_definition_is_refused_beside_the_row_field_and_saves_nothing(app, web, client, people):
    service_id = a_service(app, people)
    editor = f"/admin/services/{service_id}/form"
    web.login("admin@example.az", PASSWORD)
    client.get("/?lang=en")
    web.post(editor, {"based_on": "0", **row(0, "full_name", "Soyad, ad"), "save": "1"})
    assert len(versions(app, service_id)) == 1

    bad = web.post(editor, {
        "based_on": "1",
        **row(0, "full_name", "Soyad, ad"),
        # A removed row is not sent to the check: the errors below must land on rows 2, 3 and 4 all the same.
        **row(1, "old", "", remove="y"),
        **row(2, "full_name", "Ad"),
        **row(3, "phone", "   "),
        **row(4, "purpose", "Məqsəd", "select", options=""),
        **row(5, "age", "Yaş", "number", min="30", max="18"),
        "save": "1",
    })
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'class="error-summary"' in html
    assert "used twice" in field_error(html, "fields-2-key")
    assert "label in Azerbaijani" in field_error(html, "fields-3-label_az")
    assert "at least one option" in field_error(html, "fields-4-options")
    assert "larger than the maximum" in field_error(html, "fields-5-min")
    assert 'href="#fields-2-key"' in html and 'aria-invalid="true"' in html
    assert rows_on(html) == 6
    lines = web.post(editor, {"based_on": "1", **row(0, "purpose", "Məqsəd", "select", options="a | b | c | d | e"),
                              "save": "1"})
    assert lines.status_code == 422 and "more than four parts" in field_error(lines.get_data(as_text=True),
                                                                               "fields-0-options")
    empty = web.post(editor, {"based_on": "1", **row(0, "", ""), "save": "1"})
    assert empty.status_code == 422 and "at least one field" in empty.get_data(as_text=True)
    stale = web.post(editor, {"based_on": "0", **row(0, "name", "Ad"), "save": "1"})
    assert stale.status_code == 422 and "saved after you opened it" in stale.get_data(as_text=True)
    assert len(versions(app, service_id)) == 1


# --- Every page in every language ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_every_admin_page_keeps_the_page_promises(app, web, client, people, lang):
    service_id = a_service(app, people)
    web.login("admin@example.az", PASSWORD)
    client.get(f"/?lang={lang}")
    web.post(f"/admin/services/{service_id}/form", {"based_on": "0", **row(0, "full_name", "Soyad, ad"), "save": "1"})
    for path in ["/admin/", "/admin/services", "/admin/services/new", f"/admin/services/{service_id}",
                 f"/admin/services/{service_id}/form", "/office/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        check_page(response.get_data(as_text=True), lang)
    bad = web.post("/admin/services/new", service_data(people, code=""))
    assert bad.status_code == 422
    check_page(bad.get_data(as_text=True), lang)
    editor = f"/admin/services/{service_id}/form"
    added = web.post(editor, {"based_on": "1", **row(0, "full_name", "Soyad, ad"), "add": "1"})
    check_page(added.get_data(as_text=True), lang)
    refused = web.post(editor, {"based_on": "1", **row(0, "full_name", "Soyad, ad"), **row(1, "full_name", ""),
                                "save": "1"})
    assert refused.status_code == 422
    check_page(refused.get_data(as_text=True), lang)
