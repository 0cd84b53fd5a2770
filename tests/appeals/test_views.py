"""Appeals through the web: filing in three languages, bad input beside its field, privacy by 404, every page."""
from __future__ import annotations

import io
import os
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.appeals import service as appeals
from app.extensions import db
from app.kit import files
from app.kit.calendar import BAKU, add_working_days, local_date
from app.models import Appeal, Attachment, Category, OutboxMessage
from tests.factories import EXE, PASSWORD, PDF, PNG, Upload, create_appeal, create_reference_data, create_user
from tests.snapshots import replayed
from tests.test_pages import check_page

LANGS = ["az", "ru", "en"]


@pytest.fixture
def world(app):
    """Gəncə with a resident, an official and a head; Masallı with an official; a second resident.
    Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("appeals views: world", _build_world)


def _build_world():
    districts = create_reference_data()
    gnc, msl = districts["GNC"], districts["MSL"]
    category = db.session.scalars(select(Category).order_by(Category.id)).first()
    people = {
        "citizen": create_user("citizen@example.az", full_name="Aygün Həsənova"),
        "stranger": create_user("stranger@example.az", full_name="Nurlan Sadıqov"),
        "official": create_user("official@example.az", roles=[("official", gnc)]),
        "head": create_user("head@example.az", roles=[("head", gnc)]),
        "other": create_user("other@example.az", roles=[("official", msl)]),
    }
    return {"gnc": gnc.id, "msl": msl.id, "category": category.id, **{k: u.id for k, u in people.items()}}


def filing(world, **changes) -> dict:
    """The filing form's fields, valid unless changed."""
    data = {
        "district_id": str(world["gnc"]),
        "category_id": str(world["category"]),
        "kind": "complaint",
        "subject": "Küçədə su yoxdur",
        "text": "Üç gündür ki, küçəmizdə su yoxdur.",
        "applicant_name": "Aygün Həsənova",
        "applicant_address": "Gəncə ş., Nizami küç. 5",
        "applicant_phone": "+994 50 123 45 67",
        "submission_token": "form-1",
    }
    data.update(changes)
    return data


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def field_error(html: str, field: str) -> str:
    """The error text printed beside ``field``."""
    match = re.search(rf'id="{field}-error">(.*?)</p>', html, re.S)
    assert match, f"no error beside {field}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def filed_appeal(app, world, **changes) -> int:
    """An appeal of the citizen to Gəncə, filed through the service."""
    with app.app_context():
        from app.models import District, User

        citizen = db.session.get(User, world["citizen"])
        return create_appeal(citizen, db.session.get(District, world["gnc"]), **changes).id


# --- Filing ------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_a_resident_files_in_their_language_and_sees_number_and_due_date(app, web, client, world, lang):
    web.login("citizen@example.az", PASSWORD)
    client.get(f"/?lang={lang}")
    response = web.post("/appeals/new", filing(world), follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    with app.app_context():
        appeal = db.session.scalar(select(Appeal))
        assert appeal.locale == lang and appeal.citizen_id == world["citizen"]
        assert local_date(appeal.due_at) == add_working_days(local_date(appeal.registered_at), 15)
        number = appeal.number
        mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "citizen@example.az"))
    assert re.fullmatch(r"GNC-\d{4}-000001", number)
    assert response.request.path.startswith("/cabinet/appeals/")
    assert number in html and number in mail.subject
    check_page(html, lang)
    # The same form sent again (a double click, a reload) files nothing new.
    again = web.post("/appeals/new", filing(world), follow_redirects=True)
    assert again.status_code == 200 and count(app, Appeal) == 1


def test_the_form_offers_districts_and_categories_in_the_visitors_language(web, client, world):
    web.login("citizen@example.az", PASSWORD)
    html = client.get("/appeals/new?lang=ru").get_data(as_text=True)
    assert "Гянджа" in html and 'name="submission_token"' in html
    check_page(html, "ru")


def test_an_unconfirmed_resident_is_asked_to_confirm_first(app, web, client, world):
    with app.app_context():
        create_user("new@example.az", confirmed=False)
    web.login("new@example.az", PASSWORD)
    assert client.get("/appeals/new").status_code == 403
    response = client.post("/appeals/new", data=filing(world))
    assert response.status_code in (400, 403) and count(app, Appeal) == 0


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get("/appeals/new")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


