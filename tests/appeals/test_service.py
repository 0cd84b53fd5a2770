"""Appeals: filing, numbering, deadlines, the transition table, privacy, the scheduler."""
from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app import authz
from app.appeals import queries as appeal_queries
from app.appeals import service as appeals
from app.extensions import db
from app.kit import storage
from app.kit.calendar import BAKU
from app.kit.errors import Invalid, NotAllowed, NotFound
from app.models import STATUSES, Appeal, AppealEvent, Attachment, Category, Notification, OutboxMessage
from tests.factories import EXE, PDF, PNG, Upload, appeal_input, create_appeal, create_reference_data, create_user
from tests.snapshots import replayed

# 09:00 in Baku on Monday 16 March 2026, just before Novruz and Ramazan.
MONDAY = datetime(2026, 3, 16, 9, 0, tzinfo=BAKU)


@pytest.fixture
def world(ctx):
    """Two districts, a resident, officials and a head of Gəncə, an official of Masallı.
    Built once, then put back (tests/snapshots.py)."""
    return replayed("appeals service: world", _build_world)


def _build_world():
    districts = create_reference_data()
    gnc, msl = districts["GNC"], districts["MSL"]
    return {
        "gnc": gnc,
        "msl": msl,
        "category": db.session.scalars(select(Category).order_by(Category.id)).first(),
        "citizen": create_user("citizen@example.az"),
        "stranger": create_user("stranger@example.az"),
        "official": create_user("official@example.az", roles=[("official", gnc)]),
        "head": create_user("head@example.az", roles=[("head", gnc)]),
        "other_official": create_user("other@example.az", roles=[("official", msl)]),
    }


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def stored_files() -> list[str]:
    return os.listdir(storage.current().directory)


# --- Filing ---------------------------------------------------------------------


def test_filing_gives_a_number_and_a_working_day_deadline_at_once(world):
    appeal = create_appeal(world["citizen"], world["gnc"], now=MONDAY)
    assert appeal.number == "GNC-2026-000001"
    assert appeal.status == "submitted"
    # 15 working days after 16 March skip Novruz and Ramazan: 15 April.
    assert appeal.due_at.astimezone(BAKU).date() == date(2026, 4, 15)
    assert [e.action for e in appeal.events] == ["filed"]
    mail = db.session.scalar(select(OutboxMessage))
    assert mail.recipient == "citizen@example.az" and "GNC-2026-000001" in mail.subject
    # The applicant's receipt, and the district's official hears of the new appeal in the inbox.
    assert sorted(db.session.scalars(select(Notification.kind))) == ["appeal.filed", "appeal.received"]


def test_numbers_run_per_district_and_year(world):
    numbers = [
        create_appeal(world["citizen"], world["gnc"], now=MONDAY).number,
        create_appeal(world["citizen"], world["gnc"], now=MONDAY).number,
        create_appeal(world["citizen"], world["msl"], now=MONDAY).number,
        create_appeal(world["citizen"], world["gnc"], now=datetime(2027, 1, 5, 10, tzinfo=BAKU)).number,
    ]
    assert numbers == ["GNC-2026-000001", "GNC-2026-000002", "MSL-2026-000001", "GNC-2027-000001"]


