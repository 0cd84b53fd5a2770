"""Drafts' use cases: saving, the reminder once then expiry, closing the account, the resident's data, and the
completion rate counted from the rows."""
from __future__ import annotations

import os
import random
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app import scheduled
from app.accounts import mydata
from app.drafts import service as drafts_service
from app.extensions import db
from app.kit import drafts
from app.kit.calendar import BAKU, local_date
from app.kit.errors import Invalid, NotFound
from app.models import CommandRun, Draft, DraftFile, Notification, OutboxMessage, User
from tests.factories import PASSWORD, PDF, Upload, create_reference_data, create_user
from tests.snapshots import replayed

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=BAKU)


@pytest.fixture
def world(app):
    """Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("drafts service: world", _build_world)


def _build_world():
    districts = create_reference_data()
    resident = create_user("citizen@example.az", full_name="Aygün Həsənova", locale="ru")
    other = create_user("other@example.az", full_name="Nurlan Sadıqov")
    return {"gnc": districts["GNC"].id, "msl": districts["MSL"].id, "resident": resident.id, "other": other.id}


def saved(user_id: int, district_id: int | None = None, now: datetime = NOW, uploads=None, **data) -> int:
    user = db.session.get(User, user_id)
    draft = drafts.save(user, drafts.DraftInput(kind="appeal", data={"subject": "Su", **data}, title="Su",
                                                district_id=district_id, uploads=uploads), now=now)
    return draft.id


def test_a_saved_draft_keeps_answers_and_files_for_thirty_days(app, ctx, world):
    draft_id = saved(world["resident"], world["gnc"], uploads={"attachments": [Upload("letter.pdf", PDF)]},
                     text="Üç gündür")
    draft = db.session.get(Draft, draft_id)
    assert draft.data == {"subject": "Su", "text": "Üç gündür"} and draft.expires_at == NOW + timedelta(days=30)
    assert [f.original_name for f in draft.files] == ["letter.pdf"]
    assert os.listdir(app.config["ATTACHMENTS_DIR"]) == [draft.files[0].stored_name]


def test_a_bad_file_saves_nothing(app, ctx, world):
    with pytest.raises(Invalid) as refused:
        saved(world["resident"], uploads={"attachments": [Upload("ok.pdf", PDF), Upload("x.pdf", b"MZ" * 40)]})
    assert "attachments" in refused.value.errors
    assert db.session.scalar(select(func.count()).select_from(Draft)) == 0
    assert os.listdir(app.config["ATTACHMENTS_DIR"]) == []


def test_another_residents_draft_is_not_found(ctx, world):
    draft_id = saved(world["resident"])
    other = db.session.get(User, world["other"])
    with pytest.raises(NotFound):
        drafts.get_own(other, draft_id, "appeal")
    with pytest.raises(NotFound):
        drafts.discard(other, draft_id)
    with pytest.raises(NotFound):
        drafts.get_own(db.session.get(User, world["resident"]), draft_id, "application")


def test_reminded_once_three_days_before_then_expired(app, ctx, world):
    draft_id = saved(world["resident"], world["gnc"], uploads={"attachments": [Upload("letter.pdf", PDF)]})
    kept = db.session.get(Draft, draft_id).files[0].stored_name
    early = NOW + timedelta(days=26, hours=23)
    assert drafts_service.remind(early) == 0
    reminder_time = NOW + timedelta(days=27, hours=1)
    assert drafts_service.remind(reminder_time) == 1
    assert drafts_service.remind(reminder_time + timedelta(hours=5)) == 0  # once
    note = db.session.scalar(select(Notification).where(Notification.kind == "draft.expiring"))
    assert note.user_id == world["resident"] and "Su" in note.text and note.link == "/cabinet/drafts"
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "citizen@example.az"))
    assert mail is not None and "Su" in mail.body
    assert drafts_service.due_to_expire(NOW + timedelta(days=29)) == []
    expiry = NOW + timedelta(days=30, minutes=1)
    assert drafts_service.due_to_expire(expiry) == [draft_id]
    assert drafts_service.expire_one(draft_id, expiry) == 1
    assert drafts_service.expire_one(draft_id, expiry) == 0  # idempotent
    draft = db.session.get(Draft, draft_id)
    assert (draft.status, draft.data, draft.ended_at) == ("expired", {}, expiry)
    assert db.session.scalar(select(func.count()).select_from(DraftFile)) == 0
    assert kept not in os.listdir(app.config["ATTACHMENTS_DIR"])


def test_saving_again_moves_the_expiry_and_asks_for_a_new_reminder(ctx, world):
    draft_id = saved(world["resident"])
    assert drafts_service.remind(NOW + timedelta(days=28)) == 1
    resident = db.session.get(User, world["resident"])
    later = NOW + timedelta(days=28, hours=2)
    drafts.save(resident, drafts.DraftInput(kind="appeal", data={"subject": "Su"}), draft_id, now=later)
    draft = db.session.get(Draft, draft_id)
    assert draft.expires_at == later + drafts.LIFETIME and draft.reminded_at is None
    assert drafts_service.due_to_expire(NOW + timedelta(days=31)) == []


def test_the_daily_job_reminds_and_expires_and_is_recorded(app, runner, world):
    with app.app_context():
        now = drafts.utcnow()
        old = saved(world["resident"], now=now - timedelta(days=31))
        soon = saved(world["resident"], now=now - timedelta(days=28))
        fresh = saved(world["resident"], now=now)
    result = runner.invoke(args=["drafts", "expire"])
    assert result.exit_code == 0 and "expired 1" in result.output and "Reminded 1" in result.output
    again = runner.invoke(args=["drafts", "expire"])
    assert "Reminded 0" in again.output and "expired 0" in again.output
    with app.app_context():
        assert [db.session.get(Draft, i).status for i in (old, soon, fresh)] == ["expired", "open", "open"]
        runs = db.session.scalars(select(CommandRun).where(CommandRun.name == "drafts expire")).all()
        assert [r.summary for r in runs] == ["1 reminded, 1 expired", "0 reminded, 0 expired"]
    assert scheduled.job("drafts expire").run is scheduled.expire_drafts


def test_closing_the_account_discards_drafts_and_their_files(app, ctx, world):
    draft_id = saved(world["resident"], uploads={"attachments": [Upload("letter.pdf", PDF)]})
    other_id = saved(world["other"], uploads={"attachments": [Upload("mine.pdf", PDF)]})
    resident = db.session.get(User, world["resident"])
    mydata.close_account(resident, PASSWORD)
    draft = db.session.get(Draft, draft_id)
    assert (draft.status, draft.data) == ("discarded", {}) and draft.ended_at is not None
    left = db.session.scalars(select(DraftFile)).all()
    assert [f.draft_id for f in left] == [other_id]
    assert os.listdir(app.config["ATTACHMENTS_DIR"]) == [left[0].stored_name]
    assert db.session.get(Draft, other_id).status == "open"


def test_open_drafts_are_in_the_residents_data(ctx, world):
    saved(world["resident"], world["gnc"], uploads={"attachments": [Upload("letter.pdf", PDF)]}, text="Mətn")
    ended = saved(world["resident"])
    drafts.discard(db.session.get(User, world["resident"]), ended)
    added = []

    def add_file(stored_name, path):
        added.append(path)
        return path

    data = mydata.collect(db.session.get(User, world["resident"]), add_file)
    assert len(data["drafts"]) == 1
    only = data["drafts"][0]
    assert only["answers"] == {"subject": "Su", "text": "Mətn"} and only["kind"] == "appeal"
    assert only["files"] == added and added[0].endswith("letter.pdf")


def test_completion_figures_equal_a_direct_count_of_random_drafts(ctx, world):
    rng = random.Random(19)
    districts = [world["gnc"], world["msl"], None]
    start, end = date(2026, 2, 1), date(2026, 2, 28)
    expected: dict = {}
    for _ in range(120):
        created = datetime(2026, 1, 20, tzinfo=BAKU) + timedelta(minutes=rng.randrange(0, 60 * 24 * 50))
        status = rng.choice(["open", "submitted", "expired", "discarded"])
        district = rng.choice(districts)
        db.session.add(Draft(citizen_id=world["resident"], kind=rng.choice(["appeal", "application"]), status=status,
                             district_id=district, data={}, created_at=created, updated_at=created,
                             expires_at=created + drafts.LIFETIME))
        if start <= local_date(created) <= end:
            row = expected.setdefault(district, {"started": 0, "open": 0, "submitted": 0, "expired": 0,
                                                 "discarded": 0})
            row["started"] += 1
            row[status] += 1
    db.session.commit()
    figures = drafts.completion_figures(start, end)
    assert {k: vars(v) for k, v in figures.items()} == expected
    gnc = drafts.completion_figures(start, end, world["gnc"])
    assert list(gnc) == [world["gnc"]] and vars(gnc[world["gnc"]]) == expected[world["gnc"]]
    national = sum(figures.values(), drafts.CompletionFigures())
    decided = national.submitted + national.expired + national.discarded
    assert national.started == sum(r["started"] for r in expected.values())
    assert national.rate == pytest.approx(national.submitted / decided)
    # A district with nothing started is there, with no rate.
    empty = drafts.completion_figures(date(2030, 1, 1), date(2030, 1, 31), world["gnc"])[world["gnc"]]
    assert empty.started == 0 and empty.rate is None


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="simultaneous sending is tested on PostgreSQL (SQLite serialises writers)")
def test_a_draft_sent_twice_at_the_same_moment_files_one_appeal(app, world):
    import threading

    from app.appeals import service as appeals
    from app.models import Appeal, Attachment, Category

    with app.test_request_context():
        category_id = db.session.scalars(select(Category.id).order_by(Category.id)).first()
        draft_id = saved(world["resident"], world["gnc"], uploads={"attachments": [Upload("letter.pdf", PDF)]})
        db.session.remove()
    barrier = threading.Barrier(5)
    numbers, errors = [], []

    def send() -> None:
        with app.test_request_context():
            try:
                resident = db.session.get(User, world["resident"])
                data = appeals.AppealInput(
                    district_id=world["gnc"], category_id=category_id, kind="complaint", subject="Su",
                    text="Su yoxdur.", applicant_name="Aygün Həsənova", applicant_phone="+994 50 123 45 67",
                    submission_token="same-draft", draft_id=draft_id)
                db.session.close()
                barrier.wait()
                numbers.append(appeals.file_appeal(resident, data).number)
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=send) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and len(set(numbers)) == 1 and len(numbers) == 5
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Appeal)) == 1
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 1
        assert db.session.get(Draft, draft_id).status == "submitted"