BAD_FIELDS = [
    ({"applicant_name": ""}, "applicant_name", "anonymous"),
    ({"applicant_address": "", "applicant_phone": ""}, "applicant_address", "anonymous"),
    ({"text": "x" * 10_001}, "text", "10000"),
    ({"district_id": "999999"}, "district_id", "district"),
    ({"district_id": "abc"}, "district_id", "district"),
    ({"category_id": "999999"}, "category_id", "category"),
    ({"kind": "petition"}, "kind", "complaint"),
    ({"location_lat": "north"}, "location_lat", "number"),
]


@pytest.mark.parametrize(("changes", "field", "words"), BAD_FIELDS)
def test_bad_input_comes_back_beside_its_field_and_nothing_is_stored(app, web, client, world, changes, field, words):
    web.login("citizen@example.az", PASSWORD)
    client.get("/?lang=en")
    response = web.post("/appeals/new", filing(world, **changes), form_url="/appeals/new")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert words in field_error(html, field).lower()
    assert 'class="error-summary"' in html
    assert count(app, Appeal) == 0 and count(app, OutboxMessage) == 0


def test_the_law_refusing_anonymous_appeals_is_explained_in_azerbaijani(web, client, world):
    web.login("citizen@example.az", PASSWORD)
    client.get("/?lang=az")
    response = web.post("/appeals/new", filing(world, applicant_name=" "), form_url="/appeals/new")
    assert response.status_code == 422
    assert "anonim" in field_error(response.get_data(as_text=True), "applicant_name").lower()


BAD_FILES = [
    ([("setup.pdf", EXE)], "PDF"),  # a renamed executable
    ([("photo.png", b"GIF89a" + b"\x00" * 40)], "PDF"),  # a real image of a type we do not take
    ([("big.pdf", PDF + b"\x00" * files.MAX_FILE_BYTES)], "10 MB"),
    ([(f"page{i}.png", PNG) for i in range(files.MAX_FILES + 1)], "5"),
    ([("good.pdf", PDF), ("setup.pdf", EXE)], "PDF"),  # one good file is not kept either
]


@pytest.mark.parametrize(("uploads", "words"), BAD_FILES)
def test_a_bad_attachment_is_refused_beside_the_field_and_no_file_is_left(app, web, client, world, uploads, words):
    web.login("citizen@example.az", PASSWORD)
    client.get("/?lang=en")
    data = filing(world, attachments=[(io.BytesIO(body), name) for name, body in uploads])
    response = web.post("/appeals/new", data, form_url="/appeals/new", content_type="multipart/form-data")
    assert response.status_code == 422
    assert words in field_error(response.get_data(as_text=True), "attachments")
    assert count(app, Appeal) == 0 and count(app, Attachment) == 0
    assert os.listdir(app.config["ATTACHMENTS_DIR"]) == []