def test_the_same_form_sent_twice_files_one_appeal(world):
    first = create_appeal(world["citizen"], world["gnc"], submission_token="tok-1")
    second = create_appeal(world["citizen"], world["gnc"], submission_token="tok-1")
    assert first.id == second.id and count(Appeal) == 1


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"applicant_name": "  "}, "applicant_name", "anonymous"),
        ({"applicant_address": "", "applicant_phone": ""}, "applicant_address", "anonymous"),
        ({"text": "x" * 10_001}, "text", "10000"),
        ({"subject": ""}, "subject", "subject"),
        ({"kind": "petition"}, "kind", "application"),
        ({"district_id": 999_999}, "district_id", "district"),
        ({"category_id": 999_999}, "category_id", "category"),
        ({"location_lat": 40.1}, "location_lat", "longitude"),
        ({"location_lat": 140.0, "location_lon": 46.0}, "location_lat", "valid"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(world, changes, field, words):
    data = appeal_input(world["gnc"], world["category"], **changes)
    with pytest.raises(Invalid) as refused:
        appeals.file_appeal(world["citizen"], data)
    assert field in refused.value.errors and words in refused.value.errors[field]
    assert count(Appeal) == 0 and count(OutboxMessage) == 0


def test_a_phone_is_contact_enough(world):
    appeal = create_appeal(world["citizen"], world["gnc"], applicant_address="", applicant_phone="+994501234567")
    assert appeal.applicant_phone == "+994501234567"


def test_unconfirmed_residents_cannot_file(world):
    unconfirmed = create_user("new@example.az", confirmed=False)
    with pytest.raises(NotAllowed):
        create_appeal(unconfirmed, world["gnc"])


def test_attachments_are_checked_by_content_and_stored_with_their_hash(world):
    appeal = create_appeal(world["citizen"], world["gnc"], attachments=[Upload("plan.pdf", PDF), Upload("photo.png", PNG)])
    stored = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
    assert [(a.original_name, a.content_type, a.size) for a in stored] == [
        ("plan.pdf", "application/pdf", len(PDF)), ("photo.png", "image/png", len(PNG)),
    ]
    import hashlib

    assert stored[0].sha256 == hashlib.sha256(PDF).hexdigest()
    assert sorted(stored_files()) == sorted(a.stored_name for a in stored)
    assert "static" not in str(storage.current().directory)
    assert appeal.attachments == stored


@pytest.mark.parametrize(
    ("uploads", "words"),
    [
        ([Upload("big.pdf", PDF + b"0" * (10 * 1024 * 1024))], "10 MB"),
        ([Upload("notes.txt", b"just text")], "PDF, JPEG or PNG"),
        ([Upload("invoice.pdf", EXE)], "PDF, JPEG or PNG"),
        ([Upload(f"{n}.pdf", PDF) for n in range(6)], "at most 5"),
        ([Upload("ok.pdf", PDF), Upload("virus.png", EXE)], "virus.png"),
    ],
)
def test_bad_attachments_refuse_the_appeal_and_leave_no_file(world, uploads, words):
    with pytest.raises(Invalid) as refused:
        create_appeal(world["citizen"], world["gnc"], attachments=uploads)
    assert words in refused.value.errors["attachments"]
    assert count(Appeal) == 0 and count(Attachment) == 0 and stored_files() == []


def test_a_failed_commit_leaves_no_file_behind(world, monkeypatch):
    def explode():
        raise RuntimeError("database went away")

    monkeypatch.setattr(appeals.notify, "notify", lambda *a, **k: explode())
    with pytest.raises(RuntimeError):
        create_appeal(world["citizen"], world["gnc"], attachments=[Upload("plan.pdf", PDF)])
    assert count(Appeal) == 0 and stored_files() == []


# --- The transition table, exhaustively ----------------------------------------------

# An independent copy of DESIGN.md's lifecycle: who may take each step.
EXPECTED = {
    ("submitted", "registered"): {"official", "head"},
    ("submitted", "forwarded"): {"official", "head"},
    ("submitted", "not_considered"): {"official", "head", "citizen"},
    ("registered", "in_progress"): {"official", "head"},
    ("registered", "forwarded"): {"official", "head"},
    ("registered", "not_considered"): {"official", "head", "citizen"},
    ("in_progress", "info_requested"): {"official", "head"},
    ("in_progress", "answered"): {"official", "head"},
    ("in_progress", "not_considered"): {"official", "head", "citizen"},
    ("info_requested", "in_progress"): {"official", "head", "citizen"},
    ("info_requested", "not_considered"): {"official", "head", "citizen"},
    ("answered", "closed"): {"citizen", "system"},
    ("answered", "reopened"): {"citizen"},
    ("closed", "reopened"): {"citizen"},
    ("reopened", "in_progress"): {"official", "head"},
    ("reopened", "not_considered"): {"official", "head", "citizen"},
}
ROLES = ["citizen", "official", "head", "other_official", "stranger", "system"]
FULL = appeals.StepData(note="Ətraflı izah", answer="Cavab", forwarded_to="Nazirlik", ground="repeated", rating=4)


def test_the_transition_table_matches_the_design():
    assert {k: set(v) for k, v in authz.TRANSITIONS.items()} == EXPECTED


def test_every_role_and_status_pair_either_works_or_is_refused(world):
    appeal = create_appeal(world["citizen"], world["gnc"])
    outcomes = {}
    for role in ROLES:
        actor = None if role == "system" else world[role]
        for from_status in STATUSES:
            for to_status in STATUSES:
                fresh = db.session.get(Appeal, appeal.id)
                fresh.status, fresh.answered_at = from_status, appeals.utcnow() - timedelta(days=1)
                db.session.commit()
                events_before = count(AppealEvent)
                try:
                    appeals.transition(actor, appeal.id, to_status, FULL)
                    outcome = "ok"
                except NotFound:
                    outcome = "not_found"
                except NotAllowed:
                    outcome = "not_allowed"
                except Invalid:
                    outcome = "invalid"
                db.session.rollback()
                status_now = db.session.get(Appeal, appeal.id).status
                if outcome == "ok":
                    assert status_now == to_status and count(AppealEvent) == events_before + 1
                else:
                    assert status_now == from_status and count(AppealEvent) == events_before
                outcomes[(role, from_status, to_status)] = outcome
    for (role, from_status, to_status), outcome in outcomes.items():
        allowed = EXPECTED.get((from_status, to_status))
        if role in ("other_official", "stranger"):
            expected = "not_found"
        elif allowed is None:
            expected = "invalid"
        else:
            expected = "ok" if role in allowed else "not_allowed"
        assert outcome == expected, (role, from_status, to_status)
    assert len(outcomes) == len(ROLES) * len(STATUSES) ** 2


def test_every_transition_writes_the_actor_and_statuses_on_the_timeline(world):
    appeal = create_appeal(world["citizen"], world["gnc"])
    appeals.transition(world["official"], appeal.id, "registered")
    event = db.session.scalars(select(AppealEvent).order_by(AppealEvent.id.desc())).first()
    assert (event.actor_id, event.from_status, event.to_status, event.public) == (world["official"].id, "submitted", "registered", True)


def test_steps_need_their_data(world):
    appeal = create_appeal(world["citizen"], world["gnc"])
    appeals.transition(world["official"], appeal.id, "registered")
    with pytest.raises(Invalid) as refused:
        appeals.transition(world["official"], appeal.id, "forwarded", appeals.StepData())
    assert "forwarded_to" in refused.value.errors
    with pytest.raises(Invalid) as refused:
        appeals.transition(world["official"], appeal.id, "not_considered", appeals.StepData(ground="withdrawn", note="x"))
    assert "ground" in refused.value.errors
    appeals.transition(world["official"], appeal.id, "in_progress")
    with pytest.raises(Invalid):
        appeals.transition(world["official"], appeal.id, "answered", appeals.StepData(answer="  "))
    assert db.session.get(Appeal, appeal.id).status == "in_progress"


# --- Deadlines ----------------------------------------------------------------------


def _working(world, now=MONDAY):
    appeal = create_appeal(world["citizen"], world["gnc"], now=now)
    appeals.transition(world["official"], appeal.id, "registered", now=now)
    appeals.transition(world["official"], appeal.id, "in_progress", now=now)
    return appeal


def baku_day(moment: datetime) -> date:
    return moment.astimezone(BAKU).date()


def test_extra_study_gives_thirty_working_days(world):
    appeal = _working(world)
    appeals.mark_extra_study(world["head"], appeal.id, now=MONDAY)
    assert baku_day(db.session.get(Appeal, appeal.id).due_at) == date(2026, 5, 6)
    with pytest.raises(NotAllowed):
        appeals.mark_extra_study(world["official"], _working(world).id, now=MONDAY)


def test_one_extension_of_at_most_thirty_working_days_by_the_head(world):
    appeal = _working(world)
    with pytest.raises(NotAllowed):
        appeals.extend(world["official"], appeal.id, 10, "Ekspertiza lazımdır")
    for days, reason, field in [(31, "x", "days"), (0, "x", "days"), (None, "x", "days"), (10, " ", "reason")]:
        with pytest.raises(Invalid) as refused:
            appeals.extend(world["head"], appeal.id, days, reason)
        assert field in refused.value.errors
    appeals.extend(world["head"], appeal.id, 10, "Ekspertiza lazımdır", now=MONDAY)
    extended = db.session.get(Appeal, appeal.id)
    # 15 April plus 10 working days.
    assert baku_day(extended.due_at) == date(2026, 4, 29)
    assert baku_day(extended.initial_due_at) == date(2026, 4, 15)
    assert "Ekspertiza lazımdır" in db.session.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id.desc())).first()
    with pytest.raises(Invalid):
        appeals.extend(world["head"], appeal.id, 5, "Yenə")


