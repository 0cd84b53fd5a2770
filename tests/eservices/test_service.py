"""E-services: applying, numbering and deadlines, the transition table, form versions, the queue."""
from __future__ import annotations

import os
import threading
from datetime import date, datetime

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app import authz
from app.eservices import form_definitions as eservice_forms
from app.eservices import service as eservices
from app.extensions import db
from app.kit import files, storage
from app.kit.calendar import BAKU, local_date
from app.kit.errors import Invalid, NotAllowed, NotFound
from app.models import APPLICATION_STATUSES, ApplicationDocument, ServiceApplication, ServiceForm
from tests.factories import EXE, PDF, Upload, create_reference_data, create_service, create_user
from tests.snapshots import replayed

MONDAY = datetime(2026, 3, 16, 9, 0, tzinfo=BAKU)
ANSWERS = {"purpose": "school", "members": "4", "birth_date": None, "note": "", "truth": True}


@pytest.fixture
def world(ctx):
    """Gəncə, Masallı and Quba, a service offered in the first two, a citizen, a stranger and the officials of Gəncə
    and Masallı (built once, then put back: tests/snapshots.py; the objects are loaded again each time)."""
    return replayed("e-service service: world", _build_world)


def _build_world() -> dict:
    districts = create_reference_data()
    gnc, msl, qba = districts["GNC"], districts["MSL"], districts["QBA"]
    return {
        "gnc": gnc, "msl": msl, "qba": qba,
        "service": create_service([gnc, msl]),
        "citizen": create_user("citizen@example.az", full_name="Aygün Həsənova"),
        "stranger": create_user("stranger@example.az"),
        "official": create_user("official@example.az", roles=[("official", gnc)]),
        "other_official": create_user("other@example.az", roles=[("official", msl)]),
    }


def application_input(world, **changes) -> eservices.ApplicationInput:
    form = eservices.current_form(world["service"])
    values = dict(service_id=world["service"].id, district_id=world["gnc"].id, form_id=form.id, answers=dict(ANSWERS),
                  uploads={"passport": [Upload("passport.pdf", PDF)]})
    values.update(changes)
    return eservices.ApplicationInput(**values)


def file_one(world, now=MONDAY, **changes) -> ServiceApplication:
    return eservices.apply(world["citizen"], application_input(world, **changes), now=now)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_applying_gives_a_number_a_working_day_deadline_and_keeps_the_known_details(world):
    application = file_one(world)
    assert application.number == "SRV-2026-000001" and application.status == "submitted"
    # 5 working days after Monday 16 March 2026 end on 1 April: the Novruz and Ramazan days off lie between.
    assert local_date(application.due_at) == date(2026, 4, 1)
    assert application.applicant["full_name"] == "Aygün Həsənova"
    assert application.form.version == 1 and application.answers["purpose"] == "school"
    assert [d.field_key for d in application.documents] == ["passport"]
    assert file_one(world).number == "SRV-2026-000002"


def test_the_same_form_sent_twice_files_one_application(world):
    first = file_one(world, submission_token="tok")
    again = file_one(world, submission_token="tok")
    assert first.id == again.id and count(ServiceApplication) == 1


@pytest.mark.parametrize(("changes", "field"), [
    ({"district_id": "qba"}, "district_id"),  # the district does not offer the service
    ({"district_id": None}, "district_id"),
])
def test_applying_where_the_service_is_not_offered_is_refused(world, changes, field):
    if changes["district_id"] == "qba":
        changes = {"district_id": world["qba"].id}
    with pytest.raises(Invalid) as refused:
        file_one(world, **changes)
    assert field in refused.value.errors
    assert count(ServiceApplication) == 0 and count(ApplicationDocument) == 0


def test_an_inactive_service_or_a_bad_file_stores_nothing(world):
    with pytest.raises(Invalid) as bad_file:
        file_one(world, uploads={"passport": [Upload("passport.pdf", EXE)]})
    assert "passport" in bad_file.value.errors
    world["service"].active = False
    db.session.commit()
    with pytest.raises(Invalid):
        file_one(world)
    assert count(ServiceApplication) == 0 and os.listdir(storage.current().directory) == []