def test_good_attachments_are_stored_outside_static_with_their_hash(app, web, client, world):
    web.login("citizen@example.az", PASSWORD)
    data = filing(world, attachments=[(io.BytesIO(PDF), "letter.pdf"), (io.BytesIO(PNG), "photo.png")])
    response = web.post("/appeals/new", data, form_url="/appeals/new", content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        stored = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
        assert [(a.original_name, a.content_type, a.size) for a in stored] == [
            ("letter.pdf", "application/pdf", len(PDF)), ("photo.png", "image/png", len(PNG))]
        assert all(len(a.sha256) == 64 and a.stored_name not in ("letter.pdf", "photo.png") for a in stored)
        appeal_id, first = stored[0].appeal_id, stored[0].id
    assert sorted(os.listdir(app.config["ATTACHMENTS_DIR"])) == sorted(a.stored_name for a in stored)
    download = client.get(f"/cabinet/appeals/{appeal_id}/files/{first}")
    assert download.status_code == 200 and download.data == PDF
    assert "attachment" in download.headers["Content-Disposition"]


# --- Privacy: someone else's appeal does not exist --------------------------------------------


def _appeal_with_file(app, world) -> tuple[int, int]:
    appeal_id = filed_appeal(app, world, attachments=[Upload("letter.pdf", PDF)])
    with app.app_context():
        return appeal_id, db.session.scalar(select(Attachment.id))


def test_another_resident_gets_404_for_the_appeal_its_files_and_its_steps(app, web, client, world):
    appeal_id, file_id = _appeal_with_file(app, world)
    web.login("stranger@example.az", PASSWORD)
    assert client.get(f"/cabinet/appeals/{appeal_id}").status_code == 404
    assert client.get(f"/cabinet/appeals/{appeal_id}/files/{file_id}").status_code == 404
    assert client.get(f"/office/appeals/{appeal_id}/files/{file_id}").status_code in (403, 404)
    for step, data in [("withdraw", {}), ("message", {"message-note": "Salam"}), ("rate", {"rate-rating": "5"})]:
        prefix = {"withdraw": "withdraw", "message": "message", "rate": "rate"}[step]
        response = web.post(f"/cabinet/appeals/{appeal_id}/{step}", {f"{prefix}-submit": "1", **data},
                            form_url="/cabinet/appeals")
        assert response.status_code == 404, step
    with app.app_context():
        appeal = db.session.get(Appeal, appeal_id)
        assert appeal.status == "submitted" and len(appeal.messages) == 0
    assert "stranger" not in client.get("/cabinet/appeals").get_data(as_text=True)
    assert "Küçədə su yoxdur" not in client.get("/cabinet/appeals").get_data(as_text=True)


def test_an_official_of_another_district_gets_404_for_the_appeal_and_its_files(app, web, client, world):
    appeal_id, file_id = _appeal_with_file(app, world)
    web.login("other@example.az", PASSWORD)
    assert client.get(f"/office/appeals/{appeal_id}").status_code == 404
    assert client.get(f"/office/appeals/{appeal_id}/files/{file_id}").status_code == 404
    assert client.get(f"/cabinet/appeals/{appeal_id}").status_code == 404
    assert client.get(f"/office/appeals?district={world['gnc']}").status_code == 404
    assert client.get(f"/office/appeals/escalations?district={world['gnc']}").status_code == 404
    response = web.post(f"/office/appeals/{appeal_id}/register", {"register-submit": "1"}, form_url="/office/appeals")
    assert response.status_code == 404
    inbox = client.get("/office/appeals?status=all").get_data(as_text=True)
    assert "GNC-" not in inbox
    with app.app_context():
        assert db.session.get(Appeal, appeal_id).status == "submitted"


def test_the_district_official_sees_the_appeal_and_downloads_its_file(app, web, client, world):
    appeal_id, file_id = _appeal_with_file(app, world)
    web.login("official@example.az", PASSWORD)
    inbox = client.get("/office/appeals").get_data(as_text=True)
    assert "GNC-" in inbox and "Küçədə su yoxdur" in inbox
    assert client.get(f"/office/appeals/{appeal_id}").status_code == 200
    download = client.get(f"/office/appeals/{appeal_id}/files/{file_id}")
    assert download.status_code == 200 and download.data == PDF


# --- The loop through the web: register, assign, answer, rate ----------------------------------


def test_official_and_resident_take_an_appeal_to_a_rated_answer(app, web, client, world):
    appeal_id = filed_appeal(app, world)
    office = f"/office/appeals/{appeal_id}"
    web.login("official@example.az", PASSWORD)
    client.get("/?lang=en")
    assert web.post(f"{office}/register", {"register-department_id": ""}, form_url=office).status_code == 302
    assert web.post(f"{office}/assign", {"assign-assignee_id": str(world["official"])}, form_url=office).status_code == 302
    # Bad input beside its field, nothing changed: an empty answer.
    empty = web.post(f"{office}/answer", {"answer-answer": " "}, form_url=office)
    assert empty.status_code == 422 and "answer" in field_error(empty.get_data(as_text=True), "answer-answer").lower()
    assert web.post(f"{office}/note", {"note-note": "Su idarəsinə zəng etdim."}, form_url=office).status_code == 302
    answer = "Su təchizatı bərpa olunub."
    assert web.post(f"{office}/answer", {"answer-answer": answer}, form_url=office).status_code == 302
    web.post("/auth/logout", {}, form_url="/cabinet/")

    web.login("citizen@example.az", PASSWORD)
    client.get("/?lang=en")
    mine = f"/cabinet/appeals/{appeal_id}"
    page = client.get(mine).get_data(as_text=True)
    assert answer in page and "Su idarəsinə zəng etdim." not in page  # internal notes stay internal
    wrong = web.post(f"{mine}/rate", {"rate-rating": "7"}, form_url=mine)
    assert wrong.status_code == 422 and "1 to 5" in field_error(wrong.get_data(as_text=True), "rate-rating")
    with app.app_context():
        assert db.session.get(Appeal, appeal_id).status == "answered"
    rated = web.post(f"{mine}/rate", {"rate-rating": "4", "rate-comment": "Tez cavab verdilər."}, form_url=mine)
    assert rated.status_code == 302
    with app.app_context():
        appeal = db.session.get(Appeal, appeal_id)
        assert (appeal.status, appeal.rating, appeal.rating_comment) == ("closed", 4, "Tez cavab verdilər.")
        actions = [e.action for e in appeal.events]
    assert actions[0] == "filed" and actions[-1] == "rated"


def test_a_dispute_after_thirty_days_is_refused_and_changes_nothing(app, web, client, world):
    appeal_id = filed_appeal(app, world)
    with app.app_context():
        from datetime import datetime

        from app.models import User

        official = db.session.get(User, world["official"])
        then = datetime(2026, 1, 5, 10, tzinfo=BAKU)
        appeals.transition(official, appeal_id, "registered", now=then)
        appeals.transition(official, appeal_id, "in_progress", now=then)
        appeals.transition(official, appeal_id, "answered", appeals.StepData(answer="Cavab."), now=then)
    web.login("citizen@example.az", PASSWORD)
    client.get("/?lang=en")
    mine = f"/cabinet/appeals/{appeal_id}"
    response = web.post(f"{mine}/dispute", {"dispute-note": "Razı deyiləm."}, form_url=mine)
    assert response.status_code == 422 and "30 days" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Appeal, appeal_id).status == "answered"