def test_forwarding_is_due_within_three_and_not_considering_within_five_working_days(world):
    forwarded = create_appeal(world["citizen"], world["gnc"], now=MONDAY)
    appeals.transition(world["official"], forwarded.id, "forwarded", appeals.StepData(forwarded_to="Nazirlik"), now=MONDAY)
    # 3 working days after Monday 16 March: 17, 18, 19 March.
    assert baku_day(db.session.get(Appeal, forwarded.id).due_at) == date(2026, 3, 19)
    refused = create_appeal(world["citizen"], world["gnc"], now=MONDAY)
    appeals.transition(world["official"], refused.id, "not_considered",
                       appeals.StepData(ground="repeated", note="Eyni müraciət"), now=MONDAY)
    # 5 working days: 17, 18, 19, 31 March, 1 April.
    assert baku_day(db.session.get(Appeal, refused.id).due_at) == date(2026, 4, 1)


def test_urgent_appeals_are_due_within_24_hours(world):
    appeal = create_appeal(world["citizen"], world["gnc"], now=MONDAY)
    appeals.mark_urgent(world["official"], appeal.id, now=MONDAY)
    assert db.session.get(Appeal, appeal.id).due_at == MONDAY + timedelta(hours=24)


def test_due_state_badges(world):
    appeal = create_appeal(world["citizen"], world["gnc"], now=MONDAY)
    assert appeal_queries.due_state(appeal, now=MONDAY) == ("due", 15)
    assert appeal_queries.due_state(appeal, now=datetime(2026, 4, 15, 12, tzinfo=BAKU)) == ("due", 0)
    assert appeal_queries.due_state(appeal, now=datetime(2026, 4, 17, 12, tzinfo=BAKU)) == ("overdue", 2)
    appeal.status = "answered"
    assert appeal_queries.due_state(appeal, now=datetime(2026, 4, 17, tzinfo=BAKU)) is None


