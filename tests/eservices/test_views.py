"""E-services through the web: the catalogue, applying in three languages, bad input beside its field,
documents requested and sent, the front desk, privacy by 404, and a fixed page cost."""
from __future__ import annotations

import io
import os

import pytest
from sqlalchemy import func, select

from app.eservices import service as eservices
from app.extensions import db
from app.models import ApplicationDocument, Service, ServiceApplication, User
from tests.appeals.test_views import field_error
from tests.factories import EXE, PASSWORD, PDF, PNG, create_reference_data, create_service, create_user
from tests.snapshots import replayed
from tests.test_pages import check_page

LANGS = ["az", "ru", "en"]


@pytest.fixture
def world(app):
    """Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("eservices views: world", _build_world)


def _build_world():
    districts = create_reference_data()
    gnc, msl, qba = districts["GNC"], districts["MSL"], districts["QBA"]
    service = create_service([gnc, msl])
    create_service([qba], code="tree-felling", fields=[
        {"key": "trees", "type": "number", "required": True, "min": 1, "max": 50, "label_az": "Ağacların sayı",
         "label_ru": "Число деревьев", "label_en": "Number of trees"}])
    create_user("citizen@example.az", full_name="Aygün Həsənova", locale="az").district_id = gnc.id
    db.session.commit()
    create_user("stranger@example.az", full_name="Nurlan Sadıqov")
    create_user("official@example.az", full_name="Rəşad Əliyev", roles=[("official", gnc)])
    create_user("other@example.az", full_name="Günel Quliyeva", roles=[("official", msl)])
    return {"gnc": gnc.id, "msl": msl.id, "qba": qba.id, "service": service.id}


def fields(world, **changes) -> dict:
    data = {"district_id": str(world["gnc"]), "submission_token": "tok-1", "f-purpose": "school", "f-members": "4",
            "f-birth_date": "2015-05-20", "f-note": "", "f-truth": "y",
            "f-passport": (io.BytesIO(PDF), "passport.pdf")}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def apply(web, world, **changes):
    """Send the residence certificate's application form, valid unless changed."""
    url = "/services/residence-certificate/apply"
    return web.post(url, fields(world, **changes), form_url=url, content_type="multipart/form-data")


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("lang", LANGS)
def test_a_resident_finds_a_service_and_applies_in_their_language(app, web, client, world, lang):
    catalogue = client.get(f"/services/?lang={lang}").get_data(as_text=True)
    check_page(catalogue, lang)
    title = {"az": "Yaşayış yeri haqqında arayış", "ru": "Справка о месте жительства", "en": "Certificate of residence"}[lang]
    assert title in catalogue
    page = client.get(f"/services/residence-certificate?lang={lang}").get_data(as_text=True)
    check_page(page, lang)
    web.login("citizen@example.az", PASSWORD)
    client.get(f"/?lang={lang}")
    form = client.get("/services/residence-certificate/apply").get_data(as_text=True)
    check_page(form, lang)
    assert "Aygün Həsənova" in form and "citizen@example.az" in form  # known details shown, not asked
    assert {"az": "Ailə üzvlərinin sayı", "ru": "Число членов семьи", "en": "Number of family members"}[lang] in form
    response = apply(web, world)
    assert response.status_code == 302
    with app.app_context():
        application = db.session.scalar(select(ServiceApplication))
        assert (application.locale, application.source, application.status) == (lang, "web", "submitted")
        assert application.answers["members"] == "4" and application.answers["purpose"] == "school"
        assert [d.original_name for d in application.documents] == ["passport.pdf"]
    mine = client.get(response.headers["Location"]).get_data(as_text=True)
    check_page(mine, lang)
    assert application.number in mine
    again = apply(web, world)  # the same form sent twice
    assert again.status_code == 302 and count(app, ServiceApplication) == 1


BAD = [
    ({"f-members": ""}, "f-members", "Fill in"),
    ({"f-members": "25"}, "f-members", "from 1 to 20"),
    ({"f-members": "many"}, "f-members", "number"),
    ({"f-members": "2,5,1"}, "f-members", "number"),
    ({"f-birth_date": "2015-13-45"}, "f-birth_date", "YYYY-MM-DD"),
    ({"f-purpose": "lottery"}, "f-purpose", "offered options"),
    ({"f-truth": None}, "f-truth", "Tick"),
    ({"f-passport": None}, "f-passport", "Attach"),
    ({"f-passport": (io.BytesIO(EXE), "passport.pdf")}, "f-passport", "PDF"),
    ({"f-passport": (io.BytesIO(b"GIF89a" + b"\0" * 50), "photo.png")}, "f-passport", "PDF"),
    ({"district_id": "qba"}, "district_id", "does not offer"),
]


