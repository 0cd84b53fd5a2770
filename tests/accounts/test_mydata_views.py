"""A resident's own data: the download holds each of their records and files; closing the account leaves no
email or phone of theirs anywhere in the database, and their name only where the law keeps it."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from app.administration import seed
from app.administration.seed import DEMO_PASSWORD
from app.appeals import demo
from app.appeals import service as appeals
from app.commitments import service as commitments
from app.consultations import service as consultations
from app.eservices import demo as eservice_seed
from app.eservices import service as eservices
from app.extensions import db
from app.kit import files, storage
from app.kit.calendar import add_working_days, local_date
from app.models import (
    Appeal,
    AuditEntry,
    Category,
    CommitmentFeedback,
    Notification,
    NotificationPreference,
    OutboxMessage,
    ReceptionBooking,
    ServiceApplication,
    User,
    utcnow,
)
from app.models.consultation import ConsultationComment, ConsultationResponse
from app.models.news_subscription import NewsSubscription
from app.models.poll import PollParticipation, PollTopic
from app.models.proposal import Proposal, ProposalSupport
from app.news import subscriptions as news_subscriptions
from app.polls import demo as poll_demo
from app.polls import service as polls
from app.proposals import service as proposals
from app.reception import service as reception
from tests.appeals.test_views import field_error
from tests.conftest import Browserless
from tests.consultation_helpers import make_consultation
from tests.factories import (
    PASSWORD,
    PDF,
    PNG,
    Upload,
    application_input,
    create_appeal,
    create_reference_data,
    create_service,
    create_user,
)

NAME = "Zərifə Xudaverdiyeva"
EMAIL = "zerife.closing@example.az"
PHONE = "+994 55 771 23 45"
ADDRESS = "Gəncə ş., Cavadxan küç. 17, m. 4"
# Where the law keeps the applicant's name after the account is closed: (table, column).
KEPT_NAME = {("appeals", "applicant_name"), ("service_applications", "applicant")}


def unzip(response) -> tuple[dict, zipfile.ZipFile]:
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    return json.loads(archive.read("data.json")), archive


def take_part(user, district, editor, other) -> dict:
    """``user`` takes part in everything the portal offers beyond appeals: a published proposal with a picture and
    a draft with one, a support of ``other``'s proposal, a comment and a reply on a consultation and its question
    set answered, news subscriptions to their address (one signed in, one as a stranger would, in capitals), and
    a poll topic. Needs a request context."""
    category = db.session.scalars(select(Category).order_by(Category.position)).first()

    def proposal(author, title, publish, image=None):
        return proposals.create(author, proposals.ProposalInput(
            district_id=district.id, category_id=category.id, title=title, body=f"{title}: ətraflı izah.",
            image=image), publish_now=publish)

    own = proposal(user, "Həyətdə uşaq meydançası", True, Upload("meydança.png", PNG))
    draft = proposal(user, "Küçəyə işıq", False, Upload("küçə.png", PNG))
    theirs = proposal(other, "Bazarda kölgəlik", True)
    proposals.support(user, theirs.id)
    consultation = make_consultation(editor, district, "open", title="Həyət qaydaları")
    first = consultations.comment(other, consultation.id, consultation.sections[0].id, "Səhər 7-də açılsın.")
    comment = consultations.comment(user, consultation.id, consultation.sections[1].id, "Qayış kifayətdir.")
    reply = consultations.comment(user, consultation.id, None, "Razı deyiləm, 8-də.", parent_id=first.id)
    question = consultation.questions[0]
    consultations.answer(user, consultation.id, {question.id: question.options[1].id})
    assert news_subscriptions.subscribe(user, user.email, district.id, "az") == "active"
    assert news_subscriptions.subscribe(None, user.email.upper(), district.id, "ru") == "sent"
    topic = polls.propose(user, polls.TopicInput(
        district_id=district.id, direction="public_spaces", kind="single", question="Parkda nə tikilsin?",
        description="Şimal hissəsi boşdur.", options=["Uşaq meydançası", "İdman meydançası"]))
    return {"proposal": own.id, "picture": own.image_name, "draft": draft.id, "draft_picture": draft.image_name,
            "supported": theirs.id, "consultation": consultation.id, "comments": {comment.id, reply.id},
            "reply_to": first.id, "answer": question.options[1].label_az, "topic": topic.question}


# --- The download of the demo citizen ---------------------------------------------------------------------------


@pytest.fixture
def demo_portal(app):
    with app.app_context():
        seed.seed_reference_data()
        seed.seed_demo_users()
        demo.seed_demo_appeals(120)
        demo.seed_demo_receptions()
        commitments.seed_demo()
        eservice_seed.seed_catalogue()
        eservice_seed.seed_demo_applications(*demo.demo_service_people())
        poll_demo.seed_demo()
        citizen = db.session.scalar(select(User).where(User.email == "citizen@demo.az"))
        # One appeal with a file of theirs, so the download carries an attachment too.
        appeal = create_appeal(citizen, seed_district("GNC"), attachments=[Upload("çuxur şəkli.png", PNG)])
        editor = db.session.scalar(select(User).where(User.email == "editor.gnc@demo.az"))
        other = db.session.scalar(select(User).where(User.email == "resident1@demo.az"))
        with app.test_request_context():
            taken = take_part(citizen, seed_district("GNC"), editor, other)
        return citizen.id, appeal.number, taken


def seed_district(code):
    from app.kit.reference import by_code

    return by_code(code)


def test_the_demo_citizens_download_holds_each_of_their_records(app, client, demo_portal):
    citizen_id, with_file, taken = demo_portal
    web = Browserless(client)
    web.login("citizen@demo.az", DEMO_PASSWORD)
    page = client.get("/cabinet/data")
    assert page.status_code == 200 and 'action="/cabinet/data/download"' in page.get_data(as_text=True)
    assert client.post("/cabinet/data/download").status_code == 400  # no CSRF token
    data, archive = unzip(web.post("/cabinet/data/download", {"download-submit": "1"}, form_url="/cabinet/data"))
    with app.app_context():
        appeals_held = set(db.session.scalars(select(Appeal.number).where(Appeal.citizen_id == citizen_id)))
        bookings = set(db.session.scalars(select(ReceptionBooking.number).where(ReceptionBooking.citizen_id == citizen_id)))
        applications = db.session.scalars(select(ServiceApplication).where(ServiceApplication.citizen_id == citizen_id)).all()
        documents = {d.sha256 for a in applications for d in a.documents}
        notifications = set(db.session.scalars(select(Notification.text).where(Notification.user_id == citizen_id)))
        feedback = db.session.scalars(select(CommitmentFeedback.commitment_id)
                                      .where(CommitmentFeedback.citizen_id == citizen_id)).all()
        polls = set(db.session.scalars(select(PollParticipation.poll_id).where(PollParticipation.user_id == citizen_id)))
        topics = set(db.session.scalars(select(PollTopic.question).where(PollTopic.author_id == citizen_id)))
    assert appeals_held and bookings and applications and notifications
    assert data["profile"]["email"] == "citizen@demo.az" and data["profile"]["full_name"] == "Leyla Məmmədova"
    assert {a["number"] for a in data["appeals"]} == appeals_held
    assert all(a["timeline"] for a in data["appeals"])
    assert {b["number"] for b in data["reception_bookings"]} == bookings
    assert {a["number"] for a in data["service_applications"]} == {a.number for a in applications}
    assert {n["text"] for n in data["notifications"]} == notifications
    assert sorted(f["commitment_id"] for f in data["commitment_feedback"]) == sorted(feedback)
    assert data["reports_made"] == [] and data["participation_blocks"] == []
    assert {p["poll_id"] for p in data["poll_participation"]} == polls
    assert all(set(p) == {"poll_id", "question", "took_part_at"} for p in data["poll_participation"])  # no choice
    assert {t["question"] for t in data["poll_topics_proposed"]} == topics
    # Every file is in the zip with the bytes stored.
    exported_documents = [d for a in data["service_applications"] for d in a["documents"]]
    assert {d["sha256"] for d in exported_documents} == documents
    for item in exported_documents + [f for a in data["appeals"] for f in a["attachments"]]:
        assert item["file"] and len(archive.read(item["file"])) == item["size"]
    attached = next(a for a in data["appeals"] if a["number"] == with_file)["attachments"]
    assert [f["name"] for f in attached] == ["çuxur şəkli.png"] and archive.read(attached[0]["file"]) == PNG
    # Beyond appeals: proposals (state, answer, picture), supports, comments and replies, answers, subscriptions.
    written = {p["id"]: p for p in data["proposals"]["written"]}
    assert set(written) == {taken["proposal"], taken["draft"]}
    mine = written[taken["proposal"]]
    assert mine["state"] == "published" and mine["answer"] is None and mine["title"] == "Həyətdə uşaq meydançası"
    assert archive.read(mine["picture"]) == PNG and written[taken["draft"]]["state"] == "draft"
    assert [s["proposal_id"] for s in data["proposals"]["supported"]] == [taken["supported"]]
    comments = {c["id"]: c for c in data["consultations"]["comments"]}
    assert set(comments) == taken["comments"] and all(c["consultation_id"] == taken["consultation"]
                                                      for c in comments.values())
    assert {c["reply_to"] for c in comments.values()} == {None, taken["reply_to"]}
    assert [(a["consultation_id"], a["answer"]) for a in data["consultations"]["answers"]] == [
        (taken["consultation"], taken["answer"])]
    assert sorted((s["email"], s["language"], s["status"]) for s in data["news_subscriptions"]) == [
        ("citizen@demo.az", "az", "active"), ("citizen@demo.az", "ru", "pending")]
    assert taken["topic"] in topics
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.export"))
        # By id, never by contact: the trail is append-only.
        assert (entry.actor_id, entry.actor_email, entry.object_id) == (citizen_id, None, str(citizen_id))


# --- Closing the account ----------------------------------------------------------------------------------------


@pytest.fixture
def resident_with_history(app):
    """A resident with a phone and address, an appeal with a file and a message, an e-service application,
    a reception booking, notifications and emails; and the officials of Gəncə."""
    with app.test_request_context():
        districts = create_reference_data()
        gnc = districts["GNC"]
        official = create_user("official@example.az", full_name="Rəşad Əliyev", roles=[("official", gnc)])
        head = create_user("head@example.az", full_name="Elçin Hüseynov", roles=[("head", gnc)])
        resident = create_user(EMAIL, full_name=NAME)
        resident.phone, resident.address = PHONE, ADDRESS
        db.session.commit()
        appeal = create_appeal(resident, gnc, applicant_name=NAME, applicant_phone=PHONE, applicant_address=ADDRESS,
                               attachments=[Upload("ərizə.pdf", PDF)])
        appeals.transition(official, appeal.id, "registered")
        appeals.transition(official, appeal.id, "in_progress")
        appeals.transition(official, appeal.id, "info_requested", appeals.StepData(note="Ünvanı dəqiqləşdirin."))
        appeals.transition(resident, appeal.id, "in_progress", appeals.StepData(note="Ünvan düzdür."))
        service = create_service([gnc])
        application = eservices.apply(resident, application_input(service, gnc, members="3", passport="vəsiqə.pdf"))
        day = add_working_days(local_date(utcnow()), 3)
        session = reception.publish(head, gnc.id, reception.SessionInput(
            host_id=head.id, day=day, start=time(10), end=time(12), slot_minutes=30, place="İcra hakimiyyəti, 1-ci mərtəbə"))
        booking = reception.book(resident, session.id, session.slots[0].id, "Həyətin abadlaşdırılması")
        editor = create_user("editor@example.az", full_name="Səbinə Rzayeva", roles=[("editor", gnc)])
        other = create_user("other@example.az", full_name="Rəşad Məmmədov")
        taken = take_part(resident, gnc, editor, other)
        ids = {"resident": resident.id, "appeal": appeal.id, "application": application.id, "booking": booking.id,
               **taken}
    with app.app_context():
        assert db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.recipient == EMAIL))
        assert db.session.scalar(select(Notification.id).where(Notification.user_id == ids["resident"]))
    return ids


def every_text_value(app):
    """Yield (table, column, value as text) for every non-empty value of every column of every table."""
    with app.app_context(), db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            for row in conn.execute(table.select()).mappings():
                for column, value in row.items():
                    if value is None or isinstance(value, bool | int | float | datetime | date | timedelta):
                        continue
                    text = json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else str(value)
                    yield table.name, column, text


def test_closing_leaves_no_contact_anywhere_and_the_name_only_where_the_law_keeps_it(app, client, resident_with_history):
    web = Browserless(client)
    web.login(EMAIL, PASSWORD)
    # A notification choice of theirs (issue 17's notification centre): it goes with the account.
    assert web.post("/cabinet/notifications/settings", {"channel_appeal.answered": "digest"},
                    form_url="/cabinet/notifications/settings").status_code in (200, 302)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(NotificationPreference)) == 1
    # Before: the contacts are in the database (the search below would find them).
    found = {(t, c) for t, c, v in every_text_value(app) if EMAIL in v or PHONE in v}
    assert ("users", "email") in found and ("appeals", "applicant_phone") in found and ("outbox", "recipient") in found
    assert ("news_subscriptions", "email") in found

    response = web.post("/cabinet/data/close", {"close-password": PASSWORD}, form_url="/cabinet/data")
    assert response.status_code == 302

    leaks = [(t, c) for t, c, v in every_text_value(app) if EMAIL.lower() in v.lower() or PHONE in v
             or PHONE.replace(" ", "") in v.replace(" ", "")]
    assert leaks == []
    names = {(t, c) for t, c, v in every_text_value(app) if NAME in v}
    assert names <= KEPT_NAME and ("appeals", "applicant_name") in names
    with app.app_context():
        user = db.session.get(User, resident_with_history["resident"])
        assert user.closed_at is not None and not user.active and user.full_name == "" and user.address is None
        assert db.session.scalar(select(func.count()).select_from(NotificationPreference)) == 0
        # The records the law keeps are all there.
        appeal = db.session.get(Appeal, resident_with_history["appeal"])
        assert appeal.applicant_name == NAME and appeal.applicant_address == ADDRESS and appeal.attachments
        application = db.session.get(ServiceApplication, resident_with_history["application"])
        assert application.applicant["full_name"] == NAME and application.documents
        assert db.session.get(ReceptionBooking, resident_with_history["booking"]).status == "booked"
        assert db.session.scalar(select(Notification.id).where(Notification.user_id == user.id)) is None
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.close"))
        assert (entry.actor_id, entry.actor_email, entry.object_id) == (user.id, None, str(user.id))
        # The resident's own actions were audited by id only (the trail keeps no address of theirs).
        own_steps = db.session.scalars(select(AuditEntry).where(AuditEntry.actor_id == user.id)).all()
        assert {e.action for e in own_steps} >= {"proposal.publish"} and all(e.actor_email is None for e in own_steps)
        # No subscription to the address is left, whoever made it.
        assert db.session.scalar(select(NewsSubscription.id)) is None
        # The draft and its picture are gone; the published proposal, the support, the comments, the answers and
        # the poll topic stay (public participation, holding no contact).
        taken = resident_with_history
        assert db.session.get(Proposal, taken["draft"]) is None and not storage.current().exists(taken["draft_picture"])
        published = db.session.get(Proposal, taken["proposal"])
        assert published.state == "published" and storage.current().exists(taken["picture"])
        assert db.session.scalar(select(ProposalSupport.proposal_id).where(ProposalSupport.citizen_id == user.id)) \
            == taken["supported"]
        assert set(db.session.scalars(select(ConsultationComment.id).where(ConsultationComment.author_id == user.id))) \
            == taken["comments"]
        assert db.session.scalar(select(ConsultationResponse.id).where(ConsultationResponse.citizen_id == user.id))
        assert db.session.scalar(select(PollTopic.question).where(PollTopic.author_id == user.id)) == taken["topic"]
    # Signed out, and the old address and password open nothing.
    assert client.get("/cabinet/").status_code == 302
    assert web.login(EMAIL, PASSWORD).status_code != 302
    assert client.get("/cabinet/").status_code == 302

    # The officials still see the records, as a closed account's.
    web.login("official@example.az", PASSWORD)
    for path in [f"/office/appeals/{resident_with_history['appeal']}",
                 f"/office/services/{resident_with_history['application']}", "/office/services?status=all"]:
        page = client.get(f"{path}{'&' if '?' in path else '?'}lang=en")
        assert page.status_code == 200, path
        assert "Closed account" in page.get_data(as_text=True), path


def test_a_wrong_password_closes_nothing(app, client, resident_with_history):
    web = Browserless(client)
    web.login(EMAIL, PASSWORD)
    response = web.post("/cabinet/data/close?lang=en", {"close-password": "not-my-password"}, form_url="/cabinet/data")
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "close-password") == "The password is not correct."
    empty = web.post("/cabinet/data/close?lang=en", {"close-password": ""}, form_url="/cabinet/data")
    assert empty.status_code == 422 and field_error(empty.get_data(as_text=True), "close-password")
    assert client.post("/cabinet/data/close", data={"close-password": PASSWORD}).status_code == 400  # no CSRF token
    with app.app_context():
        user = db.session.get(User, resident_with_history["resident"])
        assert user.active and user.email == EMAIL and user.phone == PHONE and user.closed_at is None
    assert client.get("/cabinet/").status_code == 200


def test_staff_close_no_account_here_and_nobody_downloads_anothers_data(app, client, resident_with_history):
    web = Browserless(client)
    web.login("official@example.az", PASSWORD)
    page = client.get("/cabinet/data?lang=en").get_data(as_text=True)
    assert "closed by an administrator" in page and 'action="/cabinet/data/close"' not in page
    assert web.post("/cabinet/data/close", {"close-password": PASSWORD}, form_url="/cabinet/data").status_code == 403
    data, _archive = unzip(web.post("/cabinet/data/download", {"download-submit": "1"}, form_url="/cabinet/data"))
    assert data["profile"]["email"] == "official@example.az"
    assert data["appeals"] == [] and data["service_applications"] == [] and data["reception_bookings"] == []
    web.post("/auth/logout", {}, form_url="/cabinet/")
    assert client.get("/cabinet/data").status_code == 302


def test_the_page_is_in_every_language(app, web, client, resident_with_history):
    from tests.test_pages import check_page

    web.login(EMAIL, PASSWORD)
    for lang in ("az", "ru", "en"):
        response = client.get(f"/cabinet/data?lang={lang}")
        assert response.status_code == 200
        check_page(response.get_data(as_text=True), lang)


def test_the_download_is_written_to_a_file_not_held_in_memory(app, resident_with_history, monkeypatch):
    """A big attachment is copied into the zip from the storage in chunks: the export never reads a file whole."""
    import io

    from app.accounts import mydata

    with app.test_request_context():
        user = db.session.get(User, resident_with_history["resident"])
        appeal = db.session.get(Appeal, resident_with_history["appeal"])
        stored_name = appeal.attachments[0].stored_name
        grown = io.BytesIO(files.open_stored(stored_name).read_all() + b"\0" * (12 * 1024 * 1024))
        storage.current().put(stored_name, grown)
        size = storage.current().size(stored_name)
        appeal.attachments[0].size = size
        db.session.commit()
        monkeypatch.setattr(storage.StoredFile, "read_all", lambda self: pytest.fail("a file was read whole"))
        handle = mydata.export(user)
        assert hasattr(handle, "fileno")
        with zipfile.ZipFile(handle) as archive:
            name = next(n for n in archive.namelist() if n.startswith("appeals/"))
            assert archive.getinfo(name).file_size == size
        handle.close()