def test_an_unconfirmed_resident_cannot_apply_online(world):
    with pytest.raises(NotAllowed):
        eservices.apply(create_user("new@example.az", confirmed=False), application_input(world), now=MONDAY)


# --- The transition table, every (role, from, to) ----------------------------------------------------

PATHS = {
    "submitted": [],
    "in_review": [("official", "in_review")],
    "documents_requested": [("official", "in_review"), ("official", "documents_requested")],
    "resubmitted": [("official", "in_review"), ("official", "documents_requested"), ("citizen", "resubmitted")],
    "approved": [("official", "in_review"), ("official", "approved")],
    "refused": [("official", "in_review"), ("official", "refused")],
    "withdrawn": [("citizen", "withdrawn")],
    "issued": [("official", "in_review"), ("official", "approved"), ("official", "issued")],
}


def _at(world, status: str) -> ServiceApplication:
    application = file_one(world)
    for who, target in PATHS[status]:
        eservices.transition(world[who], application.id, target, eservices.StepData(note="Sənəd lazımdır", uploads={}),
                             now=MONDAY)
    return application


@pytest.mark.parametrize("who", ["citizen", "official", "stranger", "other_official"])
@pytest.mark.parametrize("start", list(PATHS))
def test_every_transition_is_allowed_or_refused_by_the_table(world, who, start):
    application = None
    for target in APPLICATION_STATUSES:
        # A refused step leaves the application where it was (checked below), so the next target is tried on the
        # same one; an allowed step moved it, and the next target starts from a new one.
        application = application or _at(world, start)
        allowed = authz.APPLICATION_TRANSITIONS.get((start, target), frozenset())
        expected = ({"citizen"} if who == "citizen" else {"official"} if who == "official" else set()) & allowed
        step = eservices.StepData(note="Sənəd", uploads={"requested": [Upload("doc.pdf", PDF)]})
        if expected:
            eservices.transition(world[who], application.id, target, step, now=MONDAY)
            assert db.session.get(ServiceApplication, application.id).status == target
            application = None
        else:
            with pytest.raises((Invalid, NotAllowed, NotFound)):
                eservices.transition(world[who], application.id, target, step, now=MONDAY)
            db.session.rollback()
            assert db.session.get(ServiceApplication, application.id).status == start


def test_refusing_needs_a_reason_and_asking_for_documents_says_which(world):
    application = _at(world, "in_review")
    for target in ("refused", "documents_requested"):
        with pytest.raises(Invalid) as refused:
            eservices.transition(world["official"], application.id, target, eservices.StepData(note=" "))
        assert "note" in refused.value.errors
    assert db.session.get(ServiceApplication, application.id).status == "in_review"


def test_another_districts_official_and_another_resident_get_not_found(world):
    application = file_one(world)
    for who in ("stranger", "other_official"):
        with pytest.raises(NotFound):
            eservices.get_for(world[who], application.id)
        with pytest.raises(NotFound):
            eservices.document_for(world[who], application.id, application.documents[0].id)


# --- Forms as data -------------------------------------------------------------------------------------


def test_editing_a_form_leaves_past_applications_as_they_were_filled(world):
    application = file_one(world)
    fields = [dict(f) for f in eservices.current_form(world["service"]).fields]
    fields[0] = {**fields[0], "label_en": "Why do you need it?",
                 "options": [{"value": "court", "label_az": "Məhkəmə", "label_ru": "Суд", "label_en": "For a court"}]}
    db.session.add(ServiceForm(service_id=world["service"].id, version=2, fields=fields))
    db.session.commit()
    assert eservices.current_form(world["service"]).version == 2
    old = db.session.get(ServiceApplication, application.id)
    with force_locale("en"):
        shown = dict(eservice_forms.shown(old.form.fields, old.answers, "en"))
    assert shown["Purpose of the certificate"] == "For a school" and old.form.version == 1