@pytest.mark.parametrize(("changes", "field", "words"), BAD)
def test_bad_input_comes_back_beside_its_field_and_nothing_is_stored(app, web, client, world, changes, field, words):
    if changes.get("district_id") == "qba":
        changes = {"district_id": str(world["qba"])}
    web.login("citizen@example.az", PASSWORD)
    client.get("/?lang=en")
    response = apply(web, world, **changes)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert words in field_error(html, field)
    assert 'class="error-summary"' in html
    check_page(html, "en")
    assert count(app, ServiceApplication) == 0 and count(app, ApplicationDocument) == 0
    assert os.listdir(app.config["ATTACHMENTS_DIR"]) == []


def test_an_inactive_or_unknown_service_is_not_offered(app, web, client, world):
    with app.app_context():
        db.session.get(Service, world["service"]).active = False
        db.session.commit()
    assert client.get("/services/residence-certificate").status_code == 404
    web.login("citizen@example.az", PASSWORD)
    assert client.get("/services/residence-certificate/apply").status_code == 404
    assert client.get("/services/no-such-service").status_code == 404


def test_documents_requested_sent_and_the_official_decides(app, web, client, world):
    web.login("citizen@example.az", PASSWORD)
    apply(web, world)
    with app.app_context():
        application_id = db.session.scalar(select(ServiceApplication.id))
    web.post("/auth/logout", {}, form_url="/cabinet/")
    web.login("official@example.az", PASSWORD)
    client.get("/?lang=en")
    office = f"/office/services/{application_id}"
    assert "Aygün Həsənova" in client.get("/office/services").get_data(as_text=True)
    assert web.post(f"{office}/review", {"review-submit": "1"}, form_url=office).status_code == 302
    empty = web.post(f"{office}/request", {"request-note": ""}, form_url=office)
    assert empty.status_code == 422 and "documents" in field_error(empty.get_data(as_text=True), "request-note")
    assert web.post(f"{office}/request", {"request-note": "Doğum haqqında şəhadətnamə"}, form_url=office).status_code == 302
    web.post("/auth/logout", {}, form_url="/cabinet/")

    web.login("citizen@example.az", PASSWORD)
    client.get("/?lang=en")
    mine = f"/cabinet/services/{application_id}"
    assert "Doğum haqqında şəhadətnamə" in client.get(mine).get_data(as_text=True)
    bad = web.post(f"{mine}/resubmit", {"resubmit-documents": (io.BytesIO(EXE), "cert.pdf"), "resubmit-note": ""},
                   form_url=mine, content_type="multipart/form-data")
    assert bad.status_code == 422
    sent = web.post(f"{mine}/resubmit", {"resubmit-documents": (io.BytesIO(PNG), "cert.png"), "resubmit-note": "Əlavə edildi"},
                    form_url=mine, content_type="multipart/form-data")
    assert sent.status_code == 302
    web.post("/auth/logout", {}, form_url="/cabinet/")

    web.login("official@example.az", PASSWORD)
    assert web.post(f"{office}/review", {"review-submit": "1"}, form_url=office).status_code == 302
    no_reason = web.post(f"{office}/refuse", {"refuse-note": ""}, form_url=office)
    assert no_reason.status_code == 422
    assert web.post(f"{office}/approve", {"approve-submit": "1"}, form_url=office).status_code == 302
    with app.app_context():
        application = db.session.get(ServiceApplication, application_id)
        assert application.status == "approved" and len(application.documents) == 2
        assert [e.to_status for e in application.events] == [
            "submitted", "in_review", "documents_requested", "resubmitted", "in_review", "approved"]


def test_the_front_desk_registers_for_a_resident(app, web, client, world):
    web.login("official@example.az", PASSWORD)
    client.get("/?lang=en")
    url = "/office/services/front-desk/residence-certificate"
    data = fields(world, email="citizen@example.az", **{"f-passport": (io.BytesIO(PDF), "passport.pdf")})
    unknown = web.post(url, {**data, "email": "nobody@example.az"}, form_url=url, content_type="multipart/form-data")
    assert unknown.status_code == 422 and "No resident" in field_error(unknown.get_data(as_text=True), "email")
    data = fields(world, email="citizen@example.az", **{"f-passport": (io.BytesIO(PDF), "passport.pdf")})
    other = web.post(url, {**data, "district_id": str(world["msl"])}, form_url=url, content_type="multipart/form-data")
    assert other.status_code == 422
    data = fields(world, email="citizen@example.az", **{"f-passport": (io.BytesIO(PDF), "passport.pdf")})
    made = web.post(url, data, form_url=url, content_type="multipart/form-data")
    assert made.status_code == 302
    with app.app_context():
        application = db.session.scalar(select(ServiceApplication))
        citizen = db.session.scalar(select(User).where(User.email == "citizen@example.az"))
        official = db.session.scalar(select(User).where(User.email == "official@example.az"))
        assert (application.source, application.citizen_id, application.registered_by_id) == (
            "front_desk", citizen.id, official.id)