# --- Rating, disputes, withdrawal ----------------------------------------------------------


def _answered(world, now=MONDAY):
    appeal = _working(world, now)
    appeals.transition(world["official"], appeal.id, "answered", appeals.StepData(answer="Su verildi."), now=now)
    return appeal


def test_rating_must_be_one_to_five(world):
    appeal = _answered(world)
    for rating in (0, 6, None, -1):
        with pytest.raises(Invalid) as refused:
            appeals.transition(world["citizen"], appeal.id, "closed", appeals.StepData(rating=rating))
        assert "rating" in refused.value.errors
    assert db.session.get(Appeal, appeal.id).status == "answered"
    appeals.transition(world["citizen"], appeal.id, "closed", appeals.StepData(rating=5, comment="Təşəkkürlər"))
    closed = db.session.get(Appeal, appeal.id)
    assert (closed.status, closed.rating, closed.rating_comment) == ("closed", 5, "Təşəkkürlər")


def test_dispute_within_thirty_days_reopens_and_after_is_refused(world):
    appeal = _answered(world)
    later = MONDAY + timedelta(days=31)
    with pytest.raises(Invalid):
        appeals.transition(world["citizen"], appeal.id, "reopened", appeals.StepData(note="Su yenə yoxdur"), now=later)
    assert db.session.get(Appeal, appeal.id).status == "answered"
    appeals.transition(world["citizen"], appeal.id, "reopened", appeals.StepData(note="Su yenə yoxdur"),
                       now=MONDAY + timedelta(days=20))
    reopened = db.session.get(Appeal, appeal.id)
    assert reopened.status == "reopened" and reopened.reopen_count == 1
    # The head hears of it.
    assert db.session.scalar(select(func.count()).select_from(Notification).where(Notification.user_id == world["head"].id)) == 1