@pytest.mark.parametrize(("fields", "key"), [
    ([{"key": "a", "type": "text", "label_az": "A"}, {"key": "a", "type": "text", "label_az": "B"}], "fields-1-key"),
    ([{"key": "a", "type": "text", "label_az": " "}], "fields-0-label_az"),
    ([{"key": "a", "type": "select", "label_az": "A", "options": []}], "fields-0-options"),
    ([{"key": "a", "type": "number", "label_az": "A", "min": 5, "max": 1}], "fields-0-min"),
    ([{"key": "Bad Key", "type": "text", "label_az": "A"}], "fields-0-key"),
    ([{"key": "a", "type": "colour", "label_az": "A"}], "fields-0-type"),
    ([], "fields"),
])
def test_bad_form_definitions_are_refused_with_the_reason(ctx, fields, key):
    assert key in eservice_forms.check_definition(fields)


# --- Lists and concurrency ------------------------------------------------------------------------------


def test_the_queue_runs_a_constant_number_of_statements(world, count_queries):
    for _ in range(12):
        file_one(world)
    statements = {}
    for size in (3, 12):
        db.session.expire_all()
        with count_queries() as q:
            box = eservices.queue(world["official"], None, None, "", per_page=size)
            [(a.service.title_az, a.citizen.full_name) for a in box.page.items]
        statements[size] = q.count
        assert len(box.page.items) == size
    assert statements[3] == statements[12]
    with pytest.raises(NotFound):
        eservices.queue(world["official"], world["msl"].id, None, "")
    with pytest.raises(Invalid):
        eservices.queue(world["official"], None, None, "bogus")


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="concurrent applications are tested on PostgreSQL (SQLite serialises writers)")
def test_twenty_concurrent_applications_get_twenty_distinct_numbers(app, world):
    service_id, district_id, citizen_id = world["service"].id, world["gnc"].id, world["citizen"].id
    form_id = eservices.current_form(world["service"]).id
    barrier = threading.Barrier(20)
    numbers, errors = [], []

    def one(i: int) -> None:
        with app.test_request_context(), force_locale("en"):
            try:
                from app.models import User

                citizen = db.session.get(User, citizen_id)
                citizen.district, citizen.roles  # noqa: B018 - loaded before the connection goes back to the pool
                db.session.close()
                barrier.wait()
                data = eservices.ApplicationInput(service_id=service_id, district_id=district_id, form_id=form_id,
                                                  answers=dict(ANSWERS), submission_token=f"race-{i}")
                numbers.append(eservices.apply(citizen, data).number)
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and len(set(numbers)) == 20
    year = datetime.now(BAKU).year
    assert sorted(numbers) == [f"SRV-{year}-{n:06d}" for n in range(1, 21)]


def test_issuing_the_result_gives_an_unguessable_code_once_approved(world):
    from app.eservices import documents

    application = _at(world, "approved")
    with pytest.raises(NotAllowed):
        eservices.transition(world["citizen"], application.id, "issued")
    issued = eservices.transition(world["official"], application.id, "issued", now=MONDAY)
    assert issued.status == "issued" and issued.issued_at is not None
    assert documents.verify(issued.verification_code)["number"] == issued.number
    with pytest.raises(Invalid):
        eservices.transition(world["official"], application.id, "issued")
    refused = _at(world, "refused")
    with pytest.raises(Invalid):
        eservices.transition(world["official"], refused.id, "issued")
    assert db.session.get(ServiceApplication, refused.id).verification_code is None


def test_the_issued_result_is_kept_as_issued(world):
    application = _at(world, "approved")
    eservices.transition(world["official"], application.id, "issued", now=MONDAY)
    kept = eservices.result_document(world["citizen"], application.id)
    before = files.open_stored(kept.stored_name).read_all()
    assert before.startswith(b"%PDF-") and kept.size == len(before)
    world["service"].title_az = "Yeni ad"
    db.session.commit()
    again = eservices.result_document(world["citizen"], application.id)
    assert again.id == kept.id and files.open_stored(again.stored_name).read_all() == before
    with pytest.raises(NotFound):
        eservices.result_document(world["stranger"], application.id)