def test_someone_elses_application_and_its_documents_are_404(app, web, client, world):
    web.login("citizen@example.az", PASSWORD)
    apply(web, world)
    with app.app_context():
        application = db.session.scalar(select(ServiceApplication))
        application_id, document_id = application.id, application.documents[0].id
    web.post("/auth/logout", {}, form_url="/cabinet/")
    web.login("stranger@example.az", PASSWORD)
    for path in [f"/cabinet/services/{application_id}", f"/cabinet/services/{application_id}/documents/{document_id}"]:
        assert client.get(path).status_code == 404, path
    assert web.post(f"/cabinet/services/{application_id}/withdraw", {"withdraw-submit": "1"},
                    form_url="/cabinet/services").status_code == 404
    web.post("/auth/logout", {}, form_url="/cabinet/")
    web.login("other@example.az", PASSWORD)
    for path in [f"/office/services/{application_id}", f"/office/services/{application_id}/documents/{document_id}",
                 f"/office/services?district={world['gnc']}"]:
        assert client.get(path).status_code == 404, path
    assert web.post(f"/office/services/{application_id}/review", {"review-submit": "1"},
                    form_url="/office/services").status_code == 404
    assert "SRV-" not in client.get("/office/services?status=all").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ServiceApplication, application_id).status == "submitted"


def test_the_catalogue_filters_by_words_district_and_life_situation(client, world):
    assert "Certificate of residence" in client.get("/services/?q=residence&lang=en").get_data(as_text=True)
    assert "Certificate of residence" not in client.get("/services/?q=zzzz&lang=en").get_data(as_text=True)
    assert "Certificate of residence" not in client.get(f"/services/?district={world['qba']}&lang=en").get_data(as_text=True)
    assert "Certificate of residence" not in client.get("/services/?situation=land&lang=en").get_data(as_text=True)
    assert client.get("/services/?district=abc&situation=<script>").status_code == 200


@pytest.mark.parametrize("lang", LANGS)
def test_office_pages_keep_the_portals_promises(app, web, client, world, lang):
    web.login("citizen@example.az", PASSWORD)
    apply(web, world)
    with app.app_context():
        application_id = db.session.scalar(select(ServiceApplication.id))
    for path in ["/cabinet/services", f"/cabinet/services/{application_id}"]:
        check_page(client.get(f"{path}?lang={lang}").get_data(as_text=True), lang)
    web.post("/auth/logout", {}, form_url="/cabinet/")
    web.login("official@example.az", PASSWORD)
    for path in ["/office/services", f"/office/services/{application_id}", "/office/services/front-desk/residence-certificate"]:
        response = client.get(f"{path}?lang={lang}")
        assert response.status_code == 200, path
        check_page(response.get_data(as_text=True), lang)


def test_catalogue_and_queue_cost_the_same_whatever_the_rows(app, web, client, world, count_queries):
    web.login("citizen@example.az", PASSWORD)
    apply(web, world)
    web.post("/auth/logout", {}, form_url="/cabinet/")
    web.login("official@example.az", PASSWORD)

    def statements(path: str) -> int:
        with count_queries() as q:
            assert client.get(path).status_code == 200
        return q.count

    before = {path: statements(path) for path in ("/services/", "/office/services")}
    with app.app_context():
        gnc = db.session.get(Service, world["service"]).districts
        citizen = db.session.scalar(select(User).where(User.email == "citizen@example.az"))
        for i in range(6):
            create_service(gnc, code=f"extra-{i}")
        form = eservices.current_form(db.session.get(Service, world["service"]))
        for i in range(8):
            eservices.apply(citizen, eservices.ApplicationInput(
                service_id=world["service"], district_id=world["gnc"], form_id=form.id,
                answers={"purpose": "bank", "members": "2"}, submission_token=f"t{i}"))
    assert {path: statements(path) for path in before} == before


def test_a_decimal_comma_is_a_number(app, web, client, world):
    web.login("citizen@example.az", PASSWORD)
    assert apply(web, world, **{"f-members": "4,0"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(ServiceApplication.answers))["members"] == "4.0"


def test_the_profile_address_is_filled_in_and_kept_with_the_application(app, web, client, world):
    web.login("citizen@example.az", PASSWORD)
    saved = web.post("/cabinet/profile", {"full_name": "Aygün Həsənova", "phone": "+994 50 123 45 67",
                                          "address": "Gəncə ş., Nizami küç. 5", "locale": "az",
                                          "district_id": str(world["gnc"])})
    assert saved.status_code == 302
    form = client.get("/services/residence-certificate/apply").get_data(as_text=True)
    assert "Gəncə ş., Nizami küç. 5" in form and "+994 50 123 45 67" in form
    assert apply(web, world).status_code == 302
    with app.app_context():
        applicant = db.session.scalar(select(ServiceApplication.applicant))
    assert applicant["address"] == "Gəncə ş., Nizami küç. 5" and applicant["phone"] == "+994 50 123 45 67"
    assert "Gəncə ş., Nizami küç. 5" in client.get("/appeals/new").get_data(as_text=True)