def test_citizen_withdrawal_records_the_ground(world):
    appeal = create_appeal(world["citizen"], world["gnc"])
    appeals.transition(world["citizen"], appeal.id, "not_considered", appeals.StepData(note="Həll olundu"))
    withdrawn = db.session.get(Appeal, appeal.id)
    assert (withdrawn.status, withdrawn.not_considered_ground) == ("not_considered", "withdrawn")


def test_answering_an_information_request(world):
    appeal = _working(world)
    appeals.transition(world["official"], appeal.id, "info_requested", appeals.StepData(note="Ünvanı dəqiqləşdirin"))
    with pytest.raises(Invalid):
        appeals.transition(world["citizen"], appeal.id, "in_progress", appeals.StepData(note=""))
    appeals.transition(world["citizen"], appeal.id, "in_progress",
                       appeals.StepData(note="Nizami küç. 5, mənzil 12", attachments=[Upload("akt.pdf", PDF)]))
    view = appeal_queries.view(world["official"], appeal.id)
    assert view.appeal.status == "in_progress"
    assert [m.body for m in view.messages] == ["Nizami küç. 5, mənzil 12"]
    assert [a.original_name for a in view.attachments] == ["akt.pdf"]


# --- Privacy --------------------------------------------------------------------------------


def test_other_districts_and_other_residents_get_not_found(world):
    appeal = create_appeal(world["citizen"], world["gnc"], attachments=[Upload("plan.pdf", PDF)])
    attachment = appeal.attachments[0]
    for outsider in (world["other_official"], world["stranger"]):
        with pytest.raises(NotFound):
            appeal_queries.view(outsider, appeal.id)
        with pytest.raises(NotFound):
            appeal_queries.attachment_for(outsider, appeal.id, attachment.id)
        with pytest.raises(NotFound):
            appeals.post_message(outsider, appeal.id, "Salam")
    assert appeal_queries.attachment_for(world["citizen"], appeal.id, attachment.id).id == attachment.id
    assert appeal_queries.attachment_for(world["official"], appeal.id, attachment.id).id == attachment.id


def test_internal_notes_and_their_files_stay_with_the_officials(world):
    appeal = _working(world)
    appeals.post_message(world["official"], appeal.id, "Ünvan yoxlanmalıdır", [Upload("daxili.pdf", PDF)], internal=True)
    appeals.post_message(world["official"], appeal.id, "Sabah gələcəyik")
    with pytest.raises(NotAllowed):
        appeals.post_message(world["citizen"], appeal.id, "gizli", internal=True)
    citizen_view = appeal_queries.view(world["citizen"], appeal.id)
    assert [m.body for m in citizen_view.messages] == ["Sabah gələcəyik"]
    assert citizen_view.attachments == [] and all(e.public for e in citizen_view.events)
    internal_file = db.session.scalar(select(Attachment))
    with pytest.raises(NotFound):
        appeal_queries.attachment_for(world["citizen"], appeal.id, internal_file.id)
    staff_view = appeal_queries.view(world["official"], appeal.id)
    assert len(staff_view.messages) == 2 and len(staff_view.attachments) == 1


def test_assignment_only_to_officials_of_the_district(world):
    appeal = create_appeal(world["citizen"], world["gnc"])
    appeals.transition(world["official"], appeal.id, "registered")
    with pytest.raises(Invalid):
        appeals.assign(world["official"], appeal.id, world["other_official"].id)
    appeals.assign(world["official"], appeal.id, world["head"].id)
    assigned = db.session.get(Appeal, appeal.id)
    assert (assigned.assignee_id, assigned.status) == (world["head"].id, "in_progress")


# --- The scheduler --------------------------------------------------------------------------


def test_escalation_flags_overdue_appeals_once_and_tells_assignee_and_head(world):
    appeal = _working(world)
    appeals.escalate_overdue(now=datetime(2026, 4, 15, 20, tzinfo=BAKU))
    assert db.session.get(Appeal, appeal.id).escalated_at is None
    late = datetime(2026, 4, 16, 10, tzinfo=BAKU)
    before = db.session.scalar(select(func.max(Notification.id)))
    assert appeals.escalate_overdue(now=late) == 1
    assert appeals.escalate_overdue(now=late + timedelta(hours=1)) == 0
    # Each is told in their own language (Azerbaijani here), so the number is what we look for.
    told = set(db.session.scalars(
        select(Notification.user_id).where(Notification.id > before, Notification.text.contains(appeal.number))
    ))
    assert told == {world["official"].id, world["head"].id}
    escalated = db.session.scalars(select(AppealEvent).where(AppealEvent.action == "escalated")).all()
    assert len(escalated) == 1 and not escalated[0].public


