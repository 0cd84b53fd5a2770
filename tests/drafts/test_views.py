"""Drafts through the web: "check your answers" before an appeal or an application is sent, "save and come back
later", the cabinet's list, deleting, and other residents kept out."""
from __future__ import annotations

import io
import os
import re
from html import unescape

import pytest
from sqlalchemy import func, select

from app.administration.seed import DEMO_PASSWORD
from app.extensions import db
from app.kit import drafts
from app.kit.calendar import add_working_days, local_date
from app.models import (
    Appeal,
    ApplicationDocument,
    Attachment,
    Category,
    Draft,
    DraftFile,
    Service,
    ServiceApplication,
)
from tests.appeals.test_views import field_error, filing
from tests.eservices.test_views import fields as application_fields
from tests.factories import PASSWORD, PDF, PNG, create_reference_data, create_service, create_user
from tests.landing_helpers import seed_demo_command
from tests.snapshots import replayed
from tests.test_pages import check_page

LANGS = ["az", "ru", "en"]
APPLY = "/services/residence-certificate/apply"


@pytest.fixture
def world(app):
    """Gəncə with a resident and an official, a second resident, and the residence certificate offered online in
    Gəncə and Masallı (the appeals' and e-services' view tests' worlds in one).
    Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("drafts views: world", _build_world)


def _build_world():
    districts = create_reference_data()
    gnc, msl = districts["GNC"], districts["MSL"]
    service = create_service([gnc, msl])
    category = db.session.scalars(select(Category).order_by(Category.id)).first()
    citizen = create_user("citizen@example.az", full_name="Aygün Həsənova", locale="az")
    citizen.district_id = gnc.id
    db.session.commit()
    ids = {"citizen": citizen.id, "stranger": create_user("stranger@example.az", full_name="Nurlan Sadıqov").id,
           "official": create_user("official@example.az", roles=[("official", gnc)]).id}
    return {"gnc": gnc.id, "msl": msl.id, "category": category.id, "service": service.id, **ids}


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def draft_of(app, draft_id: int) -> Draft:
    with app.app_context():
        draft = db.session.get(Draft, draft_id)
        db.session.expunge(draft)
        return draft


def only_draft(app) -> int:
    """The id of the one draft there is."""
    with app.app_context():
        return db.session.scalars(select(Draft.id)).one()


def draft_id_from(response) -> int:
    return int(re.search(r"draft=(\d+)", response.headers["Location"]).group(1))


def text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def continue_appeal(web, world, url="/appeals/new", **changes):
    data = filing(world, **changes)
    data["proceed"] = "Continue"
    return web.post(url, data, form_url=url, content_type="multipart/form-data")


# --- Check your answers: appeals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_the_check_page_lists_every_answer_with_a_change_link_to_its_field(app, web, client, world, lang):
    web.login("citizen@example.az", PASSWORD)
    client.get(f"/?lang={lang}")
    response = continue_appeal(web, world, location_lat="40.68", location_lon="46.36", confidential="y",
                               attachments=[(io.BytesIO(PDF), "letter.pdf")])
    assert response.status_code == 302 and "/appeals/new/check?draft=" in response.headers["Location"]
    draft_id = draft_id_from(response)
    assert count(app, Appeal) == 0  # nothing is filed before "Send"
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    check_page(html, lang)
    shown = text(html)
    district = {"az": "Gəncə", "ru": "Гянджа", "en": "Ganja"}[lang]
    complaint = {"az": "Şikayət", "ru": "Жалоба", "en": "Complaint"}[lang]
    for answer in (district, complaint, "Küçədə su yoxdur", "Üç gündür ki, küçəmizdə su yoxdur.", "Aygün Həsənova",
                   "Gəncə ş., Nizami küç. 5", "+994 50 123 45 67", "40.68, 46.36", "letter.pdf"):
        assert answer in shown, answer
    form = client.get(f"/appeals/new?draft={draft_id}").get_data(as_text=True)
    for field in ("district_id", "category_id", "kind", "subject", "text", "applicant_name", "applicant_address",
                  "applicant_phone", "confidential", "public_ok", "location_lat", "attachments"):
        link = f'href="/appeals/new?draft={draft_id}#{field}"'
        assert link in html, field
        assert f'id="{field}"' in form, field  # the link lands on the field
    # Each link says which answer it changes, to a screen reader.
    assert re.search(r'#subject">[^<]+<span class="visually-hidden"> [^<]+</span></a>', html)
    # The form comes back filled in from the draft.
    assert 'value="Küçədə su yoxdur"' in form and "letter.pdf" in form


def test_send_files_exactly_one_appeal_with_its_number_and_deadline(app, web, client, world):
    web.login("citizen@example.az", PASSWORD)
    response = continue_appeal(web, world, attachments=[(io.BytesIO(PDF), "letter.pdf"), (io.BytesIO(PNG), "a.png")])
    check_url = response.headers["Location"]
    draft_id = draft_id_from(response)
    with app.app_context():
        pending = sorted(f.stored_name for f in db.session.scalars(select(DraftFile)))
    assert sorted(os.listdir(app.config["ATTACHMENTS_DIR"])) == pending and len(pending) == 2
    sent = web.post(check_url, {"send": "Send"})
    assert sent.status_code == 302 and sent.headers["Location"].startswith("/cabinet/appeals/")
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        appeal = db.session.scalar(select(Appeal))
        assert re.fullmatch(r"GNC-\d{4}-000001", appeal.number) and appeal.number in page
        assert local_date(appeal.due_at) == add_working_days(local_date(appeal.registered_at), 15)
        assert appeal.subject == "Küçədə su yoxdur" and appeal.kind == "complaint"
        stored = sorted(a.stored_name for a in db.session.scalars(select(Attachment)))
        draft = db.session.get(Draft, draft_id)
        assert (draft.status, draft.appeal_id, draft.data) == ("submitted", appeal.id, {})
        assert draft.ended_at is not None and draft.district_id == world["gnc"]
    assert stored == pending  # the stored files became the attachments, nothing copied or lost
    assert count(app, DraftFile) == 0 and sorted(os.listdir(app.config["ATTACHMENTS_DIR"])) == pending
    # Sending again (a double click, a reload, the form sent again) files nothing new.
    again = web.post(check_url, {"send": "Send"}, form_url=f"/appeals/new?draft={draft_id}")
    assert again.status_code == 302 and again.headers["Location"] == f"/cabinet/appeals/{appeal.id}"
    assert web.post("/appeals/new", filing(world), form_url="/appeals/new").status_code == 302
    assert count(app, Appeal) == 1 and count(app, Draft) == 1


def test_continue_refuses_bad_input_beside_its_field_and_keeps_nothing(app, web, client, world):
    web.login("citizen@example.az", PASSWORD)
    client.get("/?lang=en")
    response = continue_appeal(web, world, applicant_address="", applicant_phone="")
    assert response.status_code == 422
    assert "anonymous" in field_error(response.get_data(as_text=True), "applicant_address")
    assert count(app, Draft) == 0 and count(app, Appeal) == 0


def test_change_then_continue_updates_the_same_draft(app, web, client, world):
    web.login("citizen@example.az", PASSWORD)
    draft_id = draft_id_from(continue_appeal(web, world))
    url = f"/appeals/new?draft={draft_id}"
    response = continue_appeal(web, world, url=url, subject="Su yoxdur, təcili")
    assert draft_id_from(response) == draft_id and count(app, Draft) == 1
    assert "Su yoxdur, təcili" in text(client.get(response.headers["Location"]).get_data(as_text=True))


def test_a_file_kept_by_the_draft_can_be_removed(app, web, client, world):
    web.login("citizen@example.az", PASSWORD)
    draft_id = draft_id_from(continue_appeal(web, world, attachments=[(io.BytesIO(PDF), "letter.pdf")]))
    with app.app_context():
        kept = db.session.scalar(select(DraftFile))
        kept_id, kept_name = kept.id, kept.stored_name
    url = f"/appeals/new?draft={draft_id}"
    data = filing(world, remove_file=str(kept_id), proceed="Continue")
    assert web.post(url, data, form_url=url).status_code == 302
    assert count(app, DraftFile) == 0 and kept_name not in os.listdir(app.config["ATTACHMENTS_DIR"])


# --- Save and come back later -------------------------------------------------------------------------------------


def test_save_sign_out_sign_in_continue_and_send(app, web, client, world):
    web.login("citizen@example.az", PASSWORD)
    client.get("/?lang=en")
    # An unfinished appeal: no subject, no text yet. Saving asks only for the length limits.
    data = filing(world, subject="", text="Yarımçıq", save_draft="Save")
    saved = web.post("/appeals/new", data, form_url="/appeals/new")
    assert saved.status_code == 302 and saved.headers["Location"] == "/cabinet/drafts"
    assert "My drafts" in client.get("/cabinet/drafts").get_data(as_text=True)
    web.post("/auth/logout", {}, form_url="/cabinet/")
    assert client.get("/cabinet/drafts").status_code == 302  # signed out
    web.login("citizen@example.az", PASSWORD)
    listing = client.get("/cabinet/drafts?lang=en").get_data(as_text=True)
    check_page(listing, "en")
    with app.app_context():
        draft = db.session.scalar(select(Draft))
        draft_id = draft.id
        assert draft.status == "open" and draft.data["text"] == "Yarımçıq" and draft.district_id == world["gnc"]
        assert draft.expires_at - draft.updated_at == drafts.LIFETIME
    assert "Untitled draft" in listing and f'href="/appeals/new?draft={draft_id}"' in listing
    assert f'href="/cabinet/drafts/{draft_id}/delete"' in listing
    form = client.get(f"/appeals/new?draft={draft_id}").get_data(as_text=True)
    assert "Yarımçıq" in form
    url = f"/appeals/new?draft={draft_id}"
    checked = continue_appeal(web, world, url=url)
    assert draft_id_from(checked) == draft_id
    sent = web.post(checked.headers["Location"], {"send": "Send"})
    assert sent.status_code == 302
    assert draft_of(app, draft_id).status == "submitted" and count(app, Appeal) == 1
    assert f"/appeals/new?draft={draft_id}" not in client.get("/cabinet/drafts").get_data(as_text=True)
    # The ended draft's form and check page say what became of it.
    gone = client.get(f"/appeals/new?draft={draft_id}")
    assert gone.status_code == 410 and "sent" in gone.get_data(as_text=True)


def test_save_on_the_check_page_keeps_the_draft_and_renews_its_date(app, web, client, world):
    web.login("citizen@example.az", PASSWORD)
    checked = continue_appeal(web, world)
    draft_id = draft_id_from(checked)
    with app.app_context():
        db.session.get(Draft, draft_id).expires_at = drafts.utcnow()
        db.session.commit()
    response = web.post(checked.headers["Location"], {"save_draft": "Save"})
    assert response.status_code == 302 and response.headers["Location"] == "/cabinet/drafts"
    draft = draft_of(app, draft_id)
    assert draft.status == "open" and draft.expires_at > drafts.utcnow() + drafts.LIFETIME - drafts.REMIND_BEFORE
    assert count(app, Appeal) == 0


def test_saving_refuses_an_over_long_field_beside_it(app, web, client, world):
    web.login("citizen@example.az", PASSWORD)
    client.get("/?lang=en")
    response = web.post("/appeals/new", filing(world, subject="x" * 201, text="", save_draft="Save"),
                        form_url="/appeals/new")
    assert response.status_code == 422
    assert "200" in field_error(response.get_data(as_text=True), "subject")
    # The empty text is not an error for a draft.
    assert 'id="text-error"' not in response.get_data(as_text=True)
    assert count(app, Draft) == 0


def test_at_most_twenty_open_drafts(app, web, client, world):
    web.login("citizen@example.az", PASSWORD)
    client.get("/?lang=en")
    for _ in range(drafts.MAX_OPEN):
        assert web.post("/appeals/new", filing(world, save_draft="Save"), form_url="/appeals/new").status_code == 302
    response = web.post("/appeals/new", filing(world, save_draft="Save"), form_url="/appeals/new")
    assert response.status_code == 422 and "at most" in response.get_data(as_text=True).lower()
    assert count(app, Draft) == drafts.MAX_OPEN


def test_delete_asks_first_then_erases_the_answers_and_files(app, web, client, world):
    web.login("citizen@example.az", PASSWORD)
    client.get("/?lang=ru")
    data = filing(world, save_draft="Save", attachments=[(io.BytesIO(PDF), "letter.pdf")])
    web.post("/appeals/new", data, form_url="/appeals/new", content_type="multipart/form-data")
    draft_id = only_draft(app)
    assert len(os.listdir(app.config["ATTACHMENTS_DIR"])) == 1
    confirm = client.get(f"/cabinet/drafts/{draft_id}/delete")
    assert confirm.status_code == 200
    check_page(confirm.get_data(as_text=True), "ru")
    # Without the CSRF token nothing is deleted.
    assert client.post(f"/cabinet/drafts/{draft_id}/delete").status_code in (400, 422)
    assert draft_of(app, draft_id).status == "open"
    deleted = web.post(f"/cabinet/drafts/{draft_id}/delete", {"submit": "x"})
    assert deleted.status_code == 302 and deleted.headers["Location"] == "/cabinet/drafts"
    draft = draft_of(app, draft_id)
    assert (draft.status, draft.data) == ("discarded", {}) and draft.ended_at is not None
    assert count(app, DraftFile) == 0 and os.listdir(app.config["ATTACHMENTS_DIR"]) == []
    assert client.get(f"/cabinet/drafts/{draft_id}/delete").status_code == 410


def test_another_resident_can_neither_see_nor_send_nor_delete_a_draft(app, web, client, world):
    web.login("citizen@example.az", PASSWORD)
    checked = continue_appeal(web, world)
    draft_id = draft_id_from(checked)
    web.post("/auth/logout", {}, form_url="/cabinet/")
    web.login("stranger@example.az", PASSWORD)
    assert client.get(checked.headers["Location"]).status_code == 404
    assert client.get(f"/appeals/new?draft={draft_id}").status_code == 404
    assert web.post(checked.headers["Location"], {"send": "Send"}, form_url="/appeals/new").status_code == 404
    assert web.post(f"/cabinet/drafts/{draft_id}/delete", {"submit": "x"}, form_url="/cabinet/drafts").status_code == 404
    assert web.post(f"/appeals/new?draft={draft_id}", filing(world, save_draft="Save"),
                    form_url="/appeals/new").status_code == 404
    assert f"draft={draft_id}" not in client.get("/cabinet/drafts").get_data(as_text=True)
    assert count(app, Appeal) == 0 and draft_of(app, draft_id).data["subject"] == "Küçədə su yoxdur"
    # An unknown draft is a 404 as well, not an error page.
    assert client.get("/appeals/new/check?draft=999999").status_code == 404
    assert client.get("/appeals/new/check").status_code == 404


def test_an_official_cannot_open_a_residents_draft(app, web, client, world):
    web.login("citizen@example.az", PASSWORD)
    draft_id = draft_id_from(continue_appeal(web, world))
    web.post("/auth/logout", {}, form_url="/cabinet/")
    web.login("official@example.az", PASSWORD)
    assert client.get(f"/appeals/new/check?draft={draft_id}").status_code == 404


def test_a_form_sent_in_one_go_counts_as_a_started_and_submitted_draft(app, web, client, world):
    web.login("citizen@example.az", PASSWORD)
    assert web.post("/appeals/new", filing(world), form_url="/appeals/new").status_code == 302
    with app.app_context():
        draft = db.session.scalar(select(Draft))
        appeal = db.session.scalar(select(Appeal))
        assert (draft.status, draft.appeal_id, draft.district_id, draft.data) == ("submitted", appeal.id,
                                                                                 world["gnc"], {})


# --- E-service applications ---------------------------------------------------------------------------------------


@pytest.fixture
def services(world):
    return world


@pytest.mark.parametrize("lang", LANGS)
def test_an_application_is_checked_then_sent_once(app, web, client, services, lang):
    web.login("citizen@example.az", PASSWORD)
    client.get(f"/?lang={lang}")
    data = {**application_fields(services), "proceed": "Continue"}
    response = web.post(APPLY, data, form_url=APPLY, content_type="multipart/form-data")
    assert response.status_code == 302 and "/apply/check?draft=" in response.headers["Location"]
    draft_id = draft_id_from(response)
    assert count(app, ServiceApplication) == 0
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    check_page(html, lang)
    shown = text(html)
    for answer in ("passport.pdf", "2015-05-20", "4", {"az": "Gəncə", "ru": "Гянджа", "en": "Ganja"}[lang]):
        assert answer in shown, answer
    form = client.get(f"{APPLY}?draft={draft_id}").get_data(as_text=True)
    for field in ("district_id", "f-purpose", "f-members", "f-birth_date", "f-note", "f-truth", "f-passport"):
        assert f'href="{APPLY}?draft={draft_id}#{field}"' in html, field
        assert f'id="{field}"' in form, field
    assert 'value="4"' in form and "passport.pdf" in form
    sent = web.post(response.headers["Location"], {"send": "Send"})
    assert sent.status_code == 302 and sent.headers["Location"].startswith("/cabinet/services/")
    with app.app_context():
        application = db.session.scalar(select(ServiceApplication))
        assert re.fullmatch(r"SRV-\d{4}-000001", application.number)
        assert application.answers["members"] == "4" and application.source == "web"
        assert [d.original_name for d in application.documents] == ["passport.pdf"]
        draft = db.session.get(Draft, draft_id)
        assert (draft.status, draft.application_id, draft.service_id) == ("submitted", application.id,
                                                                          services["service"])
    again = web.post(response.headers["Location"], {"send": "Send"}, form_url=APPLY)
    assert again.status_code == 302 and count(app, ServiceApplication) == 1
    assert count(app, ApplicationDocument) == 1 and count(app, DraftFile) == 0


def test_a_required_file_kept_by_the_draft_is_enough(app, web, client, services):
    web.login("citizen@example.az", PASSWORD)
    saved = web.post(APPLY, {**application_fields(services), "save_draft": "Save"}, form_url=APPLY,
                     content_type="multipart/form-data")
    assert saved.status_code == 302
    draft_id = only_draft(app)
    url = f"{APPLY}?draft={draft_id}"
    data = {**application_fields(services, **{"f-passport": None}), "proceed": "Continue"}
    checked = web.post(url, data, form_url=url, content_type="multipart/form-data")
    assert checked.status_code == 302, checked.get_data(as_text=True)[:3000]
    assert web.post(checked.headers["Location"], {"send": "Send"}).status_code == 302
    with app.app_context():
        assert [d.original_name for d in db.session.scalars(select(ApplicationDocument))] == ["passport.pdf"]


def test_an_application_draft_refuses_a_missing_answer_at_continue_not_at_save(app, web, client, services):
    web.login("citizen@example.az", PASSWORD)
    client.get("/?lang=en")
    data = {**application_fields(services, **{"f-members": "", "f-passport": None}), "save_draft": "Save"}
    assert web.post(APPLY, data, form_url=APPLY).status_code == 302
    draft_id = only_draft(app)
    url = f"{APPLY}?draft={draft_id}"
    data = {**application_fields(services, **{"f-members": "", "f-passport": None}), "proceed": "Continue"}
    response = web.post(url, data, form_url=url)
    assert response.status_code == 422
    assert "Fill in" in field_error(response.get_data(as_text=True), "f-members")
    assert "Attach" in field_error(response.get_data(as_text=True), "f-passport")


def test_a_draft_of_a_service_that_went_offline_gets_the_front_desk_message(app, web, client, services):
    web.login("citizen@example.az", PASSWORD)
    client.get("/?lang=en")
    checked = web.post(APPLY, {**application_fields(services), "proceed": "Continue"}, form_url=APPLY,
                       content_type="multipart/form-data")
    draft_id = draft_id_from(checked)
    with app.app_context():
        db.session.get(Service, services["service"]).online = False
        db.session.commit()
    for url in (checked.headers["Location"], f"{APPLY}?draft={draft_id}"):
        response = client.get(url, follow_redirects=True)
        assert response.request.path == "/services/residence-certificate"
        assert "front desk only" in response.get_data(as_text=True)
    assert web.post(checked.headers["Location"], {"send": "Send"}, form_url="/cabinet/drafts").status_code == 302
    assert count(app, ServiceApplication) == 0 and draft_of(app, draft_id).status == "open"


def test_the_cabinet_lists_an_application_draft_with_its_service(app, web, client, services):
    web.login("citizen@example.az", PASSWORD)
    web.post(APPLY, {**application_fields(services), "save_draft": "Save"}, form_url=APPLY,
             content_type="multipart/form-data")
    html = client.get("/cabinet/drafts?lang=en").get_data(as_text=True)
    check_page(html, "en")
    assert "Certificate of residence" in html and f'href="{APPLY}?draft=' in html


def test_a_tampered_district_is_kept_as_none_not_an_error(app, web, client, world):
    web.login("citizen@example.az", PASSWORD)
    response = web.post("/appeals/new", filing(world, district_id="999999", category_id="99999999999999",
                                               save_draft="Save"), form_url="/appeals/new")
    assert response.status_code == 302
    with app.app_context():
        draft = db.session.scalar(select(Draft))
        assert (draft.district_id, draft.category_id, draft.data["district_id"]) == (None, None, "999999")


def test_seed_demo_leaves_drafts_to_count_and_two_to_continue(app, runner, web, client):
    assert seed_demo_command(app, runner)[0] == 0
    with app.app_context():
        started = count(app, Draft)
        assert started > 0 and count(app, Draft, Draft.status == "open") == 2
        assert count(app, Draft, Draft.status == "submitted") == count(app, Appeal, Appeal.source == "web") + count(
            app, ServiceApplication, ServiceApplication.source == "web")
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert count(app, Draft) == started
    web.login("citizen@demo.az", DEMO_PASSWORD)
    listing = client.get("/cabinet/drafts?lang=en").get_data(as_text=True)
    links = re.findall(r'href="(/[^"]*\?draft=\d+)"', listing)
    assert len(links) == 2
    for link in links:
        assert client.get(link).status_code == 200