# --- The public list -------------------------------------------------------------------------


def test_the_public_list_shows_allowed_appeals_with_answers_and_never_a_name(app, web, client, world):
    shown = filed_appeal(app, world, public_ok=True, subject="Parkda işıq yoxdur",
                         applicant_phone="+994 50 765 43 21", attachments=[Upload("letter.pdf", PDF)])
    filed_appeal(app, world, public_ok=False, subject="Şəxsi məsələ")
    filed_appeal(app, world, public_ok=True, confidential=True, subject="Məxfi məsələ")
    with app.app_context():
        from app.models import User

        official = db.session.get(User, world["official"])
        appeals.transition(official, shown, "registered")
        appeals.transition(official, shown, "in_progress")
        appeals.transition(official, shown, "answered", appeals.StepData(answer="İşıqlar bərpa olundu."))
    html = client.get("/appeals/public/GNC?lang=en").get_data(as_text=True)
    check_page(html, "en")
    assert "Parkda işıq yoxdur" in html and "İşıqlar bərpa olundu." in html
    assert "Şəxsi məsələ" not in html and "Məxfi məsələ" not in html
    for private in ("Aygün", "Həsənova", "Nizami", "765 43 21", "letter.pdf", "/files/"):
        assert private not in html
    assert client.get("/appeals/public/ZZZ").status_code == 404
    assert client.get("/appeals/public/GNC?page=abc").status_code == 200
    assert "Gəncə" in client.get("/appeals/public?lang=az").get_data(as_text=True)


# --- Every appeals page renders in every language for those allowed, and only them -----------


@pytest.mark.parametrize("lang", LANGS)
def test_every_appeals_page_keeps_the_portals_promises(app, web, client, world, lang):
    appeal_id = filed_appeal(app, world, attachments=[Upload("letter.pdf", PDF)], public_ok=True)
    web.login("citizen@example.az", PASSWORD)
    for path in ["/appeals/new", "/cabinet/appeals", f"/cabinet/appeals/{appeal_id}", "/appeals/public",
                 "/appeals/public/GNC"]:
        response = client.get(f"{path}?lang={lang}")
        assert response.status_code == 200, path
        check_page(response.get_data(as_text=True), lang)
    assert client.get("/office/appeals").status_code == 403
    web.post("/auth/logout", {}, form_url="/cabinet/")
    web.login("head@example.az", PASSWORD)
    for path in ["/office/appeals", "/office/appeals?status=all&sort=newest&overdue=1&due_within=5&q=su",
                 f"/office/appeals/{appeal_id}", "/office/appeals/escalations"]:
        response = client.get(f"{path}&lang={lang}" if "?" in path else f"{path}?lang={lang}")
        assert response.status_code == 200, path
        check_page(response.get_data(as_text=True), lang)


@pytest.mark.parametrize("query", ["status=bogus", "sort=evil", "kind=x", "page=-4", "per_page=100000",
                                   "due_within=abc", "category_id=zz", "assignee=%27", "district=abc"])
def test_odd_inbox_queries_never_fail(web, client, world, query):
    web.login("official@example.az", PASSWORD)
    response = client.get(f"/office/appeals?{query}", follow_redirects=True)
    # A value the page never offers starts again from the default view; a district that is not one's own is absent.
    assert response.status_code == (404 if query.startswith("district") else 200)