def test_autoclose_after_ten_working_days_without_dispute(world):
    appeal = _answered(world)
    # 10 working days after Monday 16 March end on 8 April (Novruz and Ramazan in between).
    assert appeals.autoclose(now=datetime(2026, 4, 7, 23, tzinfo=BAKU)) == 0
    assert appeals.autoclose(now=datetime(2026, 4, 8, 12, tzinfo=BAKU)) == 1
    closed = db.session.get(Appeal, appeal.id)
    assert closed.status == "closed" and closed.closed_at is not None
    assert appeals.autoclose(now=datetime(2026, 4, 9, tzinfo=BAKU)) == 0


# --- Lists: a fixed number of SQL statements whatever the page size ------------------------------


def test_inbox_and_citizen_list_run_a_constant_number_of_statements(world, count_queries):
    for _ in range(30):
        appeal = create_appeal(world["citizen"], world["gnc"])
        appeals.assign(world["official"], appeal.id, world["official"].id) if appeal.id % 2 else None
    official, citizen = world["official"], world["citizen"]
    statements = {}
    for size in (5, 30):
        db.session.expire_all()
        with count_queries() as q:
            box = appeal_queries.inbox(official, None, appeal_queries.InboxFilters(per_page=size))
            [(a.category.name_az, a.assignee and a.assignee.full_name) for a in box.page.items]
        statements[("inbox", size)] = q.count
        db.session.expire_all()
        with count_queries() as q:
            page = appeal_queries.citizen_appeals(citizen, per_page=size)
            [(a.category.name_az, a.district.name_az) for a in page.items]
        statements[("citizen", size)] = q.count
        assert len(box.page.items) == len(page.items) == size
    assert statements[("inbox", 5)] == statements[("inbox", 30)]
    assert statements[("citizen", 5)] == statements[("citizen", 30)]


def test_inbox_filters_and_search(world):
    first = create_appeal(world["citizen"], world["gnc"], subject="Yolda çuxur var", kind="complaint")
    create_appeal(world["citizen"], world["gnc"], subject="Parkda skamya", kind="proposal")
    create_appeal(world["citizen"], world["msl"], subject="Yolda çuxur var")
    official = world["official"]

    def numbers(**filters):
        return [a.number for a in appeal_queries.inbox(official, None, appeal_queries.InboxFilters(**filters)).page.items]

    assert numbers() == ["GNC-2026-000001", "GNC-2026-000002"]
    assert numbers(q="çuxur") == ["GNC-2026-000001"]
    assert numbers(q=first.number.lower()) == ["GNC-2026-000001"]
    assert numbers(kind="proposal") == ["GNC-2026-000002"]
    assert numbers(assignee="me") == []
    assert numbers(q="100%_") == []
    with pytest.raises(Invalid):
        appeal_queries.inbox(official, None, appeal_queries.InboxFilters(status="bogus"))
    with pytest.raises(NotFound):
        appeal_queries.inbox(official, world["msl"].id, appeal_queries.InboxFilters())


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="concurrent filing is tested on PostgreSQL (SQLite serialises writers)")
def test_twenty_concurrent_filings_get_twenty_consecutive_numbers(app, world):
    import threading

    district_id, category_id, citizen_id = world["gnc"].id, world["category"].id, world["citizen"].id
    barrier = threading.Barrier(20)
    numbers, errors = [], []

    def file_one(i: int) -> None:
        with app.test_request_context():
            try:
                from app.models import Category, District, User

                citizen = db.session.get(User, citizen_id)
                data = appeal_input(db.session.get(District, district_id), db.session.get(Category, category_id),
                                    subject=f"Müraciət {i}")
                # Give the connection back: 20 threads outnumber the pool, and all must reach the barrier.
                db.session.close()
                barrier.wait()
                numbers.append(appeals.file_appeal(citizen, data).number)
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=file_one, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    year = datetime.now(UTC).astimezone(BAKU).year
    assert sorted(numbers) == [f"GNC-{year}-{n:06d}" for n in range(1, 21)]