def test_due_dates_follow_the_working_day_calendar_on_the_page(app, web, client, world):
    from datetime import datetime

    appeal_id = filed_appeal(app, world, now=datetime(2026, 3, 16, 9, tzinfo=BAKU))
    web.login("citizen@example.az", PASSWORD)
    html = client.get(f"/cabinet/appeals/{appeal_id}?lang=en").get_data(as_text=True)
    # 15 working days after Monday 16 March 2026 skip Novruz and Ramazan.
    assert "15 April 2026" in html  # the long form, one style per language
    assert date(2026, 4, 15) == add_working_days(date(2026, 3, 16), 15)


def _status(app, appeal_id: int) -> str:
    with app.app_context():
        return db.session.get(Appeal, appeal_id).status


def test_every_other_step_works_through_its_page(app, web, client, world):
    info, forward, refuse, withdraw = (filed_appeal(app, world) for _ in range(4))
    web.login("head@example.az", PASSWORD)
    client.get("/?lang=en")
    for appeal_id in (info, forward, refuse):
        office = f"/office/appeals/{appeal_id}"
        assert web.post(f"{office}/register", {"register-department_id": ""}, form_url=office).status_code == 302
    office = f"/office/appeals/{info}"
    assert web.post(f"{office}/start", {"start-submit": "1"}, form_url=office).status_code == 302
    assert web.post(f"{office}/extra-study", {"study-submit": "1"}, form_url=office).status_code == 302
    bad = web.post(f"{office}/extend", {"extend-days": "45", "extend-reason": "Ekspertiza"}, form_url=office)
    assert bad.status_code == 422 and "30" in field_error(bad.get_data(as_text=True), "extend-days")
    assert web.post(f"{office}/extend", {"extend-days": "10", "extend-reason": "Ekspertiza"}, form_url=office).status_code == 302
    again = web.post(f"{office}/extend", {"extend-days": "5", "extend-reason": "Yenə"}, form_url=office)
    assert again.status_code == 422 and "once" in again.get_data(as_text=True)
    assert web.post(f"{office}/message", {"message-note": "Sənədləri göndərin."}, form_url=office).status_code == 302
    assert web.post(f"{office}/request-info", {"info-note": "Ünvanı dəqiqləşdirin."}, form_url=office).status_code == 302
    assert _status(app, info) == "info_requested"

    office = f"/office/appeals/{forward}"
    empty = web.post(f"{office}/forward", {"forward-forwarded_to": ""}, form_url=office)
    assert empty.status_code == 422 and _status(app, forward) == "registered"
    assert web.post(f"{office}/forward", {"forward-forwarded_to": "Nazirlik"}, form_url=office).status_code == 302
    assert _status(app, forward) == "forwarded"

    office = f"/office/appeals/{refuse}"
    no_ground = web.post(f"{office}/not-consider", {"nc-ground": "", "nc-note": "Təkrar"}, form_url=office)
    assert no_ground.status_code == 422 and _status(app, refuse) == "registered"
    assert web.post(f"{office}/not-consider", {"nc-ground": "repeated", "nc-note": "Təkrar müraciət."},
                    form_url=office).status_code == 302
    office = f"/office/appeals/{withdraw}"
    assert web.post(f"{office}/urgent", {"urgent-submit": "1"}, form_url=office).status_code == 302
    twice = web.post(f"{office}/urgent", {"urgent-submit": "1"}, form_url=office)
    assert twice.status_code == 422 and "can no longer be changed" in twice.get_data(as_text=True)
    with app.app_context():
        urgent = db.session.get(Appeal, withdraw)
        assert urgent.urgent and urgent.due_at - urgent.registered_at == timedelta(hours=24)
    web.post("/auth/logout", {}, form_url="/cabinet/")

    web.login("citizen@example.az", PASSWORD)
    mine = f"/cabinet/appeals/{info}"
    assert web.post(f"{mine}/reply", {"reply-note": "Nizami küç. 5, mənzil 12."}, form_url=mine).status_code == 302
    assert _status(app, info) == "in_progress"
    mine = f"/cabinet/appeals/{withdraw}"
    assert web.post(f"{mine}/withdraw", {"withdraw-note": "Problem həll olundu."}, form_url=mine).status_code == 302
    assert _status(app, withdraw) == "not_considered"
    with app.app_context():
        extended = db.session.get(Appeal, info)
        assert extended.extra_study and extended.extension_days == 10
        assert [e.action for e in extended.events].count("extended") == 1
